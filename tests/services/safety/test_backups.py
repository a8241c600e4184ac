"""Backups: checked copies, rotation, restore to exactly a backup's data, start/close backups."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from desktop.db import open_database
from desktop.services.common.history import install_history
from desktop.services.directory.edits import PersonInput
from desktop.services.directory.service import DirectoryService
from desktop.services.safety.backups import (
    BackupError,
    BackupService,
    RotationPolicy,
    check_backup_file,
)
from desktop.services.safety.guard import DataGuard, backup_before_open
from tests.conftest import run_cli


def dump(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: what "the same data" means."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
            for t in tables
            if not t.startswith("sqlite_") and "_fts" not in t
        }
    finally:
        con.close()


def add_person(path: Path, last_name: str) -> None:
    db = open_database(str(path))
    try:
        install_history(db.session_factory)
        DirectoryService(db.session_factory).edits.create_person(PersonInput(last_name, "Test"))
    finally:
        db.dispose()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_is_a_checked_self_contained_copy(filled_db_path, tmp_path):
    """A backup holds the same data, passes integrity_check and needs no -wal file beside it."""
    service = BackupService(tmp_path / "sauvegardes")
    info = service.backup(filled_db_path, stem="filled", reason="manuelle")
    assert info.path.parent == tmp_path / "sauvegardes"
    assert sorted(p.name for p in info.path.parent.iterdir()) == [info.path.name]
    assert dump(info.path) == dump(filled_db_path)
    people = len(dump(filled_db_path)["person"])
    assert dict(info.counts)["personnes"] == people
    assert f"{people} personnes" in info.counts_text


def test_a_damaged_source_gives_no_backup(tmp_path):
    """A file that fails the check is refused and leaves nothing that looks like a backup."""
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + os.urandom(5000))
    service = BackupService(tmp_path / "sauvegardes")
    with pytest.raises(BackupError):
        service.backup(bad, stem="bad")
    assert service.backups("bad") == []
    leftovers = list((tmp_path / "sauvegardes").glob("*")) if service.folder.exists() else []
    assert leftovers == []


@pytest.mark.sqlite_only
def test_rotation_keeps_the_last_ten_and_one_per_week(database, tmp_path):
    """Old backups go, except the newest ten and the newest of each of the last 13 weeks."""
    service = BackupService(tmp_path / "s", RotationPolicy(keep_last=10, weekly_weeks=13))
    now = datetime(2024, 6, 28, 12, 0)
    # 30 weeks of daily backups, oldest first.
    for day in range(210, -1, -1):
        service.backup(database.path, stem="b", reason="fermeture", now=now - timedelta(days=day))
    kept = [b.at for b in service.backups("b", with_counts=False)]
    newest_ten = [now - timedelta(days=d) for d in range(10)]
    assert kept[:10] == newest_ten
    older = kept[10:]
    weeks = {at.isocalendar()[:2] for at in older}
    assert len(weeks) == len(older)  # one per week
    assert min(older) >= now - timedelta(weeks=13)
    assert len(kept) == 10 + len(older)
    assert 10 <= len(older) <= 13


@pytest.mark.sqlite_only  # backups are copies of a SQLite file
def test_every_backup_kind_is_rotated_by_its_own_rule(database, tmp_path):
    """Backups before a migration keep the newest three; damaged files set aside stay 13 weeks;
    neither kind pushes out, or is pushed out by, the ordinary backups."""
    folder = tmp_path / "s"
    service = BackupService(folder, RotationPolicy(keep_last=2, weekly_weeks=13))
    now = datetime(2024, 6, 28, 12, 0)
    folder.mkdir()
    for weeks in range(6):  # six updates and six damaged files, one a month apart
        at = now - timedelta(weeks=4 * weeks)
        shutil.copyfile(database.path, folder / f"b-avant-migration-{at:%Y%m%d-%H%M%S}.sqlite")
        aside = folder / f"b-{at:%Y%m%d-%H%M%S}-endommagee.sqlite"
        aside.write_bytes(b"des octets illisibles")
        Path(f"{aside}-wal").write_bytes(b"son journal")
    for day in range(9, -1, -1):  # ten daily start backups, oldest first
        service.backup(database.path, stem="b", reason="demarrage", now=now - timedelta(days=day))
    kinds: dict[str, list[datetime]] = {}
    for info in service.backups("b", with_counts=False):
        kinds.setdefault(info.reason, []).append(info.at)
    assert kinds["avant-migration"] == [now - timedelta(weeks=4 * w) for w in range(3)]
    assert kinds["endommagee"] == [now - timedelta(weeks=4 * w) for w in range(4)]  # <= 13 weeks
    assert kinds["demarrage"] == [now - timedelta(days=d) for d in range(2)] + [
        now - timedelta(days=5)  # the newest of the previous week (Sunday 23 June)
    ]
    # A damaged file goes with the side files moved aside with it.
    assert sorted(p.name for p in folder.iterdir() if p.name.endswith("-wal")) == [
        f"b-{now - timedelta(weeks=4 * w):%Y%m%d-%H%M%S}-endommagee.sqlite-wal"
        for w in (3, 2, 1, 0)
    ]


def test_migration_backups_beyond_three_are_deleted_when_a_new_one_is_made(tmp_path):
    """Opening an older base writes a backup before migrating and keeps only the newest three
    of that base's migration backups."""
    from tests.test_untrusted_files import crafted

    path = crafted(tmp_path / "base.sqlite", [], revision="0008")
    folder = tmp_path / "sauvegardes"
    folder.mkdir()
    for month in range(1, 5):
        shutil.copyfile(path, folder / f"base-avant-migration-2024{month:02d}01-120000.sqlite")
    database = open_database(str(path))
    database.dispose()
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "base-avant-migration-20240301-120000.sqlite",
        "base-avant-migration-20240401-120000.sqlite",
        database.backup_path.name,
    ]


