"""Health of a database: SQLite integrity, and declared totals that differ from their lines."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import sessionmaker

from desktop.db import integrity_problems


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
        from desktop.services.budgets.service import BudgetService

        return BudgetService(self._sessions).discrepancies(only_differences=only_differences)
