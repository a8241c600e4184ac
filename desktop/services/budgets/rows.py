"""The frozen rows the budget service returns: funders, the chain per programme × funder with its
rates, years, roadmap axes, the overview that holds them, and the filter choices."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.services.budgets.filters import BudgetFilter, FilterLabels
from desktop.services.common.formatting import coded_name
from desktop.services.common.vocabulary import FUNDER_KINDS

TOTAL_LABEL = "Total"


@dataclass(frozen=True)
class FundingRow:
    programme_code: str
    programme_name: str
    funder_code: str
    funder_name: str
    planned_cents: int
    committed_cents: int
    paid_cents: int


@dataclass(frozen=True)
class FunderRow:
    """A funder with its rank in the fixed order (kind, code) that gives it the same colour and
    hatching in every chart and print."""

    code: str
    name: str
    kind: str
    rank: int
    rank_in_kind: int

    @property
    def kind_label(self) -> str:
        return FUNDER_KINDS.get(self.kind, self.kind)


_STAGE_FIELDS = {"planned": "planned_cents", "committed": "committed_cents", "paid": "paid_cents"}


class _Stages:
    """Rows holding one amount per stage (planned, committed, paid cents)."""

    planned_cents: int
    committed_cents: int
    paid_cents: int

    def stage_cents(self, stage: str) -> int:
        if stage not in _STAGE_FIELDS:
            raise KeyError(stage)
        return getattr(self, _STAGE_FIELDS[stage])


@dataclass(frozen=True)
class ChainRow(_Stages):
    """Planned, committed and paid amounts of one programme × funder, a subtotal or the total.

    kind is "line" (programme × funder), "subtotal" (a programme, all funders), "funder" (a
    funder, all programmes) or "total".
    """

    kind: str
    programme_code: str | None
    programme_name: str | None
    funder_code: str | None
    funder_name: str | None
    planned_cents: int
    committed_cents: int
    paid_cents: int
    envelope_cents: int | None = None  # the declared total the programming is measured against

    @property
    def programming_rate(self) -> float | None:
        """Prévu / enveloppe déclarée."""
        if not self.envelope_cents:
            return None
        return self.planned_cents / self.envelope_cents

    @property
    def commitment_rate(self) -> float | None:
        """Engagé (AE) / prévu."""
        return self.committed_cents / self.planned_cents if self.planned_cents else None

    @property
    def payment_rate(self) -> float | None:
        """Versé (CP) / engagé (AE)."""
        return self.paid_cents / self.committed_cents if self.committed_cents else None

    @property
    def to_commit_cents(self) -> int:
        return self.planned_cents - self.committed_cents

    @property
    def to_pay_cents(self) -> int:
        """Reste à payer: commitments not yet paid (AE engagées − CP versés)."""
        return self.committed_cents - self.paid_cents

    @property
    def label(self) -> str:
        if self.kind == "total":
            return TOTAL_LABEL
        if self.kind == "funder":
            return self.funder_name or ""
        if self.kind == "subtotal":
            return coded_name(self.programme_code, self.programme_name)
        return self.funder_name or ""


@dataclass(frozen=True)
class ProgrammeChain:
    """One programme of the shown level: its subtotal and its lines per funder."""

    subtotal: ChainRow
    lines: tuple[ChainRow, ...]


@dataclass(frozen=True)
class YearRow(_Stages):
    year: int | None
    funder_code: str
    planned_cents: int
    committed_cents: int
    paid_cents: int


@dataclass(frozen=True)
class AxisRow(_Stages):
    number: int | None  # None: lines of programmes linked to no axis
    title: str
    planned_cents: int
    committed_cents: int
    paid_cents: int


@dataclass(frozen=True)
class BudgetOverview:
    """Everything the charts and tables of the Budgets tab show for one filter."""

    filter: BudgetFilter
    funders: tuple[FunderRow, ...]  # every funder, in colour order (not only those shown)
    programmes: tuple[ProgrammeChain, ...]  # the shown level, largest planned first
    funder_totals: tuple[ChainRow, ...]  # kind "funder", largest first for the filter's stage
    total: ChainRow
    years: tuple[YearRow, ...]
    axes: tuple[AxisRow, ...]
    parent: str | None  # the programme whose children are shown; None: top-level programmes

    def funder(self, code: str) -> FunderRow | None:
        return next((f for f in self.funders if f.code == code), None)


@dataclass(frozen=True)
class Choice:
    code: str
    label: str


@dataclass(frozen=True)
class BudgetOptions:
    """What the filter bar offers."""

    funders: tuple[FunderRow, ...]
    programmes: tuple[Choice, ...]  # code, "CODE — name", indented by depth
    units: tuple[Choice, ...]
    departments: tuple[Choice, ...]
    years: tuple[int, ...]

    def labels(self) -> FilterLabels:
        return FilterLabels(
            programmes={c.code: c.label.strip().split(" — ", 1)[-1] for c in self.programmes},
            funders={f.code: f.name for f in self.funders},
            units={c.code: c.label for c in self.units},
            departments={c.code: c.label.split(" — ", 1)[-1] for c in self.departments},
        )
