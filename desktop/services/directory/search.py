"""Directory search in SQL: FTS5 word-prefix matching on SQLite, LIKE on folded text elsewhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import String, column, false, literal, literal_column, or_, select, table, union
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause

from desktop.models import Person, Position, Unit
from desktop.services.common.folding import fold, folded
from desktop.services.common.text_limits import capped
from desktop.services.common.trees import descendants

_TOKEN = re.compile(r"\w+", re.UNICODE)
MAX_TOKENS = 6
MIN_TITLE_TOKEN = 3  # shorter tokens match people's names only (see Matcher)
# PostgreSQL (migration 0007): generated columns holding the folded search text, outside the
# ORM models (SQLite has no translate() and its FTS5 index does this job).
SEARCH_SEP = "|"
_PERSON_SEARCH_NAME = ColumnClause("search_name", String, _selectable=Person.__table__)
_POSITION_SEARCH_TITLE = ColumnClause("search_title", String, _selectable=Position.__table__)


@dataclass(frozen=True)
class SearchFilter:
    """What the user asked for: typed text, and the site / unit kind / subtree filters."""

    text: str = ""
    site_id: int | None = None
    unit_kind: str | None = None
    under_unit_id: int | None = None  # this unit and every unit below it

    @property
    def tokens(self) -> list[str]:
        """The words to match; a one-letter word beside longer ones is left out until the next
        letter comes (`martin s`): it narrows little and would make that keystroke scan most
        of the people."""
        words = search_tokens(self.text)
        longer = [w for w in words if len(w) > 1]
        return longer or words


def search_tokens(text: str) -> list[str]:
    """Folded words of a query: `Jean-Pierre  BÉJEAN` → ['jean', 'pierre', 'bejean'].

    Splitting here (not in FTS5's query parser) means quotes, stars or `OR` typed by a user
    are plain text, never query syntax. Only the first MAX_SEARCH_CHARS characters count: a
    pasted page would make SQLite refuse the LIKE pattern.
    """
    return _TOKEN.findall(fold(capped(text)))[:MAX_TOKENS]


def fts_available(session: Session) -> bool:
    """True when the FTS5 indexes of migration 0002 exist in this database."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return False
    found = connection.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE name IN ('person_fts', 'unit_fts', "
        "'position_fts')"
    ).scalar()
    return found == 3


class Matcher:
    """Builds `id IN (…)` conditions for one token against people, posts or units.

    A token of one or two letters matches people's names only: nearly every post title has a
    word in « d », « de » or « du » (« département », « chargé de mission »), so matching
    titles and units too would return most of the directory and cost 0.3 to 1.3 s at
    100 000 people for a list nobody reads; the third letter brings titles and units back.
    """

    def __init__(self, use_fts: bool, short_prefix: bool = False, stored: bool = False) -> None:
        """short_prefix (PostgreSQL): a token shorter than a trigram matches the start of a
        word of a last or first name (`LIKE 'ma%'`, `'% ma%'`…, which the trigram indexes of
        0004 serve, or the btree ones of 0005 for name starts) rather than anywhere in it,
        which no index can serve.
        stored (PostgreSQL at migration 0007): compare the folded text the server keeps in
        generated columns (person.search_name, position.search_title) instead of folding every
        candidate row with translate() at query time (4x faster on thousands of hits)."""
        self.use_fts = use_fts
        self.short_prefix = short_prefix
        self.stored = stored

    @staticmethod
    def _nothing(id_column):
        return select(id_column).where(false())

    def _fts(self, index: str, token: str):
        fts = table(index, column("rowid"))
        # A quoted token followed by * is a prefix query: `bej` finds BÉJEAN.
        query = '"' + token.replace('"', "") + '"*'
        return select(fts.c.rowid).where(literal_column(index).op("MATCH")(literal(query)))

    @staticmethod
    def _like(token: str, anywhere: bool = True) -> str:
        escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%" if anywhere else f"{escaped}%"

    def person_ids(self, token: str):
        if self.use_fts:
            return self._fts("person_fts", token)
        if self.stored:
            return self._stored_person_ids(token)
        if self.short_prefix and len(token) < MIN_TITLE_TOKEN:
            # Word starts, like FTS5: the name's start, or after a space, hyphen, apostrophe
            # (`go` finds « Le Goff », `pi` « Jean-Pierre »); each pattern has a trigram.
            start = self._like(token, anywhere=False)
            patterns = [start, f"% {start}", f"%-{start}", f"%'{start}"]
            if len(token) == 1:  # one letter: name starts only, or most people would match
                patterns = [start]
            return select(Person.id).where(
                or_(
                    *[
                        folded(column).like(pattern, escape="\\")
                        for column in (Person.last_name, Person.first_name)
                        for pattern in patterns
                    ]
                )
            )
        pattern = self._like(token)
        return select(Person.id).where(
            folded(Person.last_name).like(pattern, escape="\\")
            | folded(Person.first_name).like(pattern, escape="\\")
        )

    def _stored_person_ids(self, token: str):
        return select(Person.id).where(self.person_match(token))

    def person_match(self, token: str):
        """The condition on a person's own row (PostgreSQL at 0007 only): the same matches as
        person_ids, on `person.search_name` — the folded last name, SEARCH_SEP, the folded first
        name (a token, made of letters and digits, never spans the two)."""
        text = _PERSON_SEARCH_NAME
        if self.short_prefix and len(token) < MIN_TITLE_TOKEN:
            start = self._like(token, anywhere=False)
            patterns = [start, f"%{SEARCH_SEP}{start}"]  # the last name's or first name's start
            if len(token) > 1:  # or a word's start inside either
                patterns += [f"% {start}", f"%-{start}", f"%'{start}"]
            return or_(*[text.like(pattern, escape="\\") for pattern in patterns])
        return text.like(self._like(token), escape="\\")

    def title_match(self, token: str):
        """The condition on a post's own row (PostgreSQL at 0007, tokens of 3 letters or more)."""
        return _POSITION_SEARCH_TITLE.like(self._like(token), escape="\\")

    def person_keys(self, token: str):
        """(id, sort_key) of the people named so (PostgreSQL at 0007 only), read from the rows
        the trigram index finds."""
        return select(Person.id, Person.sort_key).where(self.person_match(token))

    def holder_keys(self, token: str):
        """(id, sort_key) of the people holding a post whose title or unit matches (PostgreSQL
        at 0007, tokens of 3 letters or more)."""
        return union(
            select(Person.id, Person.sort_key).where(
                Person.id.in_(select(Position.person_id).where(self.title_match(token)))
            ),
            select(Person.id, Person.sort_key).where(
                Person.id.in_(
                    select(Position.person_id).where(Position.unit_id.in_(self.unit_ids(token)))
                )
            ),
        )

    def position_ids(self, token: str):
        if len(token) < MIN_TITLE_TOKEN:
            return self._nothing(Position.id)
        if self.use_fts:
            return self._fts("position_fts", token)
        if self.stored:
            return select(Position.id).where(self.title_match(token))
        return select(Position.id).where(
            folded(Position.title).like(self._like(token), escape="\\")
        )

    def unit_ids(self, token: str):
        if len(token) < MIN_TITLE_TOKEN:
            return self._nothing(Unit.id)
        if self.use_fts:
            return self._fts("unit_fts", token)
        pattern = self._like(token)
        return select(Unit.id).where(
            folded(Unit.acronym).like(pattern, escape="\\")
            | folded(Unit.name).like(pattern, escape="\\")
        )


@lru_cache(maxsize=64)
def subtree_cte(root_id: int):
    """A recursive CTE of the unit and its descendants (SQLite and PostgreSQL alike); the same
    object for the same unit, so that the arms of one query share a single WITH."""
    return descendants(Unit, Unit.id == root_id, name="subtree")


def highlight_spans(text: str, tokens: list[str]) -> list[tuple[int, int]]:
    """Where the folded tokens occur in text, as merged (start, end) offsets of the original."""
    if not text or not tokens:
        return []
    folded_chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for piece in fold(char) or char:
            folded_chars.append(piece)
            origin.append(index)
    haystack = "".join(folded_chars)
    spans = []
    for token in tokens:
        # A short token matches word starts only (the search does the same): « e » marks the
        # E of « Emmanuel », not every e of the line.
        word_start = len(token) < MIN_TITLE_TOKEN
        start = haystack.find(token)
        while start != -1:
            end = start + len(token)
            if not (word_start and start > 0 and haystack[start - 1].isalnum()):
                spans.append((origin[start], origin[end - 1] + 1))
            start = haystack.find(token, end if not word_start else start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
