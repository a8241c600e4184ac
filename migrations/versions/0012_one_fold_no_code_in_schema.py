"""one fold for every search, and no code of Pilotis in the SQLite schema

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08

1. One fold. The directory and the programme search folded text in two ways: « Œuvrard » was
   `œuvrard` for one and `oeuvrard` for the other, « Straße » `straße` or `strasse`, so typing
   « oeuvrard » found nobody in the directory. Both now use desktop/services/common/folding.py
   (lower case, accents dropped, œ æ ß spelled oe ae ss). On PostgreSQL the generated columns of
   0007 and 0008 (person.search_name, position.search_title, programme.search_text and
   name_folded) and the unit trigram indexes of 0004 are made again on that fold, with their
   indexes.
2. SQLite, no code in the schema. The working connections now run with
   `PRAGMA trusted_schema = OFF`, so that a file from someone else cannot make SQLite run
   anything from its schema; SQLite then refuses a trigger that writes an FTS5 table (« unsafe
   use of virtual table »), which the full-text triggers of 0002 did. The indexes become
   ordinary FTS5 tables holding the folded text, fed by the application
   (services/common/search_index.py); the triggers left only note which rows changed, in the
   plain table `fts_pending`, so that no path is missed (forms, undo, imports, cascades, a
   script): the application indexes those rows before each commit. Nothing in the schema
   calls a function of Pilotis.

The fold is a frozen copy of folding.py at this revision.
"""

import unicodedata
from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# --- frozen copy of desktop/services/common/folding.py ----------------------------------------
_SPELLED = {
    "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ẞ": "ss", "ø": "o", "Ø": "o",
    "đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ħ": "h", "Ħ": "h", "ı": "i", "ŀ": "l", "Ŀ": "l",
    "ĸ": "k", "ŉ": "n", "’": "'", "‘": "'", "\u00a0": " ", "\u202f": " ",
}  # fmt: skip


def _mapping() -> dict[str, str]:
    table: dict[str, str] = {}
    for char in map(chr, range(0x00C0, 0x0180)):
        decomposed = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        ).lower()
        if decomposed != char and decomposed.isascii() and decomposed.isalnum():
            table[char] = decomposed
        elif char.lower() != char and len(char.lower()) == 1:
            table[char] = char.lower()
    table.update(_SPELLED)
    # Combining accents are dropped: text typed or saved decomposed (« e » + U+0301, as macOS
    # often writes files) folds as its composed form does.
    table.update(dict.fromkeys(map(chr, range(0x0300, 0x0370)), ""))
    return table


MAPPING = _mapping()
_TABLE = str.maketrans(MAPPING)


def _fold(value: object) -> str | None:
    return None if value is None else str(value).translate(_TABLE).lower()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _pg_fold(expression: str) -> str:
    single = {k: v for k, v in MAPPING.items() if len(v) == 1}
    # translate() deletes the characters of its second argument beyond the third's length.
    dropped = "".join(k for k, v in MAPPING.items() if not v)
    plain, spelled_as = _literal("".join(single) + dropped), _literal("".join(single.values()))
    sql = f"translate({expression}, {plain}, {spelled_as})"
    for char, spelled in MAPPING.items():
        if len(spelled) > 1:
            sql = f"replace({sql}, {_literal(char)}, {_literal(spelled)})"
    return f"lower({sql})"


# --- SQLite -----------------------------------------------------------------------------------

TOKENIZER = "unicode61 remove_diacritics 2"
PENDING = "fts_pending"
# index table -> (content table, indexed columns), as in 0002
INDEXES = {
    "person_fts": ("person", ("last_name", "first_name")),
    "unit_fts": ("unit", ("acronym", "name")),
    "position_fts": ("position", ("title",)),
}


def _old_triggers(index: str, table: str, columns: tuple[str, ...]) -> list[str]:
    """The full-text triggers of 0002 (for the downgrade)."""
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    delete = f"INSERT INTO {index} ({index}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {index} (rowid, {cols}) VALUES (new.id, {new});"
    return [
        f"CREATE TRIGGER {index}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {index}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {index}_au AFTER UPDATE OF {cols} ON {table} BEGIN {delete} {insert} END",
    ]


def _pending_triggers(index: str, table: str, columns: tuple[str, ...]) -> list[str]:
    """Triggers that only note the row: they write a plain table and call no function, which
    SQLite allows under trusted_schema OFF."""

    def note(row: str) -> str:
        return f"INSERT INTO {PENDING} (index_name, row_id) VALUES ('{index}', {row}.id);"

    return [
        f"CREATE TRIGGER {index}_ai AFTER INSERT ON {table} BEGIN {note('new')} END",
        f"CREATE TRIGGER {index}_ad AFTER DELETE ON {table} BEGIN {note('old')} END",
        f"CREATE TRIGGER {index}_au AFTER UPDATE OF {', '.join(columns)} ON {table} "
        f"BEGIN {note('new')} END",
    ]


def _fts5_available(conn) -> bool:
    options = {row[0] for row in conn.exec_driver_sql("PRAGMA compile_options").fetchall()}
    return "ENABLE_FTS5" in options


