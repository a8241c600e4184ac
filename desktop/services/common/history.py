"""The change history: who, when, what, old → new for every change of an audited row; one
transaction is one batch, and a batch can be reverted (undo), which is itself a new batch (redo
is the revert of that revert).

On SQLite Pilotis writes the records itself (after each flush). On PostgreSQL the server's audit
triggers write them (migration 0010), whoever connects: the account is session_user and the time
the server's, and Pilotis only names the transaction's batch (SET LOCAL pilotis.batch) so that
one user action stays one step."""

from __future__ import annotations

import functools
import getpass
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, Integer, delete, event, insert, select, text, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from desktop.errors import PilotisError
from desktop.models import (
    Audited,
    Base,
    Change,
    programme_axis,
    programme_department,
    programme_establishment,
    programme_partner,
)

SKIPPED_FIELDS = {"created_at", "updated_at", "version", "sort_key"}
# Derived from other fields (the directory's sort keys): not kept in snapshots — a restored row
# gets it again from its column default, and an erased person leaves no folded name behind.
DERIVED_FIELDS = {"sort_key"}
# Many-to-many links have no version of their own: a change of one is recorded on the owning
# row as a pseudo-field holding the sorted list of linked ids, so that undo can restore it.
LINK_FIELDS = {
    ("programme", "axes"): (programme_axis, "programme_id", "axis_id"),
    ("programme", "departments"): (programme_department, "programme_id", "department_id"),
    ("programme", "partners"): (programme_partner, "programme_id", "organisation_id"),
    ("programme", "establishments"): (
        programme_establishment, "programme_id", "establishment_id",
    ),
}  # fmt: skip


class ConflictError(PilotisError):
    """The row changed since the change to undo: undoing would overwrite someone's work."""


@dataclass(frozen=True)
class ChangeRow:
    id: int
    at: datetime
    login: str
    action: str
    table_name: str
    row_id: int | None
    field: str | None
    old_value: str | None
    new_value: str | None
    batch: str | None


def encode(value: object) -> str | None:
    """Values are kept as JSON so that undo gets back the same type (dates, numbers, None)."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return json.dumps(value.isoformat())
    return json.dumps(value, ensure_ascii=False)


def decode(text: str | None, column) -> object:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = text  # rows written by older code kept str(value)
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, Integer) and not isinstance(value, bool):
        return int(value)
    if isinstance(column.type, Float):
        return float(value)
    return value


def os_login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - getpass raises various errors without a login name
        return "inconnu"


def current_batch(session: Session) -> str:
    """The batch id of the session's transaction (one user action)."""
    return session.info.setdefault("batch", uuid.uuid4().hex[:12])


def server_writes_history(bind) -> bool:
    """Whether the database writes the history itself (PostgreSQL's audit triggers, 0010):
    then Pilotis must not write records of its own, or each change would count twice."""
    return bind.dialect.name == "postgresql"


def begin_batch(session: Session, batch: str, *, summary: bool = False) -> None:
    """Name the batch of the session's transaction (an import's report names it); summary: the
    rows each statement inserts make one record of their id ranges (imports), not one each.
    Call it before the transaction's first write."""
    session.info["batch"] = batch
    session.info["history_summary"] = summary
    if server_writes_history(session.get_bind()):
        _name_server_batch(session.connection(), session)


def _name_server_batch(connection, session: Session) -> None:
    # Transaction-local (set_config's third argument): the next transaction gets its own.
    connection.execute(
        text(
            "SELECT set_config('pilotis.batch', :batch, true), "
            "set_config('pilotis.summary', :summary, true)"
        ),
        {"batch": current_batch(session), "summary": "on" if session.info.get("history_summary")
         else "off"},
    )  # fmt: skip


def database_account(engine) -> str | None:
    """The account a PostgreSQL server records in the history (session_user), None on SQLite."""
    if not server_writes_history(engine):
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT session_user")).scalar()


