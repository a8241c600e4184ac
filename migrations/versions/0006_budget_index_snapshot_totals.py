"""budget covering index, frozen declared totals, undoable snapshots

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

1. `ix_funding_line_budget` (programme_id, funder_id, period, stage, amount_cents): the Budgets
   tab sums the lines per programme × funder × period; with this index the database reads it in
   order, without the table and without sorting 200 000 rows (SQLite and PostgreSQL).
2. `budget_snapshot_total`: the declared totals of a frozen situation, with the sum of their
   lines computed that day, so a synthesis printed from a snapshot keeps its « déclaré ≠
   calculé » section.
3. `budget_snapshot` gets the audit columns (created_at, updated_at, version: taking one is in
   the history) and `deleted_at`: deleting a situation only marks it, so Ctrl+Z brings it back;
   `totals_frozen` tells the situations taken from now on (with their totals) from older ones.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_funding_line_budget",
        "funding_line",
        ["programme_id", "funder_id", "period", "stage", "amount_cents"],
        unique=False,
    )
    with op.batch_alter_table("budget_snapshot", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "created_at",
                sa.DateTime(),
                server_default=sa.func.current_timestamp(),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "updated_at",
                sa.DateTime(),
                server_default=sa.func.current_timestamp(),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("totals_frozen", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "budget_snapshot_total",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("programme_code", sa.String(length=60), nullable=False),
        sa.Column("programme_name", sa.String(length=300), nullable=False),
        sa.Column("funder_code", sa.String(length=40), nullable=True),
        sa.Column("funder_kind", sa.String(length=20), nullable=True),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=True),
        sa.Column("period", sa.String(length=9), nullable=True),
        sa.Column("declared_cents", sa.BigInteger(), nullable=False),
        sa.Column("computed_cents", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "declared_cents >= 0", name=op.f("ck_budget_snapshot_total_declared_not_negative")
        ),
        sa.CheckConstraint(
            "stage IS NULL OR stage IN ('planned', 'committed', 'paid')",
            name=op.f("ck_budget_snapshot_total_stage"),
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["budget_snapshot.id"],
            name=op.f("fk_budget_snapshot_total_snapshot_id_budget_snapshot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_snapshot_total")),
    )
    op.create_index(
        op.f("ix_budget_snapshot_total_snapshot_id"),
        "budget_snapshot_total",
        ["snapshot_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_budget_snapshot_total_snapshot_id"), table_name="budget_snapshot_total")
    op.drop_table("budget_snapshot_total")
    with op.batch_alter_table("budget_snapshot", schema=None) as batch_op:
        batch_op.drop_column("totals_frozen")
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("version")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("created_at")
    op.drop_index("ix_funding_line_budget", table_name="funding_line")
