"""Benchmark measures of the budgets tab: re-aggregation and redraw after a filter change, and
the printed synthesis."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.run import Result, timed

# The charts on screen when the « Graphiques » page opens: the first two of budget_charts.CHARTS.
VISIBLE_CHARTS = 2


def _service(db: Path):
    from desktop.db import open_database
    from desktop.services.budgets.service import BudgetService

    database = open_database(str(db))
    return database, BudgetService(database.session_factory)


def _filters(service):
    from desktop.services.budgets.filters import BudgetFilter

    options = service.options()
    programmes = [c.code for c in options.programmes[:3]]
    filters = [BudgetFilter(), BudgetFilter(year_from=2023, year_to=2023)]
    filters += [BudgetFilter(family="cper"), BudgetFilter(family="france2030", year_from=2022)]
    filters += [BudgetFilter(programme=code) for code in programmes]
    filters += [BudgetFilter(funder_kind="ue"), BudgetFilter(department="34")]
    return filters


def redraw(db: Path, runs: int) -> Result:
    """A filter change: aggregate in the database, rebuild and draw the visible charts (Agg)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from desktop.reports.budgets.charts import CHARTS

    database, service = _service(db)
    try:
        filters = _filters(service)
        samples: list[float] = []
        for _ in range(max(1, runs // 2)):
            for flt in filters:
                started = time.perf_counter()
                overview = service.overview(flt)
                for spec in CHARTS[:VISIBLE_CHARTS]:
                    figure = spec.build(overview)
                    FigureCanvasAgg(figure).draw()
                samples.append(time.perf_counter() - started)
    finally:
        database.dispose()
    return Result(
        "Budgets : réagrégation et redessin après un changement de filtre", "s", samples,
        target="≤ 300 ms", met=statistics.median(samples) <= 0.3,
        note=f"{len(filters)} filtres, dont « aucun » ; {VISIBLE_CHARTS} graphiques visibles "
        "(les autres sont dessinés quand on les fait défiler)",
    )  # fmt: skip


def aggregation(db: Path, runs: int) -> Result:
    """The database and numpy part of a filter change alone (what the worker thread does)."""
    database, service = _service(db)
    try:
        filters = _filters(service)
        service.overview(filters[0])  # warm the file cache like the redraw measure's first run
        samples: list[float] = []
        for _ in range(max(1, runs // 2)):
            for flt in filters:
                started = time.perf_counter()
                service.overview(flt)
                samples.append(time.perf_counter() - started)
    finally:
        database.dispose()
    return Result(
        "Budgets : réagrégation seule (thread de calcul)", "s", samples,
        note=f"{len(filters)} filtres ; sans dessin, ce que fait le thread de calcul",
    )  # fmt: skip


def synthesis_pdf(db: Path, runs: int) -> Result:
    """The « Synthèse budgétaire » (7 charts, tables) from the database to a PDF file."""
    from PySide6.QtWidgets import QApplication

    from desktop.reports.budgets.synthesis import synthesis
    from desktop.reports.document import write_pdf
    from desktop.services.budgets.filters import BudgetFilter

    QApplication.instance() or QApplication([])
    database, service = _service(db)
    pages = 0
    try:

        def once() -> None:
            nonlocal pages
            flt = BudgetFilter(year_from=2023, year_to=2023)
            document = synthesis(service.overview(flt), service.discrepancies(flt))
            with tempfile.TemporaryDirectory() as folder:
                pages = write_pdf(document, Path(folder) / "synthese.pdf")

        samples = timed(once, max(1, runs // 2))
    finally:
        database.dispose()
    return Result(
        "Synthèse budgétaire en PDF", "s", samples, target="< 5 s",
        met=statistics.median(samples) < 5, note=f"{pages} pages",
    )  # fmt: skip


MEASURES = [redraw, aggregation, synthesis_pdf]
