"""The start backup: before opening when a migration will rewrite the file, else in the
background once the window shows, so that starting stays fast."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from sqlalchemy import text

from desktop.db import open_database
from desktop.services.common.history import install_history
from desktop.services.directory.edits import PersonInput
from desktop.services.directory.service import DirectoryService
from desktop.services.safety.backups import BackupService
from desktop.services.safety.guard import backup_before_open
from desktop.views.shell.recovery_dialog import open_or_recover
from tests.conftest import run_cli
from tests.faults.locks import holder_of_shared_lock


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


def _window_connection(path):
    """What the window holds: an engine from open_database whose session has read the file."""
    database = open_database(str(path))
    with database.session_factory() as session:
        session.execute(text("SELECT count(*) FROM person")).scalar()
    return database


def test_start_backup_keeps_the_windows_lock_on_the_file(qtbot, db_path):
    """The background start backup leaves the window's lock in place, as another process sees."""
    from PySide6.QtCore import QThreadPool

    from desktop.app import _start_backup_in_background

    open_database(str(db_path)).dispose()
    database = _window_connection(db_path)
    try:
        assert holder_of_shared_lock(db_path) == os.getpid()
        _start_backup_in_background(str(db_path))
        assert QThreadPool.globalInstance().waitForDone(30_000)
        assert len(BackupService().backups(db_path.stem, with_counts=False)) == 1
        assert holder_of_shared_lock(db_path) == os.getpid()
    finally:
        database.dispose()


def test_check_from_a_terminal_after_the_start_backup_loses_no_save(db_path):
    """After the start backup, `check` in another process leaves the window's -wal alone: a
    person saved by the window afterwards is seen by every other program."""
    open_database(str(db_path)).dispose()
    database = _window_connection(db_path)
    try:
        backup_before_open(str(db_path), BackupService())
        done = run_cli("--db", str(db_path), "check")
        assert done.returncode == 0, done.stderr
        install_history(database.session_factory)
        DirectoryService(database.session_factory).edits.create_person(
            PersonInput("APRÈS", "Contrôle")
        )
        seen = subprocess.run(
            [sys.executable, "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1])"
             ".execute(\"SELECT count(*) FROM person WHERE last_name = 'APRÈS'\").fetchone()[0])",
             str(db_path)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert seen.stdout.strip() == "1"
    finally:
        database.dispose()


def test_switching_read_only_and_back_keeps_the_sessions_locks(db_path):
    """Fichier → Lecture seule and back, and the close backup, never drop the file's locks."""
    from desktop.services.safety.guard import DataGuard

    open_database(str(db_path)).dispose()
    database = _window_connection(db_path)
    guard = DataGuard(database, BackupService())
    try:
        guard.set_read_only(True)
        guard.set_read_only(False)
        with database.session_factory() as session:
            session.execute(text("SELECT count(*) FROM person")).scalar()
        install_history(database.session_factory)
        DirectoryService(database.session_factory).edits.create_person(PersonInput("PENDANT", "x"))
        assert guard.at_close() is not None
        assert holder_of_shared_lock(db_path) == os.getpid()
    finally:
        guard.close()
        database.dispose()


def _damage_a_table_page(path, table: str) -> None:
    """Overwrite the root page of one table with noise: the counts still read, the file fails
    its integrity check (as a bad sector or an interrupted copy leaves it)."""
    con = sqlite3.connect(path)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    con.close()
    with open(path, "r+b") as handle:  # a backup no connection has open
        handle.seek((root[0] - 1) * page_size)
        handle.write(os.urandom(page_size))


def test_a_damaged_newest_backup_is_set_aside_and_a_new_one_taken(filled_db_path):
    """A newest backup that fails its check is renamed « -endommagee » (kept, byte for byte) and
    no longer stops the start backup: the next start copies the base again."""
    backups = BackupService()
    first = backup_before_open(str(filled_db_path), backups)
    _damage_a_table_page(first.path, "milestone")
    damaged = first.path.read_bytes()
    assert backups.latest_good(filled_db_path.stem) is None

    taken = backup_before_open(str(filled_db_path), backups)

    assert taken is not None
    assert backups.latest_good(filled_db_path.stem).path == taken.path
    aside = [b for b in backups.backups(filled_db_path.stem) if b.reason == "endommagee"]
    assert len(aside) == 1
    assert aside[0].path.read_bytes() == damaged
    assert aside[0].path.name.endswith("-endommagee.sqlite")
    assert backup_before_open(str(filled_db_path), backups) is None  # same data: no third copy