def _sqlite_upgrade(conn) -> None:
    op.execute(
        f"CREATE TABLE {PENDING} (id INTEGER PRIMARY KEY, index_name VARCHAR(20) NOT NULL, "
        "row_id INTEGER NOT NULL)"
    )
    if not _fts5_available(conn):
        return
    conn.connection.driver_connection.create_function(
        "pilotis_fold_0012", 1, _fold, deterministic=True
    )
    for index, (table, columns) in INDEXES.items():
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {index}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {index}")
        op.execute(
            f"CREATE VIRTUAL TABLE {index} USING fts5({', '.join(columns)}, tokenize='{TOKENIZER}')"
        )
        folded = ", ".join(f"pilotis_fold_0012({c})" for c in columns)
        op.execute(
            f"INSERT INTO {index} (rowid, {', '.join(columns)}) SELECT id, {folded} FROM {table}"
        )
        for statement in _pending_triggers(index, table, columns):
            op.execute(statement)


def _sqlite_downgrade(conn) -> None:
    if _fts5_available(conn):
        for index, (table, columns) in INDEXES.items():
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {index}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {index}")
            op.execute(
                f"CREATE VIRTUAL TABLE {index} USING fts5({', '.join(columns)}, "
                f"content='{table}', content_rowid='id', tokenize='{TOKENIZER}')"
            )
            for statement in _old_triggers(index, table, columns):
                op.execute(statement)
            op.execute(f"INSERT INTO {index} ({index}) VALUES ('rebuild')")
    op.execute(f"DROP TABLE IF EXISTS {PENDING}")


# --- PostgreSQL -------------------------------------------------------------------------------

SEP = "|"  # between the folded last and first names (0007)


def _generated(name_fold, text_fold) -> dict[str, list[tuple[str, str]]]:
    """table -> [(generated column, its folded expression)]."""
    return {
        "person": [
            ("search_name", f"{name_fold('last_name')} || '{SEP}' || {name_fold('first_name')}")
        ],
        "position": [("search_title", name_fold("title"))],
        "programme": [
            ("search_text", text_fold("code || ' ' || name || ' ' || coalesce(beneficiary, '')")),
            ("name_folded", text_fold("name")),
        ],
    }


# Indexes on those columns: (name, table, column, method) — made again with their column.
TRIGRAM = [
    ("ix_person_search_name_trgm", "person", "search_name"),
    ("ix_position_search_title_trgm", "position", "search_title"),
    ("ix_programme_search_text_trgm", "programme", "search_text"),
]
PREFIX = [("ix_person_search_name_prefix", "person", "search_name")]  # without pg_trgm (0007)
PLAIN = [("ix_programme_name_folded", "programme", "name_folded")]
# 0004's trigram indexes on the units' folded acronym and name, matched by the query's text.
UNIT_TRIGRAM = {"ix_unit_acronym_trgm": "acronym", "ix_unit_name_trgm": "name"}


def _postgresql(conn, generated: dict, fold) -> None:
    trigrams = bool(
        conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").scalar()
    )
    for table, columns in generated.items():
        for column, expression in columns:
            op.execute(f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS {column}')  # and its indexes
            op.execute(
                f'ALTER TABLE "{table}" ADD COLUMN {column} text '
                f"GENERATED ALWAYS AS ({expression}) STORED"
            )
    for index, table, column in TRIGRAM if trigrams else PREFIX:
        ops = "gin_trgm_ops" if trigrams else "text_pattern_ops"
        method = "USING gin " if trigrams else ""
        op.execute(f'CREATE INDEX {index} ON "{table}" {method}({column} {ops})')
    for index, table, column in PLAIN:
        op.execute(f'CREATE INDEX {index} ON "{table}" ({column})')
    if trigrams:
        for index, column in UNIT_TRIGRAM.items():
            op.execute(f"DROP INDEX IF EXISTS {index}")
            op.execute(f"CREATE INDEX {index} ON unit USING gin ({fold(column)} gin_trgm_ops)")
    for table in generated:
        op.execute(f'ANALYZE "{table}"')


# The folds of 0004/0007 and 0008, for the downgrade.
_OLD_DIRECTORY = ("àáâãäåāçćčèéêëēėęìíîïīñńòóôõöøōùúûüūýÿžšß",
                  "aaaaaaaccceeeeeeeiiiiinnooooooouuuuuyyzss")  # fmt: skip
_OLD_PROGRAMME = ("àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸœŒæÆ",
                  "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUYYoOaA")  # fmt: skip


def _old_directory_fold(column: str) -> str:
    return f"translate(lower({column}), '{_OLD_DIRECTORY[0]}', '{_OLD_DIRECTORY[1]}')"


def _old_programme_fold(expression: str) -> str:
    return f"lower(translate({expression}, '{_OLD_PROGRAMME[0]}', '{_OLD_PROGRAMME[1]}'))"


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _sqlite_upgrade(conn)
    elif conn.dialect.name == "postgresql":
        _postgresql(conn, _generated(_pg_fold, _pg_fold), _pg_fold)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _sqlite_downgrade(conn)
        return
    if conn.dialect.name != "postgresql":
        return
    old = _old_directory_fold
    _postgresql(conn, _generated(old, _old_programme_fold), old)
