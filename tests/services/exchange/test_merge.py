"""Offline copies that come back: checkout, edits on both sides, packages both ways, conflicts
field by field, rows created on both sides, undo of a merge — on SQLite and PostgreSQL sources."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from desktop.db import open_database
from desktop.models import (
    Axis,
    Change,
    ExchangePartner,
    Milestone,
    Person,
    Programme,
    Unit,
    programme_axis,
)
from desktop.services.common.history import HistoryService, install_history, record_links
from tests.services.exchange.support import (
    edit,
    receive,
    rows_by_identity,
    send,
    source_url,
    take_copy,
)


def _unit(session, acronym: str) -> Unit:
    return session.scalar(select(Unit).where(Unit.acronym == acronym))


def _value(url: str, model, where, column: str):
    db = open_database(url, create=False)
    try:
        with db.session_factory() as session:
            row = session.scalar(select(model).where(where))
            return None if row is None else getattr(row, column)
    finally:
        db.dispose()


def _positions(url: str) -> list[tuple[str, int, int]]:
    db = open_database(url, create=False)
    try:
        with db.session_factory() as session:
            partners = session.scalars(select(ExchangePartner)).all()
            top = session.scalar(select(func.max(Change.id))) or 0
            return [(p.role, p.received_upto, top) for p in partners]
    finally:
        db.dispose()


def test_checkout_remembers_the_source_and_its_history_position(filled_database, tmp_path):
    """The copy knows its source and the point of its history; both hold the same identities."""
    source = source_url(filled_database)
    copy = take_copy(filled_database, tmp_path)
    ((role, received, copy_top),) = _positions(copy)
    assert role == "source"
    assert received == copy_top  # the copy's history is the source's up to the checkout
    assert [r for r, _, _ in _positions(source)] == ["copy"]
    assert rows_by_identity(copy) == rows_by_identity(source)


def test_edits_of_both_sides_arrive_on_both_sides(filled_database, tmp_path):
    """Different fields, new rows and a move made on each side end up in both bases."""
    source = source_url(filled_database)
    copy = take_copy(filled_database, tmp_path)

    def offline(session):
        drajes = _unit(session, "DRAJES")
        drajes.phone = "04 67 00 00 01"
        programme = session.scalar(select(Programme).order_by(Programme.id))
        session.add(Milestone(programme_id=programme.id, title="Visite du lycée",
                              due_on=date(2027, 3, 15)))  # fmt: skip
        session.add(Unit(code="MISSION-TRAIN", name="Mission créée dans le train",
                         kind="mission", parent_id=drajes.id))  # fmt: skip

    def at_the_office(session):
        drajes = _unit(session, "DRAJES")
        drajes.address = "31 rue de l'Université"
        person = session.scalar(select(Person).order_by(Person.id))
        person.phone = "05 61 00 00 02"
        session.add(Unit(code="POLE-BUREAU", name="Pôle créé au bureau", kind="pole",
                         parent_id=drajes.parent_id))  # fmt: skip

    edit(copy, offline)
    edit(source, at_the_office)
    assert send(copy, tmp_path / "aller.zip") == 3
    back = receive(source, tmp_path / "aller.zip")
    assert back.conflicts == ()
    assert send(source, tmp_path / "retour.zip") == 3  # its own changes only, not the copy's
    there = receive(copy, tmp_path / "retour.zip")
    assert there.conflicts == ()
    assert rows_by_identity(copy) == rows_by_identity(source)
    # The new mission hangs under DRAJES on the server too, whatever DRAJES's local id.
    drajes_id = _value(source, Unit, Unit.acronym == "DRAJES", "id")
    assert _value(source, Unit, Unit.code == "MISSION-TRAIN", "parent_id") == drajes_id
    assert _value(source, Unit, Unit.acronym == "DRAJES", "phone") == "04 67 00 00 01"
    assert _value(copy, Unit, Unit.acronym == "DRAJES", "address") == "31 rue de l'Université"


def test_the_same_field_changed_on_both_sides_is_reported_not_applied(filled_database, tmp_path):
    """Both sides changed the e-mail of DRAJES: a conflict naming the unit, the field and the
    three values; each side keeps its own, the other fields of the package still arrive."""
    source = source_url(filled_database)
    copy = take_copy(filled_database, tmp_path)
    before = _value(source, Unit, Unit.acronym == "DRAJES", "email")

    def offline(session):
        _unit(session, "DRAJES").email = "drajes.train@ac-occitanie.fr"
        _unit(session, "DRAJES").phone = "04 67 00 00 09"

    edit(copy, offline)
    edit(source, lambda s: setattr(_unit(s, "DRAJES"), "email", "drajes.bureau@ac-occitanie.fr"))
    send(copy, tmp_path / "p.zip")
    summary = receive(source, tmp_path / "p.zip")
    (conflict,) = summary.conflicts
    assert "DRAJES" in conflict.row
    assert conflict.field_label == "Courriel"
    assert (conflict.base, conflict.theirs, conflict.ours) == (
        before or "(vide)",
        "drajes.train@ac-occitanie.fr",
        "drajes.bureau@ac-occitanie.fr",
    )
    assert conflict.reason == "modifié des deux côtés"
    assert _value(source, Unit, Unit.acronym == "DRAJES", "email") == (
        "drajes.bureau@ac-occitanie.fr"
    )
    assert _value(source, Unit, Unit.acronym == "DRAJES", "phone") == "04 67 00 00 09"


def test_a_row_deleted_on_one_side_and_edited_on_the_other_is_a_conflict(filled_database, tmp_path):
    """A milestone deleted offline but renamed at the office stays, renamed, and is reported;
    one edited offline but deleted at the office is reported on the way back."""
    source = source_url(filled_database)
    copy = take_copy(filled_database, tmp_path)
    first, second = _two_milestones(source)

    def offline(session):
        session.delete(session.scalar(select(Milestone).where(Milestone.uuid == first)))
        session.scalar(select(Milestone).where(Milestone.uuid == second)).note = "vu sur place"

    def at_the_office(session):
        session.scalar(select(Milestone).where(Milestone.uuid == first)).title = "Comité (reporté)"
        session.delete(session.scalar(select(Milestone).where(Milestone.uuid == second)))

    edit(copy, offline)
    edit(source, at_the_office)
    send(copy, tmp_path / "aller.zip")
    summary = receive(source, tmp_path / "aller.zip")
    reasons = sorted(c.reason for c in summary.conflicts)
    assert reasons == ["modifié là-bas, mais supprimé ici", "supprimé là-bas, mais modifié ici"]
    assert _value(source, Milestone, Milestone.uuid == first, "title") == "Comité (reporté)"
    assert _value(source, Milestone, Milestone.uuid == second, "title") is None


def _two_milestones(url: str) -> tuple[str, str]:
    db = open_database(url, create=False)
    try:
        with db.session_factory() as session:
            found = session.scalars(select(Milestone.uuid).order_by(Milestone.id).limit(2)).all()
            return found[0], found[1]
    finally:
        db.dispose()


def test_rows_created_on_both_sides_never_collide(filled_database, tmp_path):
    """New units made on each side at the same time (same local ids) both arrive; a code
    taken on both sides is a conflict, not a second unit or an overwrite."""
    source = source_url(filled_database)
    copy = take_copy(filled_database, tmp_path)

    def create(code_a: str, code_b: str, name: str):
        def change(session):
            session.add(Unit(code=code_a, name=f"{name} A", kind="service"))
            session.add(Unit(code=code_b, name=f"{name} B", kind="service"))

        return change

    edit(copy, create("TRAIN-1", "COMMUN", "Hors connexion"))
    edit(source, create("BUREAU-1", "COMMUN", "Au bureau"))
    assert _value(copy, Unit, Unit.code == "TRAIN-1", "id") == _value(
        source, Unit, Unit.code == "BUREAU-1", "id"
    )  # the same local id, two different rows
    send(copy, tmp_path / "aller.zip")
    summary = receive(source, tmp_path / "aller.zip")
    (conflict,) = summary.conflicts
    assert conflict.row == "Service « Hors connexion B »"
    assert conflict.field_label == "Code"
    assert conflict.theirs == "COMMUN"
    assert conflict.reason == "ajouté des deux côtés : déjà pris ici par Service « Au bureau B »"
    send(source, tmp_path / "retour.zip")
    receive(copy, tmp_path / "retour.zip")
    for url in (copy, source):
        assert _value(url, Unit, Unit.code == "TRAIN-1", "name") == "Hors connexion A"
        assert _value(url, Unit, Unit.code == "BUREAU-1", "name") == "Au bureau A"
    assert _value(source, Unit, Unit.code == "COMMUN", "name") == "Au bureau B"
    assert _value(copy, Unit, Unit.code == "COMMUN", "name") == "Hors connexion B"


def test_a_merge_is_one_undoable_step(filled_database, tmp_path):
    """Undoing the merge's batch puts every row of the target back as it was before."""
    source = source_url(filled_database)
    copy = take_copy(filled_database, tmp_path)

    def offline(session):
        drajes = _unit(session, "DRAJES")
        drajes.phone = "04 67 00 00 03"
        session.add(Unit(code="MISSION-UNDO", name="Mission à annuler", kind="mission",
                         parent_id=drajes.id))  # fmt: skip
        session.delete(session.scalar(select(Milestone).order_by(Milestone.id)))

    edit(copy, offline)
    before = rows_by_identity(source)
    send(copy, tmp_path / "p.zip")
    summary = receive(source, tmp_path / "p.zip")
    assert summary.batch
    assert summary.changed
    assert rows_by_identity(source) != before
    db = open_database(source, create=False)
    try:
        install_history(db.session_factory)
        HistoryService(db.session_factory).revert(summary.batch)
    finally:
        db.dispose()
    assert rows_by_identity(source) == before


