"""Suivi des programmes: the programme tree with family, status, lead unit and period."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.services.formatting import format_date
from desktop.views.context import Services
from desktop.views.item_views import make_tree_view
from desktop.views.tab_page import TabPage

PROGRAMME_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class ProgrammesTab(TabPage):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = services.programmes
        self.caption = QLabel(self)
        self.tree = make_tree_view(self, self.tr("Programmes et projets"))
        self.model = QStandardItemModel(self)
        self.headers = [
            self.tr("Programme"), self.tr("Code"), self.tr("Famille"), self.tr("Nature"),
            self.tr("Statut"), self.tr("Pilote"), self.tr("Début"), self.tr("Fin"),
        ]  # fmt: skip
        self.model.setHorizontalHeaderLabels(self.headers)
        self.tree.setModel(self.model)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.tree)

    def load(self) -> None:
        programmes = self._service.programmes()
        self.model.removeRows(0, self.model.rowCount())
        items: dict[int, QStandardItem] = {}
        rows: dict[int, list[QStandardItem]] = {}
        for p in programmes:
            cells = [
                p.name, p.code, p.family_label, p.kind_label, p.status_label, p.lead_unit or "",
                format_date(p.start_on), format_date(p.end_on),
            ]  # fmt: skip
            row = [QStandardItem(text) for text in cells]
            for item in row:
                item.setEditable(False)
            row[0].setData(p.id, PROGRAMME_ID_ROLE)
            row[0].setToolTip(p.name)
            items[p.id] = row[0]
            rows[p.id] = row
        for p in programmes:
            parent = items.get(p.parent_id) if p.parent_id else None
            (parent or self.model.invisibleRootItem()).appendRow(rows[p.id])
        roots = sum(1 for p in programmes if p.parent_id is None)
        self.caption.setText(
            self.tr("{n} programmes et projets, dont {r} au premier niveau").format(
                n=len(programmes), r=roots
            )
        )
        self.tree.expandToDepth(0)
        self.tree.setColumnWidth(0, 420)
        for column in range(1, len(self.headers)):
            self.tree.resizeColumnToContents(column)
        self.loaded.emit()
