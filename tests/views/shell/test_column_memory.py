"""Grids size their columns to their content, and keep the user's widths and sort across starts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from desktop.app import build_main_window
from desktop.settings import Settings
from desktop.views.directory.people_table_model import PeopleColumn


@pytest.fixture
def open_window(qtbot, filled_database, tmp_path):
    """A function opening a main window on the same base and the same settings file."""

    def open_() -> object:
        window = build_main_window(filled_database, Settings(tmp_path / "pilotis.ini"))
        qtbot.addWidget(window)
        window.show()
        window.load_current_tab()
        qtbot.waitExposed(window)
        return window

    return open_


def _drag_divider(qtbot, view, column: int, by: int) -> None:
    """Drag the right edge of a column's header as a user does with the mouse."""
    header = view.horizontalHeader() if hasattr(view, "horizontalHeader") else view.header()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) - 1
    y = header.height() // 2
    viewport = header.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    for step in range(1, 6):
        qtbot.mouseMove(viewport, QPoint(x + by * step // 5, y))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(x + by, y))
    qtbot.wait(10)


def _click_section(qtbot, header, column: int) -> None:
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    qtbot.wait(10)


def test_first_show_gives_courriel_no_more_than_its_content(open_window, qtbot):
    """At first start « Courriel » is as wide as the longest address shown, not a wide blank."""
    table = open_window().directory_tab.table
    header = table.horizontalHeader()
    qtbot.waitUntil(lambda: table.model().rowCount() > 10)
    email = PeopleColumn.EMAIL
    content = max(table.sizeHintForColumn(email), header.sectionSizeHint(email))
    qtbot.waitUntil(lambda: header.sectionSize(email) == content)
    # The flexible column (Fonction) is never truncated by the first sizing.
    title = PeopleColumn.TITLE
    qtbot.waitUntil(
        lambda: (
            header.sectionSize(title)
            >= min(table.sizeHintForColumn(title), int(table.viewport().width() * 0.4))
        )
    )


def test_user_widths_and_sort_survive_a_new_window(open_window, qtbot):
    """A column widened and a sort chosen by the user come back in the next window."""
    window = open_window()
    table = window.directory_tab.table
    header = table.horizontalHeader()
    qtbot.waitUntil(lambda: table.model().rowCount() > 10)
    before = header.sectionSize(PeopleColumn.SITE)
    _drag_divider(qtbot, table, PeopleColumn.SITE, 60)
    widened = header.sectionSize(PeopleColumn.SITE)
    assert widened >= before + 50
    _click_section(qtbot, header, PeopleColumn.UNIT)
    assert header.sortIndicatorSection() == PeopleColumn.UNIT
    window.close()

    again = open_window()
    table = again.directory_tab.table
    header = table.horizontalHeader()
    qtbot.waitUntil(lambda: table.model().rowCount() > 10)
    qtbot.wait(20)  # a late automatic fit would undo the user's width
    assert header.sectionSize(PeopleColumn.SITE) == widened
    assert header.sortIndicatorSection() == PeopleColumn.UNIT
    units = [table.model().index(r, PeopleColumn.UNIT).data() for r in range(10)]
    assert units == sorted(units, key=str.casefold) or len(set(units)) == 1


def test_programme_list_widths_survive_a_new_window(open_window, qtbot):
    """The programme list keeps a column the user widened, at the next start."""
    window = open_window()
    window.tabs.setCurrentIndex(1)  # the programmes tab loads when shown
    tree = window.programmes_tab.tree
    qtbot.waitUntil(lambda: tree.model().rowCount() > 5)
    qtbot.wait(20)
    _drag_divider(qtbot, tree, 1, 70)
    widened = tree.header().sectionSize(1)
    window.close()

    again = open_window()
    assert again.tabs.currentIndex() == 1
    tree = again.programmes_tab.tree
    qtbot.waitUntil(lambda: tree.model().rowCount() > 5)
    qtbot.wait(20)
    assert tree.header().sectionSize(1) == widened


def test_budget_chain_widths_survive_a_new_window(open_window, qtbot):
    """The budget chain keeps an amount column the user widened, at the next start."""
    window = open_window()
    window.tabs.setCurrentIndex(2)  # the budgets tab loads when shown
    view = window.budgets_tab.chain.programmes_view
    qtbot.waitUntil(lambda: view.model().rowCount() > 3)
    qtbot.wait(20)
    before = view.horizontalHeader().sectionSize(1)
    _drag_divider(qtbot, view, 1, 80)
    widened = view.horizontalHeader().sectionSize(1)
    assert widened >= before + 70
    window.close()

    again = open_window()
    view = again.budgets_tab.chain.programmes_view
    qtbot.waitUntil(lambda: view.model().rowCount() > 3)
    qtbot.wait(20)
    assert view.horizontalHeader().sectionSize(1) == widened
