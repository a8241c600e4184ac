"""Property: two copies of a base that diverge through random edits, creations, moves and
deletions in the three domains, then exchange packages both ways, end identical except for the
conflicts reported, and no history record is lost — SQLite↔SQLite and PostgreSQL↔SQLite."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from desktop.db import backup_sqlite, open_database
from desktop.models import Change, FundingLine, Milestone, Person, Programme, Unit
from desktop.services.exchange.checkout import checkout
from tests import pg_support
from tests.services.exchange.support import edit, receive, rows_by_identity, send

VALUES = ["04 67 00 00 01", "04 67 00 00 02", "a@ac-occitanie.fr", "b@ac-occitanie.fr", None]
TITLES = ["Comité de pilotage", "Visite", "Bilan"]
CODES = ["MISSION-A", "MISSION-B"]
AMOUNTS = [100_000, 250_000]

OPERATIONS = st.one_of(
    st.tuples(st.just("unit_field"), st.integers(0, 3),
              st.sampled_from(["phone", "email", "address"]), st.sampled_from(VALUES)),
    st.tuples(st.just("person_field"), st.integers(0, 3), st.sampled_from(["phone", "email"]),
              st.sampled_from(VALUES)),
    st.tuples(st.just("new_milestone"), st.integers(0, 3), st.sampled_from(TITLES)),
    st.tuples(st.just("edit_milestone"), st.integers(0, 3), st.sampled_from(TITLES)),
    st.tuples(st.just("delete_milestone"), st.integers(0, 3)),
    st.tuples(st.just("move_unit"), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("new_unit"), st.sampled_from(CODES)),
    st.tuples(st.just("funding"), st.integers(0, 3), st.sampled_from(AMOUNTS)),
    st.tuples(st.just("delete_funding"), st.integers(0, 3)),
)  # fmt: skip


def _nth(session, model, pick: int):
    rows = session.scalars(select(model).order_by(model.uuid)).all()
    return rows[pick % len(rows)] if rows else None


def _descends(session, unit: Unit, ancestor: Unit) -> bool:
    node = unit
    while node is not None:
        if node.id == ancestor.id:
            return True
        node = session.get(Unit, node.parent_id) if node.parent_id else None
    return False


def _apply(operation):
    kind, *args = operation

    def change(session):
        if kind in ("unit_field", "person_field"):
            row = _nth(session, Unit if kind == "unit_field" else Person, args[0])
            setattr(row, args[1], args[2])
        elif kind == "new_milestone":
            programme = _nth(session, Programme, args[0])
            session.add(Milestone(programme_id=programme.id, title=args[1],
                                  due_on=date(2027, 1, 1 + args[0] % 28)))  # fmt: skip
        elif kind == "edit_milestone":
            row = _nth(session, Milestone, args[0])
            if row is not None:
                row.title = args[1]
        elif kind == "delete_milestone":
            row = _nth(session, Milestone, args[0])
            if row is not None:
                session.delete(row)
        elif kind == "move_unit":
            unit, parent = _nth(session, Unit, args[0]), _nth(session, Unit, args[1])
            if unit.parent_id is not None and not _descends(session, parent, unit):
                unit.parent_id = parent.id
        elif kind == "new_unit":
            if session.scalar(select(Unit.id).where(Unit.code == args[0])) is None:
                session.add(Unit(code=args[0], name=f"Mission {args[0]}", kind="mission"))
        elif kind == "funding":
            row = _nth(session, FundingLine, args[0])
            if row is not None:
                row.amount_cents = args[1]
        elif kind == "delete_funding":
            row = _nth(session, FundingLine, args[0])
            if row is not None:
                session.delete(row)

    return change


def _history_ids(url: str) -> set[int]:
    db = open_database(url, create=False)
    try:
        with db.session_factory() as session:
            return set(session.scalars(select(Change.id)))
    finally:
        db.dispose()


def _without_conflicts(rows: dict, conflicts) -> dict:
    whole = {(c.table, c.uuid) for c in conflicts if c.field is None}
    fields = {(c.table, c.uuid, c.field) for c in conflicts if c.field is not None}
    # A row created or deleted on one side only because of a conflict is left out whole.
    whole |= {(c.table, c.uuid) for c in conflicts if "ajouté" in c.reason or
              "supprimé" in c.reason}  # fmt: skip
    out = {}
    for table, by_uuid in rows.items():
        out[table] = {
            ident: {f: v for f, v in values.items() if (table, ident, f) not in fields}
            for ident, values in by_uuid.items()
            if (table, ident) not in whole
        }
    return out


def _changes(base: dict, after: dict) -> dict:
    """(table, uuid, field) -> the value one side left, for what it changed; field None with
    value None for a row it deleted."""
    found = {}
    for table, rows in after.items():
        for ident, values in rows.items():
            before = base[table].get(ident)
            for field, value in values.items():
                if before is None or before[field] != value:
                    found[(table, ident, field)] = value
        for ident in base[table].keys() - rows.keys():
            found[(table, ident, None)] = None
    return found


def _check_every_change_arrived(final: dict, offline: dict, office: dict, conflicts) -> None:
    """A change made on one side only is in both bases, unless a conflict names its row; one
    made on both sides to different values is a reported conflict."""
    rows_in_conflict = {(c.table, c.uuid) for c in conflicts}
    for side, other in ((offline, office), (office, offline)):
        for (table, ident, field), value in side.items():
            theirs = other.get((table, ident, field), value)
            if theirs != value or (table, ident) in rows_in_conflict:
                assert (table, ident) in rows_in_conflict, (table, ident, field, value, theirs)
                continue
            if field is None:
                assert ident not in final[table], (table, ident, "deleted")
            elif (table, ident, None) not in other:
                assert final[table][ident][field] == value, (table, ident, field, value)


def _round(source: str, folder: Path, offline: list, office: list) -> None:
    copy = str(folder / "portable.sqlite")
    checkout(source, copy)
    base = rows_by_identity(source)
    for operation in offline:
        edit(copy, _apply(operation), login="alice")
    for operation in office:
        edit(source, _apply(operation), login="bob")
    made_offline = _changes(base, rows_by_identity(copy))
    made_at_office = _changes(base, rows_by_identity(source))
    history = {source: _history_ids(source), copy: _history_ids(copy)}
    send(copy, folder / "aller.zip")
    there = receive(source, folder / "aller.zip")
    send(source, folder / "retour.zip")
    back = receive(copy, folder / "retour.zip")
    conflicts = there.conflicts + back.conflicts
    final = rows_by_identity(source)
    assert _without_conflicts(rows_by_identity(copy), conflicts) == _without_conflicts(
        final, conflicts
    )
    _check_every_change_arrived(final, made_offline, made_at_office, conflicts)
    for url, before in history.items():  # the history only grows
        assert before <= _history_ids(url)


SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])  # fmt: skip


@SETTINGS
@given(offline=st.lists(OPERATIONS, max_size=6), office=st.lists(OPERATIONS, max_size=6))
def test_two_copies_converge_except_reported_conflicts(backend, request, offline, office):
    """SQLite ↔ SQLite (a site's file and a laptop's copy) and PostgreSQL ↔ SQLite (the shared
    server and a laptop's copy)."""
    with tempfile.TemporaryDirectory() as folder:
        if backend == "sqlite":
            template = request.getfixturevalue("dataset_template")
            source = str(backup_sqlite(template, Path(folder) / "site.sqlite"))
            _round(source, Path(folder), offline, office)
            return
        name = pg_support.create_database(request.getfixturevalue("pg_templates")["filled"])
        try:
            _round(pg_support.url_for(name), Path(folder), offline, office)
        finally:
            pg_support.drop_database(name)
