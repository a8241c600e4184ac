"""Accent- and case-insensitive matching done by the database, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import String, func, or_
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.expression import ColumnClause

from desktop.models import Programme, Unit
from desktop.services.common.text_limits import search_words

# The accented letters of French (and a few neighbours) and their plain equivalents.
_ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ"
_PLAIN = "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUYY"
_TABLE = str.maketrans({**dict(zip(_ACCENTED, _PLAIN, strict=True)), "œ": "oe", "Œ": "OE", "’": "'",
                        "æ": "ae", "Æ": "AE"})  # fmt: skip
SQL_FUNCTION = "pilotis_fold"


def fast_fold(text: str | None) -> str:
    """Lower case without accents; a str.translate, fast enough to run once per row in SQL."""
    return "" if text is None else text.translate(_TABLE).lower()


def folded(session: Session, expression: ColumnElement) -> ColumnElement:
    """The expression, folded by the database: a Python function registered on SQLite
    (whose lower() only knows ASCII), translate() + lower() elsewhere (PostgreSQL)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        # Registering again is harmless and cheap; a pooled connection may be new.
        raw.create_function(SQL_FUNCTION, 1, fast_fold, deterministic=True)
        return getattr(func, SQL_FUNCTION)(expression)
    return func.lower(func.translate(expression, _ACCENTED + "œŒæÆ", _PLAIN + "oOaA"))


def programme_words(text: str) -> list[str]:
    """The words a programme search matches, from the first MAX_SEARCH_CHARS characters typed
    (more would make SQLite refuse the GLOB pattern or the query's depth)."""
    return search_words(text)


def like_pattern(word: str) -> str:
    """A LIKE pattern matching the folded word anywhere, its wildcards escaped with '\\'."""
    escaped = fast_fold(word).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Every way a plain letter may be written, for SQLite's GLOB (native, case-sensitive): matching
# with a class per letter costs a fifth of calling a Python function on every row.
_VARIANTS: dict[str, str] = {}
for _accented, _plain in zip(_ACCENTED, _PLAIN, strict=True):
    _VARIANTS.setdefault(_plain.lower(), _plain.lower() + _plain.upper())
    _VARIANTS[_plain.lower()] += _accented
_VARIANTS["'"] = "'’"
_GLOB_SPECIAL = {"*": "[*]", "?": "[?]", "[": "[[]"}


def glob_pattern(word: str) -> str:
    """A GLOB pattern matching the word anywhere, whatever its case and accents."""
    parts = []
    for char in fast_fold(word):
        if char in _VARIANTS:
            parts.append(f"[{_VARIANTS[char]}]")
        elif char.isalpha():
            parts.append(f"[{char}{char.upper()}]" if char != char.upper() else char)
        else:
            parts.append(_GLOB_SPECIAL.get(char, char))
    return "*" + "".join(parts) + "*"


def matches_word(session: Session, haystack: ColumnElement, word: str) -> ColumnElement:
    """The SQL condition that haystack contains word, ignoring case and accents."""
    if session.connection().dialect.name == "sqlite":
        return haystack.op("GLOB")(glob_pattern(word))
    return folded(session, haystack).like(like_pattern(word), escape="\\")


# PostgreSQL keeps the folded text in generated columns (migration 0008), outside the ORM model.
_SEARCH_TEXT = ColumnClause("search_text", String, _selectable=Programme.__table__)
_NAME_FOLDED = ColumnClause("name_folded", String, _selectable=Programme.__table__)


def programme_matches(session: Session, word: str) -> ColumnElement:
    """A programme (with its lead unit joined) whose code, name, lead unit's acronym or
    beneficiary contains the word, ignoring case and accents. On PostgreSQL the folded text is
    read from programme.search_text instead of folding every programme at each keystroke."""
    if session.connection().dialect.name == "sqlite":
        return matches_word(session, programme_haystack(), word)
    pattern = like_pattern(word)
    return or_(
        _SEARCH_TEXT.like(pattern, escape="\\"),
        folded(session, Unit.acronym).like(pattern, escape="\\"),
    )


def programme_haystack() -> ColumnElement:
    return (
        Programme.code
        + " "
        + Programme.name
        + " "
        + func.coalesce(Unit.acronym, "")
        + " "
        + func.coalesce(Programme.beneficiary, "")
    )


def folded_name(session: Session) -> ColumnElement:
    """Programme.name folded, for sorting: the stored column on PostgreSQL."""
    if session.connection().dialect.name == "sqlite":
        return folded(session, Programme.name)
    return _NAME_FOLDED
