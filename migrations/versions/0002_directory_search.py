"""directory search index (SQLite FTS5)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

Full-text indexes of people's names, post titles and unit acronyms/names, so that searching the
directory as one types stays fast at 100 000 people. They are external-content FTS5 tables kept
in step by triggers (so bulk inserts through Core, imports and undo are indexed too), with the
`unicode61 remove_diacritics 2` tokenizer: `bejean` finds BÉJEAN, `beziers` finds Béziers.

Only on SQLite built with FTS5; elsewhere (PostgreSQL) the directory service searches with LIKE
on folded text instead. A later batch migration that rebuilds `person`, `unit` or `position`
drops these triggers with the table and must create them again (see TRIGGERS below).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZER = "unicode61 remove_diacritics 2"
# index table -> (content table, indexed columns)
INDEXES = {
    "person_fts": ("person", ("last_name", "first_name")),
    "unit_fts": ("unit", ("acronym", "name")),
    "position_fts": ("position", ("title",)),
}


def _fts5_available(conn) -> bool:
    options = {row[0] for row in conn.exec_driver_sql("PRAGMA compile_options").fetchall()}
    return "ENABLE_FTS5" in options


def _triggers(index: str, table: str, columns: tuple[str, ...]) -> list[str]:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    delete = f"INSERT INTO {index} ({index}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {index} (rowid, {cols}) VALUES (new.id, {new});"
    watched = ", ".join(columns)
    return [
        f"CREATE TRIGGER {index}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {index}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {index}_au AFTER UPDATE OF {watched} ON {table} "
        f"BEGIN {delete} {insert} END",
    ]


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite" or not _fts5_available(conn):
        return
    for index, (table, columns) in INDEXES.items():
        op.execute(
            f"CREATE VIRTUAL TABLE {index} USING fts5({', '.join(columns)}, "
            f"content='{table}', content_rowid='id', tokenize='{TOKENIZER}')"
        )
        for statement in _triggers(index, table, columns):
            op.execute(statement)
        # Rows already in the file (an older database being upgraded) are indexed now.
        op.execute(f"INSERT INTO {index} ({index}) VALUES ('rebuild')")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    for index in INDEXES:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {index}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {index}")
