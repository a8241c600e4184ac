"""Benchmark measures of the tabs (each measure its own function; MEASURES lists them all)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from bench.run import Result

# --- Annuaire des services -----------------------------------------------------------------------

# Realistic queries typed letter by letter: surnames, a first name + surname, titles, an acronym.
DIRECTORY_QUERIES = (
    "martin", "dubois", "lefebvre", "garcia", "bejean", "dupont jean", "responsable",
    "adjoint dsi", "drajes",
)  # fmt: skip


def _directory_tab(db: Path):
    from PySide6.QtWidgets import QApplication

    from desktop.db import open_database
    from desktop.services.directory.service import DirectoryService
    from desktop.services.safety.conflicts import ConflictService

    app = QApplication.instance() or QApplication([])
    database = open_database(str(db))
    factory = database.session_factory
    return app, database, (DirectoryService(factory), ConflictService(factory))


def directory_keystroke(db: Path, runs: int) -> Result:
    """Each keystroke as the tab handles it: capped count, first page of 200, matching units."""
    from desktop.views.directory.tab import DirectoryTab

    app, database, services = _directory_tab(db)
    try:
        tab = DirectoryTab(*services)
        tab.resize(1300, 800)
        tab.show()
        tab.load()
        app.processEvents()
        samples: list[float] = []
        for _ in range(max(1, runs // 3)):
            for query in DIRECTORY_QUERIES:
                tab.search_edit.clear()
                for length in range(1, len(query) + 1):
                    started = time.perf_counter()
                    tab.search_edit.setText(query[:length])  # textChanged runs the search
                    app.processEvents()
                    samples.append(time.perf_counter() - started)
        tab.close()
    finally:
        database.dispose()
    return Result(
        "Recherche dans l'annuaire (par frappe)", "s", samples,
        target="≤ 50 ms (médiane)", met=statistics.median(samples) <= 0.05,
        note=f"{len(DIRECTORY_QUERIES)} saisies lettre à lettre ; max {max(samples) * 1000:.0f} ms",
    )  # fmt: skip


def directory_tab_open(db: Path, runs: int) -> Result:
    """Building the tab and loading it: sites, the whole unit tree, the first page of people."""
    from desktop.views.directory.tab import DirectoryTab

    app, database, services = _directory_tab(db)
    samples: list[float] = []
    try:
        for _ in range(runs):
            started = time.perf_counter()
            tab = DirectoryTab(*services)
            tab.resize(1300, 800)
            tab.show()
            tab.load()
            app.processEvents()
            samples.append(time.perf_counter() - started)
            tab.close()
            tab.deleteLater()
            app.processEvents()
    finally:
        database.dispose()
    return Result(
        "Ouverture de l'onglet Annuaire", "s", samples,
        target="< 0,5 s", met=statistics.median(samples) < 0.5,
    )  # fmt: skip


def directory_tree_expand(db: Path, runs: int) -> Result:
    """Unfolding a unit of the tree, and showing its card and people as a click does."""
    from desktop.views.directory.tab import DirectoryTab

    app, database, services = _directory_tab(db)
    samples: list[float] = []
    try:
        tab = DirectoryTab(*services)
        tab.resize(1300, 800)
        tab.show()
        tab.load()
        app.processEvents()
        model = tab.tree_model
        nodes = []
        for row in range(model.rowCount()):
            top = model.index(row, 0)
            nodes += [model.index(r, 0, top) for r in range(min(model.rowCount(top), 20))]
        nodes = [n for n in nodes if model.rowCount(n)][: max(5, runs * 3)]
        for index in nodes:
            started = time.perf_counter()
            tab.tree.expand(index)
            tab.tree.setCurrentIndex(index)
            app.processEvents()
            samples.append(time.perf_counter() - started)
        tab.close()
    finally:
        database.dispose()
    return Result(
        "Dépliage d'un nœud de l'arbre", "s", samples,
        target="≤ 100 ms", met=bool(samples) and statistics.median(samples) <= 0.1,
        note=f"{len(samples)} nœuds dépliés et sélectionnés (fiche et liste comprises)",
    )  # fmt: skip


def directory_sort(db: Path, runs: int) -> Result:
    """A page of 200 people as a click on a column header asks for it: every sortable column,
    both directions, the first page and one 2 000 lines down (index walks, see migration 0005)."""
    from desktop.services.directory.service import SORT_KEYS, SearchFilter

    _app, database, services = _directory_tab(db)
    directory = services[0]  # (DirectoryService, ConflictService)
    samples: list[float] = []
    slowest = ("", 0.0)
    try:
        for _ in range(max(1, runs // 3)):
            for sort in SORT_KEYS:
                for descending in (False, True):
                    for offset in (0, 2000):
                        started = time.perf_counter()
                        directory.entries(
                            SearchFilter(), sort=sort, descending=descending, offset=offset
                        )
                        elapsed = time.perf_counter() - started
                        samples.append(elapsed)
                        if elapsed > slowest[1]:
                            slowest = (f"{sort}{' desc' if descending else ''} @{offset}", elapsed)
    finally:
        database.dispose()
    return Result(
        "Tri de la liste de l'annuaire (page de 200)", "s", samples,
        target="≤ 50 ms (médiane)", met=statistics.median(samples) <= 0.05,
        note=f"{len(SORT_KEYS)} colonnes × 2 sens × 2 pages ; max {slowest[1] * 1000:.0f} ms "
        f"({slowest[0]})",
    )  # fmt: skip


MEASURES = [directory_keystroke, directory_tab_open, directory_tree_expand, directory_sort]
