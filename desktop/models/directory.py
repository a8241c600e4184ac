"""The organisation tree, the people and the posts they hold (history kept, never overwritten)."""

from __future__ import annotations

import unicodedata
from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    false,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Audited, Base
from desktop.models.reference import _in

UNIT_KINDS = (
    "region", "rectorat", "cabinet", "secretariat", "comite", "pole", "direction", "service",
    "departement", "mission",
)  # fmt: skip
POSITION_ROLES = ("head", "deputy", "site_manager", "member", "advisor")
LINK_KINDS = ("fonctionnel",)

# Sort keys: lower case, accents and ligatures spelled out, spaces, hyphens, apostrophes and dots
# dropped, so that « Émile » sorts with the E and « d'Aubigné » / « Le Goff » read as one word,
# as in a French directory. They are plain indexed columns computed here in Python — the same
# key on SQLite and PostgreSQL, and cheap to write (a SQL expression doing this on SQLite, which
# has no translate(), made each insert of a person ten times slower). They are kept up to date by
# the column defaults (every INSERT through SQLAlchemy), a before_update listener (every ORM
# change, undo included) and, for the bulk paths that write plain tuples (the import's fast path,
# the generator), by `sort_key_for`.
_SPELLED = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l",
                          " ": None, "-": None, "'": None, "’": None, ".": None})  # fmt: skip


def sort_fold(text: str | None) -> str:
    """« d'Aubigné-Œuvre » → « daubigneoeuvre »."""
    if not text:
        return ""
    lowered = text.lower()
    if lowered.isascii():
        return lowered.translate(_SPELLED)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_SPELLED)


# table -> (source columns, length of the key)
SORT_SOURCES = {
    "person": (("last_name", "first_name"), 250),
    "unit": (("acronym", "name"), 300),
    "position": (("title",), 300),
}


def sort_key_for(table: str, values) -> str:
    """The sort key of a row of `table` from its source values (a mapping)."""
    sources, length = SORT_SOURCES[table]
    if table == "unit":  # the acronym when there is one, as the tree shows it
        key = sort_fold(values.get("acronym") or values.get("name"))
    else:
        key = " ".join(sort_fold(values.get(c)) for c in sources)  # the space sorts first
    return key[:length]


def sort_keys_for_columns(table: str, columns: dict[str, list]) -> list[str]:
    """The sort keys of many rows given column-wise (bulk inserts): each distinct value is
    folded once — names repeat a lot."""
    sources, length = SORT_SOURCES[table]
    count = len(next(iter(columns.values())))
    folded = []
    for c in sources:
        cells = columns.get(c) or [None] * count
        memo = {v: sort_fold(v) for v in set(cells)}
        folded.append([memo[v] for v in cells])
    if table == "unit":  # the acronym when there is one
        return [(a or n)[:length] for a, n in zip(*folded, strict=True)]
    keys = list(map(" ".join, zip(*folded, strict=True)))
    if max(map(len, keys), default=0) > length:
        keys = [key[:length] for key in keys]
    return keys


def _default(table: str):
    def compute(context) -> str:
        return sort_key_for(table, context.get_current_parameters())

    return compute


def _sort_key_column(table: str):
    return mapped_column(String(SORT_SOURCES[table][1]), default=_default(table), index=True)


class Unit(Audited, Base):
    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint(_in("kind", UNIT_KINDS), name="kind"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("unit.id", ondelete="RESTRICT"), index=True
    )
    code: Mapped[str] = mapped_column(String(60), unique=True)
    acronym: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    created_on: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(300))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    description: Mapped[str | None] = mapped_column(Text)
    sort_key: Mapped[str | None] = _sort_key_column("unit")


class Person(Audited, Base):
    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint("length(trim(last_name)) > 0", name="last_name_not_blank"),
        Index("ix_person_site_id_sort_key", "site_id", "sort_key"),  # sorting by site
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    last_name: Mapped[str] = mapped_column(String(120))
    first_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(30), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    sort_key: Mapped[str | None] = _sort_key_column("person")


class Position(Audited, Base):
    """A post in a unit; no person means a vacant post."""

    __tablename__ = "position"
    __table_args__ = (
        CheckConstraint(_in("role", POSITION_ROLES), name="role"),
        CheckConstraint("end_on IS NULL OR start_on IS NULL OR end_on >= start_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="member", server_default="member")
    is_interim: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    start_on: Mapped[date | None] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sort_key: Mapped[str | None] = _sort_key_column("position")


class UnitLink(Audited, Base):
    """A functional (dotted-line) link between two units."""

    __tablename__ = "unit_link"
    __table_args__ = (
        CheckConstraint(_in("kind", LINK_KINDS), name="kind"),
        CheckConstraint("from_unit_id <> to_unit_id", name="distinct_units"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(
        String(20), default="fonctionnel", server_default="fonctionnel"
    )
    note: Mapped[str | None] = mapped_column(Text)


class PositionLink(Audited, Base):
    """A functional (dotted-line) link between two posts: « rend compte à », « appuie »…"""

    __tablename__ = "position_link"
    __table_args__ = (
        CheckConstraint(_in("kind", LINK_KINDS), name="kind"),
        CheckConstraint("from_position_id <> to_position_id", name="distinct_positions"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_position_id: Mapped[int] = mapped_column(
        ForeignKey("position.id", ondelete="CASCADE"), index=True
    )
    to_position_id: Mapped[int] = mapped_column(
        ForeignKey("position.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(
        String(20), default="fonctionnel", server_default="fonctionnel"
    )
    note: Mapped[str | None] = mapped_column(Text)


def _refresh_sort_key(_mapper, _connection, target) -> None:
    """Before an ORM UPDATE: the key follows the names (a form, an undo, an import's update)."""
    sources, _length = SORT_SOURCES[target.__tablename__]
    state = inspect(target)
    if any(state.attrs[c].history.has_changes() for c in sources):
        values = {c: getattr(target, c) for c in sources}
        target.sort_key = sort_key_for(target.__tablename__, values)


for _model in (Unit, Person, Position):
    event.listen(_model, "before_update", _refresh_sort_key)
