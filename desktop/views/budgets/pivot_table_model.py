"""The budget cross-table (services.budget_pivot.PivotTable) as a table: subtotal rows in bold,
sorting inside each group, the grand total always last."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.services.budgets.pivot import PivotLine, PivotTable
from desktop.services.common.formatting import format_euros
from desktop.services.common.parsing import fold

LINE_ROLE = Qt.ItemDataRole.UserRole + 1


class BudgetPivotTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table: PivotTable | None = None
        self._lines: list[PivotLine] = []

    def set_table(self, table: PivotTable) -> None:
        self.beginResetModel()
        self._table = table
        self._lines = list(table.lines)
        self.endResetModel()

    @property
    def table(self) -> PivotTable | None:
        return self._table

    def lines(self) -> list[PivotLine]:
        return list(self._lines)

    def _label_columns(self) -> int:
        return len(self._table.row_dims) if self._table else 0

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() or self._table is None else len(self._table.headers)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and self._table is not None
        ):
            return self._table.headers[section]
        return None

    def value(self, line: PivotLine, column: int) -> object:
        labels = self._label_columns()
        if column < labels:
            if labels == 2 and column == 1:
                return line.inner
            if labels == 2 and line.kind == "line" and column == 0:
                return ""  # the group's name is on its subtotal row
            return line.outer
        index = column - labels
        return line.values[index] if index < len(line.values) else line.total

    def text(self, row: int, column: int) -> str:
        line = self._lines[row]
        value = self.value(line, column)
        if column < self._label_columns():
            return str(value)
        return format_euros(int(value)) if value else ""

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        line = self._lines[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(index.row(), index.column())
        if role == LINE_ROLE:
            return line
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= self._label_columns():
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and line.kind != "line":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and line.kind != "line":
            return QBrush(QColor("#e8edf6" if line.kind == "subtotal" else "#d5deee"))
        if role == Qt.ItemDataRole.ForegroundRole and line.kind != "line":
            return QBrush(QColor("#000000"))
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Subtotal groups sort among themselves, lines inside their group; total stays last."""
        if self._table is None:
            return
        reverse = order == Qt.SortOrder.DescendingOrder
        labels = self._label_columns()

        def key(line: PivotLine) -> tuple:
            if labels == 2 and column == 0:
                value: object = line.outer
            elif labels == 2 and column == 1 and line.kind == "subtotal":
                value = line.outer
            else:
                value = self.value(line, column)
            return (fold(value),) if isinstance(value, str) else (value,)

        total = [line for line in self._lines if line.kind == "total"]
        body = [line for line in self._lines if line.kind != "total"]
        self.layoutAboutToBeChanged.emit()
        if labels == 1:
            body.sort(key=key, reverse=reverse)
            self._lines = body + total
        else:
            groups: list[tuple[PivotLine, list[PivotLine]]] = []
            for line in body:
                if line.kind == "subtotal":
                    groups.append((line, []))
                else:
                    groups[-1][1].append(line)
            groups.sort(key=lambda g: key(g[0]), reverse=reverse)
            self._lines = []
            for head, lines in groups:
                lines.sort(key=key, reverse=reverse)
                self._lines += [head, *lines]
            self._lines += total
        self.layoutChanged.emit()
