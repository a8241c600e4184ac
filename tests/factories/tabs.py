"""The tabs on their test data, shown as a user sees them, and a wait for their worker: shared by
the tab tests and the cross-tab checks."""

from __future__ import annotations

from PySide6.QtCore import QThreadPool

from desktop.services.budgets.service import BudgetService
from desktop.services.programmes.service import ProgrammeService
from desktop.services.safety.conflicts import ConflictService
from desktop.views.budgets.tab import BudgetsTab
from desktop.views.programmes.editor_dialog import ProgrammeEditorDialog
from desktop.views.programmes.tab import ProgrammesTab
from tests.factories.budgets import load_budget_fixture
from tests.factories.programmes import load_world


def programmes_tab(qtbot, database, monkeypatch) -> ProgrammesTab:
    """The Programmes tab on the small programme world; the editor opens without blocking (the
    test drives it, then saves or closes it)."""
    load_world(database.session_factory)
    factory = database.session_factory
    widget = ProgrammesTab(ProgrammeService(factory), ConflictService(factory))
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    widget.load()
    monkeypatch.setattr(ProgrammeEditorDialog, "open_dialog", lambda self: self.show())
    return widget


def programme_codes(tab) -> list[str]:
    """The codes of the programmes listed, top to bottom."""
    model = tab.model
    return [model.row_at(model.index(r, 0)).code for r in range(model.rowCount())]


def budgets_tab(qtbot, database, size=(1200, 800)):
    """The Budgets tab on the report's figures; a generator for a fixture: after the test, no
    summing thread may still read the database when it is dropped."""
    load_budget_fixture(database.session_factory)
    widget = BudgetsTab(BudgetService(database.session_factory))
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    widget.load()
    yield widget
    assert QThreadPool.globalInstance().waitForDone(20000)


def settled(tab, qtbot) -> None:
    """Wait until the worker thread's figures for the current filter are on screen.

    QThreadPool.waitForDone lets the worker run (it releases Python's lock, which pytest-qt's
    wait loop may keep), then the loop delivers its queued result."""

    def idle() -> bool:
        QThreadPool.globalInstance().waitForDone(20000)
        return not tab.busy

    qtbot.waitUntil(idle, timeout=40000)
