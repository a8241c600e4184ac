"""Backups of a SQLite database: online copies checked before they count, rotation, restore."""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from desktop.db import MIGRATION_BACKUPS_KEPT, SQLITE_HEADER, verify_view
from desktop.db_schema import inspect_untouched
from desktop.errors import DatabaseOpenError, PilotisError
from desktop.paths import keep_private, private_dir, private_file

REASONS = {
    "demarrage": "au démarrage",
    "fermeture": "à la fermeture",
    "manuelle": "manuelle",
    "avant-restauration": "avant une restauration",
    "avant-migration": "avant une mise à jour",
    "fichier-disparu": "secours (fichier disparu)",
    "endommagee": "fichier endommagé mis de côté",
}
# The tables whose row counts describe a backup in the restore list.
COUNTED = (("person", "personnes"), ("unit", "services"), ("programme", "programmes"),
           ("funding_line", "lignes de financement"))  # fmt: skip
_NAME = re.compile(
    r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?-(?P<reason>[a-z-]+)\.sqlite$"
)
_MIGRATION_NAME = re.compile(r"^(?P<stem>.+)-avant-migration-(?P<stamp>\d{8}-\d{6})\.sqlite$")


class BackupError(PilotisError):
    """A backup could not be made, or a file offered for restoring is not a sound backup."""


# Kinds rotated by their own rule (README « Sauvegardes »); every other reason is ordinary.
MIGRATION, DAMAGED = "avant-migration", "endommagee"


@dataclass(frozen=True)
class RotationPolicy:
    """What rotation keeps of one base's backups, each kind by its own rule so that a burst of
    one kind never pushes out another:

    - ordinary backups (start, close, manual, before a restore, rescue): the newest `keep_last`,
      plus the newest of each week for `weekly_weeks` weeks;
    - before a migration: the newest `keep_migrations`, each the way back from one update;
    - a damaged file set aside: kept `weekly_weeks` weeks for someone to salvage, then deleted.
    """

    keep_last: int = 10
    weekly_weeks: int = 13
    keep_migrations: int = MIGRATION_BACKUPS_KEPT


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    at: datetime
    reason: str
    size: int
    counts: tuple[tuple[str, int], ...] = ()

    @property
    def reason_label(self) -> str:
        return REASONS.get(self.reason, self.reason)

    @property
    def counts_text(self) -> str:
        return ", ".join(f"{n} {label}" for label, n in self.counts)


def default_backup_dir() -> Path:
    from desktop.paths import user_data_dir

    return user_data_dir() / "sauvegardes"


def _connect_ro(path: Path) -> sqlite3.Connection:
    """A read-only connection that leaves nothing beside the file: alone, it is read immutable
    (a plain mode=ro connection to a WAL base creates a -wal and a -shm it cannot delete); with
    a -wal or -journal, another program may be writing, so SQLite's own locks are taken."""
    sides = any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-journal"))
    flags = "mode=ro" if sides else "mode=ro&immutable=1"
    con = sqlite3.connect(f"file:{quote(Path(path).as_posix())}?{flags}", uri=True)
    con.execute("PRAGMA trusted_schema = OFF")
    return con


