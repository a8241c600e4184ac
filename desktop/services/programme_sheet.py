"""The facts of a one-page programme sheet (fiche programme), gathered in a few queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import sessionmaker

from desktop.errors import PilotisError
from desktop.models import (
    Axis,
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
from desktop.services.programme_editing import ProgrammeEditService, _subtree
from desktop.services.programme_progress import Progress, indicator_progress, period_key
from desktop.services.programme_service import ProgrammeFilter, ProgrammeService
from desktop.services.vocabulary import PROGRAMME_STATUSES, ProgrammeLabels


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
        found = ProgrammeService(self._sessions).search(criteria, sort="code", limit=None)
        return [r.code for r in found]

    def sheet(self, code: str, *, today: date | None = None) -> ProgrammeSheet:
        today = today or date.today()
        with self._sessions() as s:
            p = s.scalar(select(Programme).where(Programme.code == code))
            if p is None:
                raise PilotisError(f"Programme inconnu : « {code} ».")
            parent = s.execute(
                select(Programme.code, Programme.name).where(Programme.id == p.parent_id)
            ).first()
            lead = s.execute(
                select(Unit.acronym, Unit.name).where(Unit.id == p.lead_unit_id)
            ).first()
            head = s.execute(
                select(Person.first_name, Person.last_name, Position.title)
                .join(Person, Position.person_id == Person.id)
                .where(
                    Position.unit_id == p.lead_unit_id,
                    Position.role == "head",
                    or_(Position.end_on.is_(None), Position.end_on >= today),
                )
                .order_by(Position.sort_order, Position.id)
                .limit(1)
            ).first()

            def names(query) -> tuple[str, ...]:
                return tuple(s.scalars(query).all())

            partners = names(
                select(Organisation.name)
                .join(programme_partner, programme_partner.c.organisation_id == Organisation.id)
                .where(programme_partner.c.programme_id == p.id)
                .order_by(Organisation.name)
            )
            departments = names(
                select(Department.code + " " + Department.name)
                .join(programme_department, programme_department.c.department_id == Department.id)
                .where(programme_department.c.programme_id == p.id)
                .order_by(Department.code)
            )
            axes = tuple(
                f"Axe {n} — {t}" + (" (prioritaire)" if prio else "")
                for n, t, prio in s.execute(
                    select(Axis.number, Axis.title, Axis.is_priority)
                    .join(programme_axis, programme_axis.c.axis_id == Axis.id)
                    .where(programme_axis.c.programme_id == p.id)
                    .order_by(Axis.number)
                )
            )
            establishments = names(
                select(Establishment.name)
                .join(
                    programme_establishment,
                    programme_establishment.c.establishment_id == Establishment.id,
                )
                .where(programme_establishment.c.programme_id == p.id)
                .order_by(Establishment.name)
            )
            children = tuple(
                (c, n, PROGRAMME_STATUSES.get(st, st))
                for c, n, st in s.execute(
                    select(Programme.code, Programme.name, Programme.status)
                    .where(Programme.parent_id == p.id)
                    .order_by(Programme.sort_order, Programme.code)
                )
            )
            milestones = tuple(
                SheetMilestone(m.due_on, m.precision, m.title, bool(m.done), m.note)
                for m in s.scalars(
                    select(Milestone)
                    .where(Milestone.programme_id == p.id)
                    .order_by(Milestone.due_on, Milestone.id)
                )
            )
            indicator_rows = s.execute(
                select(Indicator.id, Indicator.name, Indicator.unit)
                .where(Indicator.programme_id == p.id)
                .order_by(Indicator.id)
            ).all()
            values: dict[int, list] = defaultdict(list)
            for indicator_id, period, kind, value in s.execute(
                select(
                    IndicatorValue.indicator_id,
                    IndicatorValue.period,
                    IndicatorValue.kind,
                    IndicatorValue.value,
                )  # fmt: skip
                .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
                .where(Indicator.programme_id == p.id)
            ):
                values[indicator_id].append((period, kind, value))
            indicators = tuple(
                SheetIndicator(
                    name,
                    unit,
                    tuple(sorted(values[i], key=lambda v: (period_key(v[0]), v[1]))),
                    indicator_progress(values[i]),
                )  # fmt: skip
                for i, name, unit in indicator_rows
            )
            subtree = _subtree(p.id)
            funding: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for funder, stage, cents in s.execute(
                select(Funder.name, FundingLine.stage, func.sum(FundingLine.amount_cents))
                .join(Funder, FundingLine.funder_id == Funder.id)
                .where(FundingLine.programme_id.in_(select(subtree.c.id)))
                .group_by(Funder.name, FundingLine.stage)
            ):
                funding[funder][stage] += int(cents)
        context = ProgrammeEditService(self._sessions).funding_context(p.id)
        own = self._own_sums(p.id)
        totals = []
        for t in context.declared:
            computed = t.others_cents + sum(
                cents
                for (funder, stage, period), cents in own.items()
                if (t.funder_code is None or funder == t.funder_code)
                and (t.stage is None or stage == t.stage)
                and (t.period is None or period == t.period)
            )
            scope = ", ".join(
                x
                for x in (
                    context.funder_names.get(t.funder_code, t.funder_code) if t.funder_code else "",
                    {"planned": "prévu", "committed": "engagé", "paid": "versé"}.get(t.stage, ""),
                    t.period or "",
                )
                if x
            )
            totals.append(SheetTotal(t.label, scope, t.declared_cents, computed, t.source))
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
            partners=partners,
            departments=departments,
            axes=axes,
            establishments=establishments,
            children=children,
            milestones=milestones,
            indicators=indicators,
            funding=tuple(
                SheetFunding(f, st.get("planned", 0), st.get("committed", 0), st.get("paid", 0))
                for f, st in sorted(funding.items(), key=lambda kv: -sum(kv[1].values()))
            ),
            totals=tuple(totals),
        )

    def _own_sums(self, programme_id: int) -> dict[tuple[str, str, str | None], int]:
        with self._sessions() as s:
            return {
                (code, stage, period): int(cents)
                for code, stage, period, cents in s.execute(
                    select(
                        Funder.code,
                        FundingLine.stage,
                        FundingLine.period,
                        func.sum(FundingLine.amount_cents),
                    )  # fmt: skip
                    .join(Funder, FundingLine.funder_id == Funder.id)
                    .where(FundingLine.programme_id == programme_id)
                    .group_by(Funder.code, FundingLine.stage, FundingLine.period)
                )
            }
