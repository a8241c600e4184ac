"""Merging a change package into a base: a three-way merge, field by field, against the value the
two bases shared at the common point (the package's `base`).

For each field the package changed: unchanged here → applied; changed here to the same value →
nothing to do; changed here to another value → a conflict, not applied. A row edited there but
deleted here, or deleted there but edited here, is a conflict too; so is a new row whose unique
key (a code, a UAI) is already another row's here. The links of a programme (axes, partners…)
merge as sets: additions and removals of both sides are kept. Everything else is applied in the
caller's one transaction, as one history batch whose records keep the original authors."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import UniqueConstraint, bindparam, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.models import Change
from desktop.services.common.history import current_batch, imported_ids, record_links
from desktop.services.exchange.naming import Names
from desktop.services.exchange.package import Package, PackageError
from desktop.services.exchange.wire import (
    Refs,
    data_columns,
    link_fields,
    model_for,
    python,
    tables,
    target_of,
    wire_links,
    wire_row,
)
from desktop.services.safety.history import TABLE_LABELS

OPS = ("insert", "update", "delete")
# Rows written under one savepoint and one flush (one each: 10 000 changes took 25 s).
WRITE_CHUNK = 250


@dataclass(frozen=True)
class Conflict:
    """A change of the package not applied, and why; texts as the user reads them."""

    table: str
    uuid: str
    row: str
    field: str | None
    field_label: str
    base: str
    theirs: str
    ours: str
    reason: str
    decided: str | None = None  # "mine" or "theirs" when --prefer settled it


@dataclass
class Counts:
    created: int = 0
    updated: int = 0  # fields
    deleted: int = 0
    same: int = 0  # changes already made here too


def check_rows(package: Package, name: str) -> None:
    """Refuse, before anything is written, rows that no Pilotis would have written."""
    known = tables()
    for number, row in enumerate(package.rows, start=1):
        ok = (
            isinstance(row, dict)
            and row.get("table") in known
            and row.get("op") in OPS
            and isinstance(row.get("uuid"), str)
            and isinstance(
                row.get(
                    {"insert": "values", "update": "fields", "delete": "base"}.get(
                        row.get("op"), "?"
                    )
                ),
                dict,
            )  # fmt: skip
        )
        if not ok:
            raise PackageError(
                f"{name} : modification n° {number} illisible (table ou opération inconnue) ; "
                "rien n'a été modifié."
            )


class Merger:
    """Applies one package's rows in an open session; collects conflicts and authorship."""

    def __init__(self, session: Session, touched_here: set[tuple[str, int]],
                 prefer: str | None = None) -> None:  # fmt: skip
        self.prefer = prefer  # settles fields changed on both sides: "mine" or "theirs"
        self.s = session
        self.refs = Refs(session)
        self.names = Names(session, self.refs)
        self.touched_here = touched_here
        self.conflicts: list[Conflict] = []
        self.counts = Counts()
        # (table, row id, field or None) -> (login, at) of the change applied
        self.authors: dict[tuple[str, int, str | None], tuple[str, str]] = {}
        self._pending: list = []

    # -- entry --------------------------------------------------------------------------------

    def run(self, rows: list[dict]) -> None:
        order = {name: i for i, name in enumerate(tables())}
        by_op: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            by_op[row["op"]].append(row)
        self._prefetch(rows)
        inserts = sorted(by_op["insert"], key=lambda r: order[r["table"]])
        for name in tables():
            self._inserts([r for r in inserts if r["table"] == name])
        for row in by_op["update"]:
            self._update(row)
        self._drain()
        deletes = sorted(by_op["delete"], key=lambda r: -order[r["table"]])
        self._deletes(deletes)

    def _prefetch(self, rows: list[dict]) -> None:
        """The package's rows and the rows they point to, read a table at a time: one query
        per 500 rows instead of one per row (10 000 changes: most of a merge's time)."""
        wanted: dict[str, set] = defaultdict(set)
        for row in rows:
            name = row["table"]
            wanted[name].add(row["uuid"])
            values = row.get("values") or row.get("base") or {}
            changed = row.get("fields") or {}
            for column in data_columns(name):
                target = target_of(column)
                if target is None:
                    continue
                wanted[target].add(values.get(column.name))
                if column.name in changed:
                    wanted[target].add(changed[column.name].get("value"))
        self._loaded = []  # the session only holds weak references to what it loaded
        for name, refs in wanted.items():
            ids = self.refs.prefetch_refs(name, refs)
            if name not in tables():
                continue
            model = model_for(name)
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                self._loaded += self.s.scalars(select(model).where(model.id.in_(chunk))).all()

    # -- conflicts ----------------------------------------------------------------------------

    def conflict(
        self,
        name: str,
        ident: str,
        values: dict,
        field: str | None,
        reason: str,
        base: object = None,
        theirs: object = None,
        ours: object = None,
        decided: str | None = None,
    ) -> None:
        def shown(value: object) -> str:
            if field is None:
                return "" if value is None else str(value)
            return self.names.value(name, field, value)

        self.conflicts.append(
            Conflict(
                name,
                ident,
                self.names.row(name, values),
                field,
                self.names.field(name, field),
                shown(base),
                shown(theirs),
                shown(ours),
                reason,
                decided,
            )  # fmt: skip
        )

    # -- writes, a chunk at a time ----------------------------------------------------------

    def _write(self, apply, done, failed) -> None:
        """Queue a row's write; `done` or `failed` is called once it is known which."""
        self._pending.append((apply, done, failed))
        if len(self._pending) >= WRITE_CHUNK:
            self._drain()

    def _drain(self) -> None:
        """The queued writes under one savepoint and one flush; when the database refuses
        one of them, the chunk is rolled back and written again row by row, each under its
        own savepoint, so that only the refused rows become conflicts."""
        writes, self._pending = self._pending, []
        if not writes:
            return
        try:
            with self.s.begin_nested():
                for apply, _done, _failed in writes:
                    apply()
                self.s.flush()
        except IntegrityError:
            for apply, done, failed in writes:
                try:
                    with self.s.begin_nested():
                        apply()
                        self.s.flush()
                except IntegrityError:
                    failed()
                    continue
                done()
            return
        for _apply, done, _failed in writes:
            done()

    # -- helpers ------------------------------------------------------------------------------

    def _current(self, name: str, obj) -> dict:
        values = {c.name: getattr(obj, c.name) for c in data_columns(name)}
        wired = wire_row(self.refs, name, values)
        for field, (link, own, other, target) in link_fields(name).items():
            ids = self.s.scalars(select(link.c[other]).where(link.c[own] == obj.id)).all()
            wired[field] = wire_links(self.refs, target, ids)
        return wired

    def _local(self, name: str, field: str, value: object) -> tuple[bool, object]:
        """(found, Python value) of a package value for this base: a reference resolved."""
        column = {c.name: c for c in data_columns(name)}[field]
        target = target_of(column)
        if target is None:
            return True, python(column, value)
        if value is None:
            return True, None
        local = self.refs.local_id(target, value)
        return local is not None, local

    def _taken(self, name: str, values: dict, own_id: int | None) -> tuple[str, str] | None:
        """(column, name) of another row here holding a unique key these values take."""
        t = tables()[name]
        for constraint in t.constraints:
            if not isinstance(constraint, UniqueConstraint):
                continue
            columns = [c.name for c in constraint.columns]
            if columns == ["uuid"]:
                continue
            if any(values.get(c) is None for c in columns):
                continue
            query = select(t).where(*(t.c[c] == values[c] for c in columns))
            if own_id is not None:
                query = query.where(t.c.id != own_id)
            found = self.s.execute(query.limit(1)).mappings().first()
            if found is not None:
                return columns[-1], self.names.row(name, wire_row(self.refs, name, dict(found)))
        return None

    def _would_loop(self, name: str, field: str, row_id: int, parent_id: int) -> bool:
        """Whether a tree's row would become its own ancestor (the two sides each moved one of
        two rows under the other)."""
        column = tables()[name].c[field]
        if target_of(column) != name:
            return False
        t = tables()[name]
        seen: set[int] = set()
        node: int | None = parent_id
        while node is not None and node not in seen:
            if node == row_id:
                return True
            seen.add(node)
            node = self.s.scalar(select(t.c[field]).where(t.c.id == node))
        return False

    def _write_links(self, name: str, row_id: int, field: str, old: set[int],
                     new: set[int]) -> None:  # fmt: skip
        link, own, other, _target = link_fields(name)[field]
        if old - new:
            self.s.execute(delete(link).where(link.c[own] == row_id, link.c[other].in_(old - new)))
        if new - old:
            self.s.execute(insert(link), [{own: row_id, other: i} for i in sorted(new - old)])
        record_links(self.s, name, row_id, field, old, new)

    def _resolve_links(self, name: str, ident: str, values: dict, field: str,
                       refs: list) -> set[int]:  # fmt: skip
        target = link_fields(name)[field][3]
        ids = set()
        for ref in refs:
            local = self.refs.local_id(target, ref)
            if local is None:
                self.conflict(name, ident, values, field, "élément lié introuvable ici",
                              theirs=[ref])  # fmt: skip
            else:
                ids.add(local)
        return ids

    # -- inserts ------------------------------------------------------------------------------

    def _inserts(self, rows: list[dict]) -> None:
        """A table's new rows, parents first inside a tree (unit, programme)."""
        pending = rows
        while pending:
            waiting = []
            for row in pending:
                parent = self._pending_parent(row, pending)
                if parent:
                    waiting.append(row)
                else:
                    self._insert(row)
            self._drain()  # the ids of this pass's rows, for their children
            if len(waiting) == len(pending):  # a cycle: each one says what it misses
                for row in waiting:
                    self._insert(row)
                self._drain()
                return
            pending = waiting

    def _pending_parent(self, row: dict, pending: list[dict]) -> bool:
        name = row["table"]
        for column in data_columns(name):
            if target_of(column) == name:
                ref = row["values"].get(column.name)
                if ref is not None and self.refs.local_id(name, ref) is None:
                    return any(r["uuid"] == ref for r in pending if r is not row)
        return False

    def _insert(self, row: dict) -> None:
        name, ident, values = row["table"], row["uuid"], row["values"]
        existing = self.refs.local_id(name, ident)
        if existing is not None:
            obj = self.s.get(model_for(name), existing)
            ours = self._current(name, obj)
            for field, theirs in values.items():
                if field in ours and ours[field] != theirs:
                    self.conflict(name, ident, values, field, "ajouté des deux côtés, différent",
                                  theirs=theirs, ours=ours[field])  # fmt: skip
            return
        local = {}
        for column in data_columns(name):
            found, value = self._local(name, column.name, values.get(column.name))
            if not found:
                self.conflict(name, ident, values, column.name,
                              "ajouté là-bas, mais l'élément auquel il se rattache n'existe "
                              "plus ici", theirs=values.get(column.name))  # fmt: skip
                return
            local[column.name] = value
        taken = self._taken(name, local, None)
        if taken:
            column, other = taken
            self.conflict(name, ident, values, column,
                          f"ajouté des deux côtés : déjà pris ici par {other}",
                          theirs=values.get(column), ours=values.get(column))  # fmt: skip
            return
        made = []

        def apply() -> None:
            made[:] = [model_for(name)(uuid=ident, **local)]
            self.s.add(made[0])

        def done() -> None:
            obj = made[0]
            self.refs.learn(name, obj.id, ident)
            self.counts.created += 1
            stamp = (row.get("login") or "inconnu", row.get("at") or "")
            self.authors[(name, obj.id, None)] = stamp
            authors = row.get("authors") or {}
            for field in link_fields(name):
                wanted = self._resolve_links(name, ident, values, field, values.get(field) or [])
                if wanted:
                    self._write_links(name, obj.id, field, set(), wanted)
                    self.authors[(name, obj.id, field)] = tuple(authors.get(field, stamp))

        def failed() -> None:
            self.conflict(name, ident, values, None, "refusé par les règles de la base ici")

        self._write(apply, done, failed)

    # -- updates ------------------------------------------------------------------------------

    def _update(self, row: dict) -> None:
        name, ident, fields = row["table"], row["uuid"], row["fields"]
        theirs_values = {f: c.get("value") for f, c in fields.items()}
        local_id = self.refs.local_id(name, ident)
        if local_id is None:
            for field, change in fields.items():
                self.conflict(name, ident, theirs_values, field,
                              "modifié là-bas, mais supprimé ici", base=change.get("base"),
                              theirs=change.get("value"))  # fmt: skip
            return
        obj = self.s.get(model_for(name), local_id)
        ours = self._current(name, obj)
        named = {**ours}
        links = link_fields(name)
        applied: dict[str, tuple[str, str]] = {}
        to_set: dict[str, object] = {}
        for field, change in fields.items():
            if field not in ours:
                continue  # a column this version does not have
            base, theirs = change.get("base"), change.get("value")
            stamp = (change.get("login") or "inconnu", change.get("at") or "")
            if field in links:
                self._merge_links(name, ident, obj.id, named, field, base or [], theirs or [],
                                  ours[field], stamp)  # fmt: skip
                continue
            if ours[field] == theirs:
                self.counts.same += 1
                continue
            if ours[field] != base:
                self.conflict(name, ident, named, field, "modifié des deux côtés",
                              base=base, theirs=theirs, ours=ours[field],
                              decided=self.prefer)  # fmt: skip
                if self.prefer != "theirs":
                    continue
            found, value = self._local(name, field, theirs)
            if not found:
                self.conflict(name, ident, named, field, "l'élément choisi là-bas n'existe "
                              "plus ici", base=base, theirs=theirs, ours=ours[field])  # fmt: skip
                continue
            if target_of(tables()[name].c[field]) == name:
                self._drain()  # a move: the tree as the moves before it left it
            if value is not None and self._would_loop(name, field, obj.id, value):
                self.conflict(name, ident, named, field, "déplacé des deux côtés : l'appliquer "
                              "ferait une boucle dans l'arborescence", base=base, theirs=theirs,
                              ours=ours[field])  # fmt: skip
                continue
            to_set[field] = value
            applied[field] = stamp
        if not to_set:
            return
        current = {c.name: getattr(obj, c.name) for c in data_columns(name)}
        taken = self._taken(name, {**current, **to_set}, obj.id)
        if taken:
            for field in to_set:
                self.conflict(name, ident, named, field,
                              f"valeur déjà prise ici par {taken[1]}", base=fields[field]["base"],
                              theirs=fields[field]["value"], ours=ours[field])  # fmt: skip
            return

        def apply() -> None:
            for field, value in to_set.items():
                setattr(obj, field, value)

        def done() -> None:
            self.counts.updated += len(applied)
            for field, stamp in applied.items():
                self.authors[(name, obj.id, field)] = stamp

        def failed() -> None:
            for field in to_set:
                self.conflict(name, ident, named, field, "refusé par les règles de la base ici",
                              base=fields[field]["base"], theirs=fields[field]["value"],
                              ours=ours[field])  # fmt: skip

        self._write(apply, done, failed)

    def _merge_links(self, name: str, ident: str, row_id: int, named: dict, field: str,
                     base: list, theirs: list, ours: list, stamp) -> None:  # fmt: skip
        """Links merge as sets: what either side added stays, what either side removed goes."""
        if sorted(ours) == sorted(theirs):
            self.counts.same += 1
            return
        merged = (set(ours) - (set(base) - set(theirs))) | (set(theirs) - set(base))
        if merged == set(ours):
            return
        target = link_fields(name)[field][3]
        old = {self.refs.local_id(target, r) for r in ours} - {None}
        new = self._resolve_links(name, ident, named, field, sorted(merged))
        if old != new:
            self._write_links(name, row_id, field, old, new)
            self.counts.updated += 1
            self.authors[(name, row_id, field)] = stamp

    # -- deletes ------------------------------------------------------------------------------

    def _deletes(self, rows: list[dict]) -> None:
        """Children before parents; inside a tree, whatever order lets each one go."""
        pending = [r for r in rows if self._deletable(r)]
        while pending:
            waiting = []
            for row in pending:
                if not self._delete(row, last_try=False):
                    waiting.append(row)
            if len(waiting) == len(pending):
                for row in waiting:
                    self._delete(row, last_try=True)
                return
            pending = waiting

    def _deletable(self, row: dict) -> bool:
        name, ident, base = row["table"], row["uuid"], row["base"]
        local_id = self.refs.local_id(name, ident)
        if local_id is None:
            self.counts.same += 1  # deleted here too
            return False
        obj = self.s.get(model_for(name), local_id)
        ours = self._current(name, obj)
        changed = [f for f, v in base.items() if f in ours and _differs(ours[f], v)]
        for field in changed:
            self.conflict(name, ident, ours, field, "supprimé là-bas, mais modifié ici",
                          base=base[field], theirs=None, ours=ours[field])  # fmt: skip
        if changed:
            return False
        children = self._touched_children(name, local_id)
        if children:
            self.conflict(name, ident, ours, None,
                          f"supprimé là-bas, mais ici des éléments qui en dépendent ont changé "
                          f"depuis ({children})")  # fmt: skip
            return False
        return True

    def _touched_children(self, name: str, row_id: int) -> str:
        """The rows here that the deletion would take with it and that changed here since."""
        found = []
        for child in tables().values():
            for fk in child.foreign_keys:
                if fk.column.table.name != name or fk.ondelete != "CASCADE":
                    continue
                ids = self.s.scalars(select(child.c.id).where(fk.parent == row_id)).all()
                hit = [i for i in ids if (child.name, i) in self.touched_here]
                if hit:
                    found.append(f"{len(hit)} {TABLE_LABELS.get(child.name, child.name).lower()}")
        return ", ".join(found)

    def _delete(self, row: dict, *, last_try: bool) -> bool:
        name, ident = row["table"], row["uuid"]
        local_id = self.refs.local_id(name, ident)
        if local_id is None:
            return True
        obj = self.s.get(model_for(name), local_id)
        try:
            with self.s.begin_nested():
                self._delete_with_dependents(name, obj)
                self.s.flush()
        except IntegrityError:
            self.s.expire_all()
            if last_try:
                self.conflict(
                    name,
                    ident,
                    self._current(name, obj),
                    None,
                    "supprimé là-bas, mais d'autres éléments en dépendent ici",
                )
            return False
        self.refs.forget(name, ident)
        self.counts.deleted += 1
        self.authors[(name, local_id, None)] = (row.get("login") or "inconnu", row.get("at") or "")
        return True

    def _delete_with_dependents(self, name: str, obj) -> None:
        """Delete a row, and first what the database would delete with it (ON DELETE CASCADE)
        and its links, through the session: each one gets its history record, so that undoing
        the merge restores them all (SQLite's cascades leave no record)."""
        for field in link_fields(name):
            link, own, other, _target = link_fields(name)[field]
            linked = set(self.s.scalars(select(link.c[other]).where(link.c[own] == obj.id)))
            if linked:
                self._write_links(name, obj.id, field, linked, set())
        for child in tables().values():
            for fk in child.foreign_keys:
                if fk.column.table.name != name or fk.ondelete != "CASCADE":
                    continue
                ids = self.s.scalars(select(child.c.id).where(fk.parent == obj.id)).all()
                for child_id in ids:
                    found = self.s.get(model_for(child.name), child_id)
                    if found is not None:
                        self._delete_with_dependents(child.name, found)
        self.s.flush()
        self.s.delete(obj)

    # -- authorship ---------------------------------------------------------------------------

    def keep_authors(self) -> None:
        """The history records of this batch get the original author and time back."""
        self._drain()
        self.s.flush()
        batch = current_batch(self.s)
        records = self.s.execute(
            select(Change.id, Change.table_name, Change.row_id, Change.field, Change.action)
            .where(Change.batch == batch)
        ).all()  # fmt: skip
        entries = []
        for change_id, name, row_id, field, action in records:
            key = (name, row_id, field if action == "update" else None)
            stamp = self.authors.get(key) or self.authors.get((name, row_id, None))
            if stamp is None or not stamp[1]:
                continue
            entries.append({"id": change_id, "login": stamp[0][:120], "at": stamp[1]})
        if not entries:
            return
        if self.s.get_bind().dialect.name == "postgresql":
            self.s.execute(
                text("SELECT pilotis_exchange_authors(CAST(:entries AS json))"),
                {"entries": json.dumps(entries)},
            )
            return
        self.s.execute(
            update(Change.__table__)
            .where(Change.__table__.c.id == bindparam("change_id"))
            .values(login=bindparam("login"), at=bindparam("at_value")),
            [
                {
                    "change_id": e["id"],
                    "login": e["login"],
                    "at_value": datetime.fromisoformat(e["at"]),
                }
                for e in entries
            ],  # fmt: skip
        )


def _differs(ours: object, base: object) -> bool:
    if isinstance(ours, list) and isinstance(base, list):
        return sorted(map(str, ours)) != sorted(map(str, base))
    return ours != base


def touched_since(session: Session, since: int, echo: set[str]) -> set[tuple[str, int]]:
    """(table, row id) of every row this base changed itself since a history position."""
    touched: set[tuple[str, int]] = set()
    query = select(Change).where(Change.id > since).execution_options(yield_per=2000)
    for change in session.scalars(query):
        if change.batch in echo:
            continue
        ids = imported_ids(change)
        if ids is not None:
            touched.update((change.table_name, i) for i in ids)
        elif change.row_id is not None:
            touched.add((change.table_name, change.row_id))
    return touched
