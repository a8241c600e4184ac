"""The start backup: before opening when a migration will rewrite the file, else in the
background once the window shows, so that starting stays fast."""

from __future__ import annotations

import sqlite3

from desktop.db import open_database
from desktop.services.backup_service import BackupService
from desktop.views.recovery_dialog import open_or_recover


def test_up_to_date_file_opens_without_waiting_for_a_backup(db_path):
    """Opening a file at the current schema takes no backup on the way (it comes later)."""
    open_database(str(db_path)).dispose()
    backups = BackupService()
    database = open_or_recover(str(db_path), smoke=True, backups=backups)
    database.dispose()
    assert list(backups.backups(db_path.stem, with_counts=False)) == []


def test_file_needing_a_migration_is_backed_up_before_it_opens(db_path):
    """A file an older Pilotis wrote is copied before the migration touches it."""
    from alembic import command

    from desktop.db import alembic_config

    command.upgrade(alembic_config(f"sqlite:///{db_path}"), "0001")  # as the first release did
    backups = BackupService()
    database = open_or_recover(str(db_path), smoke=True, backups=backups)
    database.dispose()
    taken = list(backups.backups(db_path.stem, with_counts=False))
    assert len(taken) == 1
    copy = sqlite3.connect(taken[0].path)
    assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    copy.close()


def test_background_start_backup_is_taken_after_the_window_shows(qtbot, db_path):
    """Once the window shows, a worker copies the file into the backups folder."""
    from PySide6.QtCore import QThreadPool

    from desktop.app import _start_backup_in_background

    open_database(str(db_path)).dispose()
    _start_backup_in_background(str(db_path))
    assert QThreadPool.globalInstance().waitForDone(30_000)
    assert len(list(BackupService().backups(db_path.stem, with_counts=False))) == 1
