"""Programme search results say where they sit in the tree, and open there in one step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from desktop.views.directory.highlight_delegate import MARK
from desktop.views.programmes.programme_tree_model import Col
from tests.factories.tabs import programme_codes, programmes_tab


@pytest.fixture
def tab(qtbot, database, monkeypatch):
    return programmes_tab(qtbot, database, monkeypatch)


def _search(tab, qtbot, text: str, codes: list[str]) -> None:
    qtbot.keyClicks(tab.search, text)
    qtbot.waitUntil(lambda: sorted(programme_codes(tab)) == codes)


def test_search_results_show_their_path_in_the_tree(tab, qtbot):
    """« sport » finds an action under AMI-CMA, shown as France 2030 › AMI Compétences…."""
    _search(tab, qtbot, "sport", ["AMI-CMA-02"])
    index = tab.model.index(0, Col.PARENT)
    assert index.data() == "France 2030 › AMI Compétences et métiers d'avenir"
    assert index.data(Qt.ItemDataRole.ToolTipRole).endswith("› Métiers du sport")
    assert not tab.tree.isColumnHidden(Col.PARENT)


def test_a_top_level_result_has_no_path(tab, qtbot):
    """A root programme found by a search shows an empty path, not a stale one."""
    _search(tab, qtbot, "universel", ["SNU"])
    assert tab.model.index(0, Col.PARENT).data() == ""


def test_ctrl_enter_opens_the_result_in_the_tree(tab, qtbot):
    """Ctrl+Entrée on a search result clears the search and shows it inside its open parents."""
    _search(tab, qtbot, "sport", ["AMI-CMA-02"])
    tab.tree.setCurrentIndex(tab.model.index(0, 0))
    tab.tree.setFocus()
    assert tab.reveal_action.isEnabled()
    qtbot.keyClick(tab.tree, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert tab.search.text() == ""
    assert not tab.criteria.is_active
    assert tab.current_code() == "AMI-CMA-02"
    parent = tab.tree.currentIndex().parent()
    assert tab.model.row_at(parent).code == "AMI-CMA"
    assert tab.tree.isExpanded(parent)
    assert tab.tree.isColumnHidden(Col.PARENT)  # the tree itself shows the path
    assert not tab.reveal_action.isEnabled()
    QApplication.processEvents()


def test_reveal_is_in_the_result_context_menu(tab):
    """The context menu of the list offers « Afficher dans l'arborescence »."""
    assert tab.tree.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    texts = [action.text().replace("&", "") for action in tab.tree.actions()]
    assert "Afficher dans l'arborescence" in texts


def _marked_pixels(tab) -> int:
    """Pixels of the list painted in the highlight's amber."""
    image = tab.tree.viewport().grab().toImage()
    amber = QColor(MARK).rgb()
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixel(x, y) == amber
    )


def test_search_words_are_marked_in_the_results(tab, qtbot):
    """The word searched is painted amber in the results, and no longer once cleared."""
    assert _marked_pixels(tab) == 0
    _search(tab, qtbot, "sport", ["AMI-CMA-02"])
    qtbot.waitUntil(lambda: _marked_pixels(tab) > 0)
    tab.clear_button.click()
    qtbot.waitUntil(lambda: _marked_pixels(tab) == 0)
