"""The « Situations arrêtées » page of the Budgets tab: freezing, comparing, deleting."""

from __future__ import annotations

import re
from datetime import date

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox
from sqlalchemy import select, update

from desktop.models import FundingLine, Programme
from desktop.services.budgets.filters import BudgetFilter
from desktop.services.transfer.export import export_rows
from desktop.views.budgets.snapshot_panel import SnapshotDialog
from tests.factories.tabs import budgets_tab, settled


@pytest.fixture
def tab(qtbot, database):
    """The Budgets tab on the report's figures."""
    yield from budgets_tab(qtbot, database)


def plain(text: str) -> str:
    return re.sub(r"[\u202f\u00a0]", " ", text)


def answer_dialog(monkeypatch, *answers):
    """Replace the dialog's exec: fill it with each (label, date) in turn, then cancel."""
    pending = list(answers)

    def fake_exec(dialog):
        if not pending:
            return QDialog.DialogCode.Rejected
        label, when = pending.pop(0)
        dialog.label_edit.setText(label)
        dialog.date_edit.setDate(when)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SnapshotDialog, "exec", fake_exec)


def test_freezing_then_editing_shows_the_gap_per_programme_and_funder(
    tab, monkeypatch, database, tmp_path, qtbot
):
    """After « Arrêter la situation… » and a change of FDVA, the page lists FDVA's gap first."""
    answer_dialog(monkeypatch, ("COPIL décembre", date(2023, 12, 31)))
    assert tab.take_snapshot()
    panel = tab.snapshots
    assert tab.pages.currentWidget() is panel
    assert panel.selector.currentText() == "COPIL décembre (situation au 31/12/2023)"
    assert "0 ligne(s)" in panel.caption.text()
    with database.session_factory.begin() as s:
        fdva = s.scalar(select(Programme.id).where(Programme.code == "FDVA"))
        s.execute(
            update(FundingLine)
            .where(FundingLine.programme_id == fdva, FundingLine.stage == "planned")
            .values(amount_cents=5_000_000_00)
        )
    tab.apply_filter(BudgetFilter(funders=("FDVA",)))
    settled(tab, qtbot)
    model = panel.model
    assert model.text(0, 0) == "FDVA"
    assert plain(model.text(0, 3)) == "4 737 949 €"
    assert plain(model.text(0, 4)) == "5 000 000 €"
    assert plain(model.text(0, 5)) == "+262 051 €"
    assert "1 ligne(s)" in panel.caption.text()
    columns, rows, stem = tab.export_table()
    assert stem == "Comparaison COPIL décembre avec aujourd'hui"
    assert rows[-1].kind == "total"
    assert rows[-1].difference_cents == 262_051_00
    path = export_rows(tmp_path / "comparaison.csv", columns, rows)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Programme;Nom du programme;Financeur;Au 31/12/2023;Aujourd'hui")
    assert lines[1].startswith("FDVA;")
    assert lines[-1].startswith("Total;")


def test_a_refused_label_keeps_the_dialog_and_says_why(tab, monkeypatch):
    """A label already in use is refused with a French message, and the user can correct it."""
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    answer_dialog(monkeypatch, ("COPIL", date(2023, 6, 1)))
    assert tab.take_snapshot()
    answer_dialog(monkeypatch, ("COPIL", date(2023, 6, 1)), ("COPIL bis", date(2023, 7, 1)))
    assert tab.take_snapshot()
    assert warnings == ["Libellé : une situation « COPIL » existe déjà."]
    titles = [tab.snapshots.selector.itemText(i) for i in range(tab.snapshots.selector.count())]
    assert titles == ["COPIL bis (situation au 01/07/2023)", "COPIL (situation au 01/06/2023)"]


def test_deleting_a_situation_asks_first(tab, monkeypatch):
    """Delete asks for confirmation; once confirmed the situation leaves the selector."""
    answer_dialog(monkeypatch, ("À jeter", date(2023, 6, 1)))
    tab.take_snapshot()
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.No)
    tab.snapshots.delete_button.click()
    assert tab.snapshots.selector.count() == 1
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    tab.snapshots.delete_button.click()
    assert tab.snapshots.selector.count() == 0
    assert "Aucune situation arrêtée" in tab.snapshots.caption.text()
    assert not tab.snapshots.delete_button.isEnabled()


def test_choosing_a_situation_shows_its_figures_everywhere_and_prints_them(
    tab, monkeypatch, database, qtbot
):
    """With « Situation : COPIL » chosen, key figures, tables and the print show the frozen sums."""
    answer_dialog(monkeypatch, ("COPIL", date(2023, 12, 31)))
    tab.take_snapshot()
    with database.session_factory.begin() as s:
        fdva = s.scalar(select(Programme.id).where(Programme.code == "FDVA"))
        s.execute(
            update(FundingLine)
            .where(FundingLine.programme_id == fdva, FundingLine.stage == "planned")
            .values(amount_cents=5_000_000_00)
        )
    tab.apply_filter(BudgetFilter(stage="committed"))
    tab.apply_filter(BudgetFilter())
    settled(tab, qtbot)
    assert "Prévu 635 799 264 €" in plain(tab.key_figures.text())
    titles = [tab.situation.itemText(i) for i in range(tab.situation.count())]
    assert titles == ["aujourd'hui (chiffres du jour)", "COPIL (situation au 31/12/2023)"]
    tab.situation.setCurrentIndex(1)
    settled(tab, qtbot)
    assert "Situation arrêtée au 31/12/2023" in tab.key_figures.text()
    assert "Prévu 635 537 213 €" in plain(tab.key_figures.text())
    tab.pages.setCurrentIndex(0)
    model = tab.chain.programmes_model
    assert plain(model.text(model.rowCount() - 1, 1)) == "635 537 213 €"
    document = tab.print_document()
    assert document.title == "Synthèse budgétaire — situation au 31/12/2023"
    tab.show_situation(None)
    settled(tab, qtbot)
    assert "Prévu 635 799 264 €" in plain(tab.key_figures.text())
    assert tab.print_document().title == "Synthèse budgétaire"


