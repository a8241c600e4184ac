"""Writing an import's checked rows: inserts with ids assigned under the write lock, updates of
what differs only, link lists, parents, and the history that lets an import be undone."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from desktop.models import SORT_SOURCES, Change, sort_key_for
from desktop.services.common.history import encode, server_writes_history
from desktop.services.transfer.report import ImportReport
from desktop.services.transfer.row_sources import Row
from desktop.services.transfer.specs import Kind
from desktop.services.transfer.sqlite_bulk import BulkInsert

CHUNK = 2000  # rows per statement or IN list


class RowWriter:
    """Writes the rows of one import's transaction; `changed` says whether anything was written
    (an import that changes nothing is rolled back, so the file keeps its bytes), `wrote_many`
    whether a bulk insert ran (the journal's checkpoint can then wait)."""

    def __init__(self, session: Session, login: str, report: ImportReport,
                 key_map: Callable[[Kind], dict[tuple, int]]) -> None:  # fmt: skip
        self.session = session
        self.login = login
        self.report = report
        self._key_map = key_map
        self._locked = False
        self._columns: dict[str, list[tuple[str, str, object]]] = {}
        self.wrote_many = False
        self.changed = False

    def record_inserts(self, kind: Kind, ids: Sequence[int]) -> None:
        """One history record per kind and import for the rows it added (their ids as ranges):
        undo deletes them; 100 000 records, one per row, would cost more than the rows."""
        if not ids:
            return
        self.changed = True
        value = {"lignes": len(ids), "ids": _ranges(ids)}
        change = self.change(kind, "insert", None)
        change["new_value"] = json.dumps(value)
        self.record(kind, [change])

    def record(self, kind: Kind, rows: list[dict]) -> None:
        if rows and not server_writes_history(self.session.get_bind()):
            for start in range(0, len(rows), CHUNK):
                # Core insert: the ORM's bulk path costs as much again for these plain rows.
                self.session.execute(insert(Change.__table__), rows[start : start + CHUNK])

    def change(self, kind: Kind, action: str, row_id: int, field: str | None = None,
                old: object = None, new: object = None) -> dict:  # fmt: skip
        return {
            "login": self.login,
            "action": action,
            "table_name": kind.model.__tablename__,
            "row_id": row_id,
            "field": field,
            "old_value": encode(old),
            "new_value": encode(new),
            "batch": self.report.batch,
        }

    def stored(self, kind: Kind, row: Row) -> dict:
        """The row's values by column, defaults filled in for NOT NULL columns left blank."""
        data = {}
        for column, target, default in self.stored_columns(kind):
            value = row.values.get(column)
            data[target] = default if value is None else value
        return data

    def _given(self, kind: Kind, row: Row) -> dict:
        """The stored values of the columns the file has: a column it lacks keeps what the
        base holds (an update from a file without « Téléphone » cleared every phone)."""
        stored = self.stored(kind, row)
        given = {}
        for column, target, _default in self.stored_columns(kind):
            names = ("last_name", "first_name") if kind.field(column).kind == "person" else ()
            if column in row.raw or any(n in row.raw for n in names):
                given[target] = stored[target]
        return given

    def stored_columns(self, kind: Kind) -> list[tuple[str, str, object]]:
        if kind.name not in self._columns:
            table = kind.model.__table__
            columns = []
            for f in kind.fields:
                if f.kind == "refs" or not f.store or f.column == kind.parent:
                    continue
                column = table.c[f.target]
                default = None
                if not column.nullable and column.default is not None:
                    default = column.default.arg
                columns.append((f.column, f.target, default))
            self._columns[kind.name] = columns
        return self._columns[kind.name]

    def insert_rows(self, kind: Kind, rows: list[Row]) -> None:
        if not rows:
            return
        model = kind.model
        key_map = self._key_map(kind)
        inserted: list[int] = []
        explicit = self.session.get_bind().dialect.name == "sqlite"
        deferred = contextlib.nullcontext()
        if explicit:
            # SQLite cannot return ids of a multi-row INSERT in parameter order, so SQLAlchemy
            # would insert row by row (~10× slower). With the write lock held, ids are assigned
            # here from max(id): no other writer can take them before commit.
            self.take_write_lock()
            next_id = (self.session.scalar(select(func.max(model.id))) or 0) + 1
            raw = self.session.connection().connection.driver_connection
            deferred = BulkInsert(raw, model.__tablename__, next_id, len(rows))
        with deferred:
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                if explicit:
                    ids = list(range(next_id, next_id + len(chunk)))
                    next_id += len(chunk)
                    values = [
                        {"id": i, **self.stored(kind, r)} for i, r in zip(ids, chunk, strict=True)
                    ]
                    self.session.execute(insert(model.__table__), values)
                else:
                    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
                    records = [self.stored(kind, r) for r in chunk]
                    ids = self.session.scalars(statement, records).all()
                for row, new_id in zip(chunk, ids, strict=True):
                    row.existing_id = new_id
                    if row.key is not None:
                        key_map[row.key] = new_id
                inserted += ids
        self._write_parents(kind, rows)
        self._write_links(kind, rows, replace=False)
        self.record_inserts(kind, inserted)

    def take_write_lock(self) -> None:
        """A no-op write makes SQLite take the database's write lock now (until commit)."""
        if not self._locked:
            self.session.execute(delete(Change).where(Change.id == -1))
            self._locked = True

    def _write_parents(self, kind: Kind, rows: list[Row]) -> None:
        if not kind.parent:
            return
        key_map = self._key_map(kind)
        target = kind.field(kind.parent).target
        pairs = []
        for row in rows:
            parent = row.values.get(kind.parent)
            if isinstance(parent, tuple):
                parent = key_map[parent[1]]
            if parent is not None:
                pairs.append({"row_id": row.existing_id, "parent_ref": parent})
        if pairs:
            table = kind.model.__table__
            statement = (
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values({target: bindparam("parent_ref")})
            )
            self.session.execute(statement, pairs)

    def _write_links(self, kind: Kind, rows: list[Row], *, replace: bool) -> None:
        """The rows' link lists; on update, only the rows whose list differs are rewritten, so
        a file imported again writes nothing."""
        for f in kind.fields:
            if f.kind != "refs":
                continue
            table, own, other = f.link
            if replace:
                ids = [r.existing_id for r in rows if f.column in r.lists]
                current: dict[int, set[int]] = {}
                for start in range(0, len(ids), CHUNK):
                    chunk = ids[start : start + CHUNK]
                    query = select(table.c[own], table.c[other]).where(table.c[own].in_(chunk))
                    for owner_id, target in self.session.execute(query):
                        current.setdefault(owner_id, set()).add(target)
                rows = [
                    r
                    for r in rows
                    if f.column in r.lists
                    and set(r.lists[f.column]) != current.get(r.existing_id, set())
                ]
                ids = [r.existing_id for r in rows]
                for start in range(0, len(ids), CHUNK):
                    chunk = ids[start : start + CHUNK]
                    self.session.execute(delete(table).where(table.c[own].in_(chunk)))
                self.changed = self.changed or bool(ids)
            links = [
                {own: r.existing_id, other: target}
                for r in rows
                for target in r.lists.get(f.column, [])
            ]
            if links:
                self.session.execute(insert(table), links)
                self.changed = True

    def update_rows(self, kind: Kind, rows: list[Row]) -> int:
        """Write only what differs, bump the version, and record field-level history."""
        if not rows:
            return 0
        model = kind.model
        table = model.__table__
        now = datetime.now(UTC).replace(tzinfo=None)
        changed_rows, changes = [], []
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            current = {
                r["id"]: r
                for r in self.session.execute(
                    select(table).where(table.c.id.in_([r.existing_id for r in chunk]))
                ).mappings()
            }
            for row in chunk:
                old = current[row.existing_id]
                new = self._given(kind, row)
                if kind.parent and kind.parent in row.raw:
                    parent = row.values.get(kind.parent)
                    if isinstance(parent, tuple):
                        parent = self._key_map(kind)[parent[1]]
                    new[kind.field(kind.parent).target] = parent
                diff = {k: v for k, v in new.items() if old[k] != v}
                if not diff:
                    continue
                for name, value in diff.items():
                    changes.append(
                        self.change(kind, "update", row.existing_id, name, old[name], value)
                    )
                if table.name in SORT_SOURCES and diff.keys() & set(SORT_SOURCES[table.name][0]):
                    diff["sort_key"] = sort_key_for(table.name, {**old, **diff})
                diff.update(id=row.existing_id, updated_at=now)
                if "version" in table.c:
                    diff["version"] = old["version"] + 1
                changed_rows.append(diff)
        for diff in changed_rows:
            self.session.execute(
                update(table)
                .where(table.c.id == diff["id"])
                .values({k: v for k, v in diff.items() if k != "id"})
            )
        self.changed = self.changed or bool(changed_rows)
        self._write_links(kind, rows, replace=True)
        self.record(kind, changes)
        return len(changed_rows)


def _ranges(ids: Sequence[int]) -> list[list[int]]:
    """[1, 2, 3, 7] -> [[1, 3], [7, 7]]."""
    if isinstance(ids, range) and ids.step == 1:  # a bulk insert's: no list of a million ids
        return [[ids.start, ids.stop - 1]] if ids else []
    ranges: list[list[int]] = []
    for i in sorted(ids):
        if ranges and i == ranges[-1][1] + 1:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])
    return ranges
