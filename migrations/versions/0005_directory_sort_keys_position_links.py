"""directory sort keys, post links, PostgreSQL prefix search

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

1. `sort_key` on person, unit and position: the name (« NOM Prénom »), the unit's acronym or
   name and the post title folded for sorting — lower case, no accents, ligatures spelled out,
   spaces/hyphens/apostrophes dropped — so « Émile » sorts with the E, not after Z, and every
   column of the people table sorts through an index (ORDER BY … LIMIT) instead of sorting
   100 000 rows per page. Plain columns filled here for the rows already there, then kept by the
   application (desktop/models/directory.py: column defaults, a before_update listener, the bulk
   paths): the same key on both databases, and cheap — a generated column computing this in SQL
   on SQLite (no translate() there) made every insert of a person ten times slower.
   Indexes on the people's e-mail and phone sort those columns the same way.
2. `position_link`: a functional (dotted-line) link between two posts, beside unit_link.
3. PostgreSQL without pg_trgm only: btree indexes (text_pattern_ops) on the folded names the
   search uses, for searches of one or two letters, which match word starts (`LIKE 'ma%'`,
   `'% ma%'`…; trigrams need three letters for `'%ma%'`). Where the trigram indexes of 0004
   exist they serve these patterns already (measured: PostgreSQL chose them over btree indexes
   on the same expressions), so the btree ones are not created there.

The folding functions are frozen copies of desktop/models/directory.sort_fold and of
directory_search._folded_postgresql at the time of this migration.
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of desktop/models/directory.sort_fold at the time of this migration.
_SPELLED = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l",
                          " ": None, "-": None, "'": None, "’": None, ".": None})  # fmt: skip


def _fold(text: str | None) -> str:
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_SPELLED)


# The folding of the search (0004), for the PostgreSQL prefix indexes.
ACCENTED = "àáâãäåāçćčèéêëēėęìíîïīñńòóôõöøōùúûüūýÿžšß"
PLAIN = "aaaaaaaccceeeeeeeiiiiinnooooooouuuuuyyzss"
PREFIX_INDEXES = {
    "ix_person_last_name_prefix": ("person", "last_name"),
    "ix_person_first_name_prefix": ("person", "first_name"),
}


# table -> (length of the key, its source columns)
SORT_KEYS = {
    "person": (250, ("last_name", "first_name")),
    "unit": (300, ("acronym", "name")),
    "position": (300, ("title",)),
}


def _key(table: str, values: tuple) -> str:
    if table == "unit":
        return _fold(values[0] or values[1])
    return " ".join(_fold(v) for v in values)


def _fill_sort_keys(table: str, length: int, sources: tuple[str, ...]) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(f"SELECT id, {', '.join(sources)} FROM {table}")).all()
    if rows:
        conn.execute(
            sa.text(f"UPDATE {table} SET sort_key = :key WHERE id = :id"),
            [{"id": r[0], "key": _key(table, tuple(r[1:]))[:length]} for r in rows],
        )


def _has_trigram_indexes() -> bool:
    found = op.get_bind().exec_driver_sql(
        "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_person_last_name_trgm'"
    )
    return bool(found.scalar())


# Frozen copy of 0002: FTS5 index -> (content table, indexed columns), and its triggers.
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


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, (length, sources) in SORT_KEYS.items():
        op.add_column(table, sa.Column("sort_key", sa.String(length=length), nullable=True))
        _fill_sort_keys(table, length, sources)
        op.create_index(op.f(f"ix_{table}_sort_key"), table, ["sort_key"], unique=False)
    op.create_index(
        op.f("ix_person_site_id_sort_key"), "person", ["site_id", "sort_key"], unique=False
    )
    op.create_index(op.f("ix_person_email"), "person", ["email"], unique=False)
    op.create_index(op.f("ix_person_phone"), "person", ["phone"], unique=False)

    op.create_table(
        "position_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_position_id", sa.Integer(), nullable=False),
        sa.Column("to_position_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), server_default="fonctionnel", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("kind IN ('fonctionnel')", name=op.f("ck_position_link_kind")),
        sa.CheckConstraint(
            "from_position_id <> to_position_id",
            name=op.f("ck_position_link_distinct_positions"),
        ),
        sa.ForeignKeyConstraint(
            ["from_position_id"],
            ["position.id"],
            name=op.f("fk_position_link_from_position_id_position"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_position_id"],
            ["position.id"],
            name=op.f("fk_position_link_to_position_id_position"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_link")),
    )
    op.create_index(
        op.f("ix_position_link_from_position_id"), "position_link", ["from_position_id"]
    )
    op.create_index(op.f("ix_position_link_to_position_id"), "position_link", ["to_position_id"])

    if dialect == "postgresql" and not _has_trigram_indexes():
        for index, (table, column) in PREFIX_INDEXES.items():
            op.execute(
                f"CREATE INDEX IF NOT EXISTS {index} ON {table} "
                f"(translate(lower({column}), '{ACCENTED}', '{PLAIN}') text_pattern_ops)"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for index in PREFIX_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {index}")
    op.drop_index(op.f("ix_position_link_to_position_id"), table_name="position_link")
    op.drop_index(op.f("ix_position_link_from_position_id"), table_name="position_link")
    op.drop_table("position_link")
    op.drop_index(op.f("ix_person_phone"), table_name="person")
    op.drop_index(op.f("ix_person_email"), table_name="person")
    op.drop_index(op.f("ix_person_site_id_sort_key"), table_name="person")
    for table in reversed(SORT_KEYS):
        op.drop_index(op.f(f"ix_{table}_sort_key"), table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("sort_key")
        if dialect == "sqlite":
            _restore_fts_triggers(table)