def test_restore_gives_exactly_the_backup_data_and_saves_the_current_state(
    filled_db_path, tmp_path
):
    """After a restore the database holds exactly the backup's rows; the state it replaced is
    itself kept as a backup."""
    service = BackupService(tmp_path / "s")
    before = dump(filled_db_path)
    backup = service.backup(filled_db_path, stem="filled")
    add_person(filled_db_path, "APRÈS")
    after = dump(filled_db_path)
    assert after != before
    saved = service.restore(backup.path, filled_db_path)
    assert dump(filled_db_path) == before
    assert saved is not None
    assert saved.reason == "avant-restauration"
    assert dump(saved.path) == after


@pytest.mark.parametrize("kind", ["garbage", "foreign", "truncated"])
def test_restore_refuses_a_bad_backup_and_changes_nothing(filled_db_path, tmp_path, kind):
    """A corrupt, foreign or truncated file is not restored; the database is untouched."""
    bad = tmp_path / "bad.sqlite"
    if kind == "garbage":
        bad.write_bytes(os.urandom(8192))
    elif kind == "foreign":
        con = sqlite3.connect(bad)
        con.execute("CREATE TABLE clients (nom TEXT)")
        con.commit()
        con.close()
    else:
        data = (filled_db_path).read_bytes()
        bad.write_bytes(data[: len(data) // 3])
    original = digest(filled_db_path)
    with pytest.raises(BackupError):
        BackupService(tmp_path / "s").restore(bad, filled_db_path)
    assert digest(filled_db_path) == original


def test_restore_over_a_damaged_file_sets_it_aside(filled_db_path, tmp_path):
    """Restoring onto a garbage file keeps the garbage, byte for byte, in the backup folder."""
    service = BackupService(tmp_path / "s")
    backup = service.backup(filled_db_path, stem="filled")
    garbage = os.urandom(4096)
    filled_db_path.write_bytes(garbage)
    Path(f"{filled_db_path}-wal").unlink(missing_ok=True)
    saved = service.restore(backup.path, filled_db_path)
    assert saved.reason == "endommagee"
    assert saved.path.read_bytes() == garbage
    assert dump(filled_db_path) == dump(backup.path)
    assert check_backup_file(filled_db_path)


def test_start_backup_is_skipped_when_nothing_changed(filled_db_path, tmp_path):
    """Two starts in a row make one backup; a change makes the next start back up again."""
    service = BackupService(tmp_path / "s")
    first = backup_before_open(str(filled_db_path), service)
    assert first is not None
    assert first.reason == "demarrage"
    assert backup_before_open(str(filled_db_path), service) is None
    add_person(filled_db_path, "NOUVEAU")
    assert backup_before_open(str(filled_db_path), service) is not None
    assert backup_before_open(str(filled_db_path), service, read_only=True) is None


@pytest.mark.sqlite_only
def test_close_backup_only_when_something_changed(filled_database, tmp_path):
    """Closing without an edit writes no backup; closing after an edit writes one with it."""
    install_history(filled_database.session_factory)
    guard = DataGuard(filled_database, BackupService(tmp_path / "s"))
    try:
        assert guard.at_close() is None
        DirectoryService(filled_database.session_factory).edits.create_person(
            PersonInput("FERMETURE", "Test")
        )
        info = guard.at_close()
        assert info is not None
        assert info.reason == "fermeture"
        assert dict(info.counts)["personnes"] == 73 + 1  # the dataset's 73 and this one
    finally:
        guard.close()


@pytest.mark.sqlite_only
def test_file_deleted_while_open_is_rescued(filled_database, tmp_path):
    """If the file is deleted while Pilotis works, the edits made are rescued into a backup."""
    install_history(filled_database.session_factory)
    guard = DataGuard(filled_database, BackupService(tmp_path / "s"))
    service = DirectoryService(filled_database.session_factory)
    try:
        service.edits.create_person(PersonInput("AVANT", "Suppression"))
        path = filled_database.path
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        service.edits.create_person(PersonInput("PENDANT", "Suppression"))
        status = guard.check_file()
        assert not status.ok
        assert "supprimé ou remplacé" in status.message
        names = {r[1] for r in dump(status.rescued.path)["person"]}
        assert {"AVANT", "PENDANT"} <= names
    finally:
        guard.close()


def test_cli_backup_and_restore(filled_db_path, tmp_path, private_home):
    """`backup`, `backup --to` and `restore` work from a terminal; restore refuses garbage."""
    before = dump(filled_db_path)
    out = run_cli("--db", str(filled_db_path), "backup")
    assert out.returncode == 0, out.stderr
    assert "Sauvegarde vérifiée" in out.stdout
    assert len(list((private_home / "sauvegardes").glob("filled-*-manuelle.sqlite"))) == 1
    target = tmp_path / "copie.sqlite"
    out = run_cli("--db", str(filled_db_path), "backup", "--to", str(target))
    assert out.returncode == 0, out.stderr
    add_person(filled_db_path, "ENTRE-DEUX")
    out = run_cli("--db", str(filled_db_path), "restore", str(target))
    assert out.returncode == 0, out.stderr
    assert "État précédent conservé" in out.stdout
    assert dump(filled_db_path) == before
    garbage = tmp_path / "g.sqlite"
    garbage.write_bytes(b"pas une base")
    out = run_cli("--db", str(filled_db_path), "restore", str(garbage))
    assert out.returncode == 1
    assert "pas une sauvegarde Pilotis" in out.stderr
    assert dump(filled_db_path) == before
