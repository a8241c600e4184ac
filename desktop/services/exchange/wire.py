"""Which rows travel in a change package, and their values as a package holds them: JSON values,
foreign keys as the identity of the row they point to (its uuid, or a reference table's code)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, DateTime, Float, Integer, Table, select
from sqlalchemy.orm import Session

from desktop.models import Base, Change
from desktop.services.common.history import LINK_FIELDS, decode

# Frozen budget situations stay where they were taken: their lines are no history of their own.
LOCAL_TABLES = {"budget_snapshot"}
# Reference tables without a uuid: the same rows in every base, known by their natural key.
NATURAL_KEYS = {"academie": "code", "department": "code", "strategic_line": "number"}
# Columns that are no data of the row's own: its local key, identity, bookkeeping, derived.
NOT_DATA = {"id", "uuid", "created_at", "updated_at", "version", "sort_key"}


@functools.cache
def tables() -> dict[str, Table]:
    """The exchanged tables, parents before children."""
    return {
        t.name: t
        for t in Base.metadata.sorted_tables
        if "uuid" in t.c and "version" in t.c and t.name not in LOCAL_TABLES
    }


def table(name: str) -> Table:
    return tables()[name]


@functools.cache
def model_for(name: str) -> type:
    for mapper in Base.registry.mappers:
        if mapper.class_.__tablename__ == name:
            return mapper.class_
    raise KeyError(name)


@functools.cache
def data_columns(name: str) -> tuple[Column, ...]:
    return tuple(c for c in table(name).c if c.name not in NOT_DATA and c.computed is None)


def target_of(column: Column) -> str | None:
    """The table a foreign key column points to."""
    for fk in column.foreign_keys:
        return fk.column.table.name
    return None


def link_fields(name: str) -> dict[str, tuple[Table, str, str, str]]:
    """field -> (link table, own column, other column, table of the linked rows)."""
    found = {}
    for (owner, field), (link, own, other) in LINK_FIELDS.items():
        if owner == name:
            found[field] = (link, own, other, target_of(link.c[other]))
    return found


def plain(column: Column, value: object) -> object:
    """A Python value of a column as JSON holds it (foreign keys apart)."""
    if value is None:
        return None
    if isinstance(column.type, DateTime) and isinstance(value, datetime):
        return value.isoformat()
    if isinstance(column.type, Date) and isinstance(value, date):
        return value.isoformat()
    if isinstance(column.type, Boolean):
        return bool(value)
    if isinstance(column.type, Float):
        return float(value)
    if isinstance(column.type, Integer):
        return int(value)
    return value


def python(column: Column, value: object) -> object:
    """The package's JSON value back as the column's Python value (foreign keys apart)."""
    if value is None:
        return None
    return decode(json.dumps(value), column)


class Refs:
    """Local ids to identities and back, in one base, read a table at a time and cached.

    A row deleted since is found by the snapshot its deletion left in the history, so that a
    package can still name it."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._ref: dict[tuple[str, int], str | None] = {}
        self._id: dict[tuple[str, object], int | None] = {}

    @staticmethod
    def key_column(name: str) -> str:
        return NATURAL_KEYS.get(name, "uuid")

    def prefetch(self, name: str, ids: Iterable[int]) -> None:
        wanted = {i for i in ids if i is not None and (name, i) not in self._ref}
        if not wanted:
            return
        t = Base.metadata.tables[name]
        key = t.c[self.key_column(name)]
        items = sorted(wanted)
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            for row_id, ref in self._session.execute(select(t.c.id, key).where(t.c.id.in_(chunk))):
                self._ref[(name, row_id)] = ref
                self._id[(name, ref)] = row_id
        for row_id in wanted:
            if (name, row_id) not in self._ref:
                self._ref[(name, row_id)] = self._deleted_ref(name, row_id)

    def _deleted_ref(self, name: str, row_id: int) -> str | None:
        snapshot = self._session.scalar(
            select(Change.old_value)
            .where(Change.table_name == name, Change.row_id == row_id, Change.action == "delete")
            .order_by(Change.id.desc())
            .limit(1)
        )
        try:
            return json.loads(snapshot).get(self.key_column(name)) if snapshot else None
        except ValueError:
            return None

    def ref(self, name: str, row_id: int | None) -> object:
        if row_id is None:
            return None
        if (name, row_id) not in self._ref:
            self.prefetch(name, [row_id])
        return self._ref[(name, row_id)]

    def local_id(self, name: str, ref: object) -> int | None:
        if ref is None:
            return None
        if (name, ref) not in self._id:
            t = Base.metadata.tables[name]
            found = self._session.scalar(select(t.c.id).where(t.c[self.key_column(name)] == ref))
            self._id[(name, ref)] = found
            if found is not None:
                self._ref[(name, found)] = ref
        return self._id[(name, ref)]

    def prefetch_refs(self, name: str, refs: Iterable[object]) -> list[int]:
        """Local ids of many identities of a table at once; returns those found."""
        wanted = sorted({r for r in refs if r is not None and (name, r) not in self._id}, key=str)
        t = Base.metadata.tables[name]
        key = t.c[self.key_column(name)]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for row_id, ref in self._session.execute(select(t.c.id, key).where(key.in_(chunk))):
                self._ref[(name, row_id)] = ref
                self._id[(name, ref)] = row_id
        for ref in wanted:
            self._id.setdefault((name, ref), None)
        return [i for r in wanted if (i := self._id[(name, r)]) is not None]

    def learn(self, name: str, row_id: int, ref: str) -> None:
        """A row just created here."""
        self._id[(name, ref)] = row_id
        self._ref[(name, row_id)] = ref

    def forget(self, name: str, ref: object) -> None:
        """A row just deleted here."""
        row_id = self._id.pop((name, ref), None)
        if row_id is not None:
            self._ref.pop((name, row_id), None)


def wire_value(refs: Refs, column: Column, value: object) -> object:
    """A column's Python value as the package holds it."""
    target = target_of(column)
    if target is not None:
        return refs.ref(target, value)
    return plain(column, value)


def wire_row(refs: Refs, name: str, values: dict) -> dict:
    """A row's data columns (a mapping of Python values) as the package holds them."""
    return {c.name: wire_value(refs, c, values.get(c.name)) for c in data_columns(name)}


def wire_links(refs: Refs, target: str, ids: Iterable[int]) -> list:
    ids = list(ids)
    refs.prefetch(target, ids)
    return sorted(str(r) for r in (refs.ref(target, i) for i in ids) if r is not None)
