"""Start-up recovery and read-only mode as a user meets them: the right way out for a bad file,
the original never overwritten, and a read-only window where nothing can be changed."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop.app import build_main_window
from desktop.db import open_database
from desktop.errors import (
    LockedDatabaseError,
    NotADatabaseError,
    PilotisError,
    ReadOnlyDatabaseError,
)
from desktop.services.directory.edits import PersonInput
from desktop.services.safety.backups import BackupService
from desktop.services.safety.guard import ReadOnlyError
from desktop.settings import Settings
from desktop.views.safety.backup_dialog import BackupDialog, install_safety
from desktop.views.shell import recovery_dialog as rd


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_damaged_file_offers_restore_of_the_latest_good_backup(qtbot, filled_db_path, tmp_path):
    """A damaged file: restore (with the backup's date and contents), another file, new base."""
    latest = BackupService(tmp_path / "s").backup(filled_db_path, stem="filled")
    error = NotADatabaseError("endommagé", str(filled_db_path))
    dialog = rd.RecoveryDialog(error, latest)
    qtbot.addWidget(dialog)
    assert list(dialog.buttons) == [rd.RESTORE, rd.OTHER, rd.NEW, rd.QUIT]
    assert latest.at.strftime("%d/%m/%Y") in dialog.buttons[rd.RESTORE].text()
    assert "73 personnes" in dialog.buttons[rd.RESTORE].text()
    assert "n'a pas été modifié" in dialog.advice.text()
    dialog.buttons[rd.RESTORE].click()
    assert dialog.choice.action == rd.RESTORE


def test_locked_and_read_only_files_offer_read_only_opening(qtbot, filled_db_path):
    """A locked file can be retried or opened read-only; a read-only file opened read-only."""
    locked = rd.RecoveryDialog(LockedDatabaseError("verrouillé", str(filled_db_path)))
    qtbot.addWidget(locked)
    assert list(locked.buttons)[:2] == [rd.RETRY, rd.READ_ONLY]
    no_write = rd.RecoveryDialog(ReadOnlyDatabaseError("lecture seule", str(filled_db_path)))
    qtbot.addWidget(no_write)
    assert rd.READ_ONLY in no_write.buttons
    assert rd.RESTORE not in no_write.buttons


def test_new_database_never_replaces_an_existing_file(qtbot, tmp_path, monkeypatch):
    """« Créer une nouvelle base » refuses a name that exists, so no file is ever overwritten."""
    existing = tmp_path / "existante.sqlite"
    existing.write_bytes(b"precieux")
    dialog = rd.RecoveryDialog(NotADatabaseError("x", str(existing)))
    qtbot.addWidget(dialog)
    warnings = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(existing), ""))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    dialog.buttons[rd.NEW].click()
    assert dialog.choice.action == rd.QUIT
    assert "existe déjà" in warnings[0]
    fresh = tmp_path / "neuve.sqlite"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(fresh), ""))
    dialog.buttons[rd.NEW].click()
    assert dialog.choice == rd.RecoveryChoice(rd.NEW, fresh)
    assert existing.read_bytes() == b"precieux"


def test_garbage_file_at_start_is_set_aside_and_the_backup_restored(
    qtbot, filled_db_path, tmp_path, monkeypatch
):
    """Start on a file replaced by garbage: choosing restore opens the backup's data, and the
    garbage is kept byte for byte in the backup folder."""
    service = BackupService(tmp_path / "s")
    service.backup(filled_db_path, stem="filled")
    garbage = b"SQLite format 3\x00" + os.urandom(20000)
    filled_db_path.write_bytes(garbage)
    Path(f"{filled_db_path}-wal").unlink(missing_ok=True)
    asked = []

    def ask(error, latest, parent=None):
        asked.append(type(error))
        return rd.RecoveryChoice(rd.RESTORE)

    monkeypatch.setattr(rd.RecoveryDialog, "ask", ask)
    database = rd.open_or_recover(str(filled_db_path), backups=service)
    try:
        assert asked == [NotADatabaseError]
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM person").scalar() == 73
    finally:
        database.dispose()
    aside = [b for b in service.backups("filled", with_counts=False) if b.reason == "endommagee"]
    assert aside[0].path.read_bytes() == garbage


def test_quit_leaves_a_damaged_file_untouched(filled_db_path, tmp_path, monkeypatch):
    """Quitting from the recovery dialog changes nothing on disk."""
    data = bytearray(filled_db_path.read_bytes())
    data[4096:8192] = os.urandom(4096)  # a damaged page in the middle
    filled_db_path.write_bytes(bytes(data))
    Path(f"{filled_db_path}-wal").unlink(missing_ok=True)
    before = digest(filled_db_path)
    monkeypatch.setattr(rd.RecoveryDialog, "ask", lambda *a, **k: rd.RecoveryChoice(rd.QUIT))
    assert rd.open_or_recover(str(filled_db_path), backups=BackupService(tmp_path / "s")) is None
    assert digest(filled_db_path) == before


