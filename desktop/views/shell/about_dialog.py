"""À propos de Pilotis: version, database in use, where data and settings live."""

from __future__ import annotations

import platform

from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from desktop import __version__


class AboutDialog(QDialog):
    def __init__(self, database: str, settings_path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("À propos de Pilotis"))
        self.text = QLabel(self)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setWordWrap(True)
        self.text.setText(
            self.tr(
                "<h2>Pilotis {version}</h2>"
                "<p>Annuaire des services, suivi des programmes et budgets de la région "
                "académique Occitanie.</p>"
                "<p><b>Base de données :</b><br>{database}</p>"
                "<p><b>Réglages :</b><br>{settings}</p>"
                "<p>Données par défaut : rapport d'activité 2023 de la région académique "
                "Occitanie.</p>"
                "<p><small>Python {python} · Qt {qt}</small></p>"
            ).format(
                version=__version__,
                database=database,
                settings=settings_path,
                python=platform.python_version(),
                qt=qVersion(),
            )
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
