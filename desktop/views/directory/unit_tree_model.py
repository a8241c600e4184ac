"""The organisation tree as a Qt item model: one item per unit, its kind in a second column."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel

from desktop.services.directory.rows import UnitRow

UNIT_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class UnitTreeModel(QStandardItemModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setHorizontalHeaderLabels([self.tr("Service"), self.tr("Type")])
        self._items: dict[int, QStandardItem] = {}
        self._units: dict[int, UnitRow] = {}

    def set_units(self, units: list[UnitRow]) -> None:
        self.removeRows(0, self.rowCount())
        self._items.clear()
        self._units = {u.id: u for u in units}
        rows: dict[int, list[QStandardItem]] = {}
        for unit in units:
            name = QStandardItem(unit.display_name)
            name.setData(unit.id, UNIT_ID_ROLE)
            name.setToolTip(unit.display_name)
            name.setEditable(False)
            # Dragging a unit onto another moves it there (the view asks the service).
            name.setDragEnabled(True)
            name.setDropEnabled(True)
            if unit.kind in ("region", "direction", "secretariat"):
                font = QFont()
                font.setBold(True)
                name.setFont(font)
            kind = QStandardItem(unit.kind_label)
            kind.setEditable(False)
            kind.setDragEnabled(False)
            kind.setDropEnabled(True)
            self._items[unit.id] = name
            rows[unit.id] = [name, kind]
        root = self.invisibleRootItem()
        for unit in units:
            parent = self._items.get(unit.parent_id) if unit.parent_id else None
            (parent or root).appendRow(rows[unit.id])

    def unit(self, unit_id: int | None) -> UnitRow | None:
        return self._units.get(unit_id) if unit_id is not None else None

    def units(self) -> list[UnitRow]:
        return list(self._units.values())

    def index_of(self, unit_id: int) -> QModelIndex:
        item = self._items.get(unit_id)
        return item.index() if item is not None else QModelIndex()

    @staticmethod
    def unit_id_at(index: QModelIndex) -> int | None:
        return index.siblingAtColumn(0).data(UNIT_ID_ROLE) if index.isValid() else None
