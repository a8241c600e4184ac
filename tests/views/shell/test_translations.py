"""Qt's own dialogs speak French: the application loads Qt's French translations (qtbase_fr)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialogButtonBox

from desktop.app import create_application


def test_standard_buttons_and_the_file_dialog_are_in_french(qtbot):
    """« Enregistrer », « Annuler », « Voir dans : » (with its no-break space): what Qt draws
    itself is translated."""
    create_application()  # installs the translators on the running application
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
    )
    qtbot.addWidget(box)
    texts = {button.text().replace("&", "") for button in box.buttons()}
    assert texts == {"Enregistrer", "Annuler"}
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "Voir dans\u00a0:"
    assert QCoreApplication.translate("QFileDialog", "Files of type:") != "Files of type:"
