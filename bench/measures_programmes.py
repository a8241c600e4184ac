"""Benchmark measures of the programmes tab: list filter, editor opening, 100 sheets to PDF."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.run import Result, timed


def _service(db: Path):
    from desktop.db import open_database
    from desktop.services.programmes.service import ProgrammeService

    database = open_database(str(db))
    return database, ProgrammeService(database.session_factory)


def programme_filter(db: Path, runs: int) -> Result:
    """Each filter change as the tab does it: the first page of matches (and its count)."""
    from desktop.services.programmes.tree import ProgrammeFilter

    database, service = _service(db)
    try:
        options = service.filter_options()
        filters = [ProgrammeFilter(family=c.key) for c in options.families[:4]]
        filters += [ProgrammeFilter(text=t) for t in ("c", "ca", "cam", "camp", "campus")]
        filters += [ProgrammeFilter(axis_number=3, department_code="34")]
        filters += [ProgrammeFilter(status="en_cours", period="2023")]
        samples: list[float] = []
        for _ in range(max(1, runs // 2)):
            for flt in filters:
                started = time.perf_counter()
                rows = service.search(flt)
                if len(rows) >= 200:
                    service.count(flt)
                samples.append(time.perf_counter() - started)
    finally:
        database.dispose()
    return Result(
        "Filtre de la liste des programmes (par changement)", "s", samples,
        target="≤ 100 ms", met=statistics.median(samples) <= 0.1,
        note=f"{len(filters)} filtres : familles, frappe « campus », axe + département, période",
    )  # fmt: skip


def editor_open(db: Path, runs: int) -> Result:
    """Double-click to a shown editor: load the draft, build the dialog, show it."""
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    from desktop.models import Programme
    from desktop.services.safety.conflicts import ConflictService
    from desktop.views.programmes.editor_dialog import ProgrammeEditorDialog

    app = QApplication.instance() or QApplication([])
    database, service = _service(db)
    try:
        with database.session_factory() as session:
            ids = session.scalars(select(Programme.id).order_by(Programme.id).limit(2000)).all()
        picks = ids[:: max(1, len(ids) // (runs * 2))][: runs * 2]
        first_choices = timed(service.editor.choices, 1)[0]
        choices = service.editor.choices()
        conflicts = ConflictService(database.session_factory)

        def open_one(programme_id: int) -> float:
            started = time.perf_counter()
            draft = service.editor.load(programme_id)
            dialog = ProgrammeEditorDialog(service, conflicts, draft, choices)
            dialog.show()
            app.processEvents()
            elapsed = time.perf_counter() - started
            dialog.close()
            dialog.deleteLater()
            return elapsed

        samples = [open_one(p) for p in picks]
    finally:
        database.dispose()
    return Result(
        "Ouverture de l'éditeur de programme", "s", samples, target="< 150 ms",
        met=statistics.median(samples) < 0.15,
        note=f"listes de choix chargées une fois par session : {first_choices * 1000:.0f} ms",
    )  # fmt: skip


def sheets_pdf(db: Path, runs: int) -> Result:
    """100 programme sheets from the database to one PDF file."""
    from PySide6.QtWidgets import QApplication

    from desktop.reports.document import write_pdf
    from desktop.reports.programmes.sheets import sheets_document
    from desktop.services.programmes.tree import ProgrammeFilter

    QApplication.instance() or QApplication([])
    database, service = _service(db)
    pages = 0
    try:
        codes = [row.code for row in service.search(ProgrammeFilter(family="cper"), limit=100)]

        def once() -> None:
            nonlocal pages
            document = sheets_document(service.sheets.sheets(codes))
            with tempfile.TemporaryDirectory() as folder:
                pages = write_pdf(document, Path(folder) / "fiches.pdf")

        samples = timed(once, max(1, runs // 3))
    finally:
        database.dispose()
    return Result(
        f"{len(codes)} fiches programme en PDF", "s", samples, target="< 20 s",
        met=statistics.median(samples) < 20, note=f"{pages} pages",
    )  # fmt: skip


MEASURES = [programme_filter, editor_open, sheets_pdf]
