"""A table model over a list of frozen rows, shown through the table's one description (its
TableColumns, services/common/columns.py, which the export reads too); sorts in the model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.services.common.columns import TableColumn, on_screen
from desktop.services.common.parsing import fold


class RowsTableModel(QAbstractTableModel):
    """Rows are plain objects; `emphasis(row)` may say "vacant", "bold" or "alert" to style one."""

    def __init__(
        self,
        columns: Sequence[TableColumn],
        parent: QObject | None = None,
        emphasis: Callable[[Any], str | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = on_screen(columns)
        self._rows: list[Any] = []
        self._emphasis = emphasis

    def set_columns(self, columns: Sequence[TableColumn]) -> None:
        """Another description of the same rows (a header that names a date, say)."""
        self.beginResetModel()
        self._columns = on_screen(columns)
        self.endResetModel()

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].label
        return None

    def text(self, row: int, column: int) -> str:
        return self._columns[column].shown(self._rows[row])

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        spec, item = self._columns[index.column()], self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and spec.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and spec.tooltip is not None:
            return spec.tooltip(item)
        style = self._emphasis(item) if self._emphasis else None
        if role == Qt.ItemDataRole.FontRole and style in ("vacant", "bold"):
            font = QFont()
            font.setItalic(style == "vacant")
            font.setBold(style == "bold")
            return font
        if role == Qt.ItemDataRole.ForegroundRole and style in ("vacant", "alert"):
            return QBrush(QColor("#6b6b6b" if style == "vacant" else "#b00020"))
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorted here, not in a proxy: a proxy calls data() for every comparison."""
        spec = self._columns[column]

        def key(item: Any) -> tuple:
            value = spec.sort_key(item)
            if value is None:
                return (1, "")
            return (0, fold(value) if isinstance(value, str) else value)

        self.layoutAboutToBeChanged.emit()
        self._rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()
