"""Small widgets shared by the programme pages: choice delegates, progress bars in cells,
checkable lists, editable grids with add/remove buttons."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.services.common.parsing import fold

KEY_ROLE = Qt.ItemDataRole.UserRole + 10
ALERT = QColor("#fde2e4")  # background of overdue rows and wrong totals
ALERT_TEXT = QColor("#b00020")


class ChoiceDelegate(QStyledItemDelegate):
    """Edits a cell with a combo box; the cell shows the label and keeps the code in KEY_ROLE."""

    def __init__(self, choices: Sequence[tuple[object, str]], parent=None) -> None:
        super().__init__(parent)
        self.choices = list(choices)

    def createEditor(self, parent, option, index):  # noqa: N802
        combo = QComboBox(parent)
        for key, label in self.choices:
            combo.addItem(label, key)
        return combo

    def setEditorData(self, editor: QComboBox, index: QModelIndex) -> None:  # noqa: N802
        position = editor.findData(index.data(KEY_ROLE))
        editor.setCurrentIndex(max(position, 0))

    def setModelData(self, editor: QComboBox, model, index: QModelIndex) -> None:  # noqa: N802
        model.setData(index, editor.currentData(), KEY_ROLE)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.DisplayRole)


class ProgressDelegate(QStyledItemDelegate):
    """Draws a ratio (UserRole, 1.0 = target reached) as a progress bar with its percentage."""

    def paint(self, painter, option, index: QModelIndex) -> None:
        ratio = index.data(Qt.ItemDataRole.UserRole)
        if ratio is None:
            super().paint(painter, option, index)
            return
        # Painted by hand: the styles' progress bars do not fit a table row's height.
        rect = option.rect.adjusted(3, 4, -3, -4)
        painter.save()
        painter.setPen(QColor("#9aa5b8"))
        painter.setBrush(QColor("#eef1f7"))
        painter.drawRect(rect)
        filled = rect.adjusted(0, 0, -round(rect.width() * (1 - max(0.0, min(1.0, ratio)))), 0)
        painter.setBrush(QColor("#2e7d32" if ratio >= 1 else "#4e79c4"))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRect(filled.adjusted(1, 1, 0, 0))
        painter.setPen(QColor("#000000"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{round(ratio * 100)} %")
        painter.restore()


def text_item(text: str, key: object = None, editable: bool = True) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if key is not None:
        item.setData(KEY_ROLE, key)
    if not editable:
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


def check_item(checked: bool) -> QTableWidgetItem:
    item = QTableWidgetItem()
    item.setFlags((item.flags() | Qt.ItemFlag.ItemIsUserCheckable) & ~Qt.ItemFlag.ItemIsEditable)
    item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    return item


def cell_text(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text() if item is not None else ""


def cell_key(table: QTableWidget, row: int, column: int) -> object:
    item = table.item(row, column)
    return item.data(KEY_ROLE) if item is not None else None


def is_checked(table: QTableWidget, row: int, column: int) -> bool:
    item = table.item(row, column)
    return item is not None and item.checkState() == Qt.CheckState.Checked


def make_grid(parent: QWidget, headers: Sequence[str], accessible_name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(list(headers))
    table.setAccessibleName(accessible_name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.AnyKeyPressed
    )
    # Tab moves between cells; Ctrl+Tab leaves the grid (Qt's default for item views).
    table.setTabKeyNavigation(True)
    return table


def grid_buttons(
    parent: QWidget, add_text: str, remove_text: str
) -> tuple[QWidget, QPushButton, QPushButton]:
    box = QWidget(parent)
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    add = QPushButton(add_text, box)
    remove = QPushButton(remove_text, box)
    layout.addWidget(add)
    layout.addWidget(remove)
    layout.addStretch(1)
    return box, add, remove


class CheckList(QWidget):
    """A checkable list with a filter box for long lists (partners)."""

    def __init__(
        self,
        choices: Sequence[tuple[object, str]],
        accessible_name: str,
        parent: QWidget | None = None,
        *,
        with_filter: bool = False,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("Filtrer la liste…"))
        self.filter.setAccessibleName(self.tr("Filtrer : {name}").format(name=accessible_name))
        self.filter.setClearButtonEnabled(True)
        self.filter.setVisible(with_filter)
        self.list = QListWidget(self)
        self.list.setAccessibleName(accessible_name)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for key, label in choices:
            item = QListWidgetItem(label, self.list)
            item.setData(KEY_ROLE, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setToolTip(label)
        layout.addWidget(self.filter)
        layout.addWidget(self.list)
        self.filter.textChanged.connect(self._on_filter_text_changed)

    def _on_filter_text_changed(self, text: str) -> None:
        wanted = fold(text)
        for number in range(self.list.count()):
            item = self.list.item(number)
            item.setHidden(bool(wanted) and wanted not in fold(item.text()))

    def set_checked(self, keys) -> None:
        keys = set(keys)
        for number in range(self.list.count()):
            item = self.list.item(number)
            checked = item.data(KEY_ROLE) in keys
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def checked(self) -> list:
        return [
            self.list.item(n).data(KEY_ROLE)
            for n in range(self.list.count())
            if self.list.item(n).checkState() == Qt.CheckState.Checked
        ]
