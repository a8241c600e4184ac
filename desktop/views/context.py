"""The services a window's widgets use, built once by desktop/app.py and handed to each tab."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.services.budget_service import BudgetService
from desktop.services.checks import ChecksService
from desktop.services.directory_service import DirectoryService
from desktop.services.history import HistoryService
from desktop.services.programme_service import ProgrammeService


@dataclass(frozen=True)
class Services:
    directory: DirectoryService
    programmes: ProgrammeService
    budgets: BudgetService
    checks: ChecksService
    history: HistoryService
