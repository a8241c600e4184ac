"""Fixtures shared by the view tests: the directory tab on the embedded 2023 dataset."""

from __future__ import annotations

import pytest

from desktop.services.budgets.service import BudgetService
from desktop.services.common.history import HistoryService, install_history
from desktop.services.directory.service import DirectoryService
from desktop.services.programmes.service import ProgrammeService
from desktop.services.safety.checks import ChecksService
from desktop.services.safety.conflicts import ConflictService
from desktop.services.safety.history import HistoryQueryService
from desktop.services.safety.rgpd import RgpdService
from desktop.services.transfer.service import TransferService
from desktop.views.directory.tab import DirectoryTab
from desktop.views.shell.context import Services


@pytest.fixture
def directory_services(filled_database) -> Services:
    factory = filled_database.session_factory
    install_history(factory)
    return Services(
        directory=DirectoryService(factory),
        programmes=ProgrammeService(factory),
        budgets=BudgetService(factory),
        checks=ChecksService(factory),
        history=HistoryService(factory),
        transfer=TransferService(factory),
        conflicts=ConflictService(factory),
        history_queries=HistoryQueryService(factory),
        rgpd=RgpdService(factory),
    )


@pytest.fixture
def directory_tab(qtbot, directory_services) -> DirectoryTab:
    widget = DirectoryTab(directory_services.directory, directory_services.conflicts)
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    widget.load()
    return widget
