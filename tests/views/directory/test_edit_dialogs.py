"""The directory's forms start where the user types, keep the buttons last, and never lose what
was typed to a stray Esc (issue 20)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from desktop.views.directory.person_dialog import PersonDialog
from desktop.views.directory.unit_dialog import UnitDialog


@pytest.fixture
def person_dialog(qtbot, directory_services):
    directory = directory_services.directory
    dialog = PersonDialog(directory.edits.create_person, directory.sites())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_the_person_form_opens_with_the_cursor_in_the_surname(person_dialog, qtbot):
    """Typing at once fills « Nom », not the « Enregistrer » button (a space used to save)."""
    assert person_dialog.focusWidget() is person_dialog.last_name_edit
    qtbot.keyClicks(person_dialog.focusWidget(), "Lefevre")
    assert person_dialog.last_name_edit.text() == "Lefevre"
    assert person_dialog.isVisible()


def test_tab_goes_through_the_fields_then_the_buttons(person_dialog):
    """Tab from the last field reaches « Enregistrer », then « Annuler »: the buttons are last."""
    order, widget = [], person_dialog.last_name_edit
    for _ in range(12):
        order.append(widget)
        widget = widget.nextInFocusChain()
        while not widget.focusPolicy() & Qt.FocusPolicy.TabFocus or not widget.isVisible():
            widget = widget.nextInFocusChain()
    fields = list(person_dialog.fields.values())
    save, cancel = person_dialog.buttons.buttons()[:2]
    assert order[: len(fields)] == fields
    assert set(order[len(fields) : len(fields) + 2]) == {save, cancel}


def test_esc_on_an_untouched_form_closes_without_a_question(person_dialog, monkeypatch, qtbot):
    """Nothing typed: Esc closes at once."""
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a))
    qtbot.keyClick(person_dialog, Qt.Key.Key_Escape)
    assert not person_dialog.isVisible()
    assert asked == []


def test_esc_after_typing_asks_and_no_keeps_the_form(person_dialog, monkeypatch, qtbot):
    """Something typed: Esc asks « Abandonner les modifications saisies ? »; « Non » (the
    default) keeps the form and its text; « Annuler » asks too, and « Oui » closes it."""
    questions = []

    def answer(choice):
        def question(_parent, _title, text, _buttons, default):
            questions.append((text, default))
            return choice

        return question

    person_dialog.last_name_edit.setText("Lefèvre")
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    qtbot.keyClick(person_dialog, Qt.Key.Key_Escape)
    assert person_dialog.isVisible()
    assert person_dialog.last_name_edit.text() == "Lefèvre"
    assert questions == [("Abandonner les modifications saisies ?", QMessageBox.StandardButton.No)]
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    person_dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert not person_dialog.isVisible()


def test_the_unit_form_opens_on_its_name(qtbot, directory_services):
    """The unit form too starts in its first field, « Nom du service »."""
    directory = directory_services.directory
    dialog = UnitDialog(directory.edits.create_unit, directory.units(), directory.sites())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.focusWidget() is dialog.name_edit
