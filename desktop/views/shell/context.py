"""The services a window's widgets use, built once by desktop/app.py and handed to each tab."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.services.budgets.service import BudgetService
from desktop.services.common.history import HistoryService
from desktop.services.directory.service import DirectoryService
from desktop.services.programmes.service import ProgrammeService
from desktop.services.safety.checks import ChecksService


@dataclass(frozen=True)
class Services:
    directory: DirectoryService
    programmes: ProgrammeService
    budgets: BudgetService
    checks: ChecksService
    history: HistoryService
