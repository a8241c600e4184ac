"""Budget use cases: funding aggregated by programme and funder, at each stage."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import sessionmaker

from desktop.models import Funder, FundingLine, Programme


@dataclass(frozen=True)
class FundingRow:
    programme_code: str
    programme_name: str
    funder_code: str
    funder_name: str
    planned_cents: int
    committed_cents: int
    paid_cents: int


class BudgetService:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def funding_by_programme_and_funder(self) -> list[FundingRow]:
        """Sums per programme × funder and stage, computed by the database."""

        def stage_sum(stage: str):
            return func.coalesce(
                func.sum(case((FundingLine.stage == stage, FundingLine.amount_cents), else_=0)), 0
            )

        with self._sessions() as session:
            rows = session.execute(
                select(
                    Programme.code,
                    Programme.name,
                    Funder.code,
                    Funder.name,
                    stage_sum("planned"),
                    stage_sum("committed"),
                    stage_sum("paid"),
                )  # fmt: skip
                .join(Programme, FundingLine.programme_id == Programme.id)
                .join(Funder, FundingLine.funder_id == Funder.id)
                .group_by(Programme.code, Programme.name, Funder.code, Funder.name)
                .order_by(Programme.code, Funder.code)
            ).all()
        return [FundingRow(*r[:4], int(r[4]), int(r[5]), int(r[6])) for r in rows]
