"""Personal data stays private on POSIX: the base, its -wal/-shm, backups, settings and their
folders are readable by their owner only, even under the usual umask 022."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from desktop.db import open_database
from desktop.services.safety.backups import BackupService
from desktop.settings import Settings
from tests.conftest import run_cli
from tests.test_untrusted_files import crafted


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    """The default umask of most systems, which makes new files 0644 and folders 0755."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_new_base_its_wal_and_folder_are_private(private_home):
    """A first start creates the data folder 0700 and the base, -wal and -shm 0600."""
    os.chmod(private_home, 0o755)  # as an older version, or the system, left it
    database = open_database(None)
    try:
        with database.engine.connect() as conn:
            conn.exec_driver_sql("INSERT INTO site (code, name) VALUES ('M', 'Montpellier')")
            conn.commit()
            sides = [Path(f"{database.path}{s}") for s in ("-wal", "-shm")]
            assert all(side.exists() for side in sides)
            assert [mode(side) for side in sides] == [0o600, 0o600]
    finally:
        database.dispose()
    assert mode(private_home) == 0o700
    assert mode(database.path) == 0o600


def test_world_readable_base_is_narrowed_when_opened(db_path):
    """A base left 0644 by an older version is 0600 once opened read-write."""
    open_database(str(db_path)).dispose()
    os.chmod(db_path, 0o644)
    open_database(str(db_path)).dispose()
    assert mode(db_path) == 0o600


def test_backups_and_their_folder_are_private(filled_db_path, tmp_path):
    """Automatic backups, « Sauvegarder sous », a restored base and the backup folder: 0600
    files in a 0700 folder."""
    service = BackupService(tmp_path / "sauvegardes")
    info = service.backup(filled_db_path, stem="filled", reason="manuelle")
    assert mode(info.path) == 0o600
    assert mode(tmp_path / "sauvegardes") == 0o700
    copy = service.backup_to(filled_db_path, tmp_path / "copie.sqlite")
    assert mode(copy.path) == 0o600
    service.restore(info.path, tmp_path / "restauree.sqlite")
    assert mode(tmp_path / "restauree.sqlite") == 0o600


def test_migration_backup_is_private(tmp_path):
    """The backup taken before a migration is 0600 in a 0700 folder."""
    path = crafted(tmp_path / "ancienne.sqlite", [], revision="0008")
    database = open_database(str(path))
    database.dispose()
    assert database.backup_path is not None
    assert mode(database.backup_path) == 0o600
    assert mode(database.backup_path.parent) == 0o700


def test_settings_file_is_private_and_stays_so_when_rewritten(private_home):
    """pilotis.ini is 0600 when first written and after Qt rewrites it."""
    settings = Settings()
    settings.last_tab = 2
    settings.sync()
    path = Path(settings.path)
    assert mode(path) == 0o600
    settings.last_tab = 1
    settings.sync()
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


def test_cli_backup_to_writes_one_private_file_and_leaves_nothing_beside(filled_db_path, tmp_path):
    """`backup --to FILE` gives one 0600 file; neither it nor the base gets a -wal or -shm."""
    target = tmp_path / "envoi" / "copie.sqlite"
    target.parent.mkdir()
    result = run_cli("--db", str(filled_db_path), "backup", "--to", str(target))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in target.parent.iterdir()) == ["copie.sqlite"]
    assert mode(target) == 0o600
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(("-wal", "-shm"))]
    con = sqlite3.connect(f"file:{target}?mode=ro&immutable=1", uri=True)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    con.close()


def test_cli_restore_leaves_one_clean_file(filled_db_path, tmp_path, private_home):
    """After `restore`, the base is one file: no -wal or -shm left beside it."""
    backup = tmp_path / "copie.sqlite"
    assert run_cli("--db", str(filled_db_path), "backup", "--to", str(backup)).returncode == 0
    result = run_cli("--db", str(filled_db_path), "restore", str(backup))
    assert result.returncode == 0, result.stderr
    beside = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert beside == ["copie.sqlite", "filled.sqlite"]
    saved = list((private_home / "sauvegardes").iterdir())
    assert [mode(p) for p in saved] == [0o600]
