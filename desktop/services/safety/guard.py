"""The data guard of a session: backups at start and close, read-only switching, restore, and a
watch on the database file (deleted or replaced while open)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from desktop.db import (
    Database,
    make_engine,
    open_database,
    resolve_url,
    sqlite_file_kind,
    sqlite_path,
)
from desktop.db_errors import server_rights
from desktop.errors import PilotisError, ReadOnlyDatabaseError
from desktop.services.safety.backups import (
    COUNTED,
    BackupError,
    BackupInfo,
    BackupService,
    check_backup_file,
)

READ_ONLY_MESSAGE = (
    "La base est ouverte en lecture seule : aucune modification n'est possible. "
    "Décochez Fichier → Lecture seule pour modifier."
)
ACCOUNT_READ_ONLY_MESSAGE = (
    "Votre compte sur le serveur n'a que le droit de lecture : aucune modification n'est "
    "possible. Demandez le rôle pilotis_editeur à l'administrateur pour modifier."
)


class ReadOnlyError(PilotisError):
    """A write was attempted while the database is open read-only."""


def install_read_only_guard(
    factory: sessionmaker,
    database: Database,
    message: Callable[[], str] = lambda: READ_ONLY_MESSAGE,
) -> None:
    """Refuse every write of this factory's sessions with a French message while
    database.read_only is set (the engine refuses too, with SQLite's English error)."""
    info = factory.kw.setdefault("info", {})
    if info.get("read_only_guard"):
        return
    info["read_only_guard"] = True

    @event.listens_for(factory, "before_flush")
    def _before_flush(session: Session, _context, _instances) -> None:
        if database.read_only and (session.new or session.dirty or session.deleted):
            raise ReadOnlyError(message())

    @event.listens_for(factory, "do_orm_execute")
    def _on_execute(state) -> None:
        if database.read_only and (state.is_insert or state.is_update or state.is_delete):
            raise ReadOnlyError(message())


def fingerprint(path: Path) -> tuple:
    """What says "something changed": the newest history row and the main tables' sizes.

    Every edit and import writes history rows; the counts catch bulk writes (the generator)."""
    con = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
    try:
        values = [con.execute("SELECT max(id), count(*) FROM change").fetchone()]
        values += [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t, _ in COUNTED]  # noqa: S608
        return tuple(values)
    except sqlite3.DatabaseError:
        return ()
    finally:
        con.close()


def start_backup_is_urgent(db_value: str | None) -> bool:
    """The start backup must come before opening only when a migration will rewrite the file;
    otherwise it is taken once the window shows (app.py), so starting is not slowed by it."""
    try:
        path = sqlite_path(resolve_url(db_value))
    except PilotisError:
        return False
    if path is None or not path.is_file():
        return False
    from desktop.db import migration_pending

    return migration_pending(path)


def backup_before_open(
    db_value: str | None, backups: BackupService, *, read_only: bool = False
) -> BackupInfo | None:
    """The start backup, taken before the file is opened (so before any migration); skipped for
    a server, a missing or non-SQLite file (the opening reports those), read-only sessions, and
    when the newest backup already holds the same data. A failed check never counts."""
    if read_only:
        return None
    try:
        path = sqlite_path(resolve_url(db_value))
    except PilotisError:
        return None
    if path is None or not path.is_file():
        return None
    try:
        # Asked of SQLite, never read with open(): the window's connection may already be
        # open in this process, and closing any descriptor of the file would drop its locks.
        if sqlite_file_kind(path) != "sqlite":
            return None
    except PilotisError:
        return None
    current = fingerprint(path)
    newest = newest_sound_backup(backups, path.stem)
    if current and newest is not None and fingerprint(newest.path) == current:
        return None
    try:
        return backups.backup(path, stem=path.stem, reason="demarrage")
    except BackupError:
        return None  # a damaged file: opening it will say so and offer the way out


def newest_sound_backup(backups: BackupService, stem: str) -> BackupInfo | None:
    """The newest backup that passes its checks; damaged ones met on the way are set aside
    (renamed « -endommagee », kept): a damaged newest backup with the same counts as the base
    would otherwise stand for it and stop every new start backup."""
    for info in backups.backups(stem, with_counts=False):
        if info.reason == "endommagee":
            continue
        try:
            check_backup_file(info.path)
        except BackupError:
            set_aside_damaged(info, stem)
            continue
        return info
    return None


def set_aside_damaged(info: BackupInfo, stem: str) -> Path:
    """Rename a backup that fails its checks to « <stem>-<its time>-endommagee.sqlite » in its
    folder: never offered nor compared again, never deleted by the rotation, still there."""
    base = f"{stem}-{info.at:%Y%m%d-%H%M%S}"
    target = info.path.with_name(f"{base}-endommagee.sqlite")
    number = 1
    while target.exists():
        number += 1
        target = info.path.with_name(f"{base}-{number}-endommagee.sqlite")
    for suffix in ("-wal", "-shm", "-journal", ""):  # the main file last: it names the set
        side = Path(f"{info.path}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{target}{suffix}"))
    return target


@dataclass(frozen=True)
class FileStatus:
    """The database file as seen now: still there, gone, or another file at its place."""

    ok: bool
    message: str = ""
    rescued: BackupInfo | None = None


