"""Two real sessions on one file edit the same directory record: the second save opens the
conflict dialog, and the row ends up exactly as chosen there (merge, keep mine, take theirs)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from desktop.db import open_database
from desktop.services.common.history import HistoryService, install_history
from desktop.services.directory.edits import PersonInput, PositionInput
from desktop.services.directory.service import DirectoryService
from desktop.services.safety.conflicts import THEIRS, ConflictService
from desktop.views.directory.person_dialog import PersonDialog
from desktop.views.directory.position_dialog import PositionDialog
from desktop.views.directory.tab import DirectoryTab
from desktop.views.directory.unit_dialog import UnitDialog
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
def alice(sessions) -> DirectoryService:
    return DirectoryService(sessions[0].session_factory)


@pytest.fixture
def bob_history(sessions) -> HistoryService:
    return HistoryService(sessions[1].session_factory)


@pytest.fixture
def bob_tab(qtbot, sessions, bob_history) -> DirectoryTab:
    factory = sessions[1].session_factory
    tab = DirectoryTab(DirectoryService(factory), ConflictService(factory))
    qtbot.addWidget(tab)
    tab.resize(1300, 800)
    tab.show()
    tab.load()
    return tab


def save(dialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()


def person(service: DirectoryService, name: str):
    return service.person_detail(service.find_people(name, limit=1)[0][0])


def choose(qtbot, monkeypatch, plan: list, seen: list) -> None:
    """Replace the modal conflict dialog: build the real one, pick per `plan` entry (an action
    button name and the fields to take from the other version), click, and note the report."""

    def fake_resolve(cls, report, what, parent=None):
        button, theirs, before = plan[len(seen)]
        seen.append(report)
        if before is not None:
            before()
        dialog = ConflictDialog(report, what, parent)
        qtbot.addWidget(dialog)
        for field in theirs:
            group = dialog.groups[field]
            next(b for b in group.buttons() if b.property("choice") == THEIRS).setChecked(True)
        if button == "cancel":
            dialog.reject()
        else:
            getattr(dialog, button).click()
        return dialog.action, dialog.values

    monkeypatch.setattr(ConflictDialog, "resolve", classmethod(fake_resolve))


def edit_bob(tab, monkeypatch, dialog_class, fill, other_save, outcome: dict) -> None:
    """Bob's form is open; Alice saves meanwhile (other_save); Bob fills his fields and saves."""

    def fake_exec(dialog):
        other_save()
        fill(dialog)
        save(dialog)
        outcome["accepted"] = dialog.result() == QDialog.DialogCode.Accepted
        outcome["error"] = dialog.error_label.text()
        outcome["email"] = getattr(dialog, "email_edit", None) and dialog.email_edit.text()
        return dialog.result()

    monkeypatch.setattr(dialog_class, "exec", fake_exec)


def alice_sets_phone(alice: DirectoryService, name: str, phone: str):
    def run():
        p = person(alice, name)
        alice.edits.update_person(p.id, p.version, PersonInput(p.last_name, p.first_name, p.email,
                                                         phone, p.site_id))  # fmt: skip

    return run


def test_merge_keeps_my_email_and_their_phone_then_undo(
    qtbot, monkeypatch, alice, bob_tab, bob_history
):
    """Bob's e-mail and Alice's phone both survive the merge; Ctrl+Z goes back to Alice's."""
    target = person(alice, "BÉJEAN")
    seen: list = []
    choose(qtbot, monkeypatch, [("merge_button", ["phone"], None)], seen)
    outcome: dict = {}
    edit_bob(
        bob_tab, monkeypatch, PersonDialog,
        lambda d: d.email_edit.setText("sophie.bejean@ac-montpellier.fr"),
        alice_sets_phone(alice, "BÉJEAN", "0467000001"), outcome,
    )  # fmt: skip
    with qtbot.waitSignal(bob_tab.edited) as signal:
        bob_tab.edits.edit_person(target.id)
    assert outcome["accepted"]
    report = seen[0]
    assert report.their_login == "alice"
    assert [f.label for f in report.differing] == ["Courriel", "Téléphone"]
    final = person(alice, "BÉJEAN")
    assert (final.email, final.phone) == ("sophie.bejean@ac-montpellier.fr", "04 67 00 00 01")
    assert final.version == report.their_version + 1
    rows = bob_history.changes(batch=signal.args[0])
    assert [(r.login, r.field) for r in rows] == [("bob", "email")]
    bob_history.revert(signal.args[0])
    undone = person(alice, "BÉJEAN")
    assert (undone.email, undone.phone) == (target.email, "04 67 00 00 01")


def test_keep_mine_overwrites_with_what_i_saw_and_typed(qtbot, monkeypatch, alice, bob_tab):
    """« Garder ma version » saves Bob's whole form, Alice's phone included as Bob saw it."""
    target = person(alice, "BÉJEAN")
    seen: list = []
    choose(qtbot, monkeypatch, [("keep_button", [], None)], seen)
    outcome: dict = {}
    edit_bob(
        bob_tab, monkeypatch, PersonDialog, lambda d: d.email_edit.setText("moi@ac-toulouse.fr"),
        alice_sets_phone(alice, "BÉJEAN", "0467000002"), outcome,
    )  # fmt: skip
    bob_tab.edits.edit_person(target.id)
    final = person(alice, "BÉJEAN")
    assert (final.email, final.phone) == ("moi@ac-toulouse.fr", target.phone)


