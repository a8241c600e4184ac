"""Backups in the window: « Restaurer une sauvegarde… » (the list with date, size and contents),
« Sauvegarder sous… », the « Lecture seule » toggle with its banner, and the file watch."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop.db import Database
from desktop.errors import PilotisError
from desktop.services.common.columns import TableColumn
from desktop.services.common.formatting import format_number
from desktop.services.safety.backups import BackupInfo, BackupService
from desktop.services.safety.guard import DataGuard
from desktop.views.safety.history_dialog import add_history_action, current_record
from desktop.views.safety.rgpd_purge import offer_backup_purge
from desktop.views.shell.item_views import make_table_view
from desktop.views.shell.rows_table_model import RowsTableModel

WATCH_INTERVAL_MS = 15_000
BANNER_STYLE = "background: #fff3cd; color: #664d03; padding: 6px 10px; font-weight: bold;"


def size_text(size: int) -> str:
    if size < 1_048_576:
        return f"{format_number(max(size // 1024, 1))} Ko"
    return f"{size / 1_048_576:.1f} Mo".replace(".", ",")


# The backups of a base, as the restore dialog lists them (not exported).
COLUMNS = (
    TableColumn("at", "Date", lambda b: b.at, text=lambda b: b.at.strftime("%d/%m/%Y %H:%M")),
    TableColumn("reason", "Occasion", lambda b: b.reason_label),
    TableColumn("size", "Taille", lambda b: b.size, "number", text=lambda b: size_text(b.size)),
    TableColumn("counts", "Contenu", lambda b: b.counts_text),
    TableColumn("file", "Fichier", lambda b: b.path.name),
)  # fmt: skip


class BackupDialog(QDialog):
    """The backups of this database, newest first; « Restaurer » or « Autre fichier… »."""

    def __init__(self, backups: list[BackupInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Restaurer une sauvegarde"))
        self.chosen: Path | None = None
        intro = QLabel(
            self.tr(
                "Choisissez la sauvegarde à restaurer. Les données actuelles seront d'abord "
                "sauvegardées, puis remplacées par exactement celles de la sauvegarde."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.model = RowsTableModel(COLUMNS, self)
        self.model.set_rows(backups)
        self.table = make_table_view(self, self.tr("Sauvegardes"))
        self.table.setModel(self.model)
        self.table.setSortingEnabled(False)
        self.table.resizeColumnsToContents()
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.empty = QLabel(self.tr("Aucune sauvegarde de cette base pour l'instant."), self)
        self.empty.setVisible(not backups)
        buttons = QDialogButtonBox(self)
        self.restore_button = buttons.addButton(
            self.tr("&Restaurer"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.other_button = QPushButton(self.tr("Autre &fichier…"), self)
        buttons.addButton(self.other_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        self.restore_button.clicked.connect(self._on_restore_clicked)
        self.other_button.clicked.connect(self._on_other_clicked)
        buttons.rejected.connect(self.reject)
        self.restore_button.setEnabled(bool(backups))
        if backups:
            self.table.selectRow(0)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)
        self.resize(900, 420)

    def _on_table_double_clicked(self, _index) -> None:
        self._on_restore_clicked()

    def _on_restore_clicked(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.chosen = self.model.row_at(rows[0].row()).path
            self.accept()

    def _on_other_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("Restaurer une sauvegarde"), "",
            self.tr("Sauvegardes Pilotis (*.sqlite *.db);;Tous les fichiers (*)"),
        )  # fmt: skip
        if name:
            self.chosen = Path(name)
            self.accept()

    @classmethod
    def choose(cls, backups: list[BackupInfo], parent: QWidget | None = None) -> Path | None:
        """Modal choice of a backup; tests replace this class method."""
        dialog = cls(backups, parent)
        dialog.exec()
        return dialog.chosen


class SafetyActions:
    """The data-safety commands of a main window, added to its menus by install_safety()."""

    def __init__(self, window: QMainWindow, guard: DataGuard) -> None:
        self.window = window
        self.guard = guard
        self._warned = False
        menus = {a.menu().objectName() or a.text(): a.menu() for a in window.menuBar().actions()}
        file_menu = next(m for t, m in menus.items() if "Fichier" in t)
        self.save_as_action = self._action(
            window.tr("&Sauvegarder sous…"), self.save_as,
            tip=window.tr("Copie vérifiée de la base dans le fichier de votre choix"),
        )  # fmt: skip
        self.restore_action = self._action(
            window.tr("&Restaurer une sauvegarde…"), self.restore,
            tip=window.tr("Remplacer les données par celles d'une sauvegarde"),
        )  # fmt: skip
        self.read_only_action = self._action(
            window.tr("&Lecture seule"), self.toggle_read_only,
            tip=window.tr("Consulter sans pouvoir rien modifier"),
        )  # fmt: skip
        self.read_only_action.setCheckable(True)
        self.rgpd_action = self._action(
            window.tr("Données &personnelles (RGPD)…"), self.personal_data,
            tip=window.tr("Exporter ou effacer tout ce qui concerne la personne affichée"),
        )  # fmt: skip
        before = window.check_action
        file_menu.insertActions(
            before,
            [self.save_as_action, self.restore_action, self.read_only_action, self.rgpd_action],
        )
        file_menu.insertSeparator(before)

        self.banner = QLabel(self._banner_text())
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setAccessibleName(window.tr("Mode lecture seule"))
        self.banner_bar = QToolBar(window.tr("Lecture seule"), window)
        self.banner_bar.setObjectName("read_only_banner")
        self.banner_bar.setMovable(False)
        self.banner_bar.addWidget(self.banner)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.banner_bar)

        self.timer = QTimer(window)
        self.timer.setInterval(WATCH_INTERVAL_MS)
        self.timer.timeout.connect(self.check_file)
        if guard.path is not None:
            self.timer.start()
        self.apply_read_only()

    def _action(self, text: str, slot, shortcut=None, tip: str | None = None) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    # --- read-only ------------------------------------------------------------------------------

    def apply_read_only(self) -> None:
        """Banner, title and the editing commands follow the database's mode."""
        read_only = self.guard.read_only
        window = self.window
        window.read_only = read_only
        self.read_only_action.setChecked(read_only)
        # A server account with only the right to read cannot leave the mode from Pilotis.
        self.read_only_action.setEnabled(not self.guard.account_read_only)
        self.banner.setText(self._banner_text())
        self.banner_bar.setVisible(read_only)
        for action in (window.new_action, window.edit_action, window.delete_action,
                       self.restore_action, self.rgpd_action):  # fmt: skip
            action.setEnabled(not read_only)
        # The tabs' own edit buttons: a click would be refused anyway, greyed is clearer.
        for page in window.tab_pages():
            for button in getattr(page, "buttons", {}).values():
                button.setEnabled(not read_only)
        title = window.windowTitle().removesuffix(" — lecture seule")
        window.setWindowTitle(title + (" — lecture seule" if read_only else ""))
        window.update_actions()

    def _banner_text(self) -> str:
        if self.guard.account_read_only:
            return self.window.tr(
                "Lecture seule : votre compte sur le serveur n'a que le droit de lecture "
                "(demandez le rôle pilotis_editeur à l'administrateur pour modifier)."
            )
        return self.window.tr(
            "Lecture seule : consultation uniquement, aucune modification n'est possible "
            "(Fichier → Lecture seule pour modifier)."
        )

    def toggle_read_only(self) -> None:
        wanted = self.read_only_action.isChecked()
        try:
            self.guard.set_read_only(wanted)
        except PilotisError as error:
            QMessageBox.warning(self.window, self.window.tr("Lecture seule"), str(error))
        self.apply_read_only()
        self.window.reload_loaded_tabs()

    # --- backups --------------------------------------------------------------------------------

    def save_as(self) -> None:
        window = self.window
        stem = self.guard.stem
        name, _ = QFileDialog.getSaveFileName(
            window, window.tr("Sauvegarder la base sous"),
            str(Path.home() / f"{stem}-sauvegarde.sqlite"), window.tr("Bases Pilotis (*.sqlite)"),
        )  # fmt: skip
        if not name:
            return
        try:
            info = self.guard.save_as(Path(name))
        except PilotisError as error:
            QMessageBox.warning(window, window.tr("Sauvegarder sous"), str(error))
            return
        window.statusBar().showMessage(
            window.tr("Sauvegarde vérifiée : {path} ({counts})").format(
                path=info.path, counts=info.counts_text
            ),
            8000,
        )

    def restore(self) -> None:
        window = self.window
        chosen = BackupDialog.choose(self.guard.backups.backups(self.guard.stem), window)
        if chosen is None:
            return
        answer = QMessageBox.question(
            window,
            window.tr("Restaurer une sauvegarde"),
            window.tr(
                "Remplacer toutes les données par celles de {name} ?\nL'état actuel est "
                "sauvegardé avant ; l'historique d'annulation de la session est vidé."
            ).format(name=chosen.name),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            saved = self.guard.restore(chosen)
        except PilotisError as error:
            QMessageBox.warning(window, window.tr("Restaurer une sauvegarde"), str(error))
            return
        # Batches of the undo stacks may not exist in the restored data.
        window.clear_undo()
        window.reload_loaded_tabs()
        kept = window.tr(" (état précédent : {name})").format(name=saved.path.name) if saved else ""
        window.statusBar().showMessage(
            window.tr("Sauvegarde restaurée : {name}").format(name=chosen.name) + kept, 10000
        )

    # --- personal data ------------------------------------------------------------------------

    def personal_data(self) -> None:
        """Export or erase what is held on the person shown in the directory."""
        window = self.window
        table_name, person_id, label = current_record(window)
        if table_name != "person":
            QMessageBox.information(
                window, window.tr("Données personnelles"),
                window.tr("Affichez d'abord la fiche de la personne dans l'annuaire."),
            )  # fmt: skip
            return
        service = window.services.rgpd
        box = QMessageBox(window)
        box.setWindowTitle(window.tr("Données personnelles — {name}").format(name=label))
        box.setText(
            window.tr(
                "Exporter tout ce que Pilotis détient sur {name} (fiche, postes, historique), "
                "ou l'effacer définitivement ?"
            ).format(name=label)
        )
        export = box.addButton(window.tr("&Exporter…"), QMessageBox.ButtonRole.AcceptRole)
        erase = box.addButton(window.tr("E&ffacer…"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(window.tr("Annuler"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        try:
            if box.clickedButton() is export:
                name, _ = QFileDialog.getSaveFileName(
                    window, window.tr("Exporter les données personnelles"),
                    str(Path.home() / "donnees-personnelles.xlsx"),
                    window.tr("Classeur Excel (*.xlsx);;JSON (*.json)"),
                )  # fmt: skip
                if name:
                    written = service.export(person_id, name)
                    window.statusBar().showMessage(
                        window.tr("Données exportées : {path}").format(path=written), 8000
                    )
            elif box.clickedButton() is erase and self.confirm_erasure(label):
                summary = service.erase(person_id)
                window.clear_undo()
                window.reload_loaded_tabs()
                window.statusBar().showMessage(
                    window.tr(
                        "{name} effacé(e) : {v} poste(s) laissé(s) vacant(s), {h} entrée(s) "
                        "d'historique anonymisée(s)."
                    ).format(name=summary.name, v=summary.posts_vacated,
                             h=summary.history_anonymised),
                    12000,
                )  # fmt: skip
                offer_backup_purge(window, service, summary, self.guard)
        except PilotisError as error:
            QMessageBox.warning(window, window.tr("Données personnelles"), str(error))

    def confirm_erasure(self, label: str) -> bool:
        answer = QMessageBox.warning(
            self.window,
            self.window.tr("Effacer définitivement"),
            self.window.tr(
                "Effacer définitivement {name} ?\nLa fiche et ses postes terminés sont supprimés, "
                "ses postes en cours deviennent vacants, et son nom disparaît de l'historique. "
                "Cette opération ne peut pas être annulée. Les sauvegardes qui la contiennent "
                "encore vous seront ensuite proposées à la purge."
            ).format(name=label),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def check_file(self) -> None:
        status = self.guard.check_file()
        if status.ok or self._warned:
            return
        self._warned = True
        QMessageBox.critical(self.window, self.window.tr("Fichier de la base disparu"),
                             status.message)  # fmt: skip


def install_safety(window: QMainWindow, database: Database, backups: BackupService) -> DataGuard:
    """Add the data-safety commands to a main window; returns the session's guard (its
    at_close() takes the close backup)."""
    guard = DataGuard(database, backups)
    window.safety = SafetyActions(window, guard)
    add_history_action(window)
    return guard
