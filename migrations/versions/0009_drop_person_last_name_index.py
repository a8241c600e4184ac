"""person: the plain index on last_name goes

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26

No query reads it any more: the directory sorts on `sort_key` (0005), SQLite searches names in
its FTS5 index (0002) and PostgreSQL in the stored search columns (0007). It still cost every
write of a person, and 30 ms plus 3 MB of journal to each large import.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_person_last_name", table_name="person")


def downgrade() -> None:
    op.create_index("ix_person_last_name", "person", ["last_name"], unique=False)