def test_take_theirs_saves_nothing_and_shows_the_stored_record(qtbot, monkeypatch, alice, bob_tab):
    """« Prendre l'autre version » closes Bob's form and leaves Alice's record untouched."""
    target = person(alice, "BÉJEAN")
    seen: list = []
    choose(qtbot, monkeypatch, [("take_button", [], None)], seen)
    outcome: dict = {}
    edit_bob(
        bob_tab, monkeypatch, PersonDialog, lambda d: d.email_edit.setText("moi@ac-toulouse.fr"),
        alice_sets_phone(alice, "BÉJEAN", "0467000003"), outcome,
    )  # fmt: skip
    bob_tab.edits.edit_person(target.id)
    assert outcome["accepted"]
    final = person(alice, "BÉJEAN")
    assert (final.email, final.phone, final.version) == (
        target.email, "04 67 00 00 03", seen[0].their_version
    )  # fmt: skip
    assert bob_tab.detail.person.phone == "04 67 00 00 03"


def test_cancel_keeps_the_form_open_with_what_was_typed(qtbot, monkeypatch, alice, bob_tab):
    """Cancelling the comparison saves nothing, and Bob's typing is still in his form."""
    target = person(alice, "BÉJEAN")
    choose(qtbot, monkeypatch, [("cancel", [], None)], [])
    outcome: dict = {}
    edit_bob(
        bob_tab, monkeypatch, PersonDialog, lambda d: d.email_edit.setText("moi@ac-toulouse.fr"),
        alice_sets_phone(alice, "BÉJEAN", "0467000004"), outcome,
    )  # fmt: skip
    bob_tab.edits.edit_person(target.id)
    assert not outcome["accepted"]
    assert "rien n'a été enregistré" in outcome["error"]
    assert outcome["email"] == "moi@ac-toulouse.fr"
    assert person(alice, "BÉJEAN").email == target.email


def test_a_second_change_during_the_choice_is_compared_again(qtbot, monkeypatch, alice, bob_tab):
    """Alice saves again while Bob chooses: his merge is refused, compared again, nothing lost."""
    target = person(alice, "BÉJEAN")
    seen: list = []
    plan = [
        ("merge_button", ["phone"], alice_sets_phone(alice, "BÉJEAN", "0467000006")),
        ("merge_button", ["phone"], None),
    ]
    choose(qtbot, monkeypatch, plan, seen)
    outcome: dict = {}
    edit_bob(
        bob_tab, monkeypatch, PersonDialog, lambda d: d.email_edit.setText("moi@ac-toulouse.fr"),
        alice_sets_phone(alice, "BÉJEAN", "0467000005"), outcome,
    )  # fmt: skip
    bob_tab.edits.edit_person(target.id)
    assert len(seen) == 2
    assert seen[1].their_version == seen[0].their_version + 1
    final = person(alice, "BÉJEAN")
    assert (final.email, final.phone) == ("moi@ac-toulouse.fr", "04 67 00 00 06")


def test_unit_rename_conflict_merged_by_field(qtbot, monkeypatch, alice, bob_tab):
    """Alice renames the unit, Bob sets its phone: the proposed merge keeps her name, his phone."""
    unit = alice.find_unit("DRAJES")
    detail = alice.unit_detail(unit.id)
    bob_tab.select_unit(unit.id)

    def alice_renames():
        from dataclasses import replace

        from desktop.services.directory.edits import UnitInput

        base = UnitInput(name=detail.name, kind=detail.kind, acronym=detail.acronym,
                         parent_id=detail.parent_id, site_id=detail.site_id,
                         created_on=detail.created_on, email=detail.email, phone=detail.phone,
                         address=detail.address, description=detail.description)  # fmt: skip
        fresh = alice.unit_detail(unit.id)
        alice.edits.update_unit(unit.id, fresh.version, replace(base, name="Nom choisi par Alice"))

    seen: list = []
    choose(qtbot, monkeypatch, [("merge_button", [], None)], seen)  # the proposed choices
    outcome: dict = {}
    edit_bob(
        bob_tab, monkeypatch, UnitDialog, lambda d: d.phone_edit.setText("0467914711"),
        alice_renames, outcome,
    )  # fmt: skip
    with qtbot.waitSignal(bob_tab.edited):
        assert bob_tab.edit_item()
    assert [f.field for f in seen[0].differing] == ["name", "phone"]
    final = alice.unit_detail(unit.id)
    assert (final.name, final.phone) == ("Nom choisi par Alice", "04 67 91 47 11")


def test_post_conflict_keeps_my_title(qtbot, monkeypatch, alice, bob_tab):
    """Alice makes a post interim, Bob retitles it: keeping Bob's title and her interim flag."""
    holder = person(alice, "BÉJEAN")
    post = holder.posts[0]
    bob_tab.show_person(holder.id)

    def alice_interim():
        fresh = next(p for p in person(alice, "BÉJEAN").posts if p.id == post.id)
        alice.edits.update_position(post.id, fresh.version, PositionInput(
            fresh.unit_id, fresh.title, fresh.role, fresh.person_id, True, fresh.start_on,
            fresh.end_on))  # fmt: skip

    seen: list = []
    choose(qtbot, monkeypatch, [("merge_button", ["is_interim"], None)], seen)
    outcome: dict = {}
    edit_bob(
        bob_tab, monkeypatch, PositionDialog, lambda d: d.title_edit.setText("Titre de Bob"),
        alice_interim, outcome,
    )  # fmt: skip
    bob_tab.edits.edit_post(post.id)
    assert outcome["accepted"]
    assert {f.field: f.theirs for f in seen[0].differing}["is_interim"] is True
    final = next(p for p in person(alice, "BÉJEAN").posts if p.id == post.id)
    assert (final.title, final.is_interim) == ("Titre de Bob", True)
