"""The « Organigramme » page of the directory tab: the unit charted, zoom buttons, the chart."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.services.directory.org_chart import ChartUnit
from desktop.views.directory.org_chart_view import OrgChartView


class OrgChartPanel(QWidget):
    unit_clicked = Signal(int)
    root_requested = Signal(int)  # chart this unit alone (double-click, Enter, « ▲ »)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = OrgChartView(self)
        self.title = QLabel(self)
        self.title.setAccessibleName(self.tr("Service affiché dans l'organigramme"))
        self.zoom_label = QLabel(self)
        self.zoom_label.setAccessibleName(self.tr("Zoom"))
        self.buttons: dict[str, QPushButton] = {}
        self.title.setWordWrap(True)
        row = QHBoxLayout()
        for key, text, tip in (
            ("up", self.tr("▲ Service parent"), self.tr("Organigramme du service au-dessus")),
            ("out", self.tr("−"), self.tr("Zoom arrière (Ctrl+-, Ctrl+molette)")),
            ("in", self.tr("+"), self.tr("Zoom avant (Ctrl++, Ctrl+molette)")),
            ("reset", self.tr("100 %"), self.tr("Taille réelle (Ctrl+0)")),
            ("fit", self.tr("Ajuster à la fenêtre"), self.tr("Tout l'organigramme visible")),
        ):
            button = QPushButton(text, self)
            button.setToolTip(tip)
            button.setAccessibleName(tip.split(" (")[0])
            if key in ("in", "out"):
                button.setFixedWidth(button.fontMetrics().height() * 2 + 8)
            self.buttons[key] = button
            row.addWidget(button)
        row.addWidget(self.zoom_label)
        row.addStretch(1)
        hint = QLabel(
            self.tr(
                "Clic : fiche du service · double-clic ou Entrée : organigramme de ce service "
                "seul · flèches : se déplacer"
            ),
            self,
        )
        hint.setStyleSheet("color: #5a5a5a")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)
        layout.addWidget(hint)
        self.buttons["in"].clicked.connect(self.view.zoom_in)
        self.buttons["out"].clicked.connect(self.view.zoom_out)
        self.buttons["reset"].clicked.connect(self.view.reset_zoom)
        self.buttons["fit"].clicked.connect(self.view.fit_to_window)
        self.buttons["up"].clicked.connect(self._on_up_clicked)
        self.buttons["fit"].setShortcut(QKeySequence("Ctrl+Shift+0"))
        self.view.zoom_changed.connect(self._on_view_zoom_changed)
        self.view.unit_clicked.connect(self.unit_clicked)
        self.view.unit_activated.connect(self.root_requested)
        self._parent_of_root: int | None = None

    def show_chart(self, units: list[ChartUnit], root_id: int, parent_id: int | None) -> None:
        """Chart root_id and what lies below it, fitted to the window."""
        self.view.set_chart(units, root_id)
        root = self.view.units.get(root_id)
        name = (f"{root.acronym} — {root.name}" if root.acronym else root.name) if root else ""
        count = len(units)
        self.title.setText(
            self.tr("<b>{name}</b> — {n} service(s)").format(name=escape(name), n=count)
        )
        self._parent_of_root = parent_id
        self.buttons["up"].setEnabled(parent_id is not None)
        self.view.fit_to_window()

    def _on_up_clicked(self) -> None:
        if self._parent_of_root is not None:
            self.root_requested.emit(self._parent_of_root)

    def _on_view_zoom_changed(self, zoom: float) -> None:
        percent = round(zoom * 72 / self.view.logicalDpiY() * 100)
        self.zoom_label.setText(f"{percent} %")
