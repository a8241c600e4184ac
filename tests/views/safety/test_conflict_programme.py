"""Two real sessions edit the same programme sheet: the second save opens the conflict dialog,
and the programme ends up exactly as chosen there, with its history and undo."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text

from desktop.db import open_database
from desktop.services.common.history import HistoryService, install_history
from desktop.services.programmes.service import ProgrammeService
from desktop.services.safety.conflicts import ConflictService
from desktop.views.programmes.editor_dialog import ProgrammeEditorDialog
from desktop.views.safety.conflict_dialog import ConflictDialog


@pytest.fixture
def sessions(filled_db_path):
    """Alice's engine and Bob's engine on the same SQLite file, as two Pilotis windows."""
    alice, bob = open_database(str(filled_db_path)), open_database(str(filled_db_path))
    install_history(alice.session_factory, login="alice")
    install_history(bob.session_factory, login="bob")
    yield alice, bob
    alice.dispose()
    bob.dispose()


@pytest.fixture
def services(sessions):
    return tuple(ProgrammeService(db.session_factory) for db in sessions)


@pytest.fixture
def snu(sessions) -> int:
    with sessions[0].engine.connect() as conn:
        return conn.execute(text("SELECT id FROM programme WHERE code = 'SNU'")).scalar_one()


@pytest.fixture
def bob_editor(qtbot, sessions, services, snu) -> ProgrammeEditorDialog:
    bob = services[1]
    conflicts = ConflictService(sessions[1].session_factory)
    dialog = ProgrammeEditorDialog(bob, conflicts, bob.editor.load(snu), bob.editor.choices())
    qtbot.addWidget(dialog)
    dialog.general.name.setText("Service national universel (nom de Bob)")
    return dialog


def alice_saves(alice: ProgrammeService, pid: int) -> None:
    draft = alice.editor.load(pid)
    first = replace(draft.milestones[0], title="Jalon renommé par Alice")
    alice.editor.save(
        replace(draft, description="Objectif d'Alice", milestones=(first, *draft.milestones[1:]))
    )


def answer(qtbot, monkeypatch, button: str, seen: list, meanwhile=None) -> None:
    """Replace the modal dialog by the real one, clicking `button` with the proposed choices;
    `meanwhile` runs while the first dialog is open (someone saves again)."""

    def fake_resolve(cls, report, what, parent=None):
        seen.append(report)
        if meanwhile is not None and len(seen) == 1:
            meanwhile()
        dialog = ConflictDialog(report, what, parent)
        qtbot.addWidget(dialog)
        if button == "reject":
            dialog.reject()  # « Annuler »
        else:
            getattr(dialog, button).click()
        return dialog.action, dialog.values

    monkeypatch.setattr(ConflictDialog, "resolve", classmethod(fake_resolve))


def test_proposed_merge_keeps_my_name_and_her_objective_and_milestone(
    qtbot, monkeypatch, services, snu, bob_editor, sessions
):
    """Bob's new name and Alice's objective and milestone all survive; Ctrl+Z undoes Bob's."""
    alice, bob = services
    before = alice.editor.load(snu)
    alice_saves(alice, snu)
    seen: list = []
    answer(qtbot, monkeypatch, "merge_button", seen)
    bob_editor.save_button.click()
    report = seen[0]
    assert report.their_login == "alice"
    assert [f.label for f in report.differing] == ["Intitulé", "Objectif", "Jalons"]
    assert [f.label for f in report.differing if f.mine_changed] == ["Intitulé"]
    result = bob_editor.result_value
    assert result is not None
    assert result.batch
    final = alice.editor.load(snu)
    assert final.name == "Service national universel (nom de Bob)"
    assert final.description == "Objectif d'Alice"
    assert final.milestones[0].title == "Jalon renommé par Alice"
    history = HistoryService(sessions[1].session_factory)
    assert {(c.login, c.field) for c in history.changes(batch=result.batch)} == {("bob", "name")}
    history.revert(result.batch)
    undone = alice.editor.load(snu)
    assert (undone.name, undone.description) == (before.name, "Objectif d'Alice")


def test_keep_mine_saves_my_whole_sheet_over_hers(qtbot, monkeypatch, services, snu, bob_editor):
    """« Garder ma version » saves Bob's sheet as he sees it, milestones included, no error."""
    alice, _ = services
    before = alice.editor.load(snu)
    alice_saves(alice, snu)
    answer(qtbot, monkeypatch, "keep_button", [])
    bob_editor.save_button.click()
    assert bob_editor.result_value is not None
    final = alice.editor.load(snu)
    assert final.name == "Service national universel (nom de Bob)"
    assert final.description == before.description
    assert [m.title for m in final.milestones] == [m.title for m in before.milestones]


def test_take_theirs_reloads_the_sheet_without_saving(
    qtbot, monkeypatch, services, snu, bob_editor
):
    """« Prendre l'autre version » shows Alice's sheet in Bob's editor; a new save then works."""
    alice, _ = services
    alice_saves(alice, snu)
    answer(qtbot, monkeypatch, "take_button", [])
    bob_editor.save_button.click()
    assert bob_editor.result_value is None
    assert bob_editor.general.description.toPlainText() == "Objectif d'Alice"
    assert "rechargée" in bob_editor.problems.text()
    assert alice.editor.load(snu).name != "Service national universel (nom de Bob)"
    bob_editor.general.beneficiary.setText("Jeunes de 15 à 17 ans")
    bob_editor.save_button.click()
    assert bob_editor.result_value is not None
    final = alice.editor.load(snu)
    assert (final.beneficiary, final.description) == ("Jeunes de 15 à 17 ans", "Objectif d'Alice")


def test_cancel_keeps_what_bob_typed(qtbot, monkeypatch, services, snu, bob_editor):
    """Cancelling the comparison saves nothing and leaves Bob's typing in the sheet."""
    alice, _ = services
    alice_saves(alice, snu)
    answer(qtbot, monkeypatch, "reject", [])
    bob_editor.save_button.click()
    assert bob_editor.result_value is None
    assert bob_editor.general.name.text() == "Service national universel (nom de Bob)"
    assert "Rien n'a été enregistré" in bob_editor.problems.text()
    assert alice.editor.load(snu).name != "Service national universel (nom de Bob)"


def test_a_save_during_the_choice_is_compared_again(qtbot, monkeypatch, services, snu, bob_editor):
    """Alice saves again while Bob chooses: his merge is refused, shown again, then saved."""
    alice, _ = services
    alice_saves(alice, snu)

    def alice_again():
        draft = alice.editor.load(snu)
        alice.editor.save(replace(draft, beneficiary="Bénéficiaires d'Alice"))

    seen: list = []
    answer(qtbot, monkeypatch, "merge_button", seen, alice_again)
    bob_editor.save_button.click()
    assert len(seen) == 2
    assert seen[1].their_version > seen[0].their_version
    final = alice.editor.load(snu)
    assert final.name == "Service national universel (nom de Bob)"
    assert (final.beneficiary, final.description) == ("Bénéficiaires d'Alice", "Objectif d'Alice")
