"""directory search index (PostgreSQL trigrams)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

On PostgreSQL the directory search compares folded text with LIKE '%word%' (see
desktop/services/directory/search.py; SQLite uses the FTS5 index of migration 0002). Without an
index every keystroke scanned the people, posts and units with translate(): 1.6 s per keystroke
at 100 000 people, against 47 ms on SQLite. Trigram GIN indexes (the pg_trgm extension, shipped
with PostgreSQL) on exactly the folded expressions bring it back to tens of milliseconds.

The indexed expression must stay identical to the one the search builds (_folded_postgresql),
or PostgreSQL will not use the index: tests/test_postgres_faults.py checks that it does.
Where pg_trgm cannot be created (an old server, an account without the right) nothing is done
and the search still works, only slower. Nothing on SQLite.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of directory_search._ACCENTED and _PLAIN at the time of this migration.
ACCENTED = "àáâãäåāçćčèéêëēėęìíîïīñńòóôõöøōùúûüūýÿžšß"
PLAIN = "aaaaaaaccceeeeeeeiiiiinnooooooouuuuuyyzss"
# index name -> (table, column)
INDEXES = {
    "ix_person_last_name_trgm": ("person", "last_name"),
    "ix_person_first_name_trgm": ("person", "first_name"),
    "ix_position_title_trgm": ("position", "title"),
    "ix_unit_acronym_trgm": ("unit", "acronym"),
    "ix_unit_name_trgm": ("unit", "name"),
}


def _trigrams_available(conn) -> bool:
    """pg_trgm is installed, or this account may install it (trusted since PostgreSQL 13)."""
    if conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").scalar():
        return True
    allowed = conn.exec_driver_sql(
        "SELECT has_database_privilege(current_database(), 'CREATE') AND ("
        " (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
        " OR coalesce((SELECT bool_or(trusted) FROM pg_available_extension_versions"
        "  WHERE name = 'pg_trgm'), false))"
    ).scalar()
    if not allowed:
        return False
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    return True


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql" or not _trigrams_available(conn):
        return
    for index, (table, column) in INDEXES.items():
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin "
            f"(translate(lower({column}), '{ACCENTED}', '{PLAIN}') gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for index in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {index}")
