"""A save while another program holds the file's write lock: the edit dialog shows the French
« occupée » message, stays open with what was typed, and saves it once the lock is gone."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from desktop.db import open_database
from desktop.services.common.history import install_history
from desktop.services.directory.service import DirectoryService
from desktop.views.directory.person_dialog import PersonDialog
from tests.faults.locks import write_lock_held


def _email(path, person_id: int):
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT email FROM person WHERE id = ?", (person_id,)).fetchone()[0]
    finally:
        con.close()


def test_person_dialog_keeps_the_typed_values_when_the_base_is_busy(qtbot, filled_db_path):
    """Enregistrer on a busy base: the message names the file and says to retry, the dialog and
    its fields stay as typed, nothing is written; Enregistrer again, once free, saves them."""
    database = open_database(str(filled_db_path), busy_timeout_ms=300)
    install_history(database.session_factory, login="secretariat")
    service = DirectoryService(database.session_factory)
    try:
        pid = service.find_people("BÉJEAN", limit=1)[0][0]
        person = service.person_detail(pid)
        dialog = PersonDialog(
            lambda data: service.edits.update_person(pid, person.version, data),
            service.sites(),
            person,
        )
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.keyClicks(dialog.email_edit, "sophie.bejean@region-academique-occitanie.fr")
        save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)

        with write_lock_held(filled_db_path):
            qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
            assert dialog.isVisible()
            assert dialog.result() != QDialog.DialogCode.Accepted
            shown = dialog.error_label.text()
            assert dialog.error_label.isVisible()
            assert "occupée par un autre programme" in shown
            assert str(filled_db_path) in shown
            assert "réessayez" in shown
            assert dialog.email_edit.text() == "sophie.bejean@region-academique-occitanie.fr"
            assert _email(filled_db_path, pid) is None

        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert _email(filled_db_path, pid) == "sophie.bejean@region-academique-occitanie.fr"
    finally:
        database.dispose()
