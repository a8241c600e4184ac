"""Budget aggregation against sums computed by hand from the 2023 report's figures."""

from __future__ import annotations

import pytest

from desktop.services.budgets.filters import BudgetFilter, describe
from desktop.services.budgets.pivot import pivot
from desktop.services.budgets.service import BudgetService
from tests.factories.budgets import (
    AMI_CMA_COLUMN,
    CPER,
    FDVA,
    FONJEP,
    RECTORAT,
    REGION_AMI,
    TOTAL_PLANNED,
    load_budget_fixture,
)


@pytest.fixture
def service(database):
    load_budget_fixture(database.session_factory)
    return BudgetService(database.session_factory)


def euros(cents: int) -> float:
    return cents / 100


def test_planned_per_funder_matches_the_report_columns(service):
    """The funder totals a committee reads are the sums of the report's columns."""
    overview = service.overview()
    planned = {r.funder_code: euros(r.planned_cents) for r in overview.funder_totals}
    assert AMI_CMA_COLUMN == 1_925_151  # the report's TOTAUX row says 1 925 152 €
    assert planned["AMI-CMA"] == 1_925_151
    assert planned["RECTORAT"] == RECTORAT == 350_000
    assert planned["REGION-OCC"] == 182_700_000 + 4_000_000 + REGION_AMI == 187_069_829
    assert planned["BOP150-172-231"] == 180_400_000
    assert euros(overview.total.planned_cents) == TOTAL_PLANNED == 635_537_213


def test_planned_per_programme_rolls_up_the_subtree(service):
    """Top-level programmes include their sub-programmes' lines; drilling shows the children."""
    overview = service.overview()
    planned = {
        c.subtotal.programme_code: euros(c.subtotal.planned_cents) for c in overview.programmes
    }
    assert planned == {
        "CPER-ESRI": CPER,
        "F2030": AMI_CMA_COLUMN + RECTORAT + REGION_AMI,
        "FDVA": FDVA,
        "FONJEP": FONJEP,
    }
    assert [c.subtotal.programme_code for c in overview.programmes][0] == "CPER-ESRI"
    children = service.overview(BudgetFilter(programme="AMI-CMA"))
    by_code = {c.subtotal.programme_code: c for c in children.programmes}
    assert len(by_code) == 10
    assert euros(by_code["AMI-CMA-04"].subtotal.planned_cents) == 303_350 + 22_500 + 82_700
    assert {line.funder_code for line in by_code["AMI-CMA-06"].lines} == {"AMI-CMA", "RECTORAT"}
    assert children.parent == "AMI-CMA"


def test_chain_per_stage_and_rates(service):
    """Committed and paid are summed per stage, never added to planned; rates follow."""
    overview = service.overview()
    assert euros(overview.total.committed_cents) == 249_841 + 54_253 + 4_000_000
    assert euros(overview.total.paid_cents) == 100_000 + 3_000_000
    fdva = next(c.subtotal for c in overview.programmes if c.subtotal.programme_code == "FDVA")
    assert fdva.commitment_rate == pytest.approx(4_000_000 / 4_737_949)
    assert fdva.payment_rate == pytest.approx(0.75)
    assert euros(fdva.to_commit_cents) == 737_949
    assert euros(fdva.to_pay_cents) == 1_000_000
    cper = next(c.subtotal for c in overview.programmes if c.subtotal.programme_code == "CPER-ESRI")
    assert euros(cper.envelope_cents) == 622_591_000
    assert cper.programming_rate == pytest.approx(622_300_000 / 622_591_000)
    assert cper.payment_rate is None


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (BudgetFilter(department="34", year_from=2023, year_to=2023),
         (237_710 + 68_376) + (119_750 + 26_000) + (230_700 + 90_000 + 9_300)),
        (BudgetFilter(lead_unit="DRAJES"), FDVA + FONJEP),
        (BudgetFilter(lead_unit="DRAFPIC"), AMI_CMA_COLUMN + RECTORAT + REGION_AMI),
        (BudgetFilter(lead_unit="RA"), TOTAL_PLANNED),  # the région and all its services
        (BudgetFilter(family="cper"), CPER),
        (BudgetFilter(funder_kind="region"), 187_069_829),
        (BudgetFilter(year_from=2022, year_to=2022), FDVA),
        (BudgetFilter(year_from=2023), AMI_CMA_COLUMN + RECTORAT + REGION_AMI + FONJEP),
        (BudgetFilter(funders=("RECTORAT",), programme="F2030"), RECTORAT),
        (BudgetFilter(stage="paid"), 3_100_000),
    ],
)  # fmt: skip
def test_filters_restrict_every_sum(service, flt, expected):
    """Each filter of the bar narrows the totals to the lines a budget officer expects."""
    overview = service.overview(flt)
    assert euros(overview.total.stage_cents(flt.stage)) == expected
    assert sum(r.stage_cents(flt.stage) for r in overview.funder_totals) == expected * 100
    by_year = sum(r.stage_cents(flt.stage) for r in overview.years)
    assert by_year == expected * 100


