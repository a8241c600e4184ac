"""The start paints the window at once: its frame (title, the three tabs, a loading state) needs
only Qt, and the database, services and tabs come after (issue 16)."""

from __future__ import annotations

import subprocess
import sys

from desktop.settings import Settings
from desktop.views.shell.main_window import TAB_TITLES, WINDOW_TITLE, MainWindow
from tests.conftest import ROOT, run_cli

_FRAME_ONLY = """
import sys
from pathlib import Path
from desktop.app import create_application
from desktop.settings import Settings
from desktop.views.shell.main_window import MainWindow
app = create_application()
window = MainWindow(Settings(Path(sys.argv[1]) / "pilotis.ini"))
window.show()
app.processEvents()
heavy = sorted(m for m in ("sqlalchemy", "desktop.db", "desktop.models", "desktop.services",
                           "pandas", "matplotlib") if m in sys.modules)
print(window.tabs.count(), heavy)
"""


def test_the_frame_paints_before_the_database_layer_is_imported(tmp_path):
    """Showing the frame imports neither SQLAlchemy, the database layer, the models nor the
    services: the first paint costs Qt and little else."""
    result = subprocess.run(
        [sys.executable, "-c", _FRAME_ONLY, str(tmp_path)], capture_output=True, text=True,
        cwd=ROOT, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
                       "HOME": str(tmp_path)}, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(maxsplit=1) == ["3", "[]\n"]


def test_the_frame_shows_the_tabs_loading_then_the_data(qtbot, tmp_path, filled_database):
    """The frame has the window's title, the three tab titles, the last tab chosen and a
    loading message; attaching the database replaces the loading pages by the tabs, keeping
    the tab the user was on."""
    from desktop.app import attach_database

    settings = Settings(tmp_path / "pilotis.ini")
    settings.last_tab = 2
    window = MainWindow(settings)
    qtbot.addWidget(window)
    assert window.windowTitle() == WINDOW_TITLE
    assert [window.tabs.tabText(i) for i in range(3)] == list(TAB_TITLES)
    assert window.tabs.currentIndex() == 2
    assert window.tabs.currentWidget().text() == "Ouverture de la base…"
    assert "Ouverture" in window.statusBar().currentMessage()
    attach_database(window, filled_database)
    assert window.tabs.currentIndex() == 2
    assert window.tabs.currentWidget() is window.budgets_tab
    assert [window.tabs.widget(i) for i in range(3)] == window.tab_pages()
    assert window.directory_tab in window.tab_pages()
    assert window.load_current_tab()
    assert window.statusBar().currentMessage() == ""


def test_smoke_reports_the_first_paint_before_the_data(filled_db_path):
    """`--smoke` prints the first paint and the window with data, the first the smaller."""
    import re

    result = run_cli("--db", str(filled_db_path), "--smoke", env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    found = re.search(r"Démarrage : ([\d.]+) s \(premier affichage ([\d.]+) s", result.stdout)
    assert found is not None, result.stdout
    assert 0 < float(found.group(2)) < float(found.group(1))


def test_the_window_never_opens_larger_than_the_screen(qtbot, tmp_path):
    """The first window (no saved geometry: 1200 × 760, 1800 × 1140 at 150 %) opens inside the
    screen's available area when the screen is smaller (the offscreen screen is 800 × 600)."""
    from PySide6.QtWidgets import QApplication

    area = QApplication.primaryScreen().availableGeometry()
    assert area.width() < 1200 or area.height() < 760  # else this test would prove nothing
    window = MainWindow(Settings(tmp_path / "pilotis.ini"))
    qtbot.addWidget(window)
    assert window.width() <= area.width()
    assert window.height() <= area.height()