def check_backup_file(path: Path) -> tuple[tuple[str, int], ...]:
    """Refuse (BackupError) what is not a sound Pilotis database — damaged, foreign, newer, or
    with a schema the migrations do not create (planted triggers, views) — without writing to
    it or its -wal/-journal; return its row counts."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"La sauvegarde {path} est introuvable.")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} n'est pas une sauvegarde Pilotis (pas un fichier SQLite).")

    def inspect(con: sqlite3.Connection) -> tuple[tuple[str, int], ...]:
        state = verify_view(con, str(path), full=True)
        if state.current is None:
            raise BackupError(f"{path} n'est pas une sauvegarde Pilotis (base jamais initialisée).")
        return tuple(
            (label, con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
            for table, label in COUNTED
        )

    try:
        return inspect_untouched(path, inspect)
    except DatabaseOpenError as exc:
        raise BackupError(str(exc)) from exc


def copy_database(source: Path | sqlite3.Connection, target: Path) -> None:
    """Copy with SQLite's online backup API: consistent even while the source is being written.

    A connection as source lets a backup read a file that was deleted while open (its inode
    lives as long as the connection does). The copy is private to its owner (a new file gets
    0600 before SQLite writes it) and one self-contained file.
    """
    src = _connect_ro(source) if isinstance(source, Path) else source
    try:
        private_file(target)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            # A backup is one self-contained file: no -wal/-shm beside it.
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"Copie impossible de la base : {_reason(exc)}.") from exc
    finally:
        if isinstance(source, Path):
            src.close()


def _reason(exc: sqlite3.DatabaseError) -> str:
    """SQLite's English, told in French for the cases a user meets."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return "elle est verrouillée par un autre programme, réessayez dans un instant"
    if "readonly" in text or "read-only" in text:
        return "elle porte les traces d'une écriture interrompue qu'il faut d'abord réparer"
    if "disk" in text and ("full" in text or "i/o" in text):
        return "le disque est plein ou illisible"
    return "le fichier est endommagé ou illisible"


def _fsync(path: Path) -> None:
    """A backup that counts must be on disk, not only in the OS cache."""
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def checked_copy(source: Path | sqlite3.Connection, target: Path) -> tuple[tuple[str, int], ...]:
    """Copy into a temporary file, check it, then rename: a bad copy never takes a good name."""
    if not target.parent.is_dir():
        private_dir(target.parent)
    partial = target.with_name(f".{target.name}.partiel")
    partial.unlink(missing_ok=True)
    try:
        copy_database(source, partial)
        counts = check_backup_file(partial)
        _fsync(partial)
        os.replace(partial, target)
    except OSError as exc:
        raise BackupError(f"Impossible d'écrire la sauvegarde {target} : {exc.strerror}.") from exc
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
    return counts


