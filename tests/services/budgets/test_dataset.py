"""Budget aggregation on the embedded 2023 dataset, against sums computed by hand from the
report (AMI-CMA table, CPER ESRI rubric, TIRIS, SNU, Erasmus+, FONJEP)."""

from __future__ import annotations

import pytest

from desktop.services.budgets.filters import BudgetFilter
from desktop.services.budgets.service import BudgetService
from desktop.services.safety.checks import ChecksService

AMI_CMA = (
    249_841 + 237_710 + 119_750 + 303_350 + 230_700 + 74_000 + 207_600 + 133_000 + 158_100 + 211_100
)
RECTORAT = 22_500 + 22_500 + 90_000 + 70_000 + 75_000 + 70_000
REGION_AMI = 54_253 + 68_376 + 26_000 + 82_700 + 9_300 + 59_200 + 70_000
CPER_RUBRIC = (
    180_400_000 + 182_700_000 + 80_700_000 + 41_500_000 + 2_800_000 + 4_000_000 + 1_500_000
)
CPER_OUTSIDE = 61_200_000 + 32_500_000 + 35_000_000


@pytest.fixture
def service(filled_database):
    return BudgetService(filled_database.session_factory)


def euros(cents: int) -> float:
    return cents / 100


def test_funders_planned_totals_match_the_report(service):
    """Per funder: the AMI-CMA column, the Rectorat column, the Région's CPER + campus + AMI-CMA
    + TIRIS shares, the State BOPs of the CPER."""
    planned = {r.funder_code: euros(r.planned_cents) for r in service.overview().funder_totals}
    assert planned["AMI-CMA"] == AMI_CMA == 1_925_151
    assert planned["RECTORAT"] == RECTORAT == 350_000
    assert planned["REGION-OCC"] == 182_700_000 + 4_000_000 + REGION_AMI + 38_300_000
    assert planned["BOP150-172-231"] == 180_400_000
    assert planned["ANR"] == 38_300_000  # TIRIS


def test_programmes_planned_totals_match_the_report(service):
    """Per programme: the CPER volet ESRI (493,6 M€ of rubric lines + 128,7 M€ outside), the
    10 AMI-CMA actions, and each action's funders."""
    cper = service.overview(BudgetFilter(family="cper"))
    assert euros(cper.total.planned_cents) == CPER_RUBRIC + CPER_OUTSIDE == 622_300_000
    carte = service.overview(BudgetFilter(programme="AMI-CMA-CARTE"))
    assert len(carte.programmes) == 10
    assert euros(carte.total.planned_cents) == AMI_CMA + RECTORAT + REGION_AMI == 2_644_980
    action = next(c for c in carte.programmes if c.subtotal.programme_code == "AMI-CMA-04")
    assert {line.funder_code: euros(line.planned_cents) for line in action.lines} == {
        "AMI-CMA": 303_350,
        "RECTORAT": 22_500,
        "REGION-OCC": 82_700,
    }


def test_stages_are_summed_separately(service):
    """Per stage: what the report gives as paid (SNU 4,2 M€, Erasmus+ 20 M€, student aid
    2,3 + 2 M€) is never mixed with the planned amounts."""
    overview = service.overview()
    assert euros(overview.total.paid_cents) == 4_200_000 + 20_000_000 + 2_300_000 + 2_000_000
    paid = service.overview(BudgetFilter(stage="paid"))
    assert euros(paid.total.paid_cents) == euros(overview.total.paid_cents)
    assert sum(r.paid_cents for r in paid.funder_totals) == overview.total.paid_cents


def test_discrepancies_show_the_reports_own_differences(service, filled_database):
    """The differences the report itself contains are listed, with the same figures as
    `python main.py check`."""
    rows = service.discrepancies()
    gaps = {(r.programme_code, r.funder_code): euros(r.difference_cents) for r in rows}
    assert gaps[("AMI-CMA-CARTE", "AMI-CMA")] == 1  # the TOTAUX row: 1 925 152 for 1 925 151
    assert gaps[("FONJEP", "FONJEP")] == 6_265_284 - 822 * 7_122
    assert gaps[("CPER-ESRI-RUBRIQUE", None)] == 493_740_000 - CPER_RUBRIC
    assert gaps[("CPER-ESRI", None)] == 622_591_000 - CPER_RUBRIC - CPER_OUTSIDE
    checks = ChecksService(filled_database.session_factory).declared_totals(only_differences=True)
    assert rows == checks