class DataGuard:
    """Watches one open database for the session; a no-op for PostgreSQL except read-only."""

    def __init__(self, database: Database, backups: BackupService | None = None) -> None:
        self.database = database
        self.backups = backups or BackupService()
        self.path = database.path
        self._anchor: sqlite3.Connection | None = None
        self._inode: tuple[int, int] | None = None
        self._start = fingerprint(self.path) if self.path else ()
        self._rescued = False
        if self.path is not None:
            # A connection kept open from the start can still read the file if it is deleted or
            # replaced: its descriptors point to the original inode.
            self._anchor = sqlite3.connect(f"file:{self.path.as_posix()}?mode=ro", uri=True)
            self._anchor.execute("SELECT count(*) FROM sqlite_master").fetchone()
            stat = os.stat(self.path)
            self._inode = (stat.st_dev, stat.st_ino)
        self.account_read_only = self._account_refuses_writes()
        install_read_only_guard(database.session_factory, database, self.read_only_message)

    @property
    def read_only(self) -> bool:
        return self.database.read_only

    def read_only_message(self) -> str:
        return ACCOUNT_READ_ONLY_MESSAGE if self.account_read_only else READ_ONLY_MESSAGE

    def _account_refuses_writes(self) -> bool:
        """A PostgreSQL account without the right to write: Pilotis cannot leave read-only."""
        if self.path is not None or not self.database.read_only:
            return False
        try:
            with self.database.engine.connect() as conn:
                return not server_rights(conn)[0]
        except SQLAlchemyError:
            return False  # the server cannot say: the switch will find out when asked

    @property
    def stem(self) -> str:
        return self.path.stem if self.path else "pilotis"

    # --- read-only ------------------------------------------------------------------------------

    def set_read_only(self, read_only: bool) -> None:
        """Reopen the database read-only (SQLite mode=ro) or read-write; every service follows,
        since they share the session factory whose bind changes here. The mode is what the
        reopened database says: a server account with only the right to read stays read-only,
        and ReadOnlyError says why."""
        if read_only == self.database.read_only:
            return
        fresh = self._reopen(read_only)
        if fresh.read_only and not read_only:
            fresh.engine.dispose()
            self.account_read_only = True  # the server (its rights for this account) said no
            raise ReadOnlyError(self.read_only_message())
        old = self.database.engine
        self.database.session_factory.configure(bind=fresh.engine)
        self.database.engine = fresh.engine
        self.database.read_only = fresh.read_only
        old.dispose()

    def _reopen(self, read_only: bool) -> Database:
        """The database again, read-only or not. A file gets a new engine on what this session
        already opened and checked, not open_database: its checks read the file outside SQLite
        (a private copy when a -wal exists), and with this session's connections open that
        would drop their locks (see sqlite_file_kind)."""
        path = self.path
        if path is None:
            return open_database(self.database.url, create=False, read_only=read_only)
        if not read_only and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            raise ReadOnlyDatabaseError(
                f"Le fichier {path} (ou son dossier) est en lecture seule : Pilotis ne peut pas "
                "y écrire. Copiez-le dans un dossier où vous pouvez écrire.",
                str(path),
            )
        engine = make_engine(self.database.url, read_only=read_only)
        return Database(self.database.url, engine, self.database.session_factory,
                        read_only=read_only)  # fmt: skip

    # --- file watch -----------------------------------------------------------------------------

    def check_file(self) -> FileStatus:
        """Is the database file still the one opened? If it was deleted or replaced, rescue the
        data through the anchor connection into the backup folder (once)."""
        if self.path is None or self._anchor is None:
            return FileStatus(True)
        try:
            stat = os.stat(self.path)
            same = (stat.st_dev, stat.st_ino) == self._inode
        except OSError:
            same = False
        if same:
            return FileStatus(True)
        rescued = None
        if not self._rescued:
            try:
                rescued = self.backups.backup(
                    self._anchor, stem=self.stem, reason="fichier-disparu"
                )
                self._rescued = True
            except BackupError:
                rescued = None
        where = f" Une copie de secours a été faite : {rescued.path}." if rescued else ""
        return FileStatus(
            False,
            f"Le fichier {self.path} a été supprimé ou remplacé pendant que Pilotis l'utilisait."
            + where
            + " Fermez Pilotis puis restaurez cette sauvegarde.",
            rescued,
        )

    # --- backups --------------------------------------------------------------------------------

    def changed(self) -> bool:
        return self.path is not None and fingerprint(self.path) != self._start

    def at_close(self) -> BackupInfo | None:
        """The close backup, when something changed (or the file vanished: rescue)."""
        if self.path is None:
            return None
        status = self.check_file()
        if not status.ok:
            return status.rescued
        if not self.changed():
            return None
        try:
            info = self.backups.backup(self.path, stem=self.stem, reason="fermeture")
        except BackupError:
            return None
        self._start = fingerprint(self.path)
        return info

    def save_as(self, target: Path) -> BackupInfo:
        if self.path is None:
            raise BackupError("Les sauvegardes de PostgreSQL se font sur le serveur (pg_dump).")
        return self.backups.backup_to(self.path, Path(target))

    def restore(self, backup: Path) -> BackupInfo | None:
        """Replace the open database's data by the backup's (the current state is saved first);
        an older backup is then brought to the current schema."""
        if self.path is None:
            raise BackupError("Restauration impossible sur un serveur PostgreSQL.")
        if self.database.read_only:
            raise ReadOnlyError(READ_ONLY_MESSAGE)
        self.database.engine.dispose()
        saved = self.backups.restore(Path(backup), self.path)
        upgraded = open_database(str(self.path), create=False)
        upgraded.dispose()
        self.database.engine.dispose()
        return saved

    def close(self) -> None:
        if self._anchor is not None:
            self._anchor.close()
            self._anchor = None
