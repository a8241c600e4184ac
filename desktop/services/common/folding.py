"""The one text fold (lower case, no accents, ligatures spelled out), in Python and in SQL alike."""

from __future__ import annotations

import contextlib
import sqlite3
import unicodedata
from functools import lru_cache

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

# Letters that Unicode does not decompose into a plain letter and an accent, spelled as a French
# reader would type them: « oeuvre » finds « Œuvre », « strasse » finds « Straße ».
_SPELLED = {
    "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ẞ": "ss", "ø": "o", "Ø": "o",
    "đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ħ": "h", "Ħ": "h", "ı": "i", "ŀ": "l", "Ŀ": "l",
    "ĸ": "k", "ŉ": "n", "’": "'", "‘": "'", "\u00a0": " ", "\u202f": " ",
}  # fmt: skip
# The characters the fold maps: Latin-1 and Latin Extended-A (every accented letter of French and
# its European neighbours), the ones above and the combining accents. Outside them only lower()
# applies, which Python and PostgreSQL (UTF-8 ctype) do alike for letters; a closed table is what
# lets the SQL folds equal this one.
_RANGE = range(0x00C0, 0x0180)


def _mapping() -> dict[str, str]:
    table: dict[str, str] = {}
    for char in map(chr, _RANGE):
        decomposed = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        ).lower()
        if decomposed != char and decomposed.isascii() and decomposed.isalnum():
            table[char] = decomposed
        elif char.lower() != char and len(char.lower()) == 1:
            table[char] = char.lower()  # Þ, Ŋ: no plain letter, but one lower case everywhere
    table.update(_SPELLED)
    # Combining accents are dropped: text typed or saved decomposed (« e » + U+0301, as macOS
    # often writes files) folds as its composed form does.
    table.update(dict.fromkeys(map(chr, range(0x0300, 0x0370)), ""))
    return table


MAPPING = _mapping()
_TABLE = str.maketrans(MAPPING)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """« L’Œuvre d'ÉTIENNE » → « l'oeuvre d'etienne »; cached (imports fold the same names and
    codes over and over). The SQL fold gives the same text on SQLite and PostgreSQL."""
    return text.translate(_TABLE).lower()


def fold_or_none(value: object) -> str | None:
    """fold for SQL: NULL stays NULL, numbers are folded as their text."""
    return None if value is None else fold(str(value))


# --- in SQL ---------------------------------------------------------------------------------

SQLITE_FUNCTION = "pilotis_fold"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def postgresql_fold(expression: str) -> str:
    """The fold as a PostgreSQL expression on `expression` (SQL text): translate() for the
    letters that become one letter, replace() for the ligatures, then lower(). Core PostgreSQL
    only (the unaccent extension may not be installed), and the exact text the migrations put in
    generated columns and indexes, which the planner matches by their text."""
    single = {k: v for k, v in MAPPING.items() if len(v) == 1}
    # translate() deletes the characters of its second argument beyond the third's length.
    dropped = "".join(k for k, v in MAPPING.items() if not v)
    plain, spelled_as = _literal("".join(single) + dropped), _literal("".join(single.values()))
    sql = f"translate({expression}, {plain}, {spelled_as})"
    for char, spelled in MAPPING.items():
        if len(spelled) > 1:
            sql = f"replace({sql}, {_literal(char)}, {_literal(spelled)})"
    return f"lower({sql})"


class folded(FunctionElement):  # noqa: N801 - SQL function names read lower case
    """fold(expression), computed by the database: pilotis_fold() on SQLite (register_fold),
    postgresql_fold elsewhere; lower() on a database that has neither."""

    type = String()
    inherit_cache = True


@compiles(folded)
def _folded_default(element, compiler, **kw) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "sqlite")
def _folded_sqlite(element, compiler, **kw) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_postgresql(element, compiler, **kw) -> str:
    return postgresql_fold(compiler.process(element.clauses, **kw))


def register_sqlite(con: sqlite3.Connection) -> None:
    """pilotis_fold() on this sqlite3 connection. Called from top-level statements only: the
    connections run with trusted_schema OFF, so no trigger, view or index of a file can call
    it (Python's sqlite3 cannot mark a function innocuous, and the schema holds none)."""
    # Defined already: SQLite refuses to define it again while a statement runs.
    with contextlib.suppress(sqlite3.OperationalError):
        con.execute(f"SELECT {SQLITE_FUNCTION}(NULL)").fetchone()
        return
    con.create_function(SQLITE_FUNCTION, 1, fold_or_none, deterministic=True)


def register_fold(session: Session) -> None:
    """Make pilotis_fold() known to the session's SQLite connection (no-op elsewhere); cheap,
    and needed each time: a pooled connection may be new."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        register_sqlite(connection.connection.driver_connection)


def like_pattern(word: str) -> str:
    """A LIKE pattern (escape '\\') matching the folded word anywhere in folded text."""
    escaped = fold(word).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
