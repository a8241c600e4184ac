"""Fixtures shared by the view tests: the directory tab on the embedded 2023 dataset."""

from __future__ import annotations

import pytest

from desktop.app import build_services
from desktop.views.directory.tab import DirectoryTab
from desktop.views.shell.context import Services


@pytest.fixture
def directory_services(filled_database) -> Services:
    """The services of the 2023 dataset, wired by the application's own builder."""
    return build_services(filled_database)


@pytest.fixture
def directory_tab(qtbot, directory_services) -> DirectoryTab:
    widget = DirectoryTab(directory_services.directory, directory_services.conflicts)
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    widget.load()
    return widget
