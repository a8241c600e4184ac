"""The funding chain (prévu, engagé, versé, rates, what remains) as a table of groups: a subtotal
row, its lines, and a grand total that stays last whatever the sort."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.services.budgets.service import ChainRow
from desktop.services.common.columns import TableColumn, on_screen
from desktop.services.common.parsing import fold

ROW_ROLE = Qt.ItemDataRole.UserRole + 1


class ChainColumn(IntEnum):
    LABEL = 0
    PLANNED = 1
    COMMITTED = 2
    PAID = 3
    COMMITMENT_RATE = 4
    PAYMENT_RATE = 5
    TO_COMMIT = 6
    TO_PAY = 7
    ENVELOPE = 8
    PROGRAMMING_RATE = 9


LEVELS = {"line": "ligne", "subtotal": "sous-total", "funder": "ligne", "total": "total"}


def chain_columns(first: str) -> tuple[TableColumn, ...]:
    """The funding chain, on screen (in ChainColumn order) and in its export, which adds the
    level and the codes; first names the label column (programme / financeur, or financeur)."""
    return (
        TableColumn("label", first, lambda r: r.label),
        TableColumn("level", "Niveau", lambda r: LEVELS[r.kind], on_screen=False),
        TableColumn("programme_code", "Code programme", lambda r: r.programme_code,
                    on_screen=False),
        TableColumn("funder_code", "Code financeur", lambda r: r.funder_code, on_screen=False),
        TableColumn("planned", "Prévu", lambda r: r.planned_cents, "euros"),
        TableColumn("committed", "Engagé (AE)", lambda r: r.committed_cents, "euros"),
        TableColumn("paid", "Versé (CP)", lambda r: r.paid_cents, "euros"),
        TableColumn("commitment_rate", "Taux d'engagement", lambda r: r.commitment_rate,
                    "percent"),
        TableColumn("payment_rate", "Taux de paiement", lambda r: r.payment_rate, "percent"),
        TableColumn("to_commit", "Reste à engager", lambda r: r.to_commit_cents, "euros"),
        TableColumn("to_pay", "Reste à payer", lambda r: r.to_pay_cents, "euros"),
        TableColumn("envelope", "Enveloppe déclarée", lambda r: r.envelope_cents, "euros"),
        TableColumn("programming_rate", "Taux de programmation", lambda r: r.programming_rate,
                    "percent"),
    )  # fmt: skip


class BudgetChainTableModel(QAbstractTableModel):
    """groups are (subtotal or None, lines); a None subtotal means a flat list of lines."""

    def __init__(self, first_header: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = on_screen(chain_columns(first_header))
        self._tooltips = {
            ChainColumn.COMMITMENT_RATE: self.tr("Engagé (autorisations d'engagement) / prévu"),
            ChainColumn.PAYMENT_RATE: self.tr("Versé (crédits de paiement) / engagé"),
            ChainColumn.TO_COMMIT: self.tr("Prévu − engagé"),
            ChainColumn.TO_PAY: self.tr("Engagé − versé : engagements restant à payer"),
            ChainColumn.ENVELOPE: self.tr("Total prévu que déclare la source du programme"),
            ChainColumn.PROGRAMMING_RATE: self.tr("Prévu / enveloppe déclarée"),
        }
        self._groups: list[tuple[ChainRow | None, list[ChainRow]]] = []
        self._total: ChainRow | None = None
        self._rows: list[ChainRow] = []

    def set_groups(
        self, groups: Sequence[tuple[ChainRow | None, Sequence[ChainRow]]], total: ChainRow | None
    ) -> None:
        self.beginResetModel()
        self._groups = [(head, list(lines)) for head, lines in groups]
        self._total = total
        self._flatten()
        self.endResetModel()

    def _flatten(self) -> None:
        rows: list[ChainRow] = []
        for head, lines in self._groups:
            if head is not None:
                rows.append(head)
            rows.extend(lines)
        if self._total is not None:
            rows.append(self._total)
        self._rows = rows

    def rows(self) -> list[ChainRow]:
        """The displayed rows, subtotals and total included, in display order (for export)."""
        return list(self._rows)

    def row_at(self, row: int) -> ChainRow:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].label
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltips.get(ChainColumn(section))
        return None

    def text(self, row: int, column: int) -> str:
        item, spec = self._rows[row], self._columns[column]
        if column == ChainColumn.LABEL:
            grouped = item.kind == "line" and any(h is not None for h, _l in self._groups)
            return ("    " if grouped else "") + str(spec.value(item))
        return spec.shown(item)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(index.row(), index.column())
        if role == ROW_ROLE:
            return item
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and item.kind in ("subtotal", "total"):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and item.kind in ("subtotal", "total"):
            return QBrush(QColor("#e8edf6" if item.kind == "subtotal" else "#d5deee"))
        if role == Qt.ItemDataRole.ForegroundRole and item.kind in ("subtotal", "total"):
            return QBrush(QColor("#000000"))
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
            return item.label
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Groups sort by their subtotal, lines within their group; the total stays last."""
        getter = self._columns[column].value
        reverse = order == Qt.SortOrder.DescendingOrder

        def key(row: ChainRow | None) -> tuple:
            value = getter(row) if row is not None else None
            if value is None:
                return (1, "")
            return (0, fold(value) if isinstance(value, str) else value)

        def group_key(group) -> tuple:
            head, lines = group
            return key(head if head is not None else (lines[0] if lines else None))

        self.layoutAboutToBeChanged.emit()
        for _head, lines in self._groups:
            lines.sort(key=key, reverse=reverse)
        if all(head is not None for head, _l in self._groups):
            self._groups.sort(key=group_key, reverse=reverse)
        self._flatten()
        self.layoutChanged.emit()