def test_the_history_keeps_the_original_author_and_time(filled_database, tmp_path):
    """The records a merge writes name who made the change offline and when, not who merged."""
    source = source_url(filled_database)
    copy = take_copy(filled_database, tmp_path)
    edit(copy, lambda s: setattr(_unit(s, "DRAJES"), "phone", "04 67 00 00 04"), login="alice")
    db = open_database(copy, create=False)
    with db.session_factory() as session:
        made_at = session.scalar(select(Change.at).order_by(Change.id.desc()).limit(1))
    db.dispose()
    send(copy, tmp_path / "p.zip")
    summary = receive(source, tmp_path / "p.zip")
    db = open_database(source, create=False)
    try:
        with db.session_factory() as session:
            records = session.execute(
                select(Change.login, Change.at, Change.field).where(Change.batch == summary.batch)
            ).all()
    finally:
        db.dispose()
    assert [(r.login, r.at.replace(microsecond=0), r.field) for r in records] == [
        ("alice", made_at.replace(microsecond=0), "phone")
    ]


def test_the_same_package_twice_changes_nothing(filled_database, tmp_path):
    """A package merged again is recognised: nothing applied twice, no history added."""
    source = source_url(filled_database)
    copy = take_copy(filled_database, tmp_path)
    edit(copy, lambda s: setattr(_unit(s, "DRAJES"), "phone", "04 67 00 00 05"))
    send(copy, tmp_path / "p.zip")
    receive(source, tmp_path / "p.zip")
    before = (rows_by_identity(source), _positions(source))
    again = receive(source, tmp_path / "p.zip")
    assert again.already
    assert (rows_by_identity(source), _positions(source)) == before


