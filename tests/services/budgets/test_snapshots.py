"""Frozen situations: a snapshot keeps its figures when lines change, and compares with today."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from desktop.models import DeclaredTotal, Funder, FundingLine, Programme
from desktop.services.budgets.filters import BudgetFilter
from desktop.services.budgets.service import BudgetService
from desktop.services.budgets.snapshots import BudgetSnapshotService, SnapshotError
from desktop.services.common.history import ConflictError, HistoryService, install_history
from tests.factories.budgets import FDVA, TOTAL_PLANNED, load_budget_fixture

DAY = date(2023, 12, 31)


@pytest.fixture
def snapshots(database):
    load_budget_fixture(database.session_factory)
    return BudgetSnapshotService(database.session_factory)


def set_fdva_planned(database, euros: int) -> None:
    """Change the FDVA planned line as an edit would."""
    with database.session_factory.begin() as s:
        programme = s.scalar(select(Programme.id).where(Programme.code == "FDVA"))
        s.execute(
            update(FundingLine)
            .where(FundingLine.programme_id == programme, FundingLine.stage == "planned")
            .values(amount_cents=euros * 100)
        )


def by_key(comparison) -> dict:
    return {(r.programme_code, r.funder_code): r for r in comparison.rows if r.kind == "line"}


def test_snapshot_keeps_its_figures_when_a_line_changes(database, snapshots):
    """After freezing, editing a funding line leaves the frozen situation's figures as they were."""
    taken = snapshots.take("COPIL décembre", DAY, "avant arbitrage")
    assert taken.title == "COPIL décembre (situation au 31/12/2023)"
    assert taken.line_count > 0
    assert taken.note == "avant arbitrage"
    set_fdva_planned(database, 5_000_000)
    comparison = snapshots.compare(taken.id)
    total = comparison.rows[-1]
    assert total.kind == "total"
    assert total.then_cents == TOTAL_PLANNED * 100
    assert total.now_cents == (TOTAL_PLANNED - FDVA + 5_000_000) * 100
    assert [s.label for s in snapshots.list()] == ["COPIL décembre"]


def test_comparison_shows_the_difference_per_programme_and_funder(database, snapshots):
    """Only the changed programme × funder shows a gap, listed first, with its amount."""
    taken = snapshots.take("COPIL", DAY)
    set_fdva_planned(database, 5_000_000)
    comparison = snapshots.compare(taken.id, BudgetFilter())
    assert comparison.changed == 1
    first = comparison.rows[0]
    assert (first.programme_code, first.funder_code) == ("FDVA", "FDVA")
    assert first.then_cents == FDVA * 100
    assert first.difference_cents == (5_000_000 - FDVA) * 100
    assert all(r.difference_cents == 0 for r in comparison.rows[1:-1])
    committed = snapshots.compare(taken.id, BudgetFilter(stage="committed"))
    assert committed.changed == 0
    assert by_key(committed)[("FDVA", "FDVA")].then_cents == 4_000_000 * 100


def test_comparison_follows_the_filter_and_survives_renames_and_deletions(database, snapshots):
    """Filtering by funder restricts both sides; a deleted programme shows as gone today."""
    taken = snapshots.take("Avant suppression", DAY)
    only_fdva = snapshots.compare(taken.id, BudgetFilter(funders=("FDVA",)))
    assert {r.funder_code for r in only_fdva.rows[:-1]} == {"FDVA"}
    with database.session_factory.begin() as s:
        s.execute(update(Funder).where(Funder.code == "FDVA").values(name="FDVA renommé"))
        fonjep = s.scalar(select(Programme).where(Programme.code == "FONJEP"))
        s.delete(fonjep)
    comparison = snapshots.compare(taken.id)
    gone = [r for r in comparison.rows if r.programme_code == "FONJEP"]
    assert gone
    assert all(r.now_cents == 0 and r.then_cents > 0 for r in gone)
    assert by_key(comparison)[("FDVA", "FDVA")].funder_name == "FDVA renommé"
    assert snapshots.get(taken.id).line_count == taken.line_count


