"""Consistency across tabs: deletions default to « Non », choice lists sort in French, mnemonics."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.views.test_programmes_tab import _codes, tab  # noqa: F401  (fixture)


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


def test_enter_on_the_programme_deletion_question_keeps_the_programme(tab):  # noqa: F811
    """Deleting a programme asks with « Non » as default: Enter (the default button) deletes nothing."""
    assert tab.show_item("SNU")
    seen: list[bool] = []
    _press_enter_on_next_question(seen)
    tab.delete_item()
    assert seen == [True]
    tab.load()
    assert "SNU" in _codes(tab)