def install_history(session_factory: sessionmaker, login: str | None = None) -> None:
    """Record every change of an audited row made through sessions of this factory.

    On PostgreSQL the server records them under the connected account, whatever `login` says:
    the factory's login (shown for frozen budget situations) becomes that account too."""
    info = session_factory.kw.setdefault("info", {})
    if info.get("history_installed"):
        return
    bind = session_factory.kw.get("bind")
    if bind is not None and server_writes_history(bind):
        info["history_installed"] = True
        info["login"] = database_account(bind)

        @event.listens_for(session_factory, "after_begin")
        def _on_begin(session: Session, _transaction, connection) -> None:
            _name_server_batch(connection, session)

        @event.listens_for(session_factory, "after_commit")
        @event.listens_for(session_factory, "after_rollback")
        def _server_end(session: Session) -> None:
            if session.in_nested_transaction():  # a savepoint ends: the transaction goes on
                return
            session.info.pop("batch", None)
            session.info.pop("history_summary", None)

        return
    login = login or os_login()
    info["history_installed"] = True
    info["login"] = login

    @event.listens_for(session_factory, "after_flush")
    def _after_flush(session: Session, _context) -> None:
        rows = []
        batch = current_batch(session)
        for obj in session.new:
            if isinstance(obj, Audited):
                rows.append(_row(login, batch, "insert", obj, None, None, _snapshot(obj)))
        for obj in session.dirty:
            if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
                state = sa_inspect(obj)
                for attr in state.mapper.column_attrs:
                    if attr.key in SKIPPED_FIELDS:
                        continue
                    hist = state.attrs[attr.key].history
                    if hist.has_changes():
                        old = hist.deleted[0] if hist.deleted else None
                        new = hist.added[0] if hist.added else None
                        if old != new:
                            rows.append(
                                _row(
                                    login, batch, "update", obj, attr.key, encode(old), encode(new)
                                )
                            )
        for obj in session.deleted:
            if isinstance(obj, Audited):
                rows.append(_row(login, batch, "delete", obj, None, _snapshot(obj), None))
        if rows:
            session.connection().execute(insert(Change), rows)

    @event.listens_for(session_factory, "after_commit")
    @event.listens_for(session_factory, "after_rollback")
    def _end(session: Session) -> None:
        if session.in_nested_transaction():  # a savepoint ends: the batch goes on
            return
        session.info.pop("batch", None)


def record_links(
    session: Session, table_name: str, row_id: int, field: str, old: set[int], new: set[int]
) -> None:
    """Record that a row's links (e.g. a programme's axes) went from `old` to `new` ids; the
    caller has already written the link table."""
    if old == new:
        return
    if (table_name, field) not in LINK_FIELDS:
        raise ValueError(f"Lien inconnu de l'historique : {table_name}.{field}")
    if server_writes_history(session.get_bind()):
        return  # the link table's trigger recorded it
    row = {
        "login": session.info.get("login") or os_login(),
        "action": "update",
        "table_name": table_name,
        "row_id": row_id,
        "field": field,
        "old_value": json.dumps(sorted(old)),
        "new_value": json.dumps(sorted(new)),
        "batch": current_batch(session),
    }
    session.connection().execute(insert(Change), [row])


def _linked_ids(session: Session, table_name: str, row_id: int, field: str) -> set[int]:
    table, own, other = LINK_FIELDS[(table_name, field)]
    return set(session.scalars(select(table.c[other]).where(table.c[own] == row_id)).all())


def _snapshot(obj: Base) -> str:
    state = sa_inspect(obj)
    values = {  # generated columns, if any, are the database's: neither kept nor restored
        attr.key: getattr(obj, attr.key)
        for attr in state.mapper.column_attrs
        if attr.columns[0].computed is None and attr.key not in DERIVED_FIELDS
    }
    return json.dumps(
        {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in values.items()},
        ensure_ascii=False,
    )


def _row(login, batch, action, obj, field, old, new) -> dict:
    return {
        "login": login,
        "action": action,
        "table_name": obj.__tablename__,
        "row_id": obj.id,
        "field": field,
        "old_value": old,
        "new_value": new,
        "batch": batch,
    }


def imported_ranges(change) -> list[list[int]] | None:
    """The id ranges of the rows an import added, when `change` is its one record for a table
    (no row_id; new_value {"lignes": n, "ids": [[first, last], …]}); None for any other change."""
    if change.action != "insert" or change.row_id is not None or not change.new_value:
        return None
    try:
        value = json.loads(change.new_value)
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("ids"), list):
        return None
    return value["ids"]


def imported_ids(change) -> list[int] | None:
    """The ids of the rows an import added (see imported_ranges); None for any other change."""
    ranges = imported_ranges(change)
    if ranges is None:
        return None
    return [i for first, last in ranges for i in range(first, last + 1)]


@functools.cache
def _self_references(table_name: str) -> tuple[str, ...]:
    table = _model_for(table_name).__table__
    return tuple(c.name for c in table.c if any(fk.column.table is table for fk in c.foreign_keys))


