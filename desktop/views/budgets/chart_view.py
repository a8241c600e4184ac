"""One budget chart on screen: a matplotlib FigureCanvasQTAgg (imported when first drawn), a
check box to include it in the printed synthesis, and an export button (PNG, SVG, PDF)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.reports.budgets.charts import ChartSpec, save_figure

EXPORT_FILTERS = "Image PNG (*.png);;Dessin vectoriel SVG (*.svg);;Document PDF (*.pdf)"


class ChartView(QFrame):
    """picked(gid) is emitted when the user clicks a bar or wedge ("funder:CODE",
    "programme:CODE", "year:2023")."""

    picked = Signal(str)

    def __init__(self, spec: ChartSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(spec.title)
        self.canvas = None
        self._overview = None
        self._drawn = False
        self.title = QLabel(f"<b>{spec.title}</b>", self)
        self.print_box = QCheckBox(self.tr("Imprimer"), self)
        self.print_box.setChecked(True)
        self.print_box.setToolTip(self.tr("Inclure ce graphique dans la synthèse imprimée"))
        self.print_box.setAccessibleName(self.tr("Imprimer le graphique {t}").format(t=spec.title))
        self.export_button = QPushButton(self.tr("Exporter…"), self)
        self.export_button.setToolTip(self.tr("Enregistrer ce graphique en PNG, SVG ou PDF"))
        self.export_button.setAccessibleName(
            self.tr("Exporter le graphique {t}").format(t=spec.title)
        )
        self.export_button.clicked.connect(self._on_export_clicked)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("color: #555;")
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.print_box)
        header.addWidget(self.export_button)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 4, 6, 4)
        self._layout.addLayout(header)
        self._layout.addWidget(self.summary)
        self.setMinimumHeight(340)

    def set_overview(self, overview, summary: str = "") -> None:
        """The figures to chart; drawn by draw_if_needed (when the chart is in view)."""
        self._overview = overview
        self._drawn = False
        self.summary.setText(summary)
        self.summary.setVisible(bool(summary))
        self.setAccessibleDescription(summary)

    def draw_if_needed(self) -> None:
        if not self._drawn and self._overview is not None:
            self.show_overview(self._overview, self.summary.text())

    def show_overview(self, overview, summary: str = "") -> None:
        """Draw the chart for an overview (matplotlib is imported on the first call)."""
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        self._overview = overview
        self._drawn = True
        figure = self.spec.build(overview)
        old = self.canvas
        # A new canvas per figure: matplotlib ties a figure to one canvas for its lifetime.
        self.canvas = FigureCanvasQTAgg(figure)
        self.canvas.setParent(self)
        self.canvas.setAccessibleName(self.spec.title)
        self.canvas.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.canvas.setMinimumHeight(260)
        self.canvas.mpl_connect("pick_event", self._on_pick)
        if old is not None:
            self._layout.replaceWidget(old, self.canvas)
            old.setParent(None)
            old.deleteLater()
        else:
            self._layout.insertWidget(1, self.canvas, 1)
        self.summary.setText(summary)
        self.summary.setVisible(bool(summary))
        self.setAccessibleDescription(summary)

    def figure(self):
        return self.canvas.figure if self.canvas is not None else None

    def _on_pick(self, event) -> None:
        gid = event.artist.get_gid()
        if gid:
            self.picked.emit(gid)

    def ask_path(self) -> Path | None:
        """Where to save; tests replace QFileDialog.getSaveFileName."""
        path, chosen = QFileDialog.getSaveFileName(
            self, self.tr("Exporter le graphique"), f"{self.spec.title}.png", EXPORT_FILTERS
        )
        if not path:
            return None
        path = Path(path)
        if path.suffix.lower() not in (".png", ".svg", ".pdf"):
            suffix = {"SVG": ".svg", "PDF": ".pdf"}.get(chosen.split(" ")[0], ".png")
            suffix = ".svg" if "SVG" in chosen else ".pdf" if "PDF" in chosen else suffix
            path = path.with_name(path.name + suffix)
        return path

    def export_to(self, path: Path) -> Path | None:
        """Write the chart at print size (not the on-screen size) to path."""
        if self._overview is None:
            return None
        try:
            return save_figure(self.spec.build(self._overview), path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(
                self, self.tr("Pilotis"),
                self.tr("Le graphique n'a pas pu être enregistré : {e}").format(e=exc),
            )  # fmt: skip
            return None

    def _on_export_clicked(self) -> None:
        path = self.ask_path()
        if path is not None and self.export_to(path) is not None:
            window = self.window()
            if hasattr(window, "statusBar"):
                window.statusBar().showMessage(
                    self.tr("Graphique enregistré : {p}").format(p=path), 8000
                )
