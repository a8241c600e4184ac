"""Benchmark measures of printing: the synthesis's print preview (first page, every page) and the
size of a print to file from it beside « Enregistrer en PDF », on the embedded dataset and at
scale."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.run import Result, embedded_database


def _app():
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def _preview_times(db: Path, runs: int) -> tuple[list[float], list[float], int]:
    """From Ctrl+P (the document read from the database) to the first page painted, and to
    the last; matplotlib already imported, as it is once the Budgets tab has drawn."""
    import matplotlib.figure  # noqa: F401  (imported by the tab before anyone prints)

    from desktop.db import open_database
    from desktop.reports.budgets.synthesis import build
    from desktop.views.shell.printing import PrintPreview

    app = _app()
    database = open_database(str(db))
    first, whole, pages = [], [], 0
    try:
        for _ in range(runs):
            started = time.perf_counter()
            preview = PrintPreview(build(database))
            dialog = preview.dialog
            dialog.show()
            while not dialog.images:
                app.processEvents()
            first.append(time.perf_counter() - started)
            pages = len(dialog.pages)
            while len(dialog.images) < pages:
                app.processEvents()
            whole.append(time.perf_counter() - started)
            dialog.close()
            dialog.deleteLater()
            app.processEvents()
    finally:
        database.dispose()
    return first, whole, pages


def _sizes(db: Path) -> tuple[int, int, int]:
    """Bytes of « Enregistrer en PDF » and of « Imprimer » to a PDF file from the preview."""
    from PySide6.QtPrintSupport import QPrinter

    from desktop.db import open_database
    from desktop.reports.budgets.synthesis import build
    from desktop.reports.document import write_pdf
    from desktop.views.shell.printing import PrintPreview

    _app()
    database = open_database(str(db))
    try:
        document = build(database)
        with tempfile.TemporaryDirectory() as folder:
            exported, printed = Path(folder) / "export.pdf", Path(folder) / "printed.pdf"
            pages = write_pdf(document, exported)
            preview = PrintPreview(document)
            preview.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            preview.printer.setOutputFileName(str(printed))
            preview.dialog.print_to(preview.printer)
            return exported.stat().st_size, printed.stat().st_size, pages
    finally:
        database.dispose()


def _first_page(db: Path, runs: int, scale: str) -> Result:
    first, _whole, pages = _preview_times(db, max(1, runs))
    return Result(
        f"Aperçu de la synthèse : première page visible ({scale})", "s", first,
        target="≤ 1 s", met=statistics.median(first) <= 1.0,
        note=f"{pages} pages ; depuis Ctrl+P, lecture de la base comprise",
    )  # fmt: skip


def _whole(db: Path, runs: int, scale: str) -> Result:
    _first, whole, pages = _preview_times(db, max(1, runs))
    return Result(
        f"Aperçu de la synthèse : toutes les pages ({scale})", "s", whole,
        target="≤ 3 s", met=statistics.median(whole) <= 3.0, note=f"{pages} pages",
    )  # fmt: skip


def _size(db: Path, scale: str) -> Result:
    exported, printed, pages = _sizes(db)
    ratio = printed / exported
    return Result(
        f"Impression vers un fichier depuis l'aperçu ({scale})", "Ko", [printed / 1024],
        target="≤ 1,5 × « Enregistrer en PDF »", met=ratio <= 1.5,
        baseline_name="« Enregistrer en PDF »", baseline_samples=[exported / 1024],
        note=f"{pages} pages, imprimante à 1 200 ppp",
    )  # fmt: skip


def print_preview_first_page_embedded(db: Path, runs: int) -> Result:
    return _first_page(embedded_database(), runs, "jeu de données 2023")


def print_preview_first_page(db: Path, runs: int) -> Result:
    return _first_page(db, runs, "à l'échelle")


def print_preview_whole_embedded(db: Path, runs: int) -> Result:
    return _whole(embedded_database(), runs, "jeu de données 2023")


def print_preview_whole(db: Path, runs: int) -> Result:
    return _whole(db, runs, "à l'échelle")


def print_file_size_embedded(db: Path, runs: int) -> Result:
    return _size(embedded_database(), "jeu de données 2023")


def print_file_size(db: Path, runs: int) -> Result:
    return _size(db, "à l'échelle")


MEASURES = [
    print_preview_first_page_embedded, print_preview_whole_embedded, print_file_size_embedded,
    print_preview_first_page, print_preview_whole, print_file_size,
]  # fmt: skip
