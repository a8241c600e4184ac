"""The Jalons page of the programme editor: dated steps in a grid, overdue ones highlighted, and
a small timeline of them."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QTableWidgetItem, QVBoxLayout, QWidget

from desktop.services.common.parsing import ParseError, parse_date
from desktop.services.common.vocabulary import DATE_PRECISIONS
from desktop.services.programmes.drafts import MilestoneDraft
from desktop.views.programmes.widgets import (
    ALERT,
    ChoiceDelegate,
    cell_key,
    cell_text,
    check_item,
    grid_buttons,
    is_checked,
    make_grid,
    text_item,
)

TITLE, DUE, PRECISION, DONE, NOTE = range(5)
ID_ROLE = Qt.ItemDataRole.UserRole + 20


def _due(text: str) -> date | None:
    try:
        return parse_date(text) if text.strip() else None
    except ParseError:
        return None


class Timeline(QWidget):
    """Milestones on a time axis: green done, red overdue, blue to come; today as a line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[tuple[date, bool, str]] = []
        self.today = date.today()
        self.setMinimumHeight(70)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(self.tr("Frise des jalons"))

    def set_points(self, points: list[tuple[date, bool, str]]) -> None:
        self.points = sorted(points)
        late = sum(1 for d, done, _ in self.points if not done and d < self.today)
        self.setAccessibleDescription(
            self.tr("{n} jalon(s), dont {late} en retard").format(n=len(self.points), late=late)
        )
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        margin = 14
        width = self.width() - 2 * margin
        axis_y = self.height() / 2
        painter.setPen(QPen(QColor("#8a8a8a"), 1))
        painter.drawLine(QPointF(margin, axis_y), QPointF(margin + width, axis_y))
        if not self.points:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("Aucun jalon"))
            return
        first = date(min(self.points[0][0], self.today).year, 1, 1)
        last = date(max(self.points[-1][0], self.today).year + 1, 1, 1)
        span = max(last.toordinal() - first.toordinal(), 1)

        def x_of(day: date) -> float:
            return margin + width * (day.toordinal() - first.toordinal()) / span

        # One tick per year, labelled when there is room for it.
        previous_right = -1.0
        for year in range(first.year, last.year + 1):
            x = x_of(date(year, 1, 1))
            painter.setPen(QPen(QColor("#8a8a8a"), 1))
            painter.drawLine(QPointF(x, axis_y - 4), QPointF(x, axis_y + 4))
            label = str(year)
            left = x + 3
            if left > previous_right and left + metrics.horizontalAdvance(label) < self.width():
                painter.setPen(QColor("#333333"))
                painter.drawText(QPointF(left, axis_y + 6 + metrics.ascent()), label)
                previous_right = left + metrics.horizontalAdvance(label) + 6
        x = x_of(self.today)
        painter.setPen(QPen(QColor("#1f3864"), 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x, axis_y - 14), QPointF(x, axis_y + 14))
        label = self.tr("aujourd'hui")
        text_x = min(x + 3, self.width() - metrics.horizontalAdvance(label) - 2)
        painter.drawText(QPointF(text_x, axis_y - 16), label)
        for day, done, _title in self.points:
            color = "#2e7d32" if done else ("#b00020" if day < self.today else "#1565c0")
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(color))
            painter.drawEllipse(QPointF(x_of(day), axis_y), 5, 5)


class MilestonesPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.today = date.today()
        self.table = make_grid(
            self,
            [self.tr("Intitulé"), self.tr("Échéance"), self.tr("Précision"), self.tr("Fait"),
             self.tr("Note")],
            self.tr("Jalons du programme"),
        )  # fmt: skip
        self.precisions = list(DATE_PRECISIONS.items())
        self.table.setItemDelegateForColumn(PRECISION, ChoiceDelegate(self.precisions, self.table))
        self.table.setColumnWidth(TITLE, 320)
        self.table.setColumnWidth(DUE, 110)
        self.table.setColumnWidth(PRECISION, 90)
        self.table.setColumnWidth(DONE, 50)
        buttons, self.add_button, self.remove_button = grid_buttons(
            self, self.tr("&Ajouter un jalon"), self.tr("&Retirer le jalon")
        )
        self.hint = QLabel(
            self.tr("Dates au format JJ/MM/AAAA ; une date connue au mois seulement : le 1er du "
                    "mois, précision « Mois ». Les jalons en retard sont surlignés en rouge."),
            self,
        )  # fmt: skip
        self.hint.setWordWrap(True)
        self.timeline = Timeline(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        layout.addWidget(self.hint)
        layout.addWidget(self.timeline)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.table.itemChanged.connect(self._on_table_item_changed)

    def set_milestones(self, milestones: tuple[MilestoneDraft, ...]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for milestone in milestones:
            self._append(milestone)
        self.table.blockSignals(False)
        self._refresh()

    def _append(self, m: MilestoneDraft) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        title = text_item(m.title)
        title.setData(ID_ROLE, (m.id, m.version))
        self.table.setItem(row, TITLE, title)
        self.table.setItem(row, DUE, text_item(m.due_on))
        precision = text_item(DATE_PRECISIONS.get(m.precision, m.precision), m.precision)
        self.table.setItem(row, PRECISION, precision)
        self.table.setItem(row, DONE, check_item(m.done))
        self.table.setItem(row, NOTE, text_item(m.note))
        return row

    def milestones(self) -> tuple[MilestoneDraft, ...]:
        drafts = []
        for row in range(self.table.rowCount()):
            ident = self.table.item(row, TITLE).data(ID_ROLE) or (None, None)
            drafts.append(
                MilestoneDraft(
                    cell_text(self.table, row, TITLE),
                    cell_text(self.table, row, DUE),
                    cell_key(self.table, row, PRECISION) or "jour",
                    is_checked(self.table, row, DONE),
                    cell_text(self.table, row, NOTE),
                    ident[0],
                    ident[1],
                )  # fmt: skip
            )
        return tuple(drafts)

    def _on_add_clicked(self) -> None:
        self.table.blockSignals(True)
        row = self._append(MilestoneDraft("", ""))
        self.table.blockSignals(False)
        self.table.setCurrentCell(row, TITLE)
        self.table.editItem(self.table.item(row, TITLE))
        self._refresh()

    def _on_remove_clicked(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows or ([self.table.currentRow()] if self.table.currentRow() >= 0 else []):
            self.table.removeRow(row)
        self._refresh()

    def _on_table_item_changed(self, _item: QTableWidgetItem) -> None:
        self._refresh()

    def _refresh(self) -> None:
        """Overdue rows (past due, not done) get a red background; the timeline follows."""
        self.table.blockSignals(True)
        points = []
        for row in range(self.table.rowCount()):
            due = _due(cell_text(self.table, row, DUE))
            done = is_checked(self.table, row, DONE)
            late = due is not None and not done and due < self.today
            for column in range(self.table.columnCount()):
                item = self.table.item(row, column)
                if item is not None:
                    item.setBackground(ALERT if late else Qt.GlobalColor.transparent)
                    item.setToolTip(self.tr("Jalon en retard") if late else "")
            if due is not None:
                points.append((due, done, cell_text(self.table, row, TITLE)))
        self.table.blockSignals(False)
        self.timeline.today = self.today
        self.timeline.set_points(points)

    def select_row(self, row: int) -> None:
        if 0 <= row < self.table.rowCount():
            self.table.setCurrentCell(row, TITLE)
            self.table.setFocus()
