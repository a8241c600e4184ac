"""Each table is described once: the file exported from a table heads its columns as the screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QFileDialog

from desktop.services.budgets.service import BudgetService
from desktop.services.common.history import HistoryService, install_history
from desktop.services.directory.edits import PersonInput
from desktop.services.directory.service import DirectoryService
from desktop.services.programmes.service import ProgrammeService
from desktop.services.safety.conflicts import ConflictService
from desktop.services.safety.history import HistoryQueryService
from desktop.services.transfer.export import export_rows
from desktop.views.budgets.tab import BudgetsTab
from desktop.views.programmes.tab import ProgrammesTab
from desktop.views.safety.history_dialog import HistoryDialog
from tests.factories.budgets import load_budget_fixture
from tests.factories.programmes import load_world


def screen_headers(model) -> list[str]:
    return [
        model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        for c in range(model.columnCount())
    ]


def file_headers(path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").splitlines()[0].split(";")


def assert_same_headers(screen: list[str], written: list[str]) -> None:
    """Every column on screen is in the file under the same header, in the same order; the file
    may add details the screen keeps in tooltips (a name beside a code, a row number)."""
    assert screen
    assert [h for h in written if h in screen] == screen


def exported(export, tmp_path, name: str) -> list[str]:
    columns, rows, _stem = export
    return file_headers(export_rows(tmp_path / f"{name}.csv", columns, rows))


@pytest.fixture
def budgets_tab(qtbot, database):
    load_budget_fixture(database.session_factory)
    tab = BudgetsTab(BudgetService(database.session_factory))
    qtbot.addWidget(tab)
    tab.show()
    tab.load()
    yield tab
    assert QThreadPool.globalInstance().waitForDone(20000)


def test_the_budget_tables_export_the_headers_they_show(budgets_tab, tmp_path):
    """Synthesis (by programme, by funder), cross-table and declared totals: file = screen."""
    tab = budgets_tab
    chain = tab.chain
    programmes = exported(chain.export(funders=False), tmp_path, "programmes")
    assert_same_headers(screen_headers(chain.programmes_model), programmes)
    assert programmes[1:4] == ["Niveau", "Code programme", "Code financeur"]
    funders = exported(chain.export(funders=True), tmp_path, "funders")
    assert_same_headers(screen_headers(chain.funders_model), funders)
    for page, model in ((2, tab.pivot.model), (3, tab.checks.model)):
        tab.pages.setCurrentIndex(page)
        written = exported(tab.export_table(), tmp_path, f"page{page}")  # settles the page
        assert_same_headers(screen_headers(model), written)


def test_the_directory_exports_the_headers_it_shows(directory_tab, tmp_path):
    """The people list (its file adds Prénom and Rôle) heads its columns as the screen does."""
    written = exported(directory_tab.export_table(), tmp_path, "annuaire")
    assert_same_headers(screen_headers(directory_tab.positions_model), written)
    assert written == ["Nom", "Prénom", "Fonction", "Rôle", "Service", "Site", "Courriel",
                       "Téléphone"]  # fmt: skip


@pytest.fixture
def programmes_tab(qtbot, database):
    load_world(database.session_factory)
    factory = database.session_factory
    tab = ProgrammesTab(ProgrammeService(factory), ConflictService(factory))
    qtbot.addWidget(tab)
    tab.show()
    tab.load()
    return tab


def test_the_programme_list_exports_the_headers_it_shows(programmes_tab, tmp_path):
    """The programme list: the same columns, under the same headers, in the same order."""
    written = exported(programmes_tab.export_table(), tmp_path, "programmes")
    assert written == screen_headers(programmes_tab.model)


def test_the_echeancier_exports_the_headers_it_shows(programmes_tab, tmp_path):
    """The échéancier's file adds the precision of each date to what the screen shows."""
    tab = programmes_tab
    tab.pages.setCurrentIndex(2)
    tab.schedule.horizon.setCurrentIndex(4)  # every milestone to come
    written = exported(tab.export_table(), tmp_path, "echeancier")
    assert_same_headers(screen_headers(tab.schedule.model), written)
    assert "Service pilote" in written


def test_the_history_exports_the_headers_it_shows(qtbot, filled_database, tmp_path, monkeypatch):
    """The history's file adds the row number and the batch to the columns on screen."""
    factory = filled_database.session_factory
    install_history(factory)
    directory = DirectoryService(factory)
    directory.edits.create_person(PersonInput("NOUVELLE", "Agente"))
    dialog = HistoryDialog(HistoryQueryService(factory), HistoryService(factory))
    qtbot.addWidget(dialog)
    path = tmp_path / "historique.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    dialog._on_export_clicked()
    written = file_headers(path)
    assert_same_headers(screen_headers(dialog.model), written)
    assert written[-1] == "Opération"
