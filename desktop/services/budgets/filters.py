"""The filters shared by every budget chart and table, and the SQL conditions they become.

A programme inherits the axes, territory (départements) and lead unit of its ancestors: the
10 AMI-CMA actions belong to the roadmap axes and the service named on AMI-CMA itself. A line's
year is the first year of its period (`2022-2023` counts in 2022); lines without a period drop
out as soon as a year is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import Integer, cast, func, select

from desktop.models import (
    Department,
    Funder,
    FundingLine,
    Programme,
    Unit,
    programme_department,
)
from desktop.models.budget import BudgetSnapshotLine
from desktop.services.common.trees import descendants, lineage
from desktop.services.common.vocabulary import FUNDER_KINDS, PROGRAMME_FAMILIES, STAGES


@dataclass(frozen=True)
class BudgetFilter:
    """What the user restricts the figures to; None or empty means « tous »."""

    year_from: int | None = None
    year_to: int | None = None
    programme: str | None = None  # code; the programme and its whole subtree
    family: str | None = None
    funders: tuple[str, ...] = ()  # codes
    funder_kind: str | None = None
    stage: str = "planned"  # the stage measured by single-measure charts and the cross-table
    lead_unit: str | None = None  # unit code; the unit and its sub-units
    department: str | None = None  # code

    def with_(self, **changes) -> BudgetFilter:
        return replace(self, **changes)

    @property
    def is_default(self) -> bool:
        return self == BudgetFilter(stage=self.stage)


@dataclass(frozen=True)
class FilterLabels:
    """Display names the description of a filter needs (programme and funder names)."""

    programmes: dict[str, str] = field(default_factory=dict)
    funders: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)


def describe(flt: BudgetFilter, labels: FilterLabels | None = None) -> list[str]:
    """The filters in force as short French phrases, for headers of prints and captions."""
    labels = labels or FilterLabels()
    parts = [f"Montants : {STAGES[flt.stage].lower()}"]
    if flt.year_from is not None or flt.year_to is not None:
        if flt.year_from == flt.year_to:
            parts.append(f"Année {flt.year_from}")
        elif flt.year_to is None:
            parts.append(f"Années {flt.year_from} et suivantes")
        elif flt.year_from is None:
            parts.append(f"Années jusqu'à {flt.year_to}")
        else:
            parts.append(f"Années {flt.year_from} à {flt.year_to}")
    if flt.programme:
        name = labels.programmes.get(flt.programme)
        parts.append(f"Programme {flt.programme}" + (f" ({name})" if name else ""))
    if flt.family:
        parts.append(f"Famille {PROGRAMME_FAMILIES.get(flt.family, flt.family)}")
    if flt.funders:
        names = [labels.funders.get(code, code) for code in flt.funders]
        head = "Financeur : " if len(names) == 1 else f"{len(names)} financeurs : "
        parts.append(head + ", ".join(names))
    if flt.funder_kind:
        parts.append(f"Financeurs : {FUNDER_KINDS.get(flt.funder_kind, flt.funder_kind)}")
    if flt.lead_unit:
        parts.append(f"Pilote {labels.units.get(flt.lead_unit, flt.lead_unit)}")
    if flt.department:
        name = labels.departments.get(flt.department)
        parts.append(f"Département {flt.department}" + (f" {name}" if name else ""))
    return parts


def line_year():
    """The first year of a line's period as an integer (portable SQLite / PostgreSQL)."""
    return cast(func.substr(FundingLine.period, 1, 4), Integer)


def lineage_cte(name: str = "lineage"):
    """(programme_id, ancestor_id) for each programme and every ancestor, itself included."""
    return lineage(Programme, name=name, row="programme_id", ancestor="ancestor_id")


def _unit_subtree(code: str):
    return descendants(Unit, Unit.code == code, name="unit_subtree")


def programme_conditions(flt: BudgetFilter) -> list:
    """WHERE conditions on Programme that keep the programmes inside the filter's scope."""
    where: list = []
    if flt.family:
        where.append(Programme.family == flt.family)
    inherited = []
    if flt.programme:
        inherited.append(("programme", select(Programme.id).where(Programme.code == flt.programme)))
    if flt.lead_unit:
        units = _unit_subtree(flt.lead_unit)
        inherited.append(
            ("unit", select(Programme.id).where(Programme.lead_unit_id.in_(select(units.c.id))))
        )
    if flt.department:
        inherited.append(
            (
                "dept",
                select(programme_department.c.programme_id)
                .join(Department, Department.id == programme_department.c.department_id)
                .where(Department.code == flt.department),
            )
        )
    for name, ancestors in inherited:
        # The chosen programmes and everything below them, walked down from them: the same set
        # as « an ancestor (or itself) is chosen », without building every programme's lineage
        # first (10 000 programmes: 15 ms for one programme, 270 ms for a département).
        scope = descendants(
            Programme, Programme.id.in_(ancestors), name=f"scope_{name}", distinct=True
        )
        where.append(Programme.id.in_(select(scope.c.id)))
    return where


def conditions(flt: BudgetFilter, *, with_stage: bool = True) -> list:
    """WHERE conditions on FundingLine (joined to nothing) that apply the filter.

    Each condition is a sub-select, so callers join only what their GROUP BY needs.
    """
    where: list = []
    if with_stage:
        where.append(FundingLine.stage == flt.stage)
    # Periods are `YYYY` or `YYYY-YYYY`, so comparing the text with a year compares their first
    # year (`2022-2023` >= `2022`, < `2023`), and an index on the period can serve the range.
    if flt.year_from is not None:
        where.append(FundingLine.period >= f"{flt.year_from:04d}")
    if flt.year_to is not None:
        where.append(FundingLine.period < f"{flt.year_to + 1:04d}")
    if flt.funders:
        where.append(
            FundingLine.funder_id.in_(select(Funder.id).where(Funder.code.in_(flt.funders)))
        )
    if flt.funder_kind:
        where.append(
            FundingLine.funder_id.in_(select(Funder.id).where(Funder.kind == flt.funder_kind))
        )
    scope = programme_conditions(flt)
    if scope:
        where.append(FundingLine.programme_id.in_(select(Programme.id).where(*scope)))
    return where


def lines_source(snapshot: int | None):
    """A function making a query read the funding lines of a frozen situation instead of
    today's (snapshot: its id), or leaving it unchanged (None).

    The snapshot's lines are given to the query as a CTE named `funding_line`, which SQLite and
    PostgreSQL both resolve before the table of that name: every aggregation above then runs
    unchanged on the frozen figures, so a frozen synthesis is computed exactly as it was. Lines
    are matched to today's programmes and funders by code; those deleted since drop out.
    """
    if snapshot is None:
        return lambda query: query
    line = BudgetSnapshotLine
    frozen = (
        select(
            Programme.id.label("programme_id"),
            Funder.id.label("funder_id"),
            line.amount_cents.label("amount_cents"),
            line.stage.label("stage"),
            line.period.label("period"),
        )
        .join(Programme, Programme.code == line.programme_code)
        .join(Funder, Funder.code == line.funder_code)
        .where(line.snapshot_id == snapshot)
        .cte(FundingLine.__tablename__)
    )
    return lambda query: query.add_cte(frozen)
