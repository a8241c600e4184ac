"""The rules the schema itself holds, whatever program writes: a client that skips Pilotis's forms
and imports (a script, psql, an older version) still cannot store what would lose or invent data.
Run on a migrated SQLite file and, with a test server, on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from desktop.models import Funder, FundingLine, Person, Position, Programme, Unit


@pytest.fixture
def world(database):
    """One unit with one post held by one person, one programme funded by one funder."""
    with database.session_factory.begin() as s:
        unit = Unit(code="DRAJES", acronym="DRAJES", name="Délégation régionale", kind="direction")
        person = Person(last_name="Martin", first_name="Zoé")
        funder = Funder(code="ETAT", name="État", kind="etat")
        programme = Programme(code="P1", name="Programme", family="autre", kind="programme",
                              status="en_cours")  # fmt: skip
        s.add_all([unit, person, funder, programme])
        s.flush()
        s.add(Position(unit_id=unit.id, person_id=person.id, title="Délégué", role="head"))
        s.add(FundingLine(programme_id=programme.id, funder_id=funder.id, amount_cents=100_00,
                          stage="planned", period="2023"))  # fmt: skip
        ids = {"unit": unit.id, "person": person.id, "funder": funder.id, "programme": programme.id}
    return database, ids


def _refused(database, *rows, action=None) -> None:
    """The database refuses the write, and the transaction leaves nothing behind."""

    def write() -> None:
        with database.session_factory.begin() as s:
            if action is not None:
                action(s)
            s.add_all(rows)

    with pytest.raises(IntegrityError):
        write()


def _count(database, model) -> int:
    with database.session_factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_negative_or_unknown_stage_amount_is_never_stored(world):
    """Money is never negative and always at a known stage of prévu → engagé → versé."""
    database, ids = world
    common = {"programme_id": ids["programme"], "funder_id": ids["funder"], "period": "2023"}
    _refused(database, FundingLine(amount_cents=-1, stage="planned", **common))
    _refused(database, FundingLine(amount_cents=5, stage="promised", **common))
    assert _count(database, FundingLine) == 1


def test_a_period_is_a_year_or_a_school_year_of_consecutive_years(world):
    """« 2022-2024 » or « 23 » would be summed with the wrong year: refused by the schema."""
    database, ids = world
    common = {"programme_id": ids["programme"], "funder_id": ids["funder"], "stage": "planned"}
    for period in ("2022-2024", "23", "2023 "):
        _refused(database, FundingLine(amount_cents=1, period=period, **common))
    with database.session_factory.begin() as s:
        s.add(FundingLine(amount_cents=1, period="2022-2023", **common))
    assert _count(database, FundingLine) == 2


def test_a_unit_cannot_be_its_own_parent_nor_vanish_under_its_posts(world):
    """A loop in the tree, or posts left without their unit, cannot be written."""
    database, ids = world

    def own_parent(s):
        s.get(Unit, ids["unit"]).parent_id = ids["unit"]

    _refused(database, action=own_parent)
    _refused(database, action=lambda s: s.execute(delete(Unit).where(Unit.id == ids["unit"])))
    with database.session_factory() as s:
        assert s.get(Unit, ids["unit"]).parent_id is None
        assert s.scalar(select(Position.unit_id)) == ids["unit"]


def test_a_funder_with_lines_cannot_be_deleted_but_a_programme_takes_its_lines(world):
    """Deleting a funder would orphan money (refused); deleting a programme deletes its lines."""
    database, ids = world
    _refused(database, action=lambda s: s.execute(delete(Funder).where(Funder.id == ids["funder"])))
    assert _count(database, FundingLine) == 1
    with database.session_factory.begin() as s:
        s.execute(delete(Programme).where(Programme.id == ids["programme"]))
    assert _count(database, FundingLine) == 0


def test_a_post_cannot_end_before_it_starts(world):
    """An end before the start would hide a current post from the directory."""
    database, ids = world
    _refused(database, Position(unit_id=ids["unit"], title="Adjoint", role="deputy",
                                start_on=date(2024, 9, 1), end_on=date(2024, 8, 31)))  # fmt: skip
    assert _count(database, Position) == 1


def test_the_second_of_two_saves_of_the_same_version_is_refused(world):
    """Two people edit the same person: the later save must not silently overwrite the first."""
    database, ids = world
    first, second = database.session_factory(), database.session_factory()
    try:
        a, b = first.get(Person, ids["person"]), second.get(Person, ids["person"])
        a.email, b.email = "zoe.martin@ac-toulouse.fr", "z.martin@ac-montpellier.fr"
        first.commit()
        with pytest.raises(StaleDataError):
            second.commit()
    finally:
        first.close()
        second.close()
    with database.session_factory() as s:
        person = s.get(Person, ids["person"])
        assert (person.email, person.version) == ("zoe.martin@ac-toulouse.fr", 2)
