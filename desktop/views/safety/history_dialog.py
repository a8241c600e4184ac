"""« Historique » (Édition → Historique…, Ctrl+H): every change, globally or for one record,
filtered by who, when, type and text, exportable, and « Annuler cette modification »."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import PilotisError
from desktop.services.common.columns import TableColumn
from desktop.services.common.history import HistoryService
from desktop.services.common.parsing import ParseError, parse_date
from desktop.services.common.text_limits import MAX_SEARCH_CHARS, is_cut
from desktop.services.safety.history import HistoryEntry, HistoryFilter, HistoryQueryService
from desktop.services.transfer.export import export_rows
from desktop.views.shell.item_views import make_table_view, remember_columns
from desktop.views.shell.rows_table_model import RowsTableModel

LIMIT = 1000
ALL = ""


def _element(entry: HistoryEntry) -> str:
    return entry.row_label or (f"n° {entry.row_id}" if entry.row_id else "")


# The history table, on screen and in its export (which adds the row number and the batch).
COLUMNS = (
    TableColumn("at", "Date", lambda e: e.at.strftime("%d/%m/%Y %H:%M:%S"), sort=lambda e: e.at),
    TableColumn("login", "Qui", lambda e: e.login),
    TableColumn("action", "Action", lambda e: e.action_label),
    TableColumn("table", "Type", lambda e: e.table_label),
    TableColumn("row_id", "N°", lambda e: e.row_id, "count", on_screen=False),
    TableColumn("row_label", "Élément", lambda e: e.row_label, text=_element, sort=_element,
                tooltip=lambda e: e.row_label or None),
    TableColumn("field", "Champ", lambda e: e.field_label or e.field or ""),
    TableColumn("old", "Avant", lambda e: e.old_text, tooltip=lambda e: e.old_text or None),
    TableColumn("new", "Après", lambda e: e.new_text, tooltip=lambda e: e.new_text or None),
    TableColumn("batch", "Opération", lambda e: e.batch or "", on_screen=False),
)  # fmt: skip


class HistoryDialog(QDialog):
    """Non-modal; `reverted(batch)` is emitted after « Annuler cette modification »."""

    reverted = Signal(str)

    def __init__(
        self,
        query: HistoryQueryService,
        history: HistoryService,
        *,
        table_name: str | None = None,
        row_id: int | None = None,
        record_label: str = "",
        read_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Historique des modifications"))
        self._query = query
        self._history = history
        self._record = (table_name, row_id)
        self._read_only = read_only

        self.login_combo = QComboBox(self)
        self.login_combo.addItem(self.tr("Tout le monde"), ALL)
        for login in query.logins():
            self.login_combo.addItem(login, login)
        self.table_combo = QComboBox(self)
        self.table_combo.addItem(self.tr("Tous les types"), ALL)
        for name, label in query.tables():
            self.table_combo.addItem(label, name)
        self.since_edit = QLineEdit(self)
        self.since_edit.setPlaceholderText("jj/mm/aaaa")
        self.until_edit = QLineEdit(self)
        self.until_edit.setPlaceholderText("jj/mm/aaaa")
        for edit in (self.since_edit, self.until_edit):
            edit.setMaximumWidth(110)
        self.text_edit = QLineEdit(self)
        self.text_edit.setPlaceholderText(self.tr("Texte cherché dans les valeurs…"))
        self.text_edit.setClearButtonEnabled(True)
        self.record_check = QCheckBox(
            self.tr("Seulement « {label} »").format(label=record_label or self.tr("cet élément")),
            self,
        )
        self.record_check.setVisible(table_name is not None and row_id is not None)
        self.record_check.setChecked(self.record_check.isVisibleTo(self))
        filters = QHBoxLayout()
        for caption, widget in (
            (self.tr("&Qui"), self.login_combo), (self.tr("&Type"), self.table_combo),
            (self.tr("&Du"), self.since_edit), (self.tr("&au"), self.until_edit),
            (self.tr("Te&xte"), self.text_edit),
        ):  # fmt: skip
            label = QLabel(caption, self)
            label.setBuddy(widget)
            widget.setAccessibleName(caption.replace("&", ""))
            filters.addWidget(label)
            filters.addWidget(widget, 1 if widget is self.text_edit else 0)
        self.problem = QLabel(self)
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.hide()

        self.model = RowsTableModel(COLUMNS, self)
        self.table = make_table_view(self, self.tr("Modifications"))
        self.table.setModel(self.model)
        self.table.setSortingEnabled(False)
        # Long names and values capped, the tooltip shows all.
        self.columns = remember_columns(
            self.table, "historique/modifications", caps={4: 280, 6: 280, 7: 280}
        )
        self.count_label = QLabel(self)

        self.revert_button = QPushButton(self.tr("A&nnuler cette modification"), self)
        self.revert_button.setToolTip(
            self.tr("Défait toute l'opération de cette ligne ; l'annulation est elle-même "
                    "enregistrée dans l'historique")
        )  # fmt: skip
        self.record_button = QPushButton(self.tr("Historique de cet élé&ment"), self)
        self.export_button = QPushButton(self.tr("&Exporter…"), self)
        close = QPushButton(self.tr("Fermer"), self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label, 1)
        for button in (self.record_button, self.revert_button, self.export_button, close):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.record_check)
        layout.addWidget(self.problem)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(1150, 560)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self.refresh)
        for combo in (self.login_combo, self.table_combo):
            combo.currentIndexChanged.connect(self.refresh)
        for edit in (self.since_edit, self.until_edit, self.text_edit):
            edit.textChanged.connect(self._debounce.start)
        self.record_check.toggled.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.revert_button.clicked.connect(self._on_revert_clicked)
        self.record_button.clicked.connect(self._on_record_clicked)
        self.export_button.clicked.connect(self._on_export_clicked)
        close.clicked.connect(self.close)
        self.refresh()

    # --- reading --------------------------------------------------------------------------------

    def current_filter(self) -> HistoryFilter | None:
        problems = []
        dates = []
        for caption, edit in ((self.tr("Du"), self.since_edit), (self.tr("Au"), self.until_edit)):
            text = edit.text().strip()
            try:
                dates.append(parse_date(text) if text else None)
            except ParseError as exc:
                problems.append(f"{caption} : {exc} (par exemple 01/09/2023).")
                dates.append(None)
        self.problem.setText(" ".join(problems))
        self.problem.setVisible(bool(problems))
        if problems:
            return None
        table_name, row_id = (None, None)
        if self.record_check.isChecked():
            table_name, row_id = self._record
        return HistoryFilter(
            login=self.login_combo.currentData() or None,
            since=dates[0],
            until=dates[1],
            table_name=table_name or self.table_combo.currentData() or None,
            row_id=row_id,
            text=self.text_edit.text() or None,
        )

    def refresh(self) -> None:
        flt = self.current_filter()
        if flt is None:
            return
        try:
            rows = self._query.search(flt, limit=LIMIT)
        except PilotisError as error:  # the server went away: the rows shown stay, say why
            self.problem.setText(
                self.tr("Historique non actualisé : {error}").format(error=str(error).strip())
            )
            self.problem.show()
            return
        self.model.set_rows(rows)
        text = self.tr("{n} modification(s)").format(n=len(rows))
        if len(rows) == LIMIT:
            text += self.tr(" (les plus récentes ; précisez les filtres)")
        if is_cut(flt.text):
            text += self.tr(" — seuls les {n} premiers caractères du texte sont cherchés").format(
                n=MAX_SEARCH_CHARS
            )
        self.count_label.setText(text)
        if rows:
            self.table.selectRow(0)
        self._update_buttons()

    def selected(self) -> HistoryEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _update_buttons(self, *_args) -> None:
        entry = self.selected()
        self.revert_button.setEnabled(
            entry is not None and bool(entry.batch) and not self._read_only
        )
        self.record_button.setEnabled(entry is not None and entry.row_id is not None)
        self.export_button.setEnabled(self.model.rowCount() > 0)

    # --- commands -------------------------------------------------------------------------------

    def _on_revert_clicked(self) -> None:
        entry = self.selected()
        if entry is None or not entry.batch:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Annuler cette modification"),
            self.tr(
                "Annuler l'opération du {when} par {who} ({what} « {label} ») ?\nToutes les "
                "modifications faites en même temps seront défaites ; l'annulation est "
                "enregistrée dans l'historique."
            ).format(
                when=entry.at.strftime("%d/%m/%Y %H:%M"),
                who=entry.login,
                what=entry.table_label.lower(),
                label=entry.row_label or entry.row_id,
            ),  # fmt: skip
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            batch = self._history.revert(entry.batch)
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Annulation impossible"), str(error))
            return
        self.reverted.emit(batch)
        self.refresh()

    def _on_record_clicked(self) -> None:
        entry = self.selected()
        if entry is None or entry.row_id is None:
            return
        self._record = (entry.table_name, entry.row_id)
        self.record_check.setText(
            self.tr("Seulement « {label} »").format(label=entry.row_label or entry.table_label)
        )
        self.record_check.show()
        if self.record_check.isChecked():
            self.refresh()
        else:
            self.record_check.setChecked(True)

    def _on_export_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Exporter l'historique"), "historique.xlsx",
            self.tr("Classeur Excel (*.xlsx);;CSV pour Excel (*.csv)"),
        )  # fmt: skip
        if not name:
            return
        rows = [self.model.row_at(n) for n in range(self.model.rowCount())]
        try:
            export_rows(name, COLUMNS, rows, title="Historique")
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Exporter l'historique"), str(error))


def current_record(window: QMainWindow) -> tuple[str | None, int | None, str]:
    """(table, row id, label) of the item the current tab shows, when it says so."""
    page = window.current_page()
    shown = getattr(page, "shown_record", None)
    if callable(shown):
        kind, item_id = shown()
        if kind in ("person", "unit") and item_id is not None:
            detail = getattr(page.detail, kind, None)
            label = getattr(detail, "full_name", None) or getattr(detail, "display_name", "")
            return kind, item_id, label or ""
    row = getattr(page, "_current_row", lambda: None)()
    if row is not None and getattr(row, "id", None) is not None:
        return "programme", row.id, getattr(row, "code", "")
    return None, None, ""


def add_history_action(window: QMainWindow) -> QAction:
    """Édition → Historique… (Ctrl+H), opened on the item the current tab shows if any."""
    query = window.services.history_queries

    def show() -> None:
        table_name, row_id, label = current_record(window)
        try:
            dialog = HistoryDialog(
                query, window.services.history, table_name=table_name, row_id=row_id,
                record_label=label, read_only=getattr(window, "read_only", False), parent=window,
            )  # fmt: skip
        except PilotisError as error:  # the server went away: no dialog, one French message
            QMessageBox.warning(window, window.tr("Historique"), str(error))
            return
        dialog.reverted.connect(lambda batch: _on_reverted(window, batch))
        window.history_dialog = dialog
        dialog.show()

    action = QAction(window.tr("&Historique…"), window)
    action.setShortcut(QKeySequence("Ctrl+H"))
    action.setStatusTip(window.tr("Toutes les modifications : qui, quand, quoi, avant → après"))
    action.triggered.connect(show)
    edit_menu = window.undo_action.associatedObjects()
    menu = next((m for m in edit_menu if hasattr(m, "insertAction") and m is not window), None)
    if menu is not None:
        actions = menu.actions()
        after = actions.index(window.redo_action) + 1 if window.redo_action in actions else 0
        menu.insertAction(actions[after] if after < len(actions) else None, action)
    window.history_action = action
    return action


def _on_reverted(window: QMainWindow, batch: str) -> None:
    """A change reverted from the history joins the session's undo stack (Ctrl+Z redoes it)."""
    window.push_undo(batch)
    window.reload_loaded_tabs()
    window.statusBar().showMessage(
        window.tr("Modification annulée — Ctrl+Z pour la rétablir"), 6000
    )
