"""Print preview, printing and PDF export of a report Document, shared by every tab."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from desktop.reports.document import Document, page_layout, render, write_pdf


class PrintPreview:
    """QPrintPreviewDialog around one Document; tests replace `run` to avoid a modal dialog."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        self.document = document
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.printer.setPageLayout(page_layout(document.landscape))
        self.printer.setDocName(document.title)
        self.dialog = QPrintPreviewDialog(self.printer, parent)
        self.dialog.setWindowTitle(f"Aperçu avant impression — {document.title}")
        self.dialog.paintRequested.connect(self._on_paint_requested)
        self.dialog.resize(900, 1000)

    def _on_paint_requested(self, printer: QPrinter) -> None:
        render(self.document, printer)

    def run(self) -> int:
        return self.dialog.exec()


def ask_pdf_path(parent: QWidget, suggested: str) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(
        parent, "Enregistrer en PDF", suggested, "Documents PDF (*.pdf)"
    )
    if not path:
        return None
    return Path(path if path.lower().endswith(".pdf") else f"{path}.pdf")


def save_pdf(document: Document, parent: QWidget, suggested: str) -> Path | None:
    """Ask where, write the PDF, tell the user; returns the path or None if cancelled."""
    path = ask_pdf_path(parent, suggested)
    if path is None:
        return None
    try:
        pages = write_pdf(document, path)
    except OSError as exc:
        QMessageBox.warning(parent, "Pilotis", f"Le PDF n'a pas pu être écrit : {exc}")
        return None
    window = parent.window()
    if hasattr(window, "statusBar"):
        window.statusBar().showMessage(f"PDF enregistré ({pages} page(s)) : {path}", 8000)
    return path
