"""The people table, fed page by page (canFetchMore/fetchMore) from a page provider.

The model holds the rows fetched so far and the total count; it never reads the database
itself: the tab hands it a `pages(offset, limit, sort, descending)` callable. Sorting asks the
provider again (ORDER BY in SQL), never a proxy.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.errors import PilotisError
from desktop.services.common.columns import TableColumn, on_screen
from desktop.services.directory.rows import EntryRow

PAGE_SIZE = 200
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1

PageProvider = Callable[[int, int, str, bool], list[EntryRow]]


class PeopleColumn(IntEnum):
    NAME = 0
    TITLE = 1
    UNIT = 2
    SITE = 3
    EMAIL = 4
    PHONE = 5


# The directory's people and posts, on screen (in PeopleColumn order) and in its export, which
# splits the name and adds the role; a column's key is its ORDER BY in the service.
COLUMNS = (
    TableColumn("name", "Nom", lambda r: r.last_name or ("Poste vacant" if r.is_vacant else ""),
                text=lambda r: r.person_label),
    TableColumn("first_name", "Prénom", lambda r: r.first_name, on_screen=False),
    TableColumn("title", "Fonction", lambda r: r.title, text=lambda r: r.title_label,
                tooltip=lambda r: r.role_label or None),
    TableColumn("role", "Rôle", lambda r: r.role_label, on_screen=False),
    TableColumn("unit", "Service", lambda r: r.unit_label),
    TableColumn("site", "Site", lambda r: r.site),
    TableColumn("email", "Courriel", lambda r: r.email),
    TableColumn("phone", "Téléphone", lambda r: r.phone),
)  # fmt: skip
SCREEN = on_screen(COLUMNS)


def cell_text(row: EntryRow, column: int) -> str:
    return SCREEN[column].shown(row) or ""


class PeopleTableModel(QAbstractTableModel):
    # A page could not be read while scrolling or sorting (server fault): the PilotisError. The
    # rows already shown stay; the next set_source (F5, a new search) starts again.
    load_failed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[EntryRow] = []
        self._total = 0
        self._exhausted = True
        self._pages: PageProvider | None = None
        self._sort = "name"
        self._descending = False

    # --- feeding ----------------------------------------------------------------------------

    def set_source(self, pages: PageProvider, total: int) -> None:
        """A new result set of about `total` rows (a capped count is fine): the first page is
        fetched at once, the next ones when the view scrolls, until a short page comes back."""
        first = pages(0, PAGE_SIZE, self._sort, self._descending) if total else []
        self.beginResetModel()  # after reading: a failed read leaves the model as it was
        self._pages = pages
        self._total = total
        self._rows = first
        self._exhausted = len(self._rows) < PAGE_SIZE
        self.endResetModel()

    @property
    def total(self) -> int:
        return self._total

    @property
    def sort_key(self) -> tuple[str, bool]:
        return self._sort, self._descending

    def row_at(self, row: int) -> EntryRow:
        return self._rows[row]

    def rows(self) -> list[EntryRow]:
        return list(self._rows)

    def text(self, row: int, column: int) -> str:
        return cell_text(self._rows[row], column)

    def canFetchMore(self, parent: QModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: QModelIndex = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or self._pages is None or self._exhausted:
            return
        try:
            more = self._pages(len(self._rows), PAGE_SIZE, self._sort, self._descending)
        except PilotisError as error:
            self._exhausted = True  # not asked again at each scroll; F5 reads from the start
            self.load_failed.emit(error)
            return
        self._exhausted = len(more) < PAGE_SIZE
        if not more:
            return
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    # --- Qt model ---------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(SCREEN)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return SCREEN[section].label
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return cell_text(row, index.column())
        if role == ENTRY_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole and SCREEN[index.column()].tooltip is not None:
            return SCREEN[index.column()].tooltip(row)
        if role == Qt.ItemDataRole.FontRole and (row.is_vacant or row.role == "head"):
            font = QFont()
            font.setItalic(row.is_vacant)
            font.setBold(row.role == "head" and not row.is_vacant)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and row.is_vacant:
            return QBrush(QColor("#6b6b6b"))
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """ORDER BY in the database, then the first page again."""
        key = SCREEN[column].key if 0 <= column < len(SCREEN) else "name"
        before = self._sort, self._descending
        self._sort, self._descending = key, order == Qt.SortOrder.DescendingOrder
        if self._pages is not None:
            try:
                self.set_source(self._pages, self._total)
            except PilotisError as error:
                self._sort, self._descending = before
                self.load_failed.emit(error)
