"""Annuaire des services: the organisation tree beside the posts of the selected unit."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from desktop.services.directory_service import PositionRow, UnitRow
from desktop.views.context import Services
from desktop.views.item_views import make_table_view, make_tree_view
from desktop.views.qt_models.rows_table_model import Column, RowsTableModel
from desktop.views.tab_page import TabPage

UNIT_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _position_style(row: PositionRow) -> str | None:
    if row.is_vacant:
        return "vacant"
    return "bold" if row.role == "head" else None


class DirectoryTab(TabPage):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = services.directory
        self._units: list[UnitRow] = []

        self.tree = make_tree_view(self, self.tr("Organigramme des services"))
        self.tree_model = QStandardItemModel(self)
        self.tree_model.setHorizontalHeaderLabels([self.tr("Service"), self.tr("Type")])
        self.tree.setModel(self.tree_model)

        self.caption = QLabel(self)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setWordWrap(True)
        self.table = make_table_view(self, self.tr("Postes du service"))
        self.positions_model = RowsTableModel(
            [
                Column(self.tr("Nom"), lambda r: r.person_label),
                Column(self.tr("Fonction"), lambda r: r.title),
                Column(self.tr("Rôle"), lambda r: r.role_label),
                Column(self.tr("Service"), lambda r: r.unit_label),
                Column(self.tr("Courriel"), lambda r: r.email),
                Column(self.tr("Téléphone"), lambda r: r.phone),
            ],
            self,
            emphasis=_position_style,
        )
        self.table.setModel(self.positions_model)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.caption)
        right_layout.addWidget(self.table)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([380, 760])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

    def load(self) -> None:
        self._units = self._service.units()
        self.tree_model.removeRows(0, self.tree_model.rowCount())
        items: dict[int, QStandardItem] = {}
        for unit in self._units:
            name = QStandardItem(unit.display_name)
            name.setData(unit.id, UNIT_ID_ROLE)
            name.setToolTip(unit.name)
            name.setEditable(False)
            kind = QStandardItem(unit.kind_label)
            kind.setEditable(False)
            items[unit.id] = name
        for unit in self._units:
            parent = items.get(unit.parent_id) if unit.parent_id else None
            row = [items[unit.id], QStandardItem(unit.kind_label)]
            row[1].setEditable(False)
            (parent or self.tree_model.invisibleRootItem()).appendRow(row)
        self.tree.expandToDepth(1)
        self.tree.resizeColumnToContents(0)
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)
        first = self.tree_model.index(0, 0)
        if first.isValid():
            self.tree.setCurrentIndex(first)
        else:
            self._show_positions(None)
        self.loaded.emit()

    def _on_tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        unit_id = current.siblingAtColumn(0).data(UNIT_ID_ROLE) if current.isValid() else None
        self._show_positions(unit_id)

    def _show_positions(self, unit_id: int | None) -> None:
        if unit_id is None:
            rows = self._service.positions()
            label = self.tr("Tous les services")
        else:
            rows = self._service.positions(self._service.subtree_ids(self._units, unit_id))
            unit = next(u for u in self._units if u.id == unit_id)
            label = unit.display_name
        self.positions_model.set_rows(rows)
        vacant = sum(1 for r in rows if r.is_vacant)
        summary = self.tr("{label} et services rattachés — {n} poste(s)").format(
            label=label, n=len(rows)
        )
        if vacant:
            summary += self.tr(", dont {v} vacant(s)").format(v=vacant)
        self.caption.setText(summary)
        self.table.resizeColumnsToContents()
