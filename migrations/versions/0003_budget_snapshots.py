"""budget snapshots (frozen situations)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

« Arrêter la situation au … » copies the funding figures, summed per programme × funder × stage
× period, into `budget_snapshot_line` under one `budget_snapshot`. Names and codes are copied,
not referenced, so a snapshot survives later renames and deletions.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "budget_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("login", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_snapshot")),
        sa.UniqueConstraint("label", name=op.f("uq_budget_snapshot_label")),
    )
    op.create_table(
        "budget_snapshot_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("programme_code", sa.String(length=60), nullable=False),
        sa.Column("programme_name", sa.String(length=300), nullable=False),
        sa.Column("funder_code", sa.String(length=40), nullable=False),
        sa.Column("funder_name", sa.String(length=200), nullable=False),
        sa.Column("funder_kind", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=9), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "amount_cents >= 0", name=op.f("ck_budget_snapshot_line_amount_not_negative")
        ),
        sa.CheckConstraint(
            "stage IN ('planned', 'committed', 'paid')", name=op.f("ck_budget_snapshot_line_stage")
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["budget_snapshot.id"],
            name=op.f("fk_budget_snapshot_line_snapshot_id_budget_snapshot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_snapshot_line")),
    )
    op.create_index(
        op.f("ix_budget_snapshot_line_snapshot_id"),
        "budget_snapshot_line",
        ["snapshot_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_budget_snapshot_line_snapshot_id"), table_name="budget_snapshot_line")
    op.drop_table("budget_snapshot_line")
    op.drop_table("budget_snapshot")
