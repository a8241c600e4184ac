"""A page pasted into a search box is searched from its first 200 characters, with no error
dialog and no traceback, in the directory and in the « Historique » window."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.services.common.history import HistoryService, install_history
from desktop.services.common.text_limits import MAX_SEARCH_CHARS
from desktop.services.directory.edits import PersonInput
from desktop.services.directory.service import DirectoryService
from desktop.services.safety.conflicts import ConflictService
from desktop.services.safety.history import HistoryQueryService
from desktop.views.directory.tab import DirectoryTab
from desktop.views.safety.history_dialog import HistoryDialog

# One word of 100 000 letters of two bytes each: a QLineEdit keeps 32 767 of them by default,
# still past the 50 000 bytes of a LIKE pattern SQLite accepts.
PAGE = "ж" * 100_000


@pytest.fixture
def dialogs(monkeypatch) -> list[str]:
    """Every message box opened, by its title."""
    shown: list[str] = []
    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, lambda _parent, title, *a, **k: shown.append(title))
    return shown


def test_pasting_a_page_in_the_directory_search_box_shows_no_error(qtbot, filled_database, dialogs):
    """Pasting a 100 000-letter word (Cyrillic) into the directory's search box, on the LIKE search path,
    searches its first 200 letters: nobody matches, no error dialog, no raw SQLite error."""
    factory = filled_database.session_factory
    install_history(factory)
    tab = DirectoryTab(DirectoryService(factory, use_fts=False), ConflictService(factory))
    qtbot.addWidget(tab)
    tab.show()
    tab.load()
    QApplication.clipboard().setText(PAGE)
    tab.search_edit.setFocus()
    tab.search_edit.paste()
    assert len(tab.search_edit.text()) == MAX_SEARCH_CHARS  # the box shows what is searched
    tab.refresh_results()
    qtbot.waitUntil(lambda: tab.count_label.text().startswith("0 ligne"))
    assert tab.positions_model.rowCount() == 0
    tab.search_edit.setText("bejean")
    tab.refresh_results()
    qtbot.waitUntil(lambda: tab.positions_model.rowCount() == 3)
    assert dialogs == []


def test_history_search_of_a_page_says_it_was_cut(qtbot, filled_database, dialogs):
    """A 100 000-character text in the history's search box is searched from its first 200
    characters, and the count line says so."""
    factory = filled_database.session_factory
    install_history(factory)
    directory = DirectoryService(factory)
    created = directory.edits.create_person(PersonInput("NOUVELLE", "Agente"))
    dialog = HistoryDialog(HistoryQueryService(factory), HistoryService(factory))
    qtbot.addWidget(dialog)
    dialog.text_edit.setText(PAGE)
    dialog.refresh()
    assert dialog.model.rowCount() == 0
    dialog.text_edit.setText("nouvelle" + " " * 100_000)
    dialog.refresh()
    model = dialog.model
    assert {model.row_at(r).row_id for r in range(model.rowCount())} == {created.id}
    assert "200 premiers caractères" in dialog.count_label.text()
    assert not dialog.problem.isVisibleTo(dialog)
    assert dialogs == []
