"""global identities of the exchangeable rows, and what a base knows of its exchanges

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08

1. Every audited table gets `uuid` (text, 36 characters, unique, not null), filled for the rows
   already there: the identity a row keeps in every copy of the base, through which an offline
   copy's changes find their rows again (services/exchange). The application sets it (a column
   default, models/base.py); a server default gives one to rows written by any other means
   (psql, sqlite3, a script) too. On SQLite the column is added,
   filled, then made NOT NULL and unique by a batch rebuild (foreign keys off, desktop.db), and
   the full-text triggers that a rebuild drops are put back. On PostgreSQL the audit trigger
   of updates is switched off while the column is filled, so that filling it is no change of
   anyone's in the history.
2. `exchange_identity` (this base's own identity, written at its first exchange: a new base
   stays empty, so that `copy` can still fill it), `exchange_partner` (the bases
   it exchanges with, and where both histories stand) and `exchange_receipt` (the packages it
   merged).
3. PostgreSQL: `pilotis_exchange_authors(json)`, run with its owner's rights, lets a merge put
   back the original author and time on the history records it is writing — only those of the
   current transaction's own batch, so nobody can rewrite anyone else's records.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here: the audited tables at this revision (as in 0010).
AUDITED = (
    "site", "funder", "organisation", "establishment", "unit", "person", "position", "unit_link",
    "position_link", "axis", "programme", "milestone", "indicator", "indicator_value",
    "funding_line", "declared_total", "budget_snapshot",
)  # fmt: skip

# A version 4 UUID in SQLite's SQL (no uuid function there), formatted as Python writes one.
_SQLITE_UUID = (
    "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || "
    "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || "
    "lower(hex(randomblob(6)))"
)

# Frozen copy of 0002's FTS5 triggers: a batch rebuild of their table drops them.
FTS_INDEXES = {
    "person_fts": ("person", ("last_name", "first_name")),
    "unit_fts": ("unit", ("acronym", "name")),
    "position_fts": ("position", ("title",)),
}


def _fts_triggers(index: str, table: str, columns: tuple[str, ...]) -> list[str]:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    delete = f"INSERT INTO {index} ({index}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {index} (rowid, {cols}) VALUES (new.id, {new});"
    watched = ", ".join(columns)
    return [
        f"CREATE TRIGGER IF NOT EXISTS {index}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_au AFTER UPDATE OF {watched} ON {table} "
        f"BEGIN {delete} {insert} END",
    ]


def _restore_fts_triggers(table: str) -> None:
    conn = op.get_bind()
    for index, (content, columns) in FTS_INDEXES.items():
        exists = conn.exec_driver_sql(
            f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{index}'"
        ).scalar()
        if content == table and exists:
            for statement in _fts_triggers(index, table, columns):
                op.execute(statement)


_AUTHORS = """
CREATE OR REPLACE FUNCTION pilotis_exchange_authors(entries json) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = @schema@, pg_temp AS $$
DECLARE
    b text := pilotis_history_batch();
    fixed integer;
BEGIN
    -- entries: [{"id": change id, "login": …, "at": "2026-12-08T10:00:00"}, …]
    UPDATE change c SET login = left(e.login, 120), at = e.at
    FROM json_to_recordset(entries) AS e(id bigint, login text, at timestamp)
    WHERE c.id = e.id AND c.batch = b AND c.login = session_user
      AND c.at = transaction_timestamp()::timestamp;
    GET DIAGNOSTICS fixed = ROW_COUNT;
    RETURN fixed;
END
$$"""


def _add_uuids(dialect: str) -> None:
    for table in AUDITED:
        op.add_column(table, sa.Column("uuid", sa.String(36), nullable=True))
        if dialect == "postgresql":
            op.execute(f"ALTER TABLE {table} DISABLE TRIGGER pilotis_audit_update")
            op.execute(f"UPDATE {table} SET uuid = gen_random_uuid()::text")
            op.execute(f"ALTER TABLE {table} ENABLE TRIGGER pilotis_audit_update")
            op.alter_column(
                table, "uuid", existing_type=sa.String(36), nullable=False,
                server_default=sa.text("gen_random_uuid()::text"),
            )  # fmt: skip
            op.create_unique_constraint(f"uq_{table}_uuid", table, ["uuid"])
        else:
            op.execute(f"UPDATE {table} SET uuid = {_SQLITE_UUID}")
            with op.batch_alter_table(table) as batch:
                batch.alter_column(
                    "uuid", existing_type=sa.String(36), nullable=False,
                    server_default=sa.text(f"({_SQLITE_UUID})"),
                )  # fmt: skip
                batch.create_unique_constraint(f"uq_{table}_uuid", ["uuid"])
            _restore_fts_triggers(table)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _add_uuids(dialect)
    op.create_table(
        "exchange_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_identity")),
        sa.UniqueConstraint("uuid", name=op.f("uq_exchange_identity_uuid")),
    )
    op.create_table(
        "exchange_partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_uuid", sa.String(36), nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("received_upto", sa.Integer(), nullable=False),
        sa.Column("acked_upto", sa.Integer(), nullable=False),
        sa.Column("sent_upto", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_partner")),
        sa.UniqueConstraint("partner_uuid", name=op.f("uq_exchange_partner_partner_uuid")),
    )
    op.create_table(
        "exchange_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("package_uuid", sa.String(36), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(40), nullable=True),
        sa.Column("since", sa.Integer(), nullable=False),
        sa.Column("upto", sa.Integer(), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.Column("login", sa.String(120), nullable=False),
        sa.Column("report", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["exchange_partner.id"],
            name=op.f("fk_exchange_receipt_partner_id_exchange_partner"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_receipt")),
        sa.UniqueConstraint("package_uuid", name=op.f("uq_exchange_receipt_package_uuid")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_exchange_receipt_partner_id"), "exchange_receipt", ["partner_id"], unique=False
    )
    op.create_index(op.f("ix_exchange_receipt_batch"), "exchange_receipt", ["batch"], unique=False)
    if dialect == "postgresql":
        schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar()
        op.execute(_AUTHORS.replace("@schema@", schema))
        op.execute("REVOKE ALL ON FUNCTION pilotis_exchange_authors(json) FROM PUBLIC")
        op.execute(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pilotis_editeur') "
            "THEN GRANT EXECUTE ON FUNCTION pilotis_exchange_authors(json) TO pilotis_editeur; "
            "END IF; END $$"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS pilotis_exchange_authors(json)")
    op.drop_table("exchange_receipt")
    op.drop_table("exchange_partner")
    op.drop_table("exchange_identity")
    for table in AUDITED:
        if dialect == "postgresql":
            op.drop_constraint(f"uq_{table}_uuid", table, type_="unique")
            op.drop_column(table, "uuid")
        else:
            with op.batch_alter_table(table) as batch:
                batch.drop_constraint(f"uq_{table}_uuid", type_="unique")
                batch.drop_column("uuid")
            _restore_fts_triggers(table)
