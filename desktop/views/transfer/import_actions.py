"""The File menu's import entries: Importer… (Ctrl+I) and Modèles d'import…, added to a main
window by one call from desktop/app.py with the transfer service it built."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from desktop.errors import PilotisError
from desktop.services.transfer.service import TransferService
from desktop.services.transfer.templates import write_templates
from desktop.views.transfer.import_wizard import ImportWizard


class ImportActions:
    """Owns the two actions and opens the wizard; after an import the tabs reload and the
    import joins the undo stack (Ctrl+Z removes what it added)."""

    def __init__(self, window: QMainWindow, menu: QMenu, service: TransferService) -> None:
        self._window = window
        self._service = service
        self.import_action = QAction(window.tr("&Importer…"), window)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.setStatusTip(
            window.tr("Importer un classeur Excel, OpenDocument ou un CSV (tout ou rien)")
        )
        self.import_action.triggered.connect(self.open_wizard)
        self.templates_action = QAction(window.tr("&Modèles d'import…"), window)
        self.templates_action.setStatusTip(
            window.tr("Écrire un classeur vide et documenté par type de données")
        )
        self.templates_action.triggered.connect(self.write_templates)
        first = menu.actions()[0] if menu.actions() else None
        menu.insertActions(first, [self.import_action, self.templates_action])
        menu.insertSeparator(first)

    def open_wizard(self) -> ImportWizard | None:
        if getattr(self._window, "read_only", False):
            QMessageBox.information(
                self._window, "Pilotis", self._window.tr("La base est ouverte en lecture seule.")
            )
            return None
        wizard = ImportWizard(self._service, self._window.settings, self._window)
        wizard.imported.connect(self._on_wizard_imported)
        wizard.run()
        return wizard

    def _on_wizard_imported(self, batch: str) -> None:
        self._window.record_edit(batch)
        self._window.reload_loaded_tabs()
        self._window.statusBar().showMessage(self._window.tr("Import terminé"), 6000)

    def write_templates(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self._window, self._window.tr("Dossier des modèles d'import")
        )
        if not folder:
            return
        try:
            paths = write_templates(folder)
        except PilotisError as error:
            QMessageBox.warning(self._window, "Pilotis", str(error))
            return
        self._window.statusBar().showMessage(
            self._window.tr("{n} modèles d'import écrits dans {folder}").format(
                n=len(paths), folder=folder
            ),
            8000,
        )


def install_import_actions(window: QMainWindow, service: TransferService) -> ImportActions:
    """Put the two entries at the top of the window's File menu; the window's empty states
    (« Importer un fichier… ») then open the wizard through window.import_actions."""
    window.import_actions = ImportActions(window, window.file_menu, service)
    return window.import_actions