@pytest.mark.parametrize("direction", ["copy to source", "source to copy"])
def test_programme_links_merge_as_sets(filled_database, tmp_path, direction):
    """An axis added to a programme on one side and another on the other: both stay."""
    source = source_url(filled_database)
    copy = take_copy(filled_database, tmp_path)

    def link(number: int):
        def change(session):
            programme = session.scalar(select(Programme).order_by(Programme.id))
            axis = session.scalar(select(Axis).where(Axis.number == number))
            linked = set(session.scalars(select(programme_axis.c.axis_id).where(
                programme_axis.c.programme_id == programme.id)))  # fmt: skip
            if axis.id not in linked:
                session.execute(programme_axis.insert().values(programme_id=programme.id,
                                                               axis_id=axis.id))  # fmt: skip
                record_links(session, "programme", programme.id, "axes", linked,
                             linked | {axis.id})  # fmt: skip

        return change

    edit(copy, link(14))
    edit(source, link(15))
    sender, receiver = (copy, source) if direction == "copy to source" else (source, copy)
    send(sender, tmp_path / "p.zip")
    assert receive(receiver, tmp_path / "p.zip").conflicts == ()
    axes = rows_by_identity(receiver, ["programme", "axis"])
    numbers = {u: r["number"] for u, r in axes["axis"].items()}
    db = open_database(receiver, create=False)
    with db.session_factory() as session:
        programme = session.scalar(select(Programme).order_by(Programme.id))
        ident = programme.uuid
    db.dispose()
    linked = {numbers[u] for u in axes["programme"][ident]["axes"]}
    assert {14, 15} <= linked
