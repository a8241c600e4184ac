"""Roadmap, échéancier and the facts of a programme sheet, from the service layer."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.services.programmes.progress import indicator_progress
from desktop.services.programmes.service import ProgrammeService
from desktop.services.programmes.tree import ProgrammeFilter
from tests.factories.programmes import TODAY, load_world


@pytest.fixture
def service(database) -> ProgrammeService:
    load_world(database.session_factory)
    return ProgrammeService(database.session_factory)


def test_roadmap_lists_axes_by_line_with_the_priority_marked(service):
    """Axis 2 is the priority action; each axis counts the programmes that serve it."""
    axes = service.roadmap.axes()
    assert [(a.line_number, a.number, a.is_priority, a.programme_count) for a in axes] == [
        (1, 1, False, 1),
        (2, 2, True, 2),
        (2, 3, False, 0),
    ]
    assert axes[0].action == "Développer le SNU"


def test_roadmap_programmes_carry_status_and_indicator_progress(service):
    """SNU, under axis 1, has reached half of its 2023 target from its 2022 baseline."""
    axis = service.roadmap.axes()[0]
    [snu] = service.roadmap.programmes(axis.id)
    assert (snu.code, snu.status_label, snu.lead_unit) == ("SNU", "En cours", "DRAJES")
    assert snu.progress == pytest.approx(0.5)


def test_progress_uses_latest_measured_period_and_school_years_order_after_their_year():
    """2022-2023 comes after 2022; without a baseline progress is actual / target."""
    values = [("2022", "target", 100), ("2022", "actual", 20), ("2022-2023", "target", 200),
              ("2022-2023", "actual", 150)]  # fmt: skip
    progress = indicator_progress(values)
    assert (progress.period, progress.percent) == ("2022-2023", 75)
    assert indicator_progress([("2023", "target", 10)]) is None


def test_schedule_shows_overdue_then_upcoming_and_filters_by_unit(service):
    """Not-done milestones, soonest first: the overdue AMI-CMA committee, then SNU's stay."""
    rows = service.schedule.milestones(horizon_days=90, today=TODAY)
    assert [(r.programme_code, r.title, r.state_label) for r in rows] == [
        ("AMI-CMA-01", "Comité de sélection", "En retard de 228 j"),
        ("SNU", "Séjours de cohésion", "Dans 31 j"),
    ]
    assert rows[0].due_label == "juin 2023"  # known to the month only
    drajes = next(c.key for c in service.filter_options().units if c.label.startswith("DRAJES"))
    assert [r.title for r in service.schedule.milestones(unit_id=drajes, horizon_days=None,
                                                         today=TODAY)] == [
        "Séjours de cohésion", "Bilan de la campagne"]  # fmt: skip
    assert service.schedule.milestones(overdue=False, horizon_days=10, today=TODAY) == []


def test_marking_a_milestone_done_removes_it_from_the_schedule(service):
    """« Marquer comme fait » records the change and the milestone leaves the list."""
    row = service.schedule.milestones(today=TODAY)[0]
    assert service.schedule.set_done(row.id, row.version)
    titles = [r.title for r in service.schedule.milestones(today=TODAY)]
    assert "Comité de sélection" not in titles


def test_sheet_gathers_identity_milestones_indicators_funding_and_totals(service):
    """The AMI-CMA sheet names its lead and its head, its actions, and the 42 656 € gap."""
    sheet = service.sheets.sheet("AMI-CMA", today=TODAY)
    assert sheet.lead_unit.startswith("DRAFPIC — ")
    assert sheet.lead_head == "Hélène MARTIN (Déléguée régionale)"
    assert sheet.partners == ("CMQ Sport, animation et tourisme",)
    assert sheet.departments == ("31 Haute-Garonne", "34 Hérault")
    assert sheet.axes == ("Axe 2 — Carte des formations (prioritaire)",)
    assert [c[0] for c in sheet.children] == ["AMI-CMA-01", "AMI-CMA-02"]
    assert [(f.funder, f.planned_cents, f.committed_cents) for f in sheet.funding] == [
        ("État — France 2030", 30_000_000, 20_000_000),
        ("Région Occitanie", 5_734_400, 0),
    ]
    [total] = sheet.totals
    assert (total.declared_cents, total.computed_cents, total.difference_cents) == (
        60_000_000,
        55_734_400,
        4_265_600,
    )
    snu = service.sheets.sheet("SNU")
    assert snu.indicators[0].progress.percent == 50
    assert service.sheets.codes(ProgrammeFilter(family="national")) == ["ETE-CULT", "SNU"]
    assert date(2024, 2, 15) in [m.due_on for m in snu.milestones]