def _parents_first(changes: list[Change]) -> list[Change]:
    """The changes of a batch, newest first, except that rows of a tree to restore (undoing
    their deletion: redo of an undone import) come parents first, whatever order they were
    deleted in: each one's parent must exist when it goes back."""
    slots = [
        i
        for i, c in enumerate(changes)
        if c.action == "delete" and c.row_id is not None and _self_references(c.table_name)
    ]
    if len(slots) < 2:
        return changes
    pending = [changes[i] for i in slots]
    restored = {(c.table_name, c.row_id) for c in pending}
    parents = {
        id(c): {
            (c.table_name, value)
            for name in _self_references(c.table_name)
            if (value := json.loads(c.old_value or "{}").get(name)) is not None
        }
        & restored
        for c in pending
    }
    ordered: list[Change] = []
    placed: set[tuple[str, int]] = set()
    while pending:
        ready = [c for c in pending if parents[id(c)] <= placed]
        if not ready:  # a cycle: as they come, the database will say what is wrong
            ready = pending
        ordered += ready
        placed |= {(c.table_name, c.row_id) for c in ready}
        pending = [c for c in pending if (c.table_name, c.row_id) not in placed]
    reordered = list(changes)
    for slot, change in zip(slots, ordered, strict=True):
        reordered[slot] = change
    return reordered


def _links_after_owners(changes: list[Change]) -> list[Change]:
    """Undoing a deletion restores the row before its links: on PostgreSQL the server records
    the links a cascade removed, which may come after the row's own record."""
    restored = {
        (c.table_name, c.row_id): i
        for i, c in enumerate(changes)
        if c.action == "delete" and c.row_id is not None
    }
    late = {
        id(c): restored[(c.table_name, c.row_id)]
        for i, c in enumerate(changes)
        if (c.table_name, c.field) in LINK_FIELDS and restored.get((c.table_name, c.row_id), -1) > i
    }
    if not late:
        return changes
    ordered: list[Change] = []
    waiting: dict[int, list[Change]] = {}
    for i, change in enumerate(changes):
        if id(change) in late:
            waiting.setdefault(late[id(change)], []).append(change)
            continue
        ordered.append(change)
        ordered += waiting.pop(i, [])
    return ordered


def _unchanged_since_insert(obj: Base, change: Change) -> bool:
    """Whether a row still holds what its insertion wrote (an edit undone since counts as
    unchanged). Imports record no snapshot: then only a row never updated (version 1) is."""
    try:
        snapshot = json.loads(change.new_value or "")
    except ValueError:
        snapshot = None
    if not isinstance(snapshot, dict):
        return getattr(obj, "version", 1) == 1
    table = type(obj).__table__
    return all(
        getattr(obj, key) == decode(json.dumps(value), table.c[key])
        for key, value in snapshot.items()
        if key in table.c and key not in SKIPPED_FIELDS
    )


def _model_for(table_name: str) -> type[Base]:
    for mapper in Base.registry.mappers:
        if mapper.class_.__tablename__ == table_name:
            return mapper.class_
    raise PilotisError(f"Table inconnue dans l'historique : {table_name}")


