"""Print preview, printing and PDF export of a report Document, shared by every tab."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.reports.document import (
    Document,
    Pages,
    page_layout,
    paginate,
    paint_page,
    render,
    write_pdf,
)

ZOOMS = (("50 %", 0.5), ("75 %", 0.75), ("100 %", 1.0), ("125 %", 1.25), ("150 %", 1.5))
SCREEN_DPI = 96


class PreviewDialog(QDialog):
    """The pages as images, painted one after the other by the same routine as the printer and
    the PDF: the first shows at once, a bar counts the others. page_ready(n) after each."""

    page_ready = Signal(int)

    def __init__(self, document: Document, printer: QPrinter, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.printer = printer
        self.setWindowTitle(f"Aperçu avant impression — {document.title}")
        self.resize(900, 1000)
        # Laid out once on the printer itself: the preview breaks pages where paper will.
        self.pages: Pages = paginate(document, printer)
        self.images: dict[int, QImage] = {}
        self._zoom = 0.75
        self._next = 1

        self.print_button = QPushButton("Imprimer…", self)
        self.print_button.setDefault(True)
        self.pdf_button = QPushButton("Enregistrer en PDF…", self)
        self.zoom = QComboBox(self)
        self.zoom.setAccessibleName("Zoom de l'aperçu")
        for label, value in ZOOMS:
            self.zoom.addItem(label, value)
        self.zoom.setCurrentIndex(1)
        close = QPushButton("Fermer", self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, len(self.pages))
        self.progress.setFormat("Préparation des pages : %v / %m")
        self.progress.setMaximumWidth(260)
        bar = QHBoxLayout()
        for widget in (self.print_button, self.pdf_button, QLabel("Zoom :", self), self.zoom):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.progress)
        bar.addWidget(close)

        self.sheet = QWidget(self)
        self.sheet.setStyleSheet("background: #8a8a8a;")
        self.column = QVBoxLayout(self.sheet)
        self.column.setSpacing(12)
        self.column.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.labels: list[QLabel] = []
        for number in range(1, len(self.pages) + 1):
            label = QLabel(self.sheet)
            label.setAccessibleName(f"Page {number} sur {len(self.pages)}")
            label.setStyleSheet("background: white;")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.labels.append(label)
            self.column.addWidget(label)
        scroll = QScrollArea(self)
        scroll.setWidget(self.sheet)
        scroll.setWidgetResizable(True)
        scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)
        self._size_placeholders()

        self.print_button.clicked.connect(self._on_print_clicked)
        self.pdf_button.clicked.connect(self._on_pdf_clicked)
        close.clicked.connect(self.reject)
        self.zoom.currentIndexChanged.connect(self._on_zoom_changed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._paint_next)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._next == 1 and not self.images:
            self._timer.start(0)  # pages are painted once the dialog is on screen

    # --- pages ---------------------------------------------------------------------------

    def _page_size(self, number: int) -> QSize:
        """The page at the zoom, in screen pixels (a landscape page turned)."""
        full = self.printer.pageLayout().fullRectPixels(self.printer.resolution())
        w, h = full.width(), full.height()
        if self.pages.landscape[number - 1] != self.document.landscape:
            w, h = h, w
        factor = self._zoom * SCREEN_DPI / self.printer.resolution()
        return QSize(round(w * factor), round(h * factor))

    def _size_placeholders(self) -> None:
        for number, label in enumerate(self.labels, start=1):
            label.setFixedSize(self._page_size(number))

    def page_image(self, number: int) -> QImage:
        """Page `number` painted at the zoom (and the screen's pixel ratio)."""
        ratio = self.devicePixelRatioF()
        size = self._page_size(number) * ratio
        image = QImage(size, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        # Fonts in points must map to the printer's pixels, in which the layout is measured.
        dots = round(self.printer.resolution() / 0.0254)
        image.setDotsPerMeterX(dots)
        image.setDotsPerMeterY(dots)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        resolution = self.printer.resolution()
        full = self.printer.pageLayout().fullRectPixels(resolution)
        paint = self.printer.pageLayout().paintRectPixels(resolution)
        scale = size.width() / (
            full.width()
            if self.pages.landscape[number - 1] == self.document.landscape
            else full.height()
        )
        painter.scale(scale, scale)
        painter.translate(paint.left() - full.left(), paint.top() - full.top())
        paint_page(painter, self.pages, number)
        painter.end()
        image.setDevicePixelRatio(ratio)
        return image

    def _paint_next(self) -> None:
        number = self._next
        if number > len(self.pages):
            return
        image = self.page_image(number)
        self.images[number] = image
        self.labels[number - 1].setPixmap(QPixmap.fromImage(image))
        self.progress.setValue(number)
        self._next += 1
        if number == len(self.pages):
            self.progress.hide()
        else:
            self._timer.start(0)  # the next page after the events queued (scroll, clicks)
        self.page_ready.emit(number)

    def _on_zoom_changed(self) -> None:
        self._zoom = float(self.zoom.currentData())
        self.images.clear()
        for label in self.labels:
            label.clear()
        self._size_placeholders()
        self._next = 1
        self.progress.setValue(0)
        self.progress.show()
        self._timer.start(0)

    # --- output --------------------------------------------------------------------------

    def print_to(self, printer: QPrinter) -> int:
        """Paint the document on a printer (or a file it prints to), with a cancellable
        progress dialog for long documents; returns the pages printed."""
        dialog = QProgressDialog("Impression en cours…", "Annuler", 0, len(self.pages), self)
        dialog.setWindowTitle("Pilotis")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(800)

        def step(done: int, _total: int) -> None:
            dialog.setValue(done)
            if dialog.wasCanceled():
                raise _Cancelled

        try:
            return render(self.document, printer, step)
        except _Cancelled:
            return 0
        finally:
            dialog.close()

    def ask_printer(self) -> bool:
        """The system's print dialog; tests replace it."""
        return QPrintDialog(self.printer, self).exec() == QDialog.DialogCode.Accepted

    def _on_print_clicked(self) -> None:
        if not self.ask_printer():
            return
        try:
            printed = self.print_to(self.printer)
        except OSError as exc:
            QMessageBox.warning(self, "Pilotis", f"L'impression n'a pas pu se faire : {exc}")
            return
        if printed:
            self.accept()

    def _on_pdf_clicked(self) -> None:
        if save_pdf(self.document, self, f"{self.document.title}.pdf") is not None:
            self.accept()


class _Cancelled(Exception):
    """The user stopped a long print."""


class PrintPreview:
    """The preview dialog around one Document; tests replace `run` to avoid a modal dialog."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        self.document = document
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.printer.setPageLayout(page_layout(document.landscape))
        self.printer.setDocName(document.title)
        self.dialog = PreviewDialog(document, self.printer, parent)

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