def test_read_only_database_refuses_writes_and_keeps_the_file(filled_db_path, tmp_path):
    """Opened read-only, the file's bytes never change and a write is refused in French."""
    from desktop.services.directory.service import DirectoryService
    from desktop.services.safety.guard import DataGuard

    before = digest(filled_db_path)
    database = open_database(str(filled_db_path), read_only=True)
    guard = DataGuard(database, BackupService(tmp_path / "s"))
    try:
        with pytest.raises(ReadOnlyError, match="lecture seule"):
            DirectoryService(database.session_factory).edits.create_person(PersonInput("X", "Y"))
        with database.engine.connect() as conn, pytest.raises(PilotisError, match="lecture seule"):
            conn.exec_driver_sql("DELETE FROM person")
    finally:
        guard.close()
        database.dispose()
    assert digest(filled_db_path) == before


@pytest.fixture
def safe_window(qtbot, filled_database, tmp_path):
    window = build_main_window(filled_database, Settings(tmp_path / "pilotis.ini"))
    qtbot.addWidget(window)
    guard = install_safety(window, filled_database, BackupService(tmp_path / "s"))
    window.show()
    window.load_current_tab()
    yield window, guard
    guard.close()


@pytest.mark.sqlite_only
def test_read_only_toggle_disables_editing_and_shows_a_banner(safe_window, monkeypatch):
    """Fichier → Lecture seule: banner, title, editing commands and undo off; back on after."""
    window, guard = safe_window
    window._undo.append("x")
    window.update_actions()
    assert window.undo_action.isEnabled()
    window.safety.read_only_action.trigger()
    assert guard.read_only
    assert window.safety.banner_bar.isVisible()
    assert window.windowTitle().endswith("lecture seule")
    assert not any(a.isEnabled() for a in (window.new_action, window.edit_action,
                                           window.delete_action, window.undo_action))  # fmt: skip
    with pytest.raises(ReadOnlyError):
        window._services.directory.edits.create_person(PersonInput("X", "Y"))
    window.safety.read_only_action.trigger()
    assert not guard.read_only
    assert not window.safety.banner_bar.isVisible()
    assert window.new_action.isEnabled()
    window._services.directory.edits.create_person(PersonInput("ÉCRIT", "Enfin"))


@pytest.mark.sqlite_only
def test_file_menu_has_backup_commands_and_restore_lists_backups(safe_window, monkeypatch):
    """Fichier offers Sauvegarder sous… and Restaurer…; restoring brings back the old data."""
    window, guard = safe_window
    texts = [a.text().replace("&", "") for a in window.menuBar().actions()[0].menu().actions()]
    assert "Sauvegarder sous…" in texts
    assert "Restaurer une sauvegarde…" in texts
    assert "Lecture seule" in texts
    first = guard.backups.backup(guard.path, stem=guard.stem)
    window._services.directory.edits.create_person(PersonInput("EFFACÉ", "Par restauration"))
    seen = []

    def choose(backups, parent=None):
        seen.extend(backups)
        return first.path

    monkeypatch.setattr(BackupDialog, "choose", choose)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.safety.restore()
    assert [b.path for b in seen] == [first.path]
    con = sqlite3.connect(guard.path)
    assert con.execute("SELECT count(*) FROM person WHERE last_name='EFFACÉ'").fetchone() == (0,)
    con.close()
    assert "restaurée" in window.statusBar().currentMessage()
    saved = tmp_path_of(window) / "copie.sqlite"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(saved), ""))
    window.safety.save_as()
    assert saved.exists()
    assert "vérifiée" in window.statusBar().currentMessage()


def tmp_path_of(window) -> Path:
    return Path(window._settings.path).parent


def test_backup_dialog_lists_date_size_and_contents(qtbot, filled_db_path, tmp_path):
    """The restore list shows each backup's date, occasion, size and what it holds."""
    info = BackupService(tmp_path / "s").backup(filled_db_path, stem="filled", reason="fermeture")
    dialog = BackupDialog([info])
    qtbot.addWidget(dialog)
    row = [dialog.model.text(0, c) for c in range(dialog.model.columnCount())]
    assert row[0] == info.at.strftime("%d/%m/%Y %H:%M")
    assert row[1] == "à la fermeture"
    assert row[2].endswith("Ko") or row[2].endswith("Mo")
    assert "73 personnes" in row[3]
    dialog.restore_button.click()
    assert dialog.chosen == info.path
