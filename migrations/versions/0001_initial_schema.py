"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "academie",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_academie")),
        sa.UniqueConstraint("code", name=op.f("uq_academie_code")),
    )
    op.create_table(
        "change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.Column("login", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("table_name", sa.String(length=60), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=60), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("batch", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change")),
    )
    with op.batch_alter_table("change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_batch"), ["batch"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_row_id"), ["row_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_table_name"), ["table_name"], unique=False)

    op.create_table(
        "funder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "kind IN ('etat', 'region', 'collectivite', 'ue', 'operateur', 'autre')",
            name=op.f("ck_funder_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funder")),
        sa.UniqueConstraint("code", name=op.f("uq_funder_code")),
    )
    op.create_table(
        "strategic_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategic_line")),
        sa.UniqueConstraint("number", name=op.f("uq_strategic_line_number")),
    )
    op.create_table(
        "axis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("is_priority", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["strategic_line.id"],
            name=op.f("fk_axis_line_id_strategic_line"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_axis")),
        sa.UniqueConstraint("number", name=op.f("uq_axis_number")),
    )
    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("academie_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(code) BETWEEN 2 AND 3", name=op.f("ck_department_code_length")),
        sa.ForeignKeyConstraint(
            ["academie_id"],
            ["academie.id"],
            name=op.f("fk_department_academie_id_academie"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department")),
        sa.UniqueConstraint("code", name=op.f("uq_department_code")),
    )
    op.create_table(
        "establishment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uai", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=True),
        sa.Column("sector", sa.String(length=10), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("postal_code", sa.String(length=10), nullable=True),
        sa.Column("commune", sa.String(length=200), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("academie_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "sector IS NULL OR sector IN ('public', 'prive')", name=op.f("ck_establishment_sector")
        ),
        sa.CheckConstraint("length(uai) = 8", name=op.f("ck_establishment_uai_length")),
        sa.ForeignKeyConstraint(
            ["academie_id"],
            ["academie.id"],
            name=op.f("fk_establishment_academie_id_academie"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_establishment_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_establishment")),
        sa.UniqueConstraint("uai", name=op.f("uq_establishment_uai")),
    )
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "kind IN ('universite', 'ecole', 'organisme_recherche', 'cmq', 'pft', 'crt', 'cdt', 'association', 'entreprise', 'collectivite', 'etat', 'operateur', 'autre')",
            name=op.f("ck_organisation_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_organisation_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("code", name=op.f("uq_organisation_code")),
    )
    op.create_table(
        "site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_site_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("code", name=op.f("uq_site_code")),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_name", sa.String(length=120), nullable=False),
        sa.Column("first_name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "length(trim(last_name)) > 0", name=op.f("ck_person_last_name_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_person_site_id_site"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_last_name"), ["last_name"], unique=False)

    op.create_table(
        "unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("acronym", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "kind IN ('region', 'rectorat', 'cabinet', 'secretariat', 'comite', 'pole', 'direction', 'service', 'departement', 'mission')",
            name=op.f("ck_unit_kind"),
        ),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> id", name=op.f("ck_unit_not_own_parent")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["unit.id"], name=op.f("fk_unit_parent_id_unit"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_unit_site_id_site"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("code", name=op.f("uq_unit_code")),
    )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "position",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=20), server_default="member", nullable=False),
        sa.Column("is_interim", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "role IN ('head', 'deputy', 'site_manager', 'member', 'advisor')",
            name=op.f("ck_position_role"),
        ),
        sa.CheckConstraint(
            "end_on IS NULL OR start_on IS NULL OR end_on >= start_on",
            name=op.f("ck_position_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_position_person_id_person"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_position_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position")),
    )
    with op.batch_alter_table("position", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_position_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_position_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("family", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="en_cours", nullable=False),
        sa.Column("lead_unit_id", sa.Integer(), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("beneficiary", sa.Text(), nullable=True),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "family IN ('france2030', 'cper', 'pia', 'fse', 'erasmus', 'national', 'regional', 'europe', 'autre')",
            name=op.f("ck_programme_family"),
        ),
        sa.CheckConstraint(
            "kind IN ('programme', 'dispositif', 'appel', 'projet', 'action', 'operation')",
            name=op.f("ck_programme_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('prevu', 'en_cours', 'termine', 'suspendu')",
            name=op.f("ck_programme_status"),
        ),
        sa.CheckConstraint(
            "end_on IS NULL OR start_on IS NULL OR end_on >= start_on",
            name=op.f("ck_programme_dates"),
        ),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> id", name=op.f("ck_programme_not_own_parent")
        ),
        sa.ForeignKeyConstraint(
            ["lead_unit_id"],
            ["unit.id"],
            name=op.f("fk_programme_lead_unit_id_unit"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["programme.id"],
            name=op.f("fk_programme_parent_id_programme"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme")),
        sa.UniqueConstraint("code", name=op.f("uq_programme_code")),
    )
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_programme_lead_unit_id"), ["lead_unit_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_programme_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "unit_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_unit_id", sa.Integer(), nullable=False),
        sa.Column("to_unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), server_default="fonctionnel", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("kind IN ('fonctionnel')", name=op.f("ck_unit_link_kind")),
        sa.CheckConstraint("from_unit_id <> to_unit_id", name=op.f("ck_unit_link_distinct_units")),
        sa.ForeignKeyConstraint(
            ["from_unit_id"],
            ["unit.id"],
            name=op.f("fk_unit_link_from_unit_id_unit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_unit_id"],
            ["unit.id"],
            name=op.f("fk_unit_link_to_unit_id_unit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_link")),
    )
    op.create_table(
        "declared_total",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("funder_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=True),
        sa.Column("period", sa.String(length=9), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "stage IS NULL OR stage IN ('planned', 'committed', 'paid')",
            name=op.f("ck_declared_total_stage"),
        ),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_declared_total_amount_not_negative")),
        sa.CheckConstraint(
            "period IS NULL OR length(period) = 4 OR length(period) = 9",
            name=op.f("ck_declared_total_period"),
        ),
        sa.ForeignKeyConstraint(
            ["funder_id"],
            ["funder.id"],
            name=op.f("fk_declared_total_funder_id_funder"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_declared_total_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declared_total")),
    )
    with op.batch_alter_table("declared_total", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declared_total_programme_id"), ["programme_id"], unique=False
        )

    op.create_table(
        "funding_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("funder_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("stage", sa.String(length=10), server_default="planned", nullable=False),
        sa.Column("period", sa.String(length=9), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "stage IN ('planned', 'committed', 'paid')", name=op.f("ck_funding_line_stage")
        ),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_funding_line_amount_not_negative")),
        sa.CheckConstraint(
            "period IS NULL OR length(period) = 4 OR length(period) = 9",
            name=op.f("ck_funding_line_period"),
        ),
        sa.ForeignKeyConstraint(
            ["funder_id"],
            ["funder.id"],
            name=op.f("fk_funding_line_funder_id_funder"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_funding_line_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_line")),
    )
    with op.batch_alter_table("funding_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funding_line_funder_id"), ["funder_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_funding_line_programme_id"), ["programme_id"], unique=False
        )

    op.create_table(
        "indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_indicator_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator")),
        sa.UniqueConstraint("programme_id", "code", name=op.f("uq_indicator_programme_id_code")),
    )
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_programme_id"), ["programme_id"], unique=False
        )

    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("precision", sa.String(length=10), server_default="jour", nullable=False),
        sa.Column("done", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "precision IN ('jour', 'mois', 'annee')", name=op.f("ck_milestone_precision")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_milestone_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone")),
    )
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestone_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_milestone_programme_id"), ["programme_id"], unique=False
        )

    op.create_table(
        "programme_axis",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("axis_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["axis_id"],
            ["axis.id"],
            name=op.f("fk_programme_axis_axis_id_axis"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_axis_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", "axis_id", name=op.f("pk_programme_axis")),
    )
    op.create_table(
        "programme_department",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_programme_department_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_department_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "programme_id", "department_id", name=op.f("pk_programme_department")
        ),
    )
    op.create_table(
        "programme_establishment",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_programme_establishment_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_establishment_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "programme_id", "establishment_id", name=op.f("pk_programme_establishment")
        ),
    )
    op.create_table(
        "programme_partner",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_programme_partner_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_partner_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "programme_id", "organisation_id", name=op.f("pk_programme_partner")
        ),
    )
    op.create_table(
        "indicator_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=9), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "kind IN ('baseline', 'target', 'actual')", name=op.f("ck_indicator_value_kind")
        ),
        sa.CheckConstraint(
            "length(period) = 4 OR length(period) = 9", name=op.f("ck_indicator_value_period")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_indicator_value_indicator_id_indicator"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_value")),
        sa.UniqueConstraint(
            "indicator_id",
            "period",
            "kind",
            name=op.f("uq_indicator_value_indicator_id_period_kind"),
        ),
    )
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_value_indicator_id"), ["indicator_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_value_indicator_id"))

    op.drop_table("indicator_value")
    op.drop_table("programme_partner")
    op.drop_table("programme_establishment")
    op.drop_table("programme_department")
    op.drop_table("programme_axis")
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_programme_id"))
        batch_op.drop_index(batch_op.f("ix_milestone_due_on"))

    op.drop_table("milestone")
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_programme_id"))

    op.drop_table("indicator")
    with op.batch_alter_table("funding_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_line_programme_id"))
        batch_op.drop_index(batch_op.f("ix_funding_line_funder_id"))

    op.drop_table("funding_line")
    with op.batch_alter_table("declared_total", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declared_total_programme_id"))

    op.drop_table("declared_total")
    op.drop_table("unit_link")
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_parent_id"))
        batch_op.drop_index(batch_op.f("ix_programme_lead_unit_id"))

    op.drop_table("programme")
    with op.batch_alter_table("position", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_position_unit_id"))
        batch_op.drop_index(batch_op.f("ix_position_person_id"))

    op.drop_table("position")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_parent_id"))

    op.drop_table("unit")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_last_name"))

    op.drop_table("person")
    op.drop_table("site")
    op.drop_table("organisation")
    op.drop_table("establishment")
    op.drop_table("department")
    op.drop_table("axis")
    op.drop_table("strategic_line")
    op.drop_table("funder")
    with op.batch_alter_table("change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_table_name"))
        batch_op.drop_index(batch_op.f("ix_change_row_id"))
        batch_op.drop_index(batch_op.f("ix_change_batch"))

    op.drop_table("change")
    op.drop_table("academie")
