"""Helpers shared by the tabs' item views: configured views, remembered columns, copy."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTreeView, QWidget
from shiboken6 import isValid

from desktop.settings import Settings

# No column sized to its content takes more than this share of the view: one long label
# (a 200-character title) must not push every other column out of sight.
MAX_COLUMN_SHARE = 0.4


def make_table_view(parent: QWidget, accessible_name: str) -> QTableView:
    view = QTableView(parent)
    view.setAccessibleName(accessible_name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setSortingEnabled(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    return view


def make_tree_view(parent: QWidget, accessible_name: str) -> QTreeView:
    view = QTreeView(parent)
    view.setAccessibleName(accessible_name)
    view.setAlternatingRowColors(True)
    view.setUniformRowHeights(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    return view


def selection_as_text(view: QAbstractItemView) -> str:
    """Selected cells as tab-separated lines, the format Excel and LibreOffice paste as a table."""
    indexes = sorted(view.selectionModel().selectedIndexes(), key=lambda i: (i.row(), i.column()))
    lines: dict[tuple, list[str]] = {}
    for index in indexes:
        row_key = (
            (index.parent().row(), index.row()) if index.parent().isValid() else (-1, index.row())
        )
        text = index.data(Qt.ItemDataRole.DisplayRole)
        lines.setdefault(row_key, []).append("" if text is None else str(text).replace("\t", " "))
    return "\n".join("\t".join(cells) for cells in lines.values())


def copy_selection(view: QAbstractItemView) -> bool:
    text = selection_as_text(view)
    if text:
        QGuiApplication.clipboard().setText(text)
    return bool(text)


def _settings_of(widget: QWidget | None) -> Settings | None:
    """The Settings of the window a view lives in (its `settings`), or None outside a window."""
    while widget is not None:
        settings = getattr(widget, "settings", None)
        if isinstance(settings, Settings):
            return settings
        widget = widget.parentWidget()
    return None


class ColumnMemory(QObject):
    """One view's columns: sized to their content (bounded) while the user has not touched them,
    then the widths and sort the user chose, saved under a stable key and restored at next start."""

    def __init__(
        self,
        view: QTableView | QTreeView,
        key: str,
        stretch: int | None = None,
        caps: dict[int, int] | None = None,
        fitter: Callable[[QAbstractItemView], None] | None = None,
    ) -> None:
        header = view.horizontalHeader() if isinstance(view, QTableView) else view.header()
        super().__init__(header)
        self._view, self._header, self._key, self._stretch = view, header, key, stretch
        self._caps = caps or {}  # long free text (a title, a comment): narrower still
        self._fitter = fitter  # a table that measures its own way (a total row, 9 000 rows)
        self._settings: Settings | None = None
        self._shown = False
        self._customised = False  # widths from the user (now or restored): no automatic fit
        self._applying = False
        self._pressed = False  # a resize is the user's only while a mouse button is down
        self._resized = False
        # Rows seen at a fit: later resets (each keystroke of a search) keep the widths, as a
        # spreadsheet does; measuring 200 rows × 6 columns at every keystroke doubled its cost.
        self._fitted_rows = False
        # The bound on a column follows the view's width, which the layout settles after the
        # first show: fit again once a resize of the view (a splitter, the window) is over.
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(80)
        self._refit.timeout.connect(self.fit)
        view.installEventFilter(self)
        self._header_viewport = header.viewport()  # compared without a call into a dying header
        self._header_viewport.installEventFilter(self)
        header.sectionResized.connect(self._on_header_section_resized)
        header.sortIndicatorChanged.connect(self._on_header_sort_indicator_changed)
        model = view.model()
        # Rows arrive after the first show (a worker, a lazy page): fit again when they do.
        model.modelReset.connect(self._on_model_rows_changed)
        model.rowsInserted.connect(self._on_model_rows_changed)

    @property
    def customised(self) -> bool:
        return self._customised

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if watched is self._view and kind == QEvent.Type.Show and not self._shown:
            self._shown = True
            self._settings = _settings_of(self._view)
            self._restore()
            self.fit()
        elif watched is self._view and kind == QEvent.Type.Resize and not self._customised:
            self._refit.start()
        elif watched is self._header_viewport:
            if kind == QEvent.Type.MouseButtonPress:
                self._pressed = True
            elif kind == QEvent.Type.MouseButtonRelease:
                # The header resizes or sorts on the release itself, after this filter runs.
                QTimer.singleShot(0, self._on_mouse_released)
            elif kind == QEvent.Type.MouseButtonDblClick:
                self._pressed = True  # a double click on a divider fits that column
        return False

    def _on_mouse_released(self) -> None:
        self._pressed = False
        if self._resized and isValid(self._header):
            self._resized = False
            self.save()  # once a drag ends, not once per pixel

    def _restore(self) -> None:
        saved = self._settings.header_state(self._key) if self._settings else None
        if saved is None:
            return
        columns = self._view.model().columnCount()
        self._applying = True
        try:
            # A state saved for another set of columns (an older version) is ignored.
            self._customised = self._header.restoreState(saved) and self._header.count() == columns
        finally:
            self._applying = False

    def fit(self) -> None:
        """Each column as wide as its content and header, none beyond MAX_COLUMN_SHARE of the
        view, the flexible column taking what is left; nothing once the user has chosen."""
        if self._customised or not self._shown:
            return
        self._applying = True
        try:
            if self._fitter is not None:
                self._fitter(self._view)
                return
            header, view = self._header, self._view
            self._fitted_rows = view.model().rowCount() > 0
            widest = max(int(view.viewport().width() * MAX_COLUMN_SHARE), 80)
            for column in range(header.count()):
                if header.isSectionHidden(column):
                    continue
                view.resizeColumnToContents(column)
                cap = min(widest, self._caps.get(column, widest))
                if header.sectionSize(column) > cap:
                    header.resizeSection(column, cap)
            if self._stretch is not None and self._stretch < header.count():
                others = sum(
                    header.sectionSize(c)
                    for c in range(header.count())
                    if c != self._stretch and not header.isSectionHidden(c)
                )
                room = view.viewport().width() - others
                if room > header.sectionSize(self._stretch):
                    header.resizeSection(self._stretch, room)
        finally:
            self._applying = False

    def save(self) -> None:
        if self._settings is not None:
            self._settings.set_header_state(self._key, self._header.saveState())

    def _on_header_section_resized(self, _column: int, _old: int, _new: int) -> None:
        if not self._applying and self._pressed:
            self._customised = self._resized = True

    def _on_header_sort_indicator_changed(self, _column: int, _order) -> None:
        if not self._applying and self._shown:
            self.save()  # the widths stay automatic until a column is resized

    def _on_model_rows_changed(self, *_args) -> None:
        if not self._customised and not self._fitted_rows:
            QTimer.singleShot(0, self, self.fit)  # once the rows are laid out


def remember_columns(
    view: QTableView | QTreeView,
    key: str,
    stretch: int | None = None,
    caps: dict[int, int] | None = None,
    fitter: Callable[[QAbstractItemView], None] | None = None,
) -> ColumnMemory:
    """Call once, after setModel, with a key stable across versions (« annuaire/personnes »):
    the columns fit their content at first show and as rows arrive, until the user resizes one;
    the widths and sort the user chose come back at the next start."""
    memory = ColumnMemory(view, key, stretch, caps, fitter)
    view.setProperty("columnsKey", key)
    return memory
