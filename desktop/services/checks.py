"""Health of a database: SQLite integrity, and declared totals that differ from their lines."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, sessionmaker

from desktop.db import integrity_problems
from desktop.models import DeclaredTotal, Funder, FundingLine, Programme


@dataclass(frozen=True)
class TotalCheckRow:
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


class ChecksService:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def integrity(self) -> list[str]:
        """SQLite's integrity and foreign key problems; empty when the file is sound."""
        return integrity_problems(self._sessions.kw["bind"])

    def declared_totals(self, *, only_differences: bool = False) -> list[TotalCheckRow]:
        """Every declared total beside the sum of its programme subtree's matching lines."""
        rows = []
        with self._sessions() as session:
            totals = session.execute(
                select(DeclaredTotal, Programme.code, Programme.name, Funder.code)
                .join(Programme, DeclaredTotal.programme_id == Programme.id)
                .outerjoin(Funder, DeclaredTotal.funder_id == Funder.id)
                .order_by(Programme.code, DeclaredTotal.label)
            ).all()
            for total, code, name, funder_code in totals:
                subtree = select(Programme.id).where(Programme.id == total.programme_id)
                subtree = subtree.cte("subtree", recursive=True)
                child = aliased(Programme)
                subtree = subtree.union_all(select(child.id).where(child.parent_id == subtree.c.id))
                query = select(func.coalesce(func.sum(FundingLine.amount_cents), 0)).where(
                    FundingLine.programme_id.in_(select(subtree.c.id))
                )
                if total.funder_id is not None:
                    query = query.where(FundingLine.funder_id == total.funder_id)
                if total.stage is not None:
                    query = query.where(FundingLine.stage == total.stage)
                if total.period is not None:
                    query = query.where(FundingLine.period == total.period)
                computed = int(session.scalar(query))
                row = TotalCheckRow(
                    code, name, total.label, funder_code, total.stage, total.period,
                    total.amount_cents, computed, total.source,
                )  # fmt: skip
                if row.difference_cents or not only_differences:
                    rows.append(row)
        return rows