def test_taking_is_validated_with_french_messages(snapshots):
    """An empty label, a label in use or a future date is refused, naming the field."""
    with pytest.raises(SnapshotError, match="Libellé"):
        snapshots.take("  ", DAY)
    snapshots.take("COPIL", DAY)
    with pytest.raises(SnapshotError, match="existe déjà"):
        snapshots.take("COPIL", DAY)
    with pytest.raises(SnapshotError, match="date future"):
        snapshots.take("Demain", date.today() + timedelta(days=1))
    with pytest.raises(SnapshotError, match="inconnue"):
        snapshots.find("Nulle part")


def test_delete_removes_the_situation_and_its_lines(snapshots):
    """A deleted situation disappears from the list; deleting it again says it no longer exists."""
    taken = snapshots.take("À jeter", DAY)
    snapshots.delete(taken.id)
    assert snapshots.list() == []
    with pytest.raises(SnapshotError, match="n'existe plus"):
        snapshots.delete(taken.id)


def change_fonjep_declared(database, euros: int) -> None:
    """Correct the FONJEP declared total as the programme editor would."""
    with database.session_factory.begin() as s:
        programme = s.scalar(select(Programme.id).where(Programme.code == "FONJEP"))
        s.execute(
            update(DeclaredTotal)
            .where(DeclaredTotal.programme_id == programme)
            .values(amount_cents=euros * 100)
        )


def test_a_situation_keeps_its_declared_totals_and_their_gaps(database, snapshots):
    """The « déclaré ≠ calculé » of a frozen situation is the one of its day, even after the
    declared total and the lines changed; the comparison shows then and now side by side."""
    service = BudgetService(database.session_factory)
    before = {(r.programme_code, r.label): r.difference_cents for r in service.discrepancies()}
    taken = snapshots.take("COPIL", DAY)
    fonjep = ("FONJEP", "Soutien aux postes FONJEP")
    declared_then = next(
        r.declared_cents
        for r in service.discrepancies(only_differences=False)
        if (r.programme_code, r.label) == fonjep
    )
    change_fonjep_declared(database, 1)
    set_fdva_planned(database, 5_000_000)
    today = {(r.programme_code, r.label): r for r in service.discrepancies()}
    assert today[fonjep].declared_cents == 100
    frozen = service.discrepancies(snapshot=taken.id)
    assert {(r.programme_code, r.label): r.difference_cents for r in frozen} == before
    cper = service.discrepancies(BudgetFilter(family="cper"), snapshot=taken.id)
    assert {r.programme_code for r in cper} == {"CPER-ESRI", "CPER-ESRI-RUB"}
    assert len(service.discrepancies(only_differences=False, snapshot=taken.id)) == 6

    rows = snapshots.compare_totals(taken.id)
    assert rows[0].changed
    assert (rows[0].programme_code, rows[0].label) == fonjep
    assert rows[0].then_declared_cents == declared_then
    assert rows[0].now_declared_cents == 100
    assert rows[0].then_computed_cents == rows[0].now_computed_cents
    assert sum(r.changed for r in rows) == 1  # FDVA has no declared total


def test_taking_and_deleting_a_situation_are_undoable(database, snapshots):
    """Taking is one history batch that Ctrl+Z reverts; deleting too; redo brings each back
    with all its figures."""
    install_history(database.session_factory, "agent")
    history = HistoryService(database.session_factory)
    taken = snapshots.take("COPIL", DAY)
    assert taken.batch
    assert [c.table_name for c in history.changes(batch=taken.batch)] == ["budget_snapshot"]
    undo = history.revert(taken.batch)
    assert snapshots.list() == []
    history.revert(undo)  # redo
    assert [s.line_count for s in snapshots.list()] == [taken.line_count]

    batch = snapshots.delete(taken.id)
    assert snapshots.list() == []
    with pytest.raises(SnapshotError, match="n'existe plus"):
        snapshots.compare(taken.id)
    history.revert(batch)
    again = snapshots.get(taken.id)
    assert again.line_count == taken.line_count
    assert snapshots.compare(taken.id).rows[-1].then_cents == TOTAL_PLANNED * 100
    # A deleted label can be reused; the old situation is then gone for good.
    batch = snapshots.delete(taken.id)
    snapshots.take("COPIL", DAY)
    with pytest.raises(ConflictError):
        history.revert(batch)
