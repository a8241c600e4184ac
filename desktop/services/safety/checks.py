"""Health of a database: SQLite integrity, and declared totals that differ from their lines."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from desktop.db import integrity_problems
from desktop.services.budgets.declared import TotalCheckRow
from desktop.services.budgets.service import BudgetService


class ChecksService:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def integrity(self) -> list[str]:
        """SQLite's integrity and foreign key problems; empty when the file is sound."""
        return integrity_problems(self._sessions.kw["bind"])

    def declared_totals(self, *, only_differences: bool = False) -> list[TotalCheckRow]:
        """Every declared total beside the sum of its programme subtree's matching lines."""
        return BudgetService(self._sessions).discrepancies(only_differences=only_differences)
