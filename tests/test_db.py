"""Opening databases: safe defaults, and a clear French refusal for every bad file."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from desktop import db as dbmod
from desktop.db import is_network_path, open_database, resolve_url
from desktop.errors import (
    BadDatabaseUrlError,
    LockedDatabaseError,
    MissingDatabaseError,
    NotADatabaseError,
    ReadOnlyDatabaseError,
)


def _digest(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


@pytest.mark.sqlite_only
def test_sqlite_connections_enforce_foreign_keys_wal_and_timeout(database):
    """Every connection checks references, journals in WAL and waits for a busy file."""
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == dbmod.BUSY_TIMEOUT_MS
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_default_database_is_created_in_the_local_data_folder(private_home):
    """With no --db and no PILOTIS_DB, the file goes to the user's local data folder."""
    db = open_database(None)
    try:
        assert db.path == private_home / "pilotis.sqlite"
        assert db.path.exists()
        assert db.created
    finally:
        db.dispose()


def test_pilotis_db_environment_variable_names_the_database(tmp_path, monkeypatch):
    """PILOTIS_DB is used when no --db is given, and --db wins over it."""
    monkeypatch.setenv("PILOTIS_DB", str(tmp_path / "env.sqlite"))
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'env.sqlite'}"
    assert resolve_url(str(tmp_path / "cli.sqlite")) == f"sqlite:///{tmp_path / 'cli.sqlite'}"


def test_urls_are_accepted_and_unknown_backends_refused():
    """SQLAlchemy URLs pass through; a backend Pilotis does not support gets a French message."""
    url = "postgresql+psycopg://pilotis@serveur/pilotis"
    assert resolve_url(url) == url
    with pytest.raises(BadDatabaseUrlError, match="non pris en charge"):
        resolve_url("mysql://x@y/z")


def test_missing_file_is_refused_when_not_creating(tmp_path):
    """`check` on a file that does not exist says so instead of creating an empty base."""
    with pytest.raises(MissingDatabaseError, match="n'existe pas"):
        open_database(str(tmp_path / "absent.sqlite"), create=False)
    assert not (tmp_path / "absent.sqlite").exists()


def test_missing_folder_is_refused(tmp_path):
    """A path in a folder that does not exist is refused, nothing is created."""
    with pytest.raises(MissingDatabaseError, match="dossier"):
        open_database(str(tmp_path / "nulle-part" / "base.sqlite"))
    assert not (tmp_path / "nulle-part").exists()


def test_directory_is_refused(tmp_path):
    """Giving a folder instead of a file gets a clear message."""
    with pytest.raises(NotADatabaseError, match="est un dossier"):
        open_database(str(tmp_path))


@pytest.mark.parametrize(
    "content",
    [b"Nom;Prenom\nDUPONT;Jean\n", b"PK\x03\x04 fake xlsx", b"SQLite format 3\x00" + b"\xff" * 200],
)
def test_non_database_file_is_refused_untouched(tmp_path, content):
    """A text file, a spreadsheet or a damaged SQLite file is refused and left byte for byte."""
    path = tmp_path / "pas-une-base.sqlite"
    path.write_bytes(content)
    before = _digest(path)
    with pytest.raises(NotADatabaseError):
        open_database(str(path))
    assert _digest(path) == before


def test_read_only_file_is_refused_untouched(database, db_path, monkeypatch):
    """A file the user may not write is refused with a message saying why, left as it was.

    os.access is what the check asks; it is faked because root (CI) may write anything."""
    database.dispose()
    before = _digest(db_path)
    real_access = os.access
    monkeypatch.setattr(
        dbmod.os, "access", lambda p, mode: False if mode == os.W_OK else real_access(p, mode)
    )
    with pytest.raises(ReadOnlyDatabaseError, match="lecture seule"):
        open_database(str(db_path))
    assert _digest(db_path) == before


def test_locked_file_is_refused_quickly(database, db_path):
    """A file another program holds locked gets a message instead of a frozen window."""
    database.dispose()
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(LockedDatabaseError, match="verrouillé"):
            open_database(str(db_path), busy_timeout_ms=200)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_network_paths_are_recognised(tmp_path):
    """UNC paths are network shares; a local temporary folder is not."""
    assert is_network_path(Path(r"\\serveur\partage\pilotis.sqlite"))
    assert is_network_path(Path("//serveur/partage/pilotis.sqlite"))
    assert not is_network_path(tmp_path / "local.sqlite")


def test_network_mounts_are_recognised_from_the_mount_table(tmp_path):
    """A file under an NFS or SMB mount is on a network share; under ext4 it is not."""
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/vda / ext4 rw 0 0\n"
        "serveur:/export /mnt/partage nfs4 rw 0 0\n"
        "//nas/commun /mnt/commun\\040dossier cifs rw 0 0\n"
    )
    assert dbmod._mount_fs_type(Path("/mnt/partage/base.sqlite"), str(mounts)) == "nfs4"
    assert dbmod._mount_fs_type(Path("/mnt/commun dossier/b.sqlite"), str(mounts)) == "cifs"
    assert dbmod._mount_fs_type(Path("/home/x/b.sqlite"), str(mounts)) == "ext4"


def test_database_on_a_network_share_opens_with_a_warning(db_path, monkeypatch):
    """SQLite on a share still opens, but the user is told it is unsafe and what to use."""
    monkeypatch.setattr(dbmod, "is_network_path", lambda path: True)
    db = open_database(str(db_path))
    try:
        assert len(db.warnings) == 1
        assert "partage réseau" in db.warnings[0]
        assert "PostgreSQL" in db.warnings[0]
    finally:
        db.dispose()


def test_network_mount_is_recognised_through_a_symbolic_link(tmp_path):
    """A link in a local folder that leads onto an NFS mount is on a network share."""
    share = tmp_path / "partage"
    share.mkdir()
    (tmp_path / "raccourci").symlink_to(share)
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/vda / ext4 rw 0 0\nserveur:/export {share} nfs4 rw 0 0\n")
    linked = tmp_path / "raccourci" / "pilotis.sqlite"
    assert dbmod._mount_fs_type(linked, str(mounts)) == "nfs4"


READ_ONLY_MOUNT = """
import sys
from desktop.db import open_database
from desktop.errors import PilotisError
for read_only in (True, False):
    try:
        open_database(sys.argv[1], create=False, read_only=read_only).dispose()
        print("ouverte")
    except PilotisError as exc:
        print(type(exc).__name__, exc)
"""


def test_wal_base_on_a_read_only_mount_is_called_read_only_not_damaged(database, db_path):
    """On a read-only file system (a real bind mount, in a private mount namespace), a WAL
    base is refused because Pilotis must write its -wal/-shm beside it, never as « endommagé »;
    the message says to copy it."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    database.dispose()
    folder = db_path.parent
    before = _digest(db_path)
    script = (
        f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" "{folder}" '
        f'&& exec "{sys.executable}" -c "$0" "{db_path}"'
    )
    result = subprocess.run(
        ["unshare", "--map-root-user", "--mount", "sh", "-c", script, READ_ONLY_MOUNT],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert len(lines) == 2
    for line in lines:
        assert line.startswith("ReadOnlyDatabaseError")
        assert "lecture seule" in line
        assert "-wal, -shm" in line
        assert "Copiez-la" in line
        assert "endommagé" not in line
    assert _digest(db_path) == before
