"""The programme list as a lazy tree (children fetched page by page when a branch opens) or, while
a filter is active, as a flat paged list of the matches; sorting is asked of the fetcher (SQL)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.errors import PilotisError
from desktop.services.common.columns import TableColumn
from desktop.services.programmes.tree import ProgrammeListRow

# fetch(parent_id, sort key, descending, offset, limit) -> rows; count(parent_id) -> int.
# parent_id is None for the top level (the roots, or every match in flat mode).
Fetch = Callable[[int | None, str, bool, int, int], list[ProgrammeListRow]]
Count = Callable[[int | None], int]

PAGE = 200
ID_ROLE = Qt.ItemDataRole.UserRole + 1
CODE_ROLE = Qt.ItemDataRole.UserRole + 2


class Col(IntEnum):
    NAME = 0
    CODE = 1
    FAMILY = 2
    KIND = 3
    STATUS = 4
    LEAD = 5
    START = 6
    END = 7
    OVERDUE = 8
    PARENT = 9


SORT_KEYS = {
    Col.NAME: "name", Col.CODE: "code", Col.FAMILY: "family", Col.KIND: "kind",
    Col.STATUS: "status", Col.LEAD: "lead", Col.START: "start", Col.END: "end",
    Col.OVERDUE: "overdue",
}  # fmt: skip


PATH_SEPARATOR = " › "

# The programme list, on screen (in Col order) and in its export.
COLUMNS = (
    TableColumn("name", "Programme", lambda r: r.name),
    TableColumn("code", "Code", lambda r: r.code),
    TableColumn("family", "Famille", lambda r: r.family_label),
    TableColumn("kind", "Nature", lambda r: r.kind_label),
    TableColumn("status", "Statut", lambda r: r.status_label),
    TableColumn("lead", "Service pilote", lambda r: r.lead_unit),
    TableColumn("start", "Début", lambda r: r.start_on, "date"),
    TableColumn("end", "Fin", lambda r: r.end_on, "date"),
    TableColumn("overdue", "Jalons en retard", lambda r: r.overdue_count, "count",
                text=lambda r: str(r.overdue_count) if r.overdue_count else ""),
    # A search result says where it sits (France 2030 › AMI-CMA); the export keeps the code.
    TableColumn("parent", "Rattaché à", lambda r: r.parent_code,
                text=lambda r: PATH_SEPARATOR.join(r.path) or (r.parent_code or "")),
)  # fmt: skip


@dataclass(eq=False)
class _Node:
    row: ProgrammeListRow | None
    parent: _Node | None
    total: int = 0  # children known to exist
    position: int = 0  # row under its parent: rows are only ever appended
    children: list[_Node] = field(default_factory=list)


class ProgrammeTreeModel(QAbstractItemModel):
    # A branch or a page could not be read while opening or scrolling (server fault): the
    # PilotisError. What is shown stays; reload() (F5, a filter) starts again.
    load_failed = Signal(object)

    def __init__(self, fetch: Fetch, count: Count, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._count = count
        self._root = _Node(None, None)
        self._loaded = False  # nothing is fetched before the tab's first load
        self.flat = False
        self.sort_key = "name"
        self.descending = False
        self._headers = [column.label for column in COLUMNS]

    # --- loading -------------------------------------------------------------------------------

    def reload(self, *, flat: bool | None = None) -> None:
        """Forget what was fetched and fetch the first page of the top level again."""
        was_flat = self.flat
        if flat is not None:
            self.flat = flat
        try:  # read first: a failed read leaves the model as it was
            first = self._fetch(None, self.sort_key, self.descending, 0, PAGE)
            # Counting costs a second query: only needed when the page is full.
            total = len(first) if len(first) < PAGE else self._count(None)
        except PilotisError:
            self.flat = was_flat
            raise
        self.beginResetModel()
        self._loaded = True
        self._root = _Node(None, None)
        self._root.children = [self._node(row, self._root, n) for n, row in enumerate(first)]
        self._root.total = total
        self.endResetModel()

    def _node(self, row: ProgrammeListRow, parent: _Node, position: int) -> _Node:
        return _Node(row, parent, 0 if self.flat else row.child_count, position)

    @property
    def total(self) -> int:
        """How many rows the top level has in all (fetched or not)."""
        return self._root.total

    def _node_at(self, index: QModelIndex) -> _Node:
        return index.internalPointer() if index.isValid() else self._root

    def canFetchMore(self, parent: QModelIndex) -> bool:  # noqa: N802
        node = self._node_at(parent)
        return len(node.children) < node.total

    def fetchMore(self, parent: QModelIndex) -> None:  # noqa: N802
        node = self._node_at(parent)
        parent_id = node.row.id if node.row else None
        try:
            rows = self._fetch(parent_id, self.sort_key, self.descending, len(node.children), PAGE)
        except PilotisError as error:
            node.total = len(node.children)  # not asked again at each scroll; F5 reloads
            self.load_failed.emit(error)
            return
        if not rows:
            node.total = len(node.children)
            return
        start = len(node.children)
        self.beginInsertRows(parent, start, start + len(rows) - 1)
        node.children.extend(self._node(row, node, start + n) for n, row in enumerate(rows))
        self.endInsertRows()

    def hasChildren(self, parent: QModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        node = self._node_at(parent)
        return node is self._root or node.total > 0

    # --- structure ------------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: QModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self._node_at(parent)
        if 0 <= row < len(node.children) and 0 <= column < len(self._headers):
            return self.createIndex(row, column, node.children[row])
        return QModelIndex()

    def parent(self, index: QModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node: _Node = index.internalPointer()
        up = node.parent
        if up is None or up is self._root:
            return QModelIndex()
        return self.createIndex(up.position, 0, up)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node_at(parent).children)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return len(self._headers)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def row_at(self, index: QModelIndex) -> ProgrammeListRow | None:
        return self._node_at(index).row if index.isValid() else None

    # --- data ---------------------------------------------------------------------------------

    def text(self, row: ProgrammeListRow, column: int) -> str:
        return COLUMNS[column].shown(row) if 0 <= column < len(COLUMNS) else ""

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._node_at(index).row
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(row, column)
        if role == ID_ROLE:
            return row.id
        if role == CODE_ROLE:
            return row.code
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (Col.NAME, Col.PARENT):
                return PATH_SEPARATOR.join((*row.path, row.name))
            if column == Col.OVERDUE and row.overdue_count:
                return self.tr("{n} jalon(s) dont l'échéance est passée").format(
                    n=row.overdue_count
                )
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Col.OVERDUE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == Col.OVERDUE and row.overdue_count:
                return QBrush(QColor("#b00020"))
            if row.status in ("termine", "suspendu"):
                return QBrush(QColor("#6b6b6b"))
        if role == Qt.ItemDataRole.FontRole and column == Col.OVERDUE and row.overdue_count:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorted by the database: the rows fetched so far are dropped and fetched again."""
        if column not in SORT_KEYS:
            return
        before = self.sort_key, self.descending
        self.sort_key = SORT_KEYS[Col(column)]
        self.descending = order == Qt.SortOrder.DescendingOrder
        if self._loaded:
            try:
                self.reload()
            except PilotisError as error:
                self.sort_key, self.descending = before
                self.load_failed.emit(error)

    # --- locating -------------------------------------------------------------------------------

    def locate(self, chain: list[int]) -> QModelIndex:
        """The index of the last id of chain (root first), fetching pages along the way."""
        parent = QModelIndex()
        index = QModelIndex()
        for programme_id in chain:
            node = self._node_at(parent)
            index = QModelIndex()
            while True:
                for number, child in enumerate(node.children):
                    if child.row.id == programme_id:
                        index = self.index(number, 0, parent)
                        break
                if index.isValid() or not self.canFetchMore(parent):
                    break
                self.fetchMore(parent)
            if not index.isValid():
                return QModelIndex()
            parent = index
        return index
