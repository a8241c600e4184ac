"""The main window: an assembler of the three tabs, the menus and the status bar.

It is built in two steps so that a start paints at once: the frame (title, the three tabs with a
loading state, the saved geometry) needs only Qt; `attach` then brings the tabs, the menus and
the status bar once the database is open. The tabs come from desktop/app.py as factories, so the
shell imports no domain; what the menus open is imported where it is first needed, not here
(start-up, issue 16: SQLAlchemy and the services weigh ~0.4 s of imports).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from desktop.errors import PilotisError
from desktop.settings import Settings

if TYPE_CHECKING:
    from desktop.views.shell.context import Services
    from desktop.views.shell.tab_page import TabPage

# A tab's factory: given the main window as parent, the tab (see desktop/app.py: build_tabs).
TabFactory = Callable[[QWidget], "TabPage"]

WINDOW_TITLE = "Pilotis — Région académique Occitanie"
TAB_TITLES = ("Annuaire des services", "Suivi des programmes", "Budgets")


def _loading_page(text: str) -> QLabel:
    page = QLabel(text)
    page.setAlignment(Qt.AlignmentFlag.AlignCenter)
    page.setObjectName("loading")
    return page


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        """The window's frame, waiting for `attach` to bring the tabs of an open database."""
        super().__init__(parent)
        self._services: Services | None = None
        self._settings = settings
        self._database_label = ""
        self.import_actions = None  # File → Importer…, added by desktop/app.py
        self._loaded: set[int] = set()
        self._undo: list[str] = []
        self._redo: list[str] = []
        self.setWindowTitle(WINDOW_TITLE)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        for title in TAB_TITLES:
            self.tabs.addTab(_loading_page(self.tr("Ouverture de la base…")), self.tr(title))
        self.setCentralWidget(self.tabs)
        self._restore_geometry()
        self.statusBar().showMessage(self.tr("Ouverture de la base de données…"))

    def attach(
        self,
        services: Services,
        tabs: Sequence[TabFactory],
        database_label: str,
        database_kind: str = "SQLite",
        warnings: list[str] | None = None,
    ) -> None:
        """The tabs (built by their factories, in TAB_TITLES order), menus and status bar of an
        open database, in place of the loading pages."""
        self._services = services
        self._database_label = database_label
        current = self.tabs.currentIndex()
        pages = [make(self) for make in tabs]
        self.directory_tab, self.programmes_tab, self.budgets_tab = pages
        for index, tab in enumerate(pages):
            loading = self.tabs.widget(index)
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, tab, self.tr(TAB_TITLES[index]))
            loading.deleteLater()
        self.tabs.setCurrentIndex(current)
        for tab in self.tab_pages():
            tab.edited.connect(self._on_tab_edited)
            tab.navigate_requested.connect(self._on_tab_navigate_requested)
            tab.command_requested.connect(self._on_tab_command_requested)

        self.database_status = QLabel(
            self.tr("Base : {label} ({kind})").format(label=database_label, kind=database_kind)
        )
        self.database_status.setToolTip(database_label)
        # Where the data come from, once known (after the first tab has read its data, so the
        # start path gains no query): the embedded dataset is the 2023 report's.
        self.data_source_status = QLabel(self)
        self.data_source_status.setAccessibleName(self.tr("Origine des données"))
        self.data_source_status.setContentsMargins(0, 0, 12, 0)  # apart from « Base : … »
        self.data_source_status.hide()
        self._data_source_known = False
        self.statusBar().clearMessage()
        self.statusBar().addPermanentWidget(self.data_source_status)
        self.statusBar().addPermanentWidget(self.database_status)
        for warning in warnings or []:
            self.statusBar().showMessage(warning)

        self._build_menus()
        self._restore_settings()
        self.update_actions()
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)

    # --- menus ------------------------------------------------------------------------------

    def _action(self, text: str, slot, shortcut=None, tip: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&Fichier"))
        self.check_action = self._action(
            self.tr("&Vérifier la base…"),
            self._on_check_triggered,
            tip=self.tr("Intégrité du fichier et totaux déclarés différents des sommes"),
        )
        self.print_action = self._action(
            self.tr("&Imprimer…"),
            self._on_print_triggered,
            QKeySequence.StandardKey.Print,
            self.tr("Aperçu avant impression puis impression de la vue courante"),
        )
        self.pdf_action = self._action(
            self.tr("Enregistrer en &PDF…"), self._on_pdf_triggered, QKeySequence("Ctrl+Shift+P")
        )
        self.export_action = self._action(
            self.tr("&Exporter le tableau…"),
            self._on_export_triggered,
            QKeySequence("Ctrl+E"),
            self.tr("Exporter la liste affichée vers Excel (.xlsx) ou CSV"),
        )
        file_menu.addActions([self.print_action, self.pdf_action, self.export_action])
        from desktop.views.shell.database_dialog import database_action

        self.file_menu = file_menu  # desktop/app.py adds the import entries at its top
        file_menu.addSeparator()
        file_menu.addAction(self.check_action)
        self.database_action = database_action(self, self._settings)
        file_menu.addAction(self.database_action)
        file_menu.addSeparator()
        self.quit_action = self._action(
            self.tr("&Quitter"), self.close, QKeySequence.StandardKey.Quit
        )
        self.quit_action.setShortcuts([QKeySequence("Ctrl+Q"), QKeySequence("Alt+F4")])
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu(self.tr("&Édition"))
        self.undo_action = self._action(
            self.tr("&Annuler"), self._on_undo_triggered, QKeySequence.StandardKey.Undo
        )
        self.redo_action = self._action(
            self.tr("&Rétablir"), self._on_redo_triggered, QKeySequence("Ctrl+Y")
        )
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        self.new_action = self._action(
            self.tr("&Nouveau…"), lambda: self._route("new_item"), QKeySequence.StandardKey.New
        )
        self.edit_action = self._action(
            self.tr("&Modifier…"), lambda: self._route("edit_item"), QKeySequence("F2")
        )
        self.delete_action = self._action(
            self.tr("&Supprimer…"),
            lambda: self._route("delete_item"),
            QKeySequence.StandardKey.Delete,
        )
        self.find_action = self._action(
            self.tr("&Rechercher"),
            lambda: self._route("focus_search"),
            QKeySequence.StandardKey.Find,
        )
        edit_menu.addActions([self.new_action, self.edit_action, self.delete_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)
        edit_menu.addSeparator()
        self.copy_action = self._action(
            self.tr("&Copier"),
            self._on_copy_triggered,
            QKeySequence.StandardKey.Copy,
            self.tr("Copier les lignes sélectionnées, à coller dans un tableur"),
        )
        self.select_all_action = self._action(
            self.tr("Tout &sélectionner"),
            self._on_select_all_triggered,
            QKeySequence.StandardKey.SelectAll,
        )
        edit_menu.addActions([self.copy_action, self.select_all_action])

        view_menu = bar.addMenu(self.tr("&Affichage"))
        for number in range(self.tabs.count()):
            action = self._action(
                self.tabs.tabText(number),
                lambda _=False, n=number: self.tabs.setCurrentIndex(n),
                f"Ctrl+{number + 1}",
            )
            view_menu.addAction(action)
        view_menu.addSeparator()
        self.refresh_action = self._action(
            self.tr("&Actualiser"), self._on_refresh_triggered, QKeySequence.StandardKey.Refresh
        )
        self.refresh_action.setShortcut(QKeySequence("F5"))
        self.fullscreen_action = self._action(
            self.tr("&Plein écran"), self._on_fullscreen_triggered, QKeySequence("F11")
        )
        self.fullscreen_action.setCheckable(True)
        view_menu.addActions([self.refresh_action, self.fullscreen_action])

        help_menu = bar.addMenu(self.tr("Aid&e"))  # Alt+A is Affichage
        self.about_action = self._action(self.tr("À &propos de Pilotis"), self.show_about)
        help_menu.addAction(self.about_action)
        help_menu.addAction(self._action(self.tr("À propos de &Qt"), QApplication.aboutQt))

    # --- tabs -------------------------------------------------------------------------------

    def load_current_tab(self) -> bool:
        """Tabs load their data the first time they are shown, so start-up reads one tab only.
        False when the read failed (server fault, shown in the status bar): F5 retries."""
        from desktop.views.shell.load_guard import guarded

        index = self.tabs.currentIndex()
        if index not in self._loaded:
            self._loaded.add(index)
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                if not guarded(self, self.tabs.widget(index).load):
                    self._loaded.discard(index)
                    return False
            finally:
                QApplication.restoreOverrideCursor()
        if not self._data_source_known:
            guarded(self, self.show_data_source)
        return True

    def show_data_source(self) -> None:
        """« Données : rapport d'activité 2023… » in the status bar while the base holds the
        embedded dataset (one indexed read); nothing for a base filled otherwise."""
        from desktop.services.transfer.dataset_source import DATASET_SOURCE, holds_dataset

        dataset = holds_dataset(self._services.history.session_factory)
        self._data_source_known = True
        self.data_source_status.setText(self.tr("Données : {source}").format(source=DATASET_SOURCE))
        self.data_source_status.setToolTip(
            self.tr("La base a été remplie avec le jeu de données intégré à Pilotis, tiré du "
                    "{source} ; vos modifications s'y ajoutent.").format(source=DATASET_SOURCE)
        )  # fmt: skip
        self.data_source_status.setVisible(dataset)

    def _on_tabs_current_changed(self, _index: int) -> None:
        self.load_current_tab()
        self.update_actions()

    def tab_pages(self) -> list:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]

    def current_page(self):
        return self.tabs.currentWidget()

    def _route(self, command: str) -> None:
        handled = getattr(self.current_page(), command)()
        if not handled:
            self.statusBar().showMessage(self.tr("Commande indisponible dans cet onglet"), 3000)

    def _on_tab_navigate_requested(self, tab_name: str, key: str) -> None:
        """Show another tab, and the item named by key there (none when key is empty)."""
        names = {"annuaire": 0, "programmes": 1, "budgets": 2}
        if tab_name in names:
            self.tabs.setCurrentIndex(names[tab_name])
            if key:
                self.current_page().show_item(key)

    def _on_tab_command_requested(self, command: str) -> None:
        """A button of a tab's empty state runs the File menu's command of the same name."""
        from desktop.views.shell.tab_page import IMPORT, TEMPLATES

        if self.import_actions is None:
            return
        if command == IMPORT:
            self.import_actions.open_wizard()
        elif command == TEMPLATES:
            self.import_actions.write_templates()

    def reload_loaded_tabs(self) -> None:
        """After an undo or redo every tab already shown re-reads its data."""
        from desktop.views.shell.load_guard import guarded

        current = self.tabs.currentIndex()
        self._loaded = {current} if guarded(self, self.current_page().load) else set()
        self._data_source_known = False  # a restore or an import may have changed it
        if self._loaded:
            guarded(self, self.show_data_source)

    def update_actions(self) -> None:
        writable = not getattr(self, "read_only", False)  # set by views/backup_dialog.py
        self.undo_action.setEnabled(writable and bool(self._undo))
        self.redo_action.setEnabled(writable and bool(self._redo))

    # --- undo / redo ------------------------------------------------------------------------

    @property
    def services(self) -> Services:
        return self._services

    @property
    def settings(self) -> Settings:
        return self._settings

    def record_edit(self, batch: str) -> None:
        """An edit made outside the tabs (import, history view…) joins the undo stack."""
        self._on_tab_edited(batch)

    def clear_undo(self) -> None:
        """Forget the undo/redo stacks (after a restore or an erasure nothing before can be
        undone safely)."""
        self._undo.clear()
        self._redo.clear()
        self.update_actions()

    def push_undo(self, batch: str) -> None:
        """A revert done from the history view: undoable like any edit, redo cleared."""
        self._undo.append(batch)
        self._redo.clear()
        self.update_actions()

    def _on_tab_edited(self, batch: str) -> None:
        self._undo.append(batch)
        self._redo.clear()
        self.update_actions()
        pages = self.tab_pages()
        for index, page in enumerate(pages):
            if page is not self.sender() and index in self._loaded:
                self._loaded.discard(index)  # reloaded when shown again
        if self.sender() in pages:  # imports and the history view say what they did
            self._announce_saved(batch)

    def _announce_saved(self, batch: str) -> None:
        """Every save in a tab confirms in the status bar, naming what was saved."""
        try:
            what = self._services.history_queries.saved_summary(batch)
        except PilotisError:
            what = ""  # the save is done; naming it is a courtesy
        message = (
            self.tr("Enregistré : {what}").format(what=what) if what else self.tr("Enregistré")
        )
        self.statusBar().showMessage(message + self.tr(" — Ctrl+Z pour annuler"), 8000)

    def _revert(self, source: list[str], target: list[str], done: str) -> None:
        if not source:
            return
        batch = source.pop()
        try:
            target.append(self._services.history.revert(batch))
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Pilotis"), str(error))
            self.update_actions()
            return
        self.reload_loaded_tabs()
        self.update_actions()
        self.statusBar().showMessage(done, 4000)

    def _on_undo_triggered(self) -> None:
        self._revert(self._undo, self._redo, self.tr("Modification annulée"))

    def _on_redo_triggered(self) -> None:
        self._revert(self._redo, self._undo, self.tr("Modification rétablie"))

    # --- print / export ---------------------------------------------------------------------

    def _document(self):
        try:
            document = self.current_page().print_document()
        except PilotisError as error:  # read from the database: the server may be away
            QMessageBox.warning(self, self.tr("Pilotis"), str(error))
            return None
        if document is None:
            self.statusBar().showMessage(self.tr("Rien à imprimer dans cet onglet"), 3000)
        return document

    def _on_print_triggered(self) -> None:
        from desktop.views.shell.printing import PrintPreview

        document = self._document()
        if document is not None:
            PrintPreview(document, self).run()

    def _on_pdf_triggered(self) -> None:
        from desktop.views.shell.printing import save_pdf

        document = self._document()
        if document is not None:
            save_pdf(document, self, f"{document.title}.pdf")

    def _on_export_triggered(self) -> None:
        try:
            exported = self.current_page().export_table()
        except PilotisError as error:  # read from the database: the server may be away
            QMessageBox.warning(self, self.tr("Pilotis"), str(error))
            return
        if exported is None:
            self.statusBar().showMessage(self.tr("Rien à exporter dans cet onglet"), 3000)
            return
        columns, rows, stem = exported
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Exporter le tableau"), f"{stem}.xlsx",
            self.tr("Classeur Excel (*.xlsx);;CSV pour Excel (*.csv)"),
        )  # fmt: skip
        if not path:
            return
        from desktop.services.transfer.export import export_rows

        try:
            written = export_rows(path, columns, rows, title=stem)
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Pilotis"), str(error))
            return
        self.statusBar().showMessage(
            self.tr("{n} ligne(s) exportée(s) : {path}").format(n=len(rows), path=written), 8000
        )

    def _on_refresh_triggered(self) -> None:
        self._loaded.discard(self.tabs.currentIndex())
        if self.load_current_tab():
            self.statusBar().showMessage(self.tr("Données actualisées"), 3000)

    # --- edit -------------------------------------------------------------------------------

    def _focused_view(self) -> QAbstractItemView | None:
        widget = QApplication.focusWidget()
        return widget if isinstance(widget, QAbstractItemView) else None

    def _on_copy_triggered(self) -> None:
        from desktop.views.shell.item_views import copy_selection

        view = self._focused_view()
        if view is not None and copy_selection(view):
            self.statusBar().showMessage(self.tr("Sélection copiée"), 3000)

    def _on_select_all_triggered(self) -> None:
        view = self._focused_view()
        if view is not None:
            view.selectAll()

    # --- file / help ------------------------------------------------------------------------

    def _on_check_triggered(self) -> None:
        from desktop.services.common.formatting import format_euros

        problems = self._services.checks.integrity()
        differences = self._services.checks.declared_totals(only_differences=True)
        lines = [
            self.tr("Intégrité du fichier : aucun problème.")
            if not problems
            else self.tr("Intégrité du fichier : {n} problème(s).").format(n=len(problems))
        ]
        lines.append(
            self.tr("Totaux déclarés différents de la somme des lignes : {n}").format(
                n=len(differences)
            )
        )
        for row in differences[:20]:
            lines.append(
                f"• {row.programme_code} — {row.label} : "
                + self.tr("écart de {amount}").format(amount=format_euros(row.difference_cents))
            )
        box = QMessageBox.warning if problems else QMessageBox.information
        box(self, self.tr("Vérification de la base"), "\n".join(lines))

    def show_about(self) -> None:
        from desktop.views.shell.about_dialog import AboutDialog

        AboutDialog(self._database_label, self._settings.path, self).exec()

    def _on_fullscreen_triggered(self, checked: bool) -> None:
        self.showFullScreen() if checked else self.showNormal()

    # --- settings ---------------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        """Where and how large the window was, and its last tab: what the frame shows at once."""
        geometry = self._settings.window_geometry
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1200, 760)
        self._fit_screen()
        self.tabs.setCurrentIndex(min(max(self._settings.last_tab, 0), self.tabs.count() - 1))

    def _fit_screen(self) -> None:
        """Never larger than the screen's available area (at 150 % a 1200 × 760 window in
        device-independent pixels is 1800 × 1140 on the screen), nor placed off it."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()  # title bar and borders
        width = min(self.width(), area.width() - frame.width())
        height = min(self.height(), area.height() - frame.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        if not area.intersects(self.frameGeometry()):
            self.move(area.topLeft())

    def _restore_settings(self) -> None:
        state = self._settings.window_state
        if state is not None:
            self.restoreState(state)
        for name, splitter in self._splitters().items():
            saved = self._settings.splitter_state(name)
            if saved is not None:
                splitter.restoreState(saved)
        self.budgets_tab.restore_filter_state(self._settings.filter_state("budgets"))

    def _splitters(self) -> dict:
        return {"directory": self.directory_tab.splitter, "budgets": self.budgets_tab.splitter}

    def save_settings(self) -> None:
        self._settings.window_geometry = self.saveGeometry()
        self._settings.window_state = self.saveState()
        self._settings.last_tab = self.tabs.currentIndex()
        for name, splitter in self._splitters().items():
            self._settings.set_splitter_state(name, splitter.saveState())
        self._settings.set_filter_state("budgets", self.budgets_tab.filter_state())
        self._settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self._services is not None:  # a frame closed before its database opened keeps them
            self.save_settings()
        super().closeEvent(event)
