"""Accent- and case-insensitive programme matching done by the database, with the one fold."""

from __future__ import annotations

from sqlalchemy import String, func, or_
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.expression import ColumnClause

from desktop.models import Programme, Unit
from desktop.services.common import folding
from desktop.services.common.folding import like_pattern
from desktop.services.common.text_limits import search_words


def folded(session: Session, expression: ColumnElement) -> ColumnElement:
    """The expression folded by the database (common.folding), pilotis_fold() registered on
    the session's SQLite connection first."""
    folding.register_fold(session)
    return folding.folded(expression)


def programme_words(text: str) -> list[str]:
    """The words a programme search matches, from the first MAX_SEARCH_CHARS characters typed
    (more would make SQLite refuse the LIKE pattern or the query's depth)."""
    return search_words(text)


# PostgreSQL keeps the folded text in generated columns (migrations 0008 and 0012), outside the
# ORM model.
_SEARCH_TEXT = ColumnClause("search_text", String, _selectable=Programme.__table__)
_NAME_FOLDED = ColumnClause("name_folded", String, _selectable=Programme.__table__)


def programme_matches(session: Session, word: str) -> ColumnElement:
    """A programme (with its lead unit joined) whose code, name, lead unit's acronym or
    beneficiary contains the word, ignoring case, accents and ligatures (« oeuvre » finds
    « Œuvre »). On PostgreSQL the folded text is read from programme.search_text instead of
    folding every programme at each keystroke."""
    pattern = like_pattern(word)
    if session.connection().dialect.name == "sqlite":
        return folded(session, programme_haystack()).like(pattern, escape="\\")
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
