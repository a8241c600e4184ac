"""The main window as a user meets it: title, tabs with data, menus, status bar, settings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from desktop.app import build_main_window
from desktop.settings import Settings


@pytest.fixture
def window(qtbot, filled_database, tmp_path):
    win = build_main_window(filled_database, Settings(tmp_path / "pilotis.ini"))
    qtbot.addWidget(win)
    win.show()
    win.load_current_tab()
    return win


def test_window_title_tabs_and_status_bar(window, filled_db_path):
    """The window is titled for the région, has the three tabs, and shows which base is open."""
    assert window.windowTitle() == "Pilotis — Région académique Occitanie"
    assert [window.tabs.tabText(i) for i in range(3)] == [
        "Annuaire des services", "Suivi des programmes", "Budgets",
    ]  # fmt: skip
    assert str(filled_db_path) in window.database_status.text()
    assert "SQLite" in window.database_status.text()


def test_menus_are_french_with_standard_shortcuts(window):
    """Fichier, Édition, Affichage, Aide, with Ctrl+Q, Ctrl+C and Ctrl+1..3."""
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["Fichier", "Édition", "Affichage", "Aide"]
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    assert window.copy_action.shortcut().toString() == "Ctrl+C"


def test_directory_tab_shows_the_organisation_and_its_posts(window):
    """The first tab lists units in a tree and, for the selected unit, its posts heads first."""
    tab = window.directory_tab
    assert tab.tree_model.rowCount() >= 1
    assert tab.positions_model.rowCount() > 10
    names = [tab.positions_model.text(r, 0) for r in range(tab.positions_model.rowCount())]
    assert any("BÉJEAN" in name for name in names)


def test_other_tabs_load_when_first_shown(window, qtbot):
    """Programmes and budgets load on first display (Ctrl+2, Ctrl+3), not at start-up."""
    assert window.programmes_tab.model.rowCount() == 0
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 1
    assert window.programmes_tab.model.rowCount() > 5
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.budgets_tab.funding_model.rowCount() > 5
    assert window.budgets_tab.totals_model.rowCount() > 0


def test_copy_puts_selected_rows_on_the_clipboard_as_a_table(window, qtbot):
    """Ctrl+C on selected posts copies tab-separated text that pastes into Excel as a table."""
    table = window.directory_tab.table
    table.setFocus()
    table.selectRow(0)
    window.copy_action.trigger()
    text = QGuiApplication.clipboard().text()
    assert "\t" in text
    assert text.split("\t")[0] == window.directory_tab.positions_model.text(0, 0)


def test_check_dialog_reports_integrity_and_differences(window, monkeypatch):
    """Fichier → Vérifier la base says the file is sound and counts the differing totals."""
    shown = {}
    monkeypatch.setattr(QMessageBox, "information", lambda *a: shown.setdefault("text", a[2]))
    window.check_action.trigger()
    assert "aucun problème" in shown["text"]
    assert "Totaux déclarés différents" in shown["text"]


def test_geometry_and_last_tab_are_remembered(qtbot, filled_database, tmp_path):
    """Closing remembers the window size and tab; the next window opens the same way."""
    settings_path = tmp_path / "pilotis.ini"
    first = build_main_window(filled_database, Settings(settings_path))
    qtbot.addWidget(first)
    first.show()
    screen = first.screen().availableGeometry()  # the offscreen screen is only 800 px wide
    size = (min(760, screen.width() - 40), min(560, screen.height() - 40))
    first.resize(*size)
    size = (first.width(), first.height())  # what the window manager granted
    first.tabs.setCurrentIndex(2)
    first.close()
    second = build_main_window(filled_database, Settings(settings_path))
    qtbot.addWidget(second)
    assert second.tabs.currentIndex() == 2
    assert (second.width(), second.height()) == size
    assert size != (1200, 760)  # not merely the default size


def test_about_dialog_shows_version_and_database(window, qtbot, monkeypatch, filled_db_path):
    """Aide → À propos shows the version and the path of the open base."""
    from desktop import __version__
    from desktop.views.shell.about_dialog import AboutDialog

    seen = {}
    monkeypatch.setattr(AboutDialog, "exec", lambda self: seen.setdefault("text", self.text.text()))
    window.about_action.trigger()
    assert __version__ in seen["text"]
    assert str(filled_db_path) in seen["text"]
