"""The roadmap view: the 2 strategic lines and 15 axes with their action, the programmes serving
each axis (fetched when the axis opens), their status and indicator progress."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.services.programmes.roadmap import AxisRow, RoadmapService
from desktop.views.programmes.widgets import ProgressDelegate
from desktop.views.shell.item_views import make_tree_view

AXIS_ROLE = Qt.ItemDataRole.UserRole + 30
CODE_ROLE = Qt.ItemDataRole.UserRole + 31
LOADED_ROLE = Qt.ItemDataRole.UserRole + 32
NAME, DETAIL, LEAD, COUNT, PROGRESS = range(5)


def _item(text: str = "", tooltip: str | None = None) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    if tooltip:
        item.setToolTip(tooltip)
    return item


class RoadmapView(QWidget):
    programme_activated = Signal(str)  # programme code

    def __init__(self, service: RoadmapService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.axes: list[AxisRow] = []
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.tree = make_tree_view(self, self.tr("Feuille de route régionale"))
        self.tree.setUniformRowHeights(False)
        self.model = QStandardItemModel(self)
        self.model.setHorizontalHeaderLabels(
            [self.tr("Feuille de route"), self.tr("Action / statut"), self.tr("Pilote"),
             self.tr("Programmes"), self.tr("Progression des indicateurs")]
        )  # fmt: skip
        self.tree.setModel(self.model)
        self.tree.setItemDelegateForColumn(PROGRESS, ProgressDelegate(self.tree))
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setAccessibleName(self.tr("Action de l'axe sélectionné"))
        self.detail.setMinimumHeight(48)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.detail)
        self.tree.expanded.connect(self._on_tree_expanded)
        self.tree.activated.connect(self._on_tree_activated)
        self.tree.doubleClicked.connect(self._on_tree_activated)
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)

    def load(self) -> None:
        self.axes = self._service.axes()
        self.model.removeRows(0, self.model.rowCount())
        lines: dict[int, QStandardItem] = {}
        bold = QFont()
        bold.setBold(True)
        for axis in self.axes:
            if axis.line_number not in lines:
                line = _item(
                    self.tr("Ligne directrice {n} — {title}").format(
                        n=axis.line_number, title=axis.line_title
                    )
                )
                line.setFont(bold)
                self.model.appendRow([line, _item(), _item(), _item(), _item()])
                lines[axis.line_number] = line
            marker = "★ " if axis.is_priority else ""
            name = _item(f"{marker}Axe {axis.number} — {axis.title}", axis.title)
            name.setData(axis.id, AXIS_ROLE)
            name.setData(False, LOADED_ROLE)
            action = axis.action or ""
            if axis.is_priority:
                name.setFont(bold)
                name.setForeground(QBrush(QColor("#8a4b00")))
                action = self.tr("Action prioritaire : ") + action
            count = _item(
                self.tr("{n} (dont {r} en cours)").format(
                    n=axis.programme_count, r=axis.running_count
                )
            )
            row = [name, _item(action, action), _item(), count, _item()]
            if axis.programme_count:
                name.appendRow([_item(self.tr("Chargement…"))])  # makes the branch expandable
            lines[axis.line_number].appendRow(row)
        priority = [a for a in self.axes if a.is_priority]
        self.caption.setText(
            self.tr(
                "{lines} lignes directrices, {axes} axes ; ★ action prioritaire{which}. "
                "Ouvrez un axe pour voir ses programmes ; Entrée ou double-clic ouvre le "
                "programme."
            ).format(
                lines=len(lines),
                axes=len(self.axes),
                which=" : " + ", ".join(f"axe {a.number}" for a in priority) if priority else "",
            )
        )
        self.tree.expandToDepth(0)
        self.tree.setColumnWidth(NAME, 430)
        self.tree.setColumnWidth(DETAIL, 340)
        self.tree.setColumnWidth(LEAD, 90)
        self.tree.setColumnWidth(COUNT, 130)

    def _on_tree_expanded(self, index: QModelIndex) -> None:
        item = self.model.itemFromIndex(index.siblingAtColumn(0))
        if item is None or item.data(AXIS_ROLE) is None or item.data(LOADED_ROLE):
            return
        item.setData(True, LOADED_ROLE)
        item.removeRows(0, item.rowCount())
        for p in self._service.programmes(item.data(AXIS_ROLE)):
            name = _item(f"{p.code} — {p.name}", p.name)
            name.setData(p.code, CODE_ROLE)
            progress = _item(
                "" if p.progress is not None else self.tr("sans indicateur mesuré"),
            )
            progress.setData(p.progress, Qt.ItemDataRole.UserRole)
            if p.progress is not None:
                progress.setData(f"{round(p.progress * 100)} %", Qt.ItemDataRole.AccessibleTextRole)
            status = _item(p.status_label)
            if p.status in ("termine", "suspendu"):
                status.setForeground(QBrush(QColor("#6b6b6b")))
            item.appendRow([name, status, _item(p.lead_unit or ""), _item(), progress])

    def _on_tree_activated(self, index: QModelIndex) -> None:
        code = index.siblingAtColumn(0).data(CODE_ROLE)
        if code:
            self.programme_activated.emit(code)
        elif index.siblingAtColumn(0).data(AXIS_ROLE) is not None:
            self.tree.setExpanded(index.siblingAtColumn(0), True)

    def _on_tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        first = current.siblingAtColumn(0)
        if first.data(AXIS_ROLE) is not None:
            text = f"{first.data()}\n{current.siblingAtColumn(DETAIL).data() or ''}"
        elif first.data(CODE_ROLE):
            text = self.tr("{name} — Entrée pour ouvrir le programme").format(name=first.data())
        else:
            text = first.data() or ""
        self.detail.setText(text)

    def current_code(self) -> str | None:
        return self.tree.currentIndex().siblingAtColumn(0).data(CODE_ROLE)
