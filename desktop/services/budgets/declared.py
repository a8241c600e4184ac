"""Declared totals beside the sum of their lines: the one comparison rule (docs/dataset.md), in
Python for the editor and the programme sheets, and as one query for the Budgets tab's « déclaré ≠
calculé » panel, `python main.py check`, the synthesis and the copy frozen with a situation; a
property test holds the two to the same figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, sessionmaker

from desktop.models import DeclaredTotal, Funder, FundingLine, Programme
from desktop.services.budgets.filters import BudgetFilter, lineage_cte, programme_conditions


@dataclass(frozen=True)
class TotalCheckRow:
    """A declared total beside the sum of the lines it covers."""

    programme_code: str
    programme_name: str
    label: str
    funder_code: str | None
    stage: str | None
    period: str | None
    declared_cents: int
    computed_cents: int
    source: str

    @property
    def difference_cents(self) -> int:
        return self.declared_cents - self.computed_cents


# (programme, funder code, stage, period or None, cents): one grouped sum of funding lines. The
# programme is any key that tells programmes apart (an id, or None for the lines being edited).
LineSum = tuple[Hashable, str, str, str | None, int]


def covered_cents(
    lines: Iterable[LineSum],
    *,
    funder: str | None = None,
    stage: str | None = None,
    period: str | None = None,
) -> int:
    """The computed side of a declared total: the lines it covers — its funder, stage and period
    when it states them — and, for a total that names no stage, the largest stage amount of each
    programme × funder × period, never their sum (stages are nested views of the same money:
    versé ⊂ engagé ⊂ prévu, docs/dataset.md)."""
    groups: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for programme, code, line_stage, line_period, cents in lines:
        if (
            (funder is None or code == funder)
            and (period is None or line_period == period)
            and (stage is None or line_stage == stage)
        ):
            groups[programme, code, line_period][line_stage] += cents
    return sum(max(by_stage.values()) for by_stage in groups.values())


def declared_query():
    """(programme code, programme name, label, funder code, funder kind, stage, period,
    declared cents, computed cents, source) of every declared total.

    The computed sum covers the total's programme subtree, restricted to the total's funder,
    stage and period when it states them (docs/dataset.md). Stages are nested views of the same
    money (versé ⊂ engagé ⊂ prévu), so a total that names no stage is compared, per programme ×
    funder × period, with the largest stage amount — the prévu when it is known, else what the
    source gave — never their sum: `covered_cents` in SQL.
    """
    lineage = lineage_cte("declared_lineage")
    line = aliased(FundingLine)
    by_stage = (
        select(
            DeclaredTotal.id.label("total_id"),
            line.programme_id,
            line.funder_id,
            line.period,
            line.stage,
            func.sum(line.amount_cents).label("amount"),
        )  # fmt: skip
        .select_from(DeclaredTotal)
        .join(lineage, lineage.c.ancestor_id == DeclaredTotal.programme_id)
        .join(
            line,
            and_(
                line.programme_id == lineage.c.programme_id,
                or_(DeclaredTotal.funder_id.is_(None), line.funder_id == DeclaredTotal.funder_id),
                or_(DeclaredTotal.stage.is_(None), line.stage == DeclaredTotal.stage),
                or_(DeclaredTotal.period.is_(None), line.period == DeclaredTotal.period),
            ),
        )
        .group_by(DeclaredTotal.id, line.programme_id, line.funder_id, line.period, line.stage)
        .subquery("by_stage")
    )
    by_group = (
        select(by_stage.c.total_id, func.max(by_stage.c.amount).label("amount"))
        .group_by(
            by_stage.c.total_id, by_stage.c.programme_id, by_stage.c.funder_id, by_stage.c.period
        )
        .subquery("by_group")
    )
    summed = (
        select(by_group.c.total_id, func.sum(by_group.c.amount).label("amount"))
        .group_by(by_group.c.total_id)
        .subquery("summed")
    )
    computed = (
        select(
            DeclaredTotal.id.label("total_id"),
            func.coalesce(summed.c.amount, 0).label("computed"),
        )
        .outerjoin(summed, summed.c.total_id == DeclaredTotal.id)
        .subquery("computed")
    )
    return (
        select(
            Programme.code,
            Programme.name,
            DeclaredTotal.label,
            Funder.code,
            Funder.kind,
            DeclaredTotal.stage,
            DeclaredTotal.period,
            DeclaredTotal.amount_cents,
            computed.c.computed,
            DeclaredTotal.source,
        )  # fmt: skip
        .join(computed, computed.c.total_id == DeclaredTotal.id)
        .join(Programme, Programme.id == DeclaredTotal.programme_id)
        .outerjoin(Funder, Funder.id == DeclaredTotal.funder_id)
    )


def declared_totals(
    session_factory: sessionmaker,
    flt: BudgetFilter,
    only_differences: bool = True,
    lines: Callable = lambda query: query,
) -> list[TotalCheckRow]:
    """Declared totals beside the sum of their programme subtree's lines, in one query.

    The lines are restricted to the total's funder, stage and period when it states them
    (docs/dataset.md); `python main.py check`, the Budgets tab and the situations all use this.
    The filter's programmes and funders apply; years and stage do not (a total states its own
    scope). `lines` makes the query read other lines than today's (filters.lines_source).
    """
    query = declared_query().order_by(Programme.code, DeclaredTotal.label)
    query = in_scope(query, flt, DeclaredTotal.programme_id, Programme.id, Funder.code, Funder.kind)
    if only_differences:
        query = query.where(DeclaredTotal.amount_cents != query.selected_columns.computed)
    with session_factory() as session:
        rows = session.execute(lines(query)).all()
    return [
        TotalCheckRow(code, name, label, funder, stage, period, int(declared), int(sums), src)
        for code, name, label, funder, _kind, stage, period, declared, sums, src in rows
    ]


def in_scope(query, flt: BudgetFilter, programme, programme_key, funder_code, funder_kind):
    """A query of declared totals (today's or frozen) restricted to the filter's programmes and
    funders; its years and stage do not apply, a total states its own scope. `programme` is the
    total's programme column, matched to `programme_key` (id or code) of the filtered ones."""
    scope = programme_conditions(flt)
    if scope:
        query = query.where(programme.in_(select(programme_key).where(*scope)))
    if flt.funders:
        query = query.where(funder_code.in_(flt.funders))
    if flt.funder_kind:
        query = query.where(funder_kind == flt.funder_kind)
    return query
