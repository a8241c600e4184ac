"""Test-only migration (its down_revision is set to our newest by the test): rebuilds the parent table `unit` the way a batch migration does on SQLite
(create a copy, copy rows, DROP the original, rename), which fires ON DELETE actions on children
when foreign keys are on."""

import sqlalchemy as sa
from alembic import op

revision = "t002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unit", recreate="always") as batch:
        batch.add_column(sa.Column("website", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("unit", recreate="always") as batch:
        batch.drop_column("website")