def test_axes_are_inherited_from_ancestors(service):
    """The AMI-CMA actions count in the axis of France 2030; programmes without axis are apart."""
    axes = {r.number: euros(r.planned_cents) for r in service.overview().axes}
    assert axes == {1: AMI_CMA_COLUMN + RECTORAT + REGION_AMI, 2: CPER, 3: FDVA, None: FONJEP}


def test_discrepancies_list_the_reports_own_differences(service):
    """Every declared total that differs from its lines shows, with the gap and its source."""
    rows = {(r.programme_code, r.label): r for r in service.discrepancies()}
    gaps = {key: euros(r.difference_cents) for key, r in rows.items()}
    assert gaps == {
        ("AMI-CMA", "Coût total des actions"): 2_818_931 - (AMI_CMA_COLUMN + RECTORAT + REGION_AMI),
        ("AMI-CMA", "Financement AMI CMA"): 1,
        ("CPER-ESRI", "Total des 124 opérations"): 291_000,
        ("CPER-ESRI-RUB", "Rubrique montant CPER"): 140_000,
        ("FONJEP", "Soutien aux postes FONJEP"): 411_000,
    }
    assert rows[("FONJEP", "Soutien aux postes FONJEP")].source == "Vie associative, FONJEP"
    cper = {r.programme_code for r in service.discrepancies(BudgetFilter(family="cper"))}
    assert cper == {"CPER-ESRI", "CPER-ESRI-RUB"}
    assert [r.funder_code for r in service.discrepancies(BudgetFilter(funders=("AMI-CMA",)))] == [
        "AMI-CMA"
    ]
    everything = service.discrepancies(only_differences=False)
    assert len(everything) == 6


def test_cross_table_has_subtotals_and_a_grand_total(service):
    """The funder × programme × year table adds up by group and in total."""
    table = pivot(service.cross_rows(), ["funder", "programme"], "year")
    assert table.columns == ("2022", "2023", "Sans année")
    region = next(
        line for line in table.lines if line.kind == "subtotal" and line.outer == "Région Occitanie"
    )
    assert euros(region.total) == 187_069_829
    assert region.values == (0, REGION_AMI * 100, 186_700_000 * 100)
    total = table.lines[-1]
    assert total.kind == "total"
    assert euros(total.total) == TOTAL_PLANNED
    flat = pivot(service.cross_rows(), ["year"], "funder")
    assert [line.outer for line in flat.lines] == ["2022", "2023", "Sans année", "Total"]


def test_options_list_the_tree_and_years(service):
    """The programme list shows children under their parent, indented, and the years on file."""
    options = service.options()
    codes = [c.code for c in options.programmes]
    assert codes.index("AMI-CMA") == codes.index("F2030") + 1
    assert options.programmes[codes.index("AMI-CMA-01")].label.startswith("        AMI-CMA-01")
    assert options.years == (2022, 2023)
    assert options.labels().funders["REGION-OCC"] == "Région Occitanie"


def test_filters_are_described_in_french(service):
    """The header of a print says which filters were applied."""
    labels = service.options().labels()
    text = describe(BudgetFilter(year_from=2022, year_to=2023, programme="AMI-CMA",
                                 funder_kind="ue", stage="committed"), labels)  # fmt: skip
    assert text == ["Montants : engagé", "Années 2022 à 2023",
                    "Programme AMI-CMA (AMI Compétences et métiers d'avenir)",
                    "Financeurs : Union européenne"]  # fmt: skip


def test_empty_database_gives_zero_totals(database):
    """A new, empty file shows zeros, not an error."""
    overview = BudgetService(database.session_factory).overview()
    assert overview.total.planned_cents == 0
    assert overview.programmes == ()
    assert pivot([], ["funder"], "year").lines[-1].total == 0