def test_deleting_the_situation_shown_goes_back_to_today(tab, monkeypatch, qtbot):
    """When the situation on screen is deleted, the tab shows today's figures again."""
    answer_dialog(monkeypatch, ("COPIL", date(2023, 12, 31)))
    tab.take_snapshot()
    tab.situation.setCurrentIndex(1)
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    tab.snapshots.delete_button.click()
    assert tab.situation.count() == 1
    assert tab.situation.currentIndex() == 0
    settled(tab, qtbot)
    assert "Situation arrêtée" not in tab.key_figures.text()


def test_freezing_and_deleting_are_undoable_edits(tab, monkeypatch, database, qtbot):
    """Each action gives the main window a history batch; reverting it (Ctrl+Z) and reloading
    the tab removes the frozen situation, or brings the deleted one back."""
    from desktop.services.common.history import HistoryService, install_history

    install_history(database.session_factory, "agent")
    history = HistoryService(database.session_factory)
    answer_dialog(monkeypatch, ("COPIL", date(2023, 12, 31)))
    with qtbot.waitSignal(tab.edited) as taken:
        assert tab.take_snapshot()
    history.revert(taken.args[0])
    tab.load()
    assert tab.situation.count() == 1
    assert tab.snapshots.selector.count() == 0

    answer_dialog(monkeypatch, ("COPIL 2", date(2023, 12, 31)))
    tab.take_snapshot()
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(tab.edited) as deleted:
        tab.snapshots.delete_button.click()
    assert tab.snapshots.selector.count() == 0
    history.revert(deleted.args[0])
    tab.load()
    tab.pages.setCurrentIndex(4)
    assert tab.snapshots.selector.currentText() == "COPIL 2 (situation au 31/12/2023)"
    assert "0 ligne(s)" in tab.snapshots.caption.text()


def test_a_frozen_situation_compares_its_declared_totals_with_today(
    tab, monkeypatch, database, qtbot
):
    """The page lists the declared totals frozen with the situation beside today's; a total
    corrected since is listed first, highlighted."""
    from desktop.models import DeclaredTotal

    answer_dialog(monkeypatch, ("COPIL", date(2023, 12, 31)))
    tab.take_snapshot()
    with database.session_factory.begin() as s:
        fonjep = s.scalar(select(Programme.id).where(Programme.code == "FONJEP"))
        s.execute(
            update(DeclaredTotal)
            .where(DeclaredTotal.programme_id == fonjep)
            .values(amount_cents=100)
        )
    tab.apply_filter(BudgetFilter(stage="committed"))
    settled(tab, qtbot)
    model = tab.snapshots.totals_model
    assert model.rowCount() == 6
    assert model.text(0, 0) == "FONJEP"
    assert plain(model.text(0, 4)) == "1 €"
    assert "1 sur 6 ont changé" in tab.snapshots.totals_caption.text()


def test_a_server_fault_while_reading_situations_keeps_the_screen(tab, monkeypatch, qtbot):
    """The situation selector, the comparison page and the list of situations read through the
    load guard: a fault shows « Données non actualisées (F5 pour réessayer) », no traceback, and
    the figures on screen stay."""
    from PySide6.QtWidgets import QMainWindow

    from desktop.errors import PilotisError

    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(tab)
    answer_dialog(monkeypatch, ("COPIL", date(2023, 12, 31)))
    tab.take_snapshot()
    figures = tab.key_figures.text()

    def down(*_args, **_kwargs):
        raise PilotisError("Le serveur ne répond pas.")

    budgets = tab._budgets
    monkeypatch.setattr(budgets, "overview", down)
    tab.situation.setCurrentIndex(1)
    settled(tab, qtbot)
    assert window.statusBar().currentMessage() == (
        "Données non actualisées (F5 pour réessayer) : Le serveur ne répond pas."
    )
    assert tab.key_figures.text() == figures
    monkeypatch.setattr(budgets.snapshots, "compare", down)
    monkeypatch.setattr(budgets.snapshots, "list", down)
    tab.snapshots.selector.currentIndexChanged.emit(0)
    tab.snapshots.changed.emit()
    assert tab.snapshots.selector.count() == 1
    assert "F5" in window.statusBar().currentMessage()


def test_the_comparison_exports_the_headers_it_shows(tab, monkeypatch, tmp_path):
    """One description: the frozen column reads « Au 31/12/2023 » on screen as in the file."""
    from PySide6.QtCore import Qt

    answer_dialog(monkeypatch, ("COPIL décembre", date(2023, 12, 31)))
    assert tab.take_snapshot()
    model = tab.snapshots.model
    screen = [
        model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        for c in range(model.columnCount())
    ]
    columns, rows, _stem = tab.export_table()
    path = export_rows(tmp_path / "comparaison.csv", columns, rows)
    assert path.read_text(encoding="utf-8-sig").splitlines()[0].split(";") == screen
    assert screen[3] == "Au 31/12/2023"
