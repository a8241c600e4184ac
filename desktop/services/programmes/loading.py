"""A programme read back as the editor's draft: its identity, links, milestones, indicators with
their values per period, funding lines and declared totals, each with the version the save
checks."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

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
    Programme,
    programme_axis,
    programme_department,
    programme_establishment,
    programme_partner,
)
from desktop.services.programmes.drafts import (
    DeclaredTotalDraft,
    FundingDraft,
    IndicatorDraft,
    MilestoneDraft,
    PeriodDraft,
    ProgrammeConflictError,
    ProgrammeDraft,
    date_text,
    money_text,
    number_text,
)

# (table linking programmes to a reference, its column, the reference's key, its sort order)
_LINKS = {
    "axis_numbers": (programme_axis, "axis_id", Axis, Axis.number, Axis.number),
    "department_codes": (
        programme_department, "department_id", Department, Department.code, Department.code
    ),
    "partner_codes": (
        programme_partner, "organisation_id", Organisation, Organisation.code, Organisation.name
    ),
    "establishment_uais": (
        programme_establishment, "establishment_id", Establishment, Establishment.uai,
        Establishment.uai,
    ),
}  # fmt: skip


def load_draft(s: Session, programme_id: int) -> ProgrammeDraft:
    """The programme as the editor shows it, with the versions the save will check."""
    p = s.get(Programme, programme_id)
    if p is None:
        raise ProgrammeConflictError("Ce programme n'existe plus (supprimé entre-temps).")
    parent_code = (
        s.scalar(select(Programme.code).where(Programme.id == p.parent_id)) if p.parent_id else ""
    )
    return ProgrammeDraft(
        id=p.id,
        version=p.version,
        code=p.code,
        name=p.name,
        family=p.family,
        kind=p.kind,
        status=p.status,
        parent_code=parent_code or "",
        lead_unit_id=p.lead_unit_id,
        start_on=date_text(p.start_on),
        end_on=date_text(p.end_on),
        description=p.description or "",
        beneficiary=p.beneficiary or "",
        **{name: _linked_keys(s, p.id, *link) for name, link in _LINKS.items()},
        milestones=_milestones(s, p.id),
        indicators=_indicators(s, p.id),
        funding=_funding(s, p.id),
        declared=_declared(s, p.id),
    )


def _linked_keys(s: Session, pid: int, table, column: str, model, key, order) -> tuple:
    return tuple(
        s.scalars(
            select(key)
            .join(table, table.c[column] == model.id)
            .where(table.c.programme_id == pid)
            .order_by(order)
        ).all()
    )


def _milestones(s: Session, pid: int) -> tuple[MilestoneDraft, ...]:
    rows = s.scalars(
        select(Milestone)
        .where(Milestone.programme_id == pid)
        .order_by(Milestone.due_on, Milestone.id)
    ).all()
    return tuple(
        MilestoneDraft(
            m.title, date_text(m.due_on), m.precision, bool(m.done), m.note or "", m.id, m.version
        )  # fmt: skip
        for m in rows
    )


def _indicators(s: Session, pid: int) -> tuple[IndicatorDraft, ...]:
    indicators = s.scalars(
        select(Indicator).where(Indicator.programme_id == pid).order_by(Indicator.id)
    ).all()
    values = s.scalars(
        select(IndicatorValue)
        .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
        .where(Indicator.programme_id == pid)
        .order_by(IndicatorValue.period)
    ).all()
    by_indicator: dict[int, dict[str, dict[str, IndicatorValue]]] = defaultdict(dict)
    for value in values:
        by_indicator[value.indicator_id].setdefault(value.period, {})[value.kind] = value
    return tuple(
        IndicatorDraft(
            i.code,
            i.name,
            i.unit or "",
            tuple(_period(period, kinds) for period, kinds in sorted(by_indicator[i.id].items())),
            i.id,
            i.version,
        )
        for i in indicators
    )


def _period(period: str, kinds: dict) -> PeriodDraft:
    return PeriodDraft(
        period,
        number_text(kinds["baseline"].value) if "baseline" in kinds else "",
        number_text(kinds["target"].value) if "target" in kinds else "",
        number_text(kinds["actual"].value) if "actual" in kinds else "",
        tuple((kind, v.id, v.version) for kind, v in sorted(kinds.items())),
    )


def _funding(s: Session, pid: int) -> tuple[FundingDraft, ...]:
    lines = s.execute(
        select(FundingLine, Funder.code)
        .join(Funder, FundingLine.funder_id == Funder.id)
        .where(FundingLine.programme_id == pid)
        .order_by(Funder.name, FundingLine.period, FundingLine.stage, FundingLine.id)
    ).all()
    return tuple(
        FundingDraft(
            code, money_text(f.amount_cents), f.stage, f.period or "", f.note or "", f.id, f.version
        )  # fmt: skip
        for f, code in lines
    )


def _declared(s: Session, pid: int) -> tuple[DeclaredTotalDraft, ...]:
    totals = s.execute(
        select(DeclaredTotal, Funder.code)
        .outerjoin(Funder, DeclaredTotal.funder_id == Funder.id)
        .where(DeclaredTotal.programme_id == pid)
        .order_by(DeclaredTotal.label, DeclaredTotal.id)
    ).all()
    return tuple(
        DeclaredTotalDraft(
            t.label,
            money_text(t.amount_cents),
            t.source,
            code or "",
            t.stage or "",
            t.period or "",
            t.id,
            t.version,
        )  # fmt: skip
        for t, code in totals
    )
