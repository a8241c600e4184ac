"""The people table model fetches page by page, so 100 000 people never load at once."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.services.directory.rows import EntryRow
from desktop.views.directory.people_table_model import PAGE_SIZE, PeopleTableModel


def make_rows(n: int) -> list[EntryRow]:
    return [
        EntryRow(
            i,
            i,
            1,
            f"NOM{i:05d}",
            "Prénom",
            "Agent",
            "member",
            False,
            "DSI",
            "Toulouse",
            None,
            None,
        )  # fmt: skip
        for i in range(n)
    ]


def test_model_loads_one_page_then_more_on_demand(qtmodeltester):
    """Only the first page is read; scrolling asks for the next ones until the total."""
    rows = make_rows(450)
    asked = []

    def pages(offset, limit, sort, descending):
        asked.append((offset, limit, sort, descending))
        return rows[offset : offset + limit]

    model = PeopleTableModel()
    model.set_source(pages, len(rows))
    assert model.rowCount() == PAGE_SIZE
    assert model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == 450
    assert not model.canFetchMore()
    assert asked == [(0, 200, "name", False), (200, 200, "name", False), (400, 200, "name", False)]
    qtmodeltester.check(model)


def test_sorting_asks_the_database_again(qtmodeltester):
    """Clicking the Fonction header re-reads the first page sorted by title, descending."""
    asked = []

    def pages(offset, limit, sort, descending):
        asked.append((sort, descending))
        return make_rows(3)

    model = PeopleTableModel()
    model.set_source(pages, 3)
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert asked[-1] == ("title", True)
    assert model.text(0, 0) == "NOM00000 Prénom"
    assert model.text(2, 2) == "DSI"


def test_vacant_post_reads_as_such():
    """A post without holder shows « Poste vacant »."""
    vacant = EntryRow(1, None, 1, None, None, "Chef", "head", False, "DSI", None, None, None)
    model = PeopleTableModel()
    model.set_source(lambda *a: [vacant], 1)
    assert model.text(0, 0) == "Poste vacant"
