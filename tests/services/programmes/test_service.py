"""The programme list: the tree level by level, and filters, search and sort done in SQL."""

from __future__ import annotations

import pytest

from desktop.services.programmes.service import ProgrammeService
from desktop.services.programmes.tree import ProgrammeFilter
from tests.factories.programmes import TODAY, load_world


@pytest.fixture
def service(database) -> ProgrammeService:
    load_world(database.session_factory)
    return ProgrammeService(database.session_factory)


def _codes(rows) -> list[str]:
    return [r.code for r in rows]


def test_tree_level_by_level_keeps_the_report_order_of_siblings(service):
    """Roots come first, each with its number of sub-programmes; AMI-CMA actions stay 1, 2."""
    roots = service.children(None, today=TODAY)
    assert _codes(roots) == ["ETE-CULT", "F2030", "SNU"]  # « Été » sorts as « ete »
    assert roots[1].child_count == 1
    ami = service.children(roots[1].id)[0]
    assert (ami.code, ami.child_count, ami.lead_unit) == ("AMI-CMA", 2, "DRAFPIC")
    assert _codes(service.children(ami.id)) == ["AMI-CMA-01", "AMI-CMA-02"]
    assert service.child_count(None) == 3


def test_search_ignores_accents_and_case_and_needs_every_word(service):
    """Typing « ecole », « ÉTÉ CULTUREL » or « sport metiers » finds the programmes as written."""
    assert _codes(service.search(ProgrammeFilter(text="ecole"))) == ["AMI-CMA-01"]
    assert _codes(service.search(ProgrammeFilter(text="ÉTÉ CULTUREL"))) == ["ETE-CULT"]
    assert _codes(service.search(ProgrammeFilter(text="sport metiers"))) == ["AMI-CMA-02"]
    assert _codes(service.search(ProgrammeFilter(text="drajes"))) == ["SNU"]  # lead unit
    assert service.search(ProgrammeFilter(text="100%_")) == []  # wildcards are literal


def test_filters_combine_family_status_unit_axis_department_and_period(service):
    """Each filter narrows the list; a unit includes the services below it."""

    def codes(**criteria):
        return sorted(_codes(service.search(ProgrammeFilter(**criteria), sort="code")))

    assert codes(family="france2030") == ["AMI-CMA", "AMI-CMA-01", "AMI-CMA-02", "F2030"]
    assert codes(family="france2030", status="prevu") == ["AMI-CMA-02"]
    drajes = next(c.key for c in service.filter_options().units if c.label.startswith("DRAJES"))
    assert codes(lead_unit_id=drajes) == ["ETE-CULT", "SNU"]
    assert codes(axis_number=2) == ["AMI-CMA", "AMI-CMA-01"]
    assert codes(department_code="31") == ["AMI-CMA"]
    assert codes(period="2022-2023", family="france2030") == ["AMI-CMA", "AMI-CMA-01", "F2030"]
    assert codes(period="2021") == ["ETE-CULT", "F2030", "SNU"]
    assert service.count(ProgrammeFilter(family="france2030", text="ami")) == 3


def test_sort_by_overdue_milestones_and_by_dates(service):
    """Sorting by « Jalons en retard » puts the late programmes first; empty dates go last."""
    rows = service.search(ProgrammeFilter(text=" "), sort="overdue", descending=True, today=TODAY)
    assert [(r.code, r.overdue_count) for r in rows[:1]] == [("AMI-CMA-01", 1)]
    ends = service.search(ProgrammeFilter(family="france2030"), sort="end")
    assert _codes(ends) == ["AMI-CMA-01", "AMI-CMA", "AMI-CMA-02", "F2030"]
    assert ends[0].parent_code == "AMI-CMA"


def test_filter_options_offer_leading_units_with_their_parents_and_periods(service):
    """The unit list has the units that lead programmes and those above them."""
    options = service.filter_options()
    labels = [c.label for c in options.units]
    assert labels[0].startswith("DRAFPIC")
    assert any(label.startswith("SDJES 34") for label in labels)
    assert "Région académique Occitanie" in labels
    assert [c.key for c in options.periods][:3] == ["2019", "2019-2020", "2020"]
    assert options.axes[1].label == "Axe 2 — Carte des formations"


def test_ancestors_lead_from_the_root_to_the_programme(service):
    """Jumping to AMI-CMA-02 opens France 2030, then AMI-CMA."""
    chain = service.ancestors("AMI-CMA-02")
    assert len(chain) == 3
    assert service.ancestors("NOPE") is None
