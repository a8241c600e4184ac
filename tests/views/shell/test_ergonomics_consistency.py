"""Consistency across tabs: deletions default to « Non », choice lists sort in French, mnemonics."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QWidget,
)

from desktop.services.common.parsing import fold
from desktop.views.directory.position_dialog import PositionDialog
from tests.factories.tabs import budgets_tab as shown_budgets_tab
from tests.factories.tabs import programme_codes as _codes
from tests.factories.tabs import programmes_tab


def _press_enter_on_next_question(seen: list) -> None:
    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        default = box.defaultButton()
        seen.append(default is not None and default is box.button(QMessageBox.StandardButton.No))
        # What Enter does: the default button, or Qt's first accepting button when none is set.
        (default or box.button(QMessageBox.StandardButton.Yes)).click()

    QTimer.singleShot(20, answer)


@pytest.fixture
def tab(qtbot, database, monkeypatch):
    return programmes_tab(qtbot, database, monkeypatch)


def test_enter_on_the_programme_deletion_question_keeps_the_programme(tab):
    """Deleting a programme asks with « Non » as default: Enter (the default button) deletes nothing."""
    assert tab.show_item("SNU")
    seen: list[bool] = []
    _press_enter_on_next_question(seen)
    tab.delete_item()
    assert seen == [True]
    tab.load()
    assert "SNU" in _codes(tab)


@pytest.fixture
def budgets_tab(qtbot, database):
    yield from shown_budgets_tab(qtbot, database)


def test_budget_funder_list_is_in_french_alphabetical_order(budgets_tab):
    """« État… » funders sort with the E (accent ignored), before « Région », not by funder kind."""
    combo = budgets_tab.filter_bar.funder
    names = [combo.itemText(i) for i in range(1, combo.count())]
    assert names[0] == "Bloc local (BLOC-LOCAL)"
    assert names.index("État — MESR (MESR)") < names.index("Région Occitanie (REGION-OCC)")
    assert names.index("CROUS de Montpellier et de Toulouse (CROUS)") < names.index(
        "État — autres crédits (ETAT)"
    )


def _mnemonic(text: str) -> str | None:
    """The letter Alt reaches in a label (« &Fichier » → f), ignoring the escaped « && »."""
    index = 0
    while (index := text.find("&", index)) != -1 and index + 1 < len(text):
        if text[index + 1] != "&":
            return fold(text[index + 1])
        index += 2
    return None


def test_no_budgets_label_takes_a_menu_mnemonic(budgets_tab):
    """Alt+F, Alt+É, Alt+A and Alt+E open the Fichier, Édition, Affichage and Aide menus, not a
    Budgets field."""
    menus = {fold(letter) for letter in "FÉAE"}  # &Fichier, &Édition, &Affichage, Aid&e
    clashes = [
        widget.text()
        for widget in budgets_tab.findChildren(QWidget)
        if isinstance(widget, QLabel | QAbstractButton) and _mnemonic(widget.text()) in menus
    ]
    assert clashes == []


def test_post_dialog_error_names_the_titulaire_field(qtbot):
    """A post saved without holder names « Titulaire », the field's label, not « Nom »."""
    saved: list = []
    dialog = PositionDialog(saved.append, [], lambda text: [])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.title_edit.setText("Chef de service")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert saved == []
    assert dialog.error_label.text().startswith("Titulaire : choisissez la personne")
    assert dialog.focusWidget() is dialog.person_edit  # the cursor goes to the named field
