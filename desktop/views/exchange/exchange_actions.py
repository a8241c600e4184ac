"""The File menu's offline entries — « Travailler hors connexion… », « Envoyer mes
modifications… », « Recevoir des modifications… » — added to a main window by one call from
desktop/app.py with the exchange service it built for the open base."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from desktop.errors import PilotisError
from desktop.services.exchange.checkout import checkout
from desktop.services.exchange.report import conflict_lines, summary_lines, write_report
from desktop.services.exchange.service import ExchangeService

PACKAGES = "Paquets d'échange Pilotis (*.pilotis-echange);;Tous les fichiers (*)"
COPIES = "Base Pilotis (*.sqlite)"


class ExchangeActions:
    """Owns the three actions; a merge joins the undo stack (Ctrl+Z undoes all of it)."""

    def __init__(self, window: QMainWindow, menu: QMenu, service: ExchangeService,
                 url: str) -> None:  # fmt: skip
        self._window = window
        self._service = service
        self._url = url
        tr = window.tr
        self.checkout_action = QAction(tr("Travailler &hors connexion…"), window)
        self.checkout_action.setStatusTip(
            tr("Copier cette base dans un fichier pour y travailler sans réseau")
        )
        self.checkout_action.triggered.connect(self.take_copy)
        self.send_action = QAction(tr("En&voyer mes modifications…"), window)
        self.send_action.setStatusTip(
            tr("Écrire dans un fichier les modifications faites depuis le dernier échange")
        )
        self.send_action.triggered.connect(self.send)
        self.receive_action = QAction(tr("Rece&voir des modifications…"), window)
        self.receive_action.setStatusTip(
            tr("Appliquer le paquet d'un partenaire ; les conflits sont listés, pas appliqués")
        )
        self.receive_action.triggered.connect(self.receive)
        before = getattr(window, "check_action", None)
        actions = [self.checkout_action, self.send_action, self.receive_action]
        menu.insertActions(before, actions)
        menu.insertSeparator(before)

    def _busy(self):
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)

    def _done(self):
        QGuiApplication.restoreOverrideCursor()

    def take_copy(self) -> str | None:
        path, _filter = QFileDialog.getSaveFileName(
            self._window, self._window.tr("Copie hors connexion"), "", COPIES
        )
        if not path:
            return None
        self._busy()
        try:
            summary = checkout(self._url, path)
        except PilotisError as error:
            self._done()
            QMessageBox.warning(self._window, "Pilotis", str(error))
            return None
        self._done()
        text = self._window.tr(
            "Copie hors connexion prête : {path}\n\nOuvrez-la par Fichier → Base de données… "
            "pour y travailler sans réseau ; au retour, « Envoyer mes modifications… » depuis "
            "la copie, puis « Recevoir des modifications… » ici."
        ).format(path=path)
        if summary.warning:
            text += "\n\n" + summary.warning
        QMessageBox.information(self._window, "Pilotis", text)
        return path

    def send(self) -> Path | None:
        path, _filter = QFileDialog.getSaveFileName(
            self._window, self._window.tr("Envoyer mes modifications"), "", PACKAGES
        )
        if not path:
            return None
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(".pilotis-echange")
        self._busy()
        try:
            done = self._service.export(target)
        except PilotisError as error:
            self._done()
            QMessageBox.warning(self._window, "Pilotis", str(error))
            return None
        self._done()
        QMessageBox.information(
            self._window,
            "Pilotis",
            self._window.tr(
                "{n} élément(s) modifié(s) écrit(s) pour « {partner} » dans {path}."
            ).format(n=done.rows, partner=done.partner, path=target),
        )
        return target

    def receive(self):
        if getattr(self._window, "read_only", False):
            QMessageBox.information(
                self._window, "Pilotis", self._window.tr("La base est ouverte en lecture seule.")
            )
            return None
        path, _filter = QFileDialog.getOpenFileName(
            self._window, self._window.tr("Recevoir des modifications"), "", PACKAGES
        )
        if not path:
            return None
        self._busy()
        try:
            summary = self._service.merge(Path(path))
        except PilotisError as error:
            self._done()
            QMessageBox.warning(self._window, "Pilotis", str(error))
            return None
        self._done()
        if summary.batch:
            self._window.record_edit(summary.batch)
            self._window.reload_loaded_tabs()
        text = "\n".join(summary_lines(summary))
        box = QMessageBox(self._window)
        box.setWindowTitle("Pilotis")
        box.setIcon(QMessageBox.Icon.Warning if summary.conflicts else QMessageBox.Icon.Information)
        if summary.conflicts:
            report = Path(f"{path}.conflits.txt")
            write_report(report, summary, Path(path).name)
            text += "\n" + self._window.tr("Rapport des conflits : {report}").format(report=report)
            box.setDetailedText("\n".join(conflict_lines(summary)))
        box.setText(text)
        self.show_result(box)
        return summary

    @staticmethod
    def show_result(box: QMessageBox) -> None:
        """Tests replace this to read the box instead of waiting for a click."""
        box.exec()


def install_exchange_actions(window: QMainWindow, service: ExchangeService,
                             url: str) -> ExchangeActions:  # fmt: skip
    window.exchange_actions = ExchangeActions(window, window.file_menu, service, url)
    return window.exchange_actions