class HistoryService:
    """Reads the history and reverts batches; needs install_history on the same factory."""

    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    @property
    def session_factory(self) -> sessionmaker:
        """For services built on demand by the views (import, RGPD, history queries)."""
        return self._sessions

    def changes(
        self,
        *,
        table_name: str | None = None,
        row_id: int | None = None,
        batch: str | None = None,
        limit: int = 500,
    ) -> list[ChangeRow]:
        query = select(Change).order_by(Change.id.desc()).limit(limit)
        if table_name:
            query = query.where(Change.table_name == table_name)
        if row_id is not None:
            query = query.where(Change.row_id == row_id)
        if batch:
            query = query.where(Change.batch == batch)
        with self._sessions() as session:
            return [
                ChangeRow(
                    c.id,
                    c.at,
                    c.login,
                    c.action,
                    c.table_name,
                    c.row_id,
                    c.field,
                    c.old_value,
                    c.new_value,
                    c.batch,
                )  # fmt: skip
                for c in session.scalars(query)
            ]

    def revert(self, batch: str) -> str:
        """Undo every change of a batch, newest first, in one transaction; returns its batch.

        Refuses (ConflictError) when a row changed since: nobody's later work is overwritten.
        """
        with self._sessions.begin() as session:
            changes = session.scalars(
                select(Change).where(Change.batch == batch).order_by(Change.id.desc())
            ).all()
            if not changes:
                raise PilotisError("Rien à annuler : cette modification est introuvable.")
            try:
                for change in _links_after_owners(_parents_first(changes)):
                    self._revert_one(session, change)
                session.flush()
            except IntegrityError as exc:
                raise ConflictError(
                    "Annulation impossible : d'autres données dépendent désormais de cet élément."
                ) from exc
            return current_batch(session)

    def _revert_one(self, session: Session, change: Change) -> None:
        if (change.table_name, change.field) in LINK_FIELDS:
            self._revert_links(session, change)
            return
        model = _model_for(change.table_name)
        table = model.__table__
        ids = imported_ids(change)
        if ids is not None:
            self._revert_import(session, model, ids)
            return
        obj = session.get(model, change.row_id) if change.row_id is not None else None
        if change.action == "insert":
            if obj is None:
                raise ConflictError("Annulation impossible : l'élément ajouté a déjà été supprimé.")
            if not _unchanged_since_insert(obj, change):
                raise ConflictError(
                    "Annulation impossible : l'élément ajouté a été modifié depuis ; "
                    "l'annuler effacerait ces modifications."
                )
            soft = getattr(model, "__soft_delete__", None)  # e.g. frozen budget situations
            if soft:  # only marked, so that redoing the insert finds the row whole again
                setattr(obj, soft, datetime.now().replace(microsecond=0))
            else:
                session.delete(obj)
        elif change.action == "update":
            if obj is None:
                raise ConflictError("Annulation impossible : l'élément a été supprimé depuis.")
            column = table.c[change.field]
            if getattr(obj, change.field) != decode(change.new_value, column):
                raise ConflictError(
                    "Annulation impossible : l'élément a été modifié depuis "
                    f"(champ « {change.field} »)."
                )
            setattr(obj, change.field, decode(change.old_value, column))
        elif change.action == "delete":
            if obj is not None:
                raise ConflictError("Annulation impossible : l'élément existe de nouveau.")
            values = json.loads(change.old_value)
            restored = {
                key: decode(json.dumps(value), table.c[key])
                for key, value in values.items()
                if key in table.c and table.c[key].computed is None
            }
            session.add(model(**restored))

    @staticmethod
    def _revert_import(session: Session, model: type[Base], ids: list[int]) -> None:
        """Delete the rows an import added, if none was modified or deleted since. In a tree
        (units, programmes) the imported rows may be each other's parents: those links are
        cut first, the objects keeping their loaded values for the history (redo)."""
        table = model.__table__
        self_refs = [c for c in table.c if any(fk.column.table is table for fk in c.foreign_keys)]
        chunks = [ids[start : start + 500] for start in range(0, len(ids), 500)]
        # Without a tree, chunk by chunk (100 000 people); with one, every row is loaded before
        # the links are cut, so each object keeps its parent for the history.
        groups = [chunks] if self_refs else [[chunk] for chunk in chunks]
        for group in groups:
            rows = []
            for chunk in group:
                found = session.scalars(select(model).where(model.id.in_(chunk))).all()
                if len(found) != len(chunk):
                    raise ConflictError(
                        "Annulation impossible : un élément ajouté par l'import a déjà été "
                        "supprimé."
                    )
                rows += found
            for obj in rows:
                if getattr(obj, "version", 1) != 1:
                    raise ConflictError(
                        "Annulation impossible : un élément ajouté par l'import a été modifié "
                        "depuis ; l'annuler effacerait ces modifications."
                    )
            if self_refs:
                for chunk in group:
                    session.execute(
                        update(table)
                        .where(table.c.id.in_(chunk))
                        .values({c.name: None for c in self_refs}),
                        execution_options={"synchronize_session": False},
                    )
            for obj in rows:
                session.delete(obj)
            session.flush()

    @staticmethod
    def _revert_links(session: Session, change: Change) -> None:
        session.flush()  # the owning row may just have been restored
        table, own, other = LINK_FIELDS[(change.table_name, change.field)]
        current = _linked_ids(session, change.table_name, change.row_id, change.field)
        if current != set(json.loads(change.new_value)):
            raise ConflictError(
                f"Annulation impossible : les liens « {change.field} » ont été modifiés depuis."
            )
        wanted = set(json.loads(change.old_value))
        if current - wanted:
            session.execute(
                delete(table).where(
                    table.c[own] == change.row_id, table.c[other].in_(current - wanted)
                )
            )
        if wanted - current:
            session.execute(
                insert(table), [{own: change.row_id, other: i} for i in sorted(wanted - current)]
            )
        record_links(session, change.table_name, change.row_id, change.field, current, wanted)
