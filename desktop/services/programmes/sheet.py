"""The facts of one-page programme sheets (fiches programme), gathered in a few queries for a
whole batch of programmes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from desktop.errors import PilotisError
from desktop.models import (
    Axis,
    DeclaredTotal,
    Department,
    Establishment,
    Funder,
    FundingLine,
    Indicator,
    IndicatorValue,
    Milestone,
    Organisation,
    Person,
    Position,
    Programme,
    Unit,
    programme_axis,
    programme_department,
    programme_establishment,
    programme_partner,
)
from desktop.services.budgets.declared import covered_cents
from desktop.services.common.trees import descendants
from desktop.services.common.vocabulary import PROGRAMME_STATUSES, ProgrammeLabels
from desktop.services.programmes.progress import Progress, indicator_progress, period_key
from desktop.services.programmes.tree import ProgrammeFilter, ProgrammeQueries


@dataclass(frozen=True)
class SheetMilestone:
    due_on: date
    precision: str
    title: str
    done: bool
    note: str | None


@dataclass(frozen=True)
class SheetIndicator:
    name: str
    unit: str | None
    values: tuple[tuple[str, str, float], ...]  # (period, kind, value)
    progress: Progress | None

    def latest(self, kind: str) -> tuple[str, float] | None:
        found = [(p, v) for p, k, v in self.values if k == kind]
        return max(found, key=lambda pv: period_key(pv[0])) if found else None


@dataclass(frozen=True)
class SheetFunding:
    funder: str
    planned_cents: int
    committed_cents: int
    paid_cents: int


@dataclass(frozen=True)
class SheetTotal:
    label: str
    scope: str  # funder, stage, period the total is restricted to, in words
    declared_cents: int
    computed_cents: int
    source: str

    @property
    def difference_cents(self) -> int:
        return self.declared_cents - self.computed_cents


@dataclass(frozen=True)
class ProgrammeSheet(ProgrammeLabels):
    code: str
    name: str
    family: str
    kind: str
    status: str
    parent: str | None
    lead_unit: str | None
    lead_head: str | None
    start_on: date | None
    end_on: date | None
    description: str | None
    beneficiary: str | None
    partners: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    axes: tuple[str, ...] = ()
    establishments: tuple[str, ...] = ()
    children: tuple[tuple[str, str, str], ...] = ()  # (code, name, status label)
    milestones: tuple[SheetMilestone, ...] = ()
    indicators: tuple[SheetIndicator, ...] = ()
    funding: tuple[SheetFunding, ...] = ()
    totals: tuple[SheetTotal, ...] = field(default=())


class ProgrammeSheetService:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def codes(self, criteria: ProgrammeFilter) -> list[str]:
        """Codes of every programme matching a filter, in code order (batch printing)."""
        found = ProgrammeQueries(self._sessions).search(criteria, sort="code", limit=None)
        return [r.code for r in found]

    def sheet(self, code: str, *, today: date | None = None) -> ProgrammeSheet:
        return self.sheets([code], today=today)[0]

    def sheets(self, codes: Sequence[str], *, today: date | None = None) -> list[ProgrammeSheet]:
        """The sheets of these programmes, in the same order, read in one session with one query
        per kind of data for each batch of programmes (a server is a round trip away)."""
        today = today or date.today()
        found: dict[str, ProgrammeSheet] = {}
        with self._sessions() as s:
            funder_names = dict(s.execute(select(Funder.code, Funder.name)).all())
            wanted = list(dict.fromkeys(codes))
            for start in range(0, len(wanted), BATCH):
                batch = _Batch(s, wanted[start : start + BATCH], today, funder_names)
                found.update((sheet.code, sheet) for sheet in batch.sheets())
        missing = next((c for c in codes if c not in found), None)
        if missing is not None:
            raise PilotisError(f"Programme inconnu : « {missing} ».")
        return [found[c] for c in codes]


BATCH = 500  # programmes per IN (...) list: far below SQLite's and PostgreSQL's limits


def _grouped(rows, size: int = 1) -> dict[int, list]:
    """{first column: [rest of each row, in query order]}; size 1 keeps single values bare."""
    groups: dict[int, list] = defaultdict(list)
    for row in rows:
        groups[row[0]].append(row[1] if size == 1 else tuple(row[1:]))
    return groups


def _subtrees(ids: list[int]):
    """(root, id) for each selected programme and every programme below it."""
    return descendants(Programme, Programme.id.in_(ids), name="sheet_subtree", with_root=True)


class _Batch:
    """Every fact of the sheets of a few hundred programmes, one query per kind of data."""

    def __init__(self, s: Session, codes: list[str], today: date, funder_names: dict) -> None:
        self.programmes = s.scalars(select(Programme).where(Programme.code.in_(codes))).all()
        self.funder_names = funder_names
        ids = [p.id for p in self.programmes]
        self._load_identity(s, today)
        self._load_links(s, ids)
        self._load_progress(s, ids)
        self._load_money(s, ids)

    def _load_identity(self, s: Session, today: date) -> None:
        """Parents, lead units and their heads."""
        parent_ids = {p.parent_id for p in self.programmes if p.parent_id is not None}
        unit_ids = {p.lead_unit_id for p in self.programmes if p.lead_unit_id is not None}
        self.parents = {
            i: (c, n)
            for i, c, n in s.execute(
                select(Programme.id, Programme.code, Programme.name).where(
                    Programme.id.in_(parent_ids)
                )
            )
        }
        self.units = {
            i: (a, n)
            for i, a, n in s.execute(
                select(Unit.id, Unit.acronym, Unit.name).where(Unit.id.in_(unit_ids))
            )
        }
        self.heads: dict[int, tuple] = {}
        for unit_id, first, last, title in s.execute(
            select(Position.unit_id, Person.first_name, Person.last_name, Position.title)
            .join(Person, Position.person_id == Person.id)
            .where(
                Position.unit_id.in_(unit_ids),
                Position.role == "head",
                or_(Position.end_on.is_(None), Position.end_on >= today),
            )
            .order_by(Position.unit_id, Position.sort_order, Position.id)
        ):
            self.heads.setdefault(unit_id, (first, last, title))

    def _load_links(self, s: Session, ids: list[int]) -> None:
        """Partners, départements, roadmap axes, establishments and sub-programmes."""
        self.partners = _grouped(
            s.execute(
                select(programme_partner.c.programme_id, Organisation.name)
                .join(programme_partner, programme_partner.c.organisation_id == Organisation.id)
                .where(programme_partner.c.programme_id.in_(ids))
                .order_by(Organisation.name)
            )
        )
        self.departments = _grouped(
            s.execute(
                select(programme_department.c.programme_id, Department.code + " " + Department.name)
                .join(programme_department, programme_department.c.department_id == Department.id)
                .where(programme_department.c.programme_id.in_(ids))
                .order_by(Department.code)
            )
        )
        self.axes = _grouped(
            (pid, f"Axe {n} — {t}" + (" (prioritaire)" if prio else ""))
            for pid, n, t, prio in s.execute(
                select(programme_axis.c.programme_id, Axis.number, Axis.title, Axis.is_priority)
                .join(programme_axis, programme_axis.c.axis_id == Axis.id)
                .where(programme_axis.c.programme_id.in_(ids))
                .order_by(Axis.number)
            )
        )
        self.establishments = _grouped(
            s.execute(
                select(programme_establishment.c.programme_id, Establishment.name)
                .join(
                    programme_establishment,
                    programme_establishment.c.establishment_id == Establishment.id,
                )
                .where(programme_establishment.c.programme_id.in_(ids))
                .order_by(Establishment.name)
            )
        )
        self.children = _grouped(
            (
                (parent, (c, n, PROGRAMME_STATUSES.get(st, st)))
                for parent, c, n, st in s.execute(
                    select(Programme.parent_id, Programme.code, Programme.name, Programme.status)
                    .where(Programme.parent_id.in_(ids))
                    .order_by(Programme.sort_order, Programme.code)
                )
            )
        )

    def _load_progress(self, s: Session, ids: list[int]) -> None:
        """Milestones, indicators and their values."""
        self.milestones = _grouped(
            (m.programme_id, SheetMilestone(m.due_on, m.precision, m.title, bool(m.done), m.note))
            for m in s.scalars(
                select(Milestone)
                .where(Milestone.programme_id.in_(ids))
                .order_by(Milestone.due_on, Milestone.id)
            )
        )
        self.indicators = _grouped(
            s.execute(
                select(Indicator.programme_id, Indicator.id, Indicator.name, Indicator.unit)
                .where(Indicator.programme_id.in_(ids))
                .order_by(Indicator.id)
            ),
            size=3,
        )
        self.values = _grouped(
            s.execute(
                select(
                    IndicatorValue.indicator_id,
                    IndicatorValue.period,
                    IndicatorValue.kind,
                    IndicatorValue.value,
                )  # fmt: skip
                .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
                .where(Indicator.programme_id.in_(ids))
            ),
            size=3,
        )

    def _load_money(self, s: Session, ids: list[int]) -> None:
        # Sums of the lines of each programme and its sub-programmes, by funder, stage, period:
        # the funding table and the computed side of the declared totals both come from them.
        tree = _subtrees(ids)
        keys = (tree.c.root, tree.c.id, Funder.code, Funder.name, FundingLine.stage,
                FundingLine.period)  # fmt: skip
        self.sums = _grouped(
            s.execute(
                select(*keys, func.sum(FundingLine.amount_cents))
                .select_from(tree)
                .join(FundingLine, FundingLine.programme_id == tree.c.id)
                .join(Funder, FundingLine.funder_id == Funder.id)
                .group_by(*keys)
                .order_by(Funder.name, Funder.code, FundingLine.stage, FundingLine.period)
            ),
            size=6,
        )
        self.declared = _grouped(
            s.execute(
                select(DeclaredTotal.programme_id, DeclaredTotal, Funder.code)
                .outerjoin(Funder, DeclaredTotal.funder_id == Funder.id)
                .where(DeclaredTotal.programme_id.in_(ids))
                .order_by(DeclaredTotal.label, DeclaredTotal.id)
            ),
            size=2,
        )

    def sheets(self) -> list[ProgrammeSheet]:
        return [self._sheet(p) for p in self.programmes]

    def _sheet(self, p: Programme) -> ProgrammeSheet:
        parent = self.parents.get(p.parent_id)
        lead = self.units.get(p.lead_unit_id)
        head = self.heads.get(p.lead_unit_id)
        indicators = tuple(
            SheetIndicator(
                name,
                unit,
                tuple(sorted(self.values[i], key=lambda v: (period_key(v[0]), v[1]))),
                indicator_progress(self.values[i]),
            )  # fmt: skip
            for i, name, unit in self.indicators[p.id]
        )
        sums = self.sums[p.id]  # (programme below, funder code, name, stage, period, cents)
        funding: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for _programme, _code, name, stage, _period, cents in sums:
            funding[name][stage] += int(cents)
        groups = [(pid, code, stage, period, int(c)) for pid, code, _n, stage, period, c in sums]
        totals = []
        for t, funder_code in self.declared[p.id]:
            computed = covered_cents(
                groups,
                funder=funder_code if t.funder_id is not None else None,
                stage=t.stage,
                period=t.period,
            )
            scope = ", ".join(
                x
                for x in (
                    self.funder_names.get(funder_code, funder_code) if funder_code else "",
                    {"planned": "prévu", "committed": "engagé", "paid": "versé"}.get(t.stage, ""),
                    t.period or "",
                )
                if x
            )
            totals.append(SheetTotal(t.label, scope, t.amount_cents, computed, t.source))
        return ProgrammeSheet(
            code=p.code,
            name=p.name,
            family=p.family,
            kind=p.kind,
            status=p.status,
            parent=f"{parent[0]} — {parent[1]}" if parent else None,
            lead_unit=(f"{lead[0]} — {lead[1]}" if lead[0] else lead[1]) if lead else None,
            lead_head=f"{head[0]} {head[1]} ({head[2]})" if head else None,
            start_on=p.start_on,
            end_on=p.end_on,
            description=p.description,
            beneficiary=p.beneficiary,
            partners=tuple(self.partners[p.id]),
            departments=tuple(self.departments[p.id]),
            axes=tuple(self.axes[p.id]),
            establishments=tuple(self.establishments[p.id]),
            children=tuple(self.children[p.id]),
            milestones=tuple(self.milestones[p.id]),
            indicators=indicators,
            funding=tuple(
                SheetFunding(f, st.get("planned", 0), st.get("committed", 0), st.get("paid", 0))
                for f, st in sorted(funding.items(), key=lambda kv: -sum(kv[1].values()))
            ),
            totals=tuple(totals),
        )
