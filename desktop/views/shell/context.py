"""The services of an open database, built once by desktop/app.py, handed to each tab and menu."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.services.budgets.service import BudgetService
from desktop.services.common.history import HistoryService
from desktop.services.directory.service import DirectoryService
from desktop.services.programmes.service import ProgrammeService
from desktop.services.safety.checks import ChecksService
from desktop.services.safety.conflicts import ConflictService
from desktop.services.safety.history import HistoryQueryService
from desktop.services.safety.rgpd import RgpdService
from desktop.services.transfer.service import TransferService


@dataclass(frozen=True)
class Services:
    """One per domain (the three tabs), then those shared by the menus and the edit dialogs."""

    directory: DirectoryService
    programmes: ProgrammeService
    budgets: BudgetService
    checks: ChecksService  # Fichier → Vérifier la base
    history: HistoryService  # Ctrl+Z / Ctrl+Y
    transfer: TransferService  # Fichier → Importer…
    conflicts: ConflictService  # a save refused for a newer version: who changed what
    history_queries: HistoryQueryService  # Édition → Historique…
    rgpd: RgpdService  # Données personnelles…
