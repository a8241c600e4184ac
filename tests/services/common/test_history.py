"""History and undo: every edit is recorded and can be reverted, never over someone's work."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from desktop.models import Change, Unit
from desktop.services.common.history import (
    ConflictError,
    HistoryService,
    current_batch,
    install_history,
)


@pytest.fixture
def factory(database):
    install_history(database.session_factory, login="secretaire")
    return database.session_factory


def _add_unit(factory, **values) -> tuple[int, str]:
    with factory.begin() as session:
        unit = Unit(**{"code": "DRAJES", "name": "Jeunesse", "kind": "direction", **values})
        session.add(unit)
        session.flush()
        return unit.id, current_batch(session)


def test_edits_are_recorded_with_login_field_and_old_and_new_values(factory):
    """Renaming a unit leaves a trace: who, which field, the old and the new value."""
    unit_id, _ = _add_unit(factory, created_on=date(2021, 1, 1))
    with factory.begin() as session:
        session.get(Unit, unit_id).name = "Jeunesse, engagement et sports"
    changes = HistoryService(factory).changes(table_name="unit", row_id=unit_id)
    # The OS login given on SQLite; on PostgreSQL the server's account, whatever was given.
    who = factory.kw["info"]["login"]
    assert who == ("secretaire" if factory.kw["bind"].dialect.name == "sqlite" else "pilotis_test")
    assert [(c.action, c.field, c.login) for c in changes] == [
        ("update", "name", who), ("insert", None, who),
    ]  # fmt: skip
    assert (changes[0].old_value, changes[0].new_value) == (
        '"Jeunesse"', '"Jeunesse, engagement et sports"',
    )  # fmt: skip


def test_undo_then_redo_an_edit(factory):
    """Undo puts the old name back; undoing the undo (redo) brings the new one again."""
    unit_id, _ = _add_unit(factory)
    with factory.begin() as session:
        session.get(Unit, unit_id).created_on = date(2021, 1, 1)
        batch = current_batch(session)
    history = HistoryService(factory)
    undo_batch = history.revert(batch)
    with factory() as session:
        assert session.get(Unit, unit_id).created_on is None
    history.revert(undo_batch)
    with factory() as session:
        assert session.get(Unit, unit_id).created_on == date(2021, 1, 1)


def test_undo_a_deletion_restores_the_row_and_undo_an_insert_removes_it(factory):
    """A deleted unit comes back with all its fields; undoing its addition then removes it."""
    unit_id, insert_batch = _add_unit(factory, created_on=date(2021, 1, 1), sort_order=3)
    with factory.begin() as session:
        session.delete(session.get(Unit, unit_id))
        delete_batch = current_batch(session)
    history = HistoryService(factory)
    history.revert(delete_batch)
    with factory() as session:
        unit = session.get(Unit, unit_id)
        assert (unit.code, unit.created_on, unit.sort_order) == ("DRAJES", date(2021, 1, 1), 3)
    history.revert(insert_batch)  # Ctrl+Z a second time: the addition itself is undone
    with factory() as session:
        assert session.scalar(select(Unit.code)) is None


def test_undo_is_refused_when_someone_changed_the_row_since(factory):
    """Undoing an old edit that a later edit has overwritten is refused, nothing changes."""
    unit_id, _ = _add_unit(factory)
    with factory.begin() as session:
        session.get(Unit, unit_id).name = "Nom 2"
        batch = current_batch(session)
    with factory.begin() as session:
        session.get(Unit, unit_id).name = "Nom 3"
    with pytest.raises(ConflictError, match="modifié depuis"):
        HistoryService(factory).revert(batch)
    with factory() as session:
        assert session.get(Unit, unit_id).name == "Nom 3"
        assert session.scalar(select(Change.id).where(Change.action == "update").limit(1))


def test_undoing_an_addition_is_refused_once_the_row_was_edited(factory):
    """Undoing the creation of a unit that was renamed since would lose the rename: refused."""
    unit_id, insert_batch = _add_unit(factory)
    with factory.begin() as session:
        session.get(Unit, unit_id).name = "Nom corrigé"
    with pytest.raises(ConflictError, match="modifié depuis"):
        HistoryService(factory).revert(insert_batch)
    with factory() as session:
        assert session.get(Unit, unit_id).name == "Nom corrigé"


def test_an_addition_can_be_undone_after_its_later_edit_was_undone(factory):
    """Ctrl+Z twice after adding then renaming a unit: the rename goes, then the addition."""
    unit_id, insert_batch = _add_unit(factory)
    with factory.begin() as session:
        session.get(Unit, unit_id).name = "Nom corrigé"
        edit_batch = current_batch(session)
    history = HistoryService(factory)
    history.revert(edit_batch)
    history.revert(insert_batch)
    with factory() as session:
        assert session.get(Unit, unit_id) is None