class BackupService:
    """Automatic and manual backups in one folder (the user's data folder by default)."""

    def __init__(self, folder: Path | None = None, policy: RotationPolicy | None = None) -> None:
        self.folder = Path(folder) if folder else default_backup_dir()
        self.policy = policy or RotationPolicy()

    # --- making ---------------------------------------------------------------------------------

    def backup(
        self,
        source: Path | sqlite3.Connection,
        *,
        stem: str,
        reason: str = "manuelle",
        now: datetime | None = None,
    ) -> BackupInfo:
        """A checked backup of source in the folder, then rotation; raises BackupError."""
        now = now or datetime.now()
        stamp = now.strftime("%Y%m%d-%H%M%S")
        target = self.folder / f"{stem}-{stamp}-{reason}.sqlite"
        number = 1
        while target.exists():
            number += 1
            target = self.folder / f"{stem}-{stamp}-{number}-{reason}.sqlite"
        private_dir(self.folder, tighten=True)
        counts = checked_copy(source, target)
        self.rotate(stem, now=now)
        return BackupInfo(target, now, reason, target.stat().st_size, counts)

    def backup_to(self, source: Path, target: Path) -> BackupInfo:
        """« Sauvegarder sous… » / `backup --to`: a checked copy wherever the user asks."""
        target = Path(target)
        if target.exists() and target.resolve() == Path(source).resolve():
            raise BackupError("La sauvegarde ne peut pas remplacer la base elle-même.")
        counts = checked_copy(Path(source), target)
        return BackupInfo(target, datetime.now(), "manuelle", target.stat().st_size, counts)

    # --- listing and rotation -----------------------------------------------------------------

    def _entries(self, stem: str | None) -> list[tuple[datetime, str, Path]]:
        """(when, reason, path) of the folder's backups, newest first; those db.open_database
        writes before a migration are named differently and have the reason avant-migration."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.glob("*.sqlite"):
            match = _NAME.match(path.name) or _MIGRATION_NAME.match(path.name)
            if match is None or (stem is not None and match["stem"] != stem):
                continue
            at = datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S")
            reason = match.groupdict().get("reason") or MIGRATION
            found.append((at, reason, path))
        # Several backups in one second (restore, close): the file's own time breaks the tie.
        found.sort(key=lambda entry: (entry[0], entry[2].stat().st_mtime_ns), reverse=True)
        return found

    def backups(self, stem: str | None = None, *, with_counts: bool = True) -> list[BackupInfo]:
        """The backups, newest first; counts read from each file (unreadable ones show none)."""
        result = []
        for at, reason, path in self._entries(stem):
            counts: tuple[tuple[str, int], ...] = ()
            if with_counts:
                try:
                    con = _connect_ro(path)
                    try:
                        counts = tuple(
                            (label, con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # noqa: S608
                            for t, label in COUNTED
                        )
                    finally:
                        con.close()
                except sqlite3.DatabaseError:
                    counts = ()
            result.append(BackupInfo(path, at, reason, path.stat().st_size, counts))
        return result

    def latest_good(self, stem: str) -> BackupInfo | None:
        """The newest backup of this database that passes integrity_check."""
        for at, reason, path in self._entries(stem):
            try:
                counts = check_backup_file(path)
            except BackupError:
                continue
            return BackupInfo(path, at, reason, path.stat().st_size, counts)
        return None

    def rotate(self, stem: str, *, now: datetime | None = None) -> list[Path]:
        """Delete the backups the policy (RotationPolicy) no longer keeps, every kind by its own
        rule; returns the deleted paths."""
        now = now or datetime.now()
        entries = self._entries(stem)
        horizon = now - timedelta(weeks=self.policy.weekly_weeks)
        ordinary = [e for e in entries if e[1] not in (MIGRATION, DAMAGED)]
        keep = {path for _, _, path in ordinary[: self.policy.keep_last]}
        weeks_seen: set[tuple[int, int]] = set()
        for at, _, path in ordinary:  # newest first: the first of a week is its newest
            week = at.isocalendar()[:2]
            if at >= horizon and week not in weeks_seen:
                weeks_seen.add(week)
                keep.add(path)
        migrations = [path for _, reason, path in entries if reason == MIGRATION]
        keep.update(migrations[: self.policy.keep_migrations])
        keep.update(path for at, reason, path in entries if reason == DAMAGED and at >= horizon)
        removed = []
        for _, _, path in entries:
            if path not in keep:
                for suffix in ("", "-wal", "-shm", "-journal"):  # a damaged file's side files
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
                removed.append(path)
        return removed

    # --- restoring ----------------------------------------------------------------------------

    def restore(self, backup: Path, target: Path) -> BackupInfo | None:
        """Replace target's data by exactly the backup's. The current state is saved first (a
        checked backup; a damaged file is moved aside, never overwritten). Returns that backup."""
        backup, target = Path(backup), Path(target)
        check_backup_file(backup)
        if target.exists() and backup.resolve() == target.resolve():
            raise BackupError("Cette sauvegarde est la base elle-même.")
        saved = None
        if target.exists():
            try:
                saved = self.backup(target, stem=target.stem, reason="avant-restauration")
            except BackupError:
                saved = self._set_aside(target)
        private_file(target)
        con = sqlite3.connect(target)
        try:
            src = _connect_ro(backup)
            try:
                src.backup(con)
            finally:
                src.close()
            rows = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"Restauration impossible : {_reason(exc)}.") from exc
        finally:
            con.close()
        if rows != ["ok"]:
            raise BackupError(
                f"La base restaurée ne passe pas le contrôle d'intégrité : {rows[0]}."
            )
        return saved

    def _set_aside(self, target: Path) -> BackupInfo:
        """Move a file that cannot be backed up (damaged, garbage) into the backup folder."""
        now = datetime.now()
        aside = self.folder / f"{target.stem}-{now:%Y%m%d-%H%M%S}-{DAMAGED}.sqlite"
        private_dir(self.folder, tighten=True)
        import shutil

        for suffix in ("", "-wal", "-shm"):
            side = Path(f"{target}{suffix}")
            if side.exists():
                # move() copies then deletes across file systems: the bytes are kept either way.
                shutil.move(side, Path(f"{aside}{suffix}"))
                keep_private(Path(f"{aside}{suffix}"))
        return BackupInfo(aside, now, "endommagee", aside.stat().st_size)
