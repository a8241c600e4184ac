"""Engine and sessions, SQLite pragmas, safety checks on open, and the Alembic migration runner."""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import sessionmaker

from desktop.db_errors import (
    READ_ONLY_ACCOUNT,
    install_error_translation,
    schema_update_refused,
    server_rights,
    translate_sqlite,
)
from desktop.db_schema import expected_schemas, inspect_untouched, verify_schema
from desktop.errors import (
    BadDatabaseUrlError,
    DatabaseOpenError,
    DatabaseTooNewError,
    ForeignDatabaseError,
    LockedDatabaseError,
    MissingDatabaseError,
    NotADatabaseError,
    ReadOnlyDatabaseError,
)
from desktop.paths import (
    default_database_path,
    keep_private,
    private_dir,
    private_file,
    resource_path,
)

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
NETWORK_FS_TYPES = {"cifs", "smb3", "smbfs", "nfs", "nfs4", "fuse.sshfs", "9p", "afs", "ncpfs"}
NETWORK_SHARE_WARNING = (
    "La base {path} est sur un partage réseau : SQLite n'y est pas fiable (verrous, corruption "
    "possible). Pour travailler à plusieurs, utilisez le déploiement partagé PostgreSQL."
)


# A statement running longer than this on PostgreSQL is cancelled by the server (a lock held by
# someone else, a runaway query): the user gets a French message instead of a frozen window.
DEFAULT_STATEMENT_TIMEOUT_S = 60
STATEMENT_TIMEOUT_ENV = "PILOTIS_PG_STATEMENT_TIMEOUT"


def statement_timeout_ms(value: str | None = None) -> tuple[int | None, bool]:
    """(milliseconds or None for no limit, whether it was chosen explicitly) from
    PILOTIS_PG_STATEMENT_TIMEOUT: seconds ("90", "2.5"), or "500ms", "90s", "2min"; "0" for no
    limit. Unset: the application's default, which a timeout set by the administrator on the
    role or the database overrides."""
    raw = (value if value is not None else os.environ.get(STATEMENT_TIMEOUT_ENV, "")).strip()
    if not raw:
        return DEFAULT_STATEMENT_TIMEOUT_S * 1000, False
    found = re.fullmatch(r"(\d+(?:[.,]\d*)?)\s*(ms|s|min)?", raw.lower())
    if found is None:
        raise DatabaseOpenError(
            f"Délai des requêtes illisible dans {STATEMENT_TIMEOUT_ENV} : « {raw} » (un nombre "
            "de secondes attendu, par exemple 60, ou 0 pour aucun délai)."
        )
    factor = {"ms": 1, "min": 60_000}.get(found.group(2), 1000)
    milliseconds = round(float(found.group(1).replace(",", ".")) * factor)
    return (milliseconds or None), True


def resolve_url(value: str | None = None) -> str:
    """--db value, else PILOTIS_DB, else the default file; a plain path becomes a SQLite URL."""
    value = value or os.environ.get("PILOTIS_DB") or str(default_database_path())
    if "://" not in value:
        return "sqlite:///" + str(Path(value).expanduser().absolute())
    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise BadDatabaseUrlError(f"Adresse de base de données illisible : {value}") from exc
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise BadDatabaseUrlError(
            f"Type de base non pris en charge : « {url.get_backend_name()} » "
            "(utilisez un fichier SQLite ou postgresql+psycopg://…)."
        )
    return value


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, None for a server or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def is_network_path(path: Path) -> bool:
    """UNC path, mapped network drive (Windows) or a network file system mount (Linux); a
    symbolic link is followed first: a link in a local folder may lead to a share."""
    for raw in (str(path), os.path.realpath(path)):
        if raw.startswith(("\\\\", "//")):
            return True
    if sys.platform == "win32":
        import ctypes

        drive = os.path.splitdrive(os.path.realpath(path))[0]
        drive_remote = 4
        return bool(drive) and ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == drive_remote
    return _mount_fs_type(path) in NETWORK_FS_TYPES


def _mount_fs_type(path: Path, mounts_file: str = "/proc/mounts") -> str | None:
    """File system type of the mount holding path (longest mount point that prefixes it), after
    following symbolic links: the mount that matters is where the bytes are."""
    try:
        lines = Path(mounts_file).read_text().splitlines()
    except OSError:
        return None
    target = os.path.realpath(path)
    best, fs_type = "", None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = parts[1].replace("\\040", " ")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) > len(best):
            best, fs_type = mount, parts[2]
    return fs_type


def display_url(url: str) -> str:
    """A URL fit to show: the file path, or user@host:port/database (never the password)."""
    path = sqlite_path(url)
    if path:
        return str(path)
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return parsed.render_as_string(hide_password=True)
    user = f"{parsed.username}@" if parsed.username else ""
    host = parsed.host or parsed.query.get("host") or "localhost"
    return f"{user}{host}:{parsed.port or 5432}/{parsed.database}"


@dataclass
class Database:
    """An open database: its URL, engine, session factory and what the user should be told."""

    url: str
    engine: Engine
    session_factory: sessionmaker
    warnings: list[str] = field(default_factory=list)
    created: bool = False
    backup_path: Path | None = None
    read_only: bool = False

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @property
    def display_name(self) -> str:
        return display_url(self.url)

    def dispose(self) -> None:
        self.engine.dispose()


def make_engine(
    url: str,
    *,
    foreign_keys: bool = True,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    read_only: bool = False,
):
    """An engine with our SQLite pragmas; pysqlite's own transaction handling is replaced so that
    DDL is transactional too (SQLAlchemy's documented recipe for pysqlite).

    read_only opens the file with SQLite's `mode=ro` (and query_only), or asks PostgreSQL for
    read-only transactions: the engine itself refuses every write, whatever a view tries.
    """
    if make_url(url).get_backend_name() != "sqlite":
        # A server that does not answer fails in seconds rather than after the OS's TCP timeout.
        connect_args: dict = {} if "connect_timeout" in url else {"connect_timeout": 10}
        if read_only:
            connect_args["options"] = "-c default_transaction_read_only=on"
        engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        install_error_translation(engine, display_url(url))  # French PilotisErrors
        _install_statement_timeout(engine)
        _install_planner_costs(engine)
        return engine
    path = sqlite_path(url)
    if read_only and path is not None:
        from urllib.parse import quote

        engine = create_engine(
            f"sqlite:///file:{quote(path.as_posix())}?mode=ro&uri=true",
            connect_args={"timeout": busy_timeout_ms / 1000},
        )
    else:
        engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        # No function of ours, no virtual table runs from the file's schema (its triggers, views,
        # indexes, defaults): a file from someone else cannot make SQLite call them. Pilotis's own
        # schema needs none (migration 0012).
        cursor.execute("PRAGMA trusted_schema = OFF")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed transaction survives a power cut, not only a crash.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    where = str(path) if path else "en mémoire"
    _install_write_lock(engine, read_only=read_only, where=where, busy_timeout_ms=busy_timeout_ms)
    install_error_translation(engine, where, busy_timeout_ms=busy_timeout_ms)  # French errors

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record) -> None:
        if record.info.pop(_CHECKPOINT_DEFERRED, False) and dbapi_connection is not None:
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")

    return engine


# Execution option: this connection's transactions take the write lock at BEGIN (migrations).
IMMEDIATE = "pilotis_immediate"
_WRITING = "pilotis_writing"
_CHANGES = "pilotis_changes_at_begin"
_WRITE_VERBS = {"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "SAVEPOINT",
                "REINDEX", "ANALYZE"}  # fmt: skip
_FIRST_WORD = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/|\()*([A-Za-z]+)", re.S)
_DML_WORD = re.compile(r"\b(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.I)


def is_write_statement(statement: str) -> bool:
    """Whether SQL text may write (a CTE is judged by the verbs it contains: a read taken for a
    write only takes the lock a little early)."""
    found = _FIRST_WORD.match(statement)
    if found is None:
        return False
    verb = found.group(1).upper()
    if verb == "WITH":
        return _DML_WORD.search(statement) is not None
    return verb in _WRITE_VERBS


def _install_write_lock(
    engine: Engine, *, read_only: bool, where: str, busy_timeout_ms: int
) -> None:
    """SQLite transactions begin deferred and take the write lock (BEGIN IMMEDIATE) at their
    first write, so that waiting for another writer honours the busy timeout.

    Why: a deferred transaction that has read cannot become a writer while another connection
    writes or has written since its read began; SQLite answers SQLITE_BUSY at once, without
    calling the busy handler (two editing processes: 355 raw « database is locked » in 799
    saves). BEGIN IMMEDIATE for every transaction would cure that but make every read wait for
    every writer, losing what WAL gives (readers never wait): a GUI's lists would freeze
    behind a command-line import. So pure reads keep one deferred snapshot, and at the first
    write the reads-only transaction is ended (it holds nothing to commit) and BEGIN IMMEDIATE
    waits for the lock; what follows reads the newest data. Reads made before that point may
    predate another program's save, as with PostgreSQL's default isolation (READ COMMITTED),
    which every service already meets: an edit's UPDATE carries the version it read and is
    refused as a conflict when the row moved (optimistic locking), and unique indexes refuse
    duplicates. A connection with the IMMEDIATE execution option takes the lock at BEGIN.
    Writes made on the raw sqlite3 connection must follow a write through SQLAlchemy (as
    ingest's _take_write_lock does): they are not seen here."""

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        info = connection.info
        immediate = not read_only and connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        info[_WRITING] = immediate or read_only  # a read-only file is never written
        info[_CHANGES] = connection.connection.driver_connection.total_changes

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(connection, _cursor, statement, _parameters, _context, _many) -> None:
        info = connection.info
        if info.get(_WRITING, True) or not is_write_statement(statement):
            return
        info[_WRITING] = True
        raw = connection.connection.driver_connection
        if raw.total_changes != info.get(_CHANGES):
            return  # written already on the raw connection: the lock is held
        try:
            if raw.in_transaction:
                raw.execute("COMMIT")  # a reads-only transaction: nothing to keep or lose
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            translated = translate_sqlite(exc, where, busy_timeout_ms)
            if translated is None:
                raise
            raise translated from exc


def transaction_wrote(connection) -> bool:
    """Whether this SQLite connection's transaction has changed rows (through SQLAlchemy, on the
    raw connection, or by triggers), so holds the write lock."""
    raw = connection.connection.driver_connection
    return raw.in_transaction and raw.total_changes != connection.info.get(
        _CHANGES, raw.total_changes
    )


WAL_AUTOCHECKPOINT = 1000  # pages: SQLite's default
_CHECKPOINT_DEFERRED = "pilotis_checkpoint_deferred"


def defer_checkpoint(connection) -> None:
    """SQLite: the commit about to happen on this connection does not copy its journal (WAL)
    into the database file right after; the next write or the last close does it, as for any
    journal past 1 000 pages. The commit is as durable (the journal is synced either way); a
    100 000-row import returns ~45 ms sooner. Put back when the connection returns to the pool."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA wal_autocheckpoint = 0")
        connection.connection.info[_CHECKPOINT_DEFERRED] = True


def _install_statement_timeout(engine) -> None:
    """Each new server connection gets the statement timeout: the one chosen explicitly, else
    the application's default when the role and the database set none themselves."""
    milliseconds, explicit = statement_timeout_ms()
    if milliseconds is None:
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cursor:
            if not explicit:
                cursor.execute("SHOW statement_timeout")
                if cursor.fetchone()[0] != "0":
                    dbapi_connection.commit()
                    return
            cursor.execute(f"SET statement_timeout = {int(milliseconds)}")
        dbapi_connection.commit()  # a session setting, kept whatever the next transaction does


# PostgreSQL's default random_page_cost (4) prices an index lookup for a spinning disk. Pilotis'
# tables are small enough to stay in the server's cache (100 000 people: about 20 MB), where
# PostgreSQL's documentation advises a value near 1: with 4, the planner hashed the whole person
# table to find the 2 800 holders of « responsable » posts (30 ms) instead of looking them up by
# id (16 ms), at each keystroke of the directory search.
RANDOM_PAGE_COST = 1.1


def _install_planner_costs(engine) -> None:
    """Each new server connection prices random reads for cached data, unless the administrator
    set random_page_cost (server, database or role): their value is kept."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT source FROM pg_settings WHERE name = 'random_page_cost'")
            row = cursor.fetchone()
            if row is not None and row[0] == "default":
                cursor.execute(f"SET random_page_cost = {RANDOM_PAGE_COST}")
        dbapi_connection.commit()


NOT_SQLITE = (
    "{path} n'est pas une base de données Pilotis (ce n'est pas un fichier SQLite, ou son "
    "en-tête est illisible)."
)
_SQLITE_NOTADB = 26


def sqlite_file_kind(path: Path) -> str:
    """What an existing file is, asked of SQLite: "empty" (no byte yet), "sqlite", or "other"
    (not SQLite, or a header SQLite refuses); DatabaseOpenError when it cannot be read.

    Never through Python's open(): on POSIX, closing any descriptor of a file drops every lock
    the process holds on it, so a connection open elsewhere in the process (the window's, the
    data guard's) would lose its locks unknowingly, and another program could then delete the
    -wal it writes to (SQLite's "How To Corrupt An SQLite Database File", §2.2: a person imported
    from the command line vanished that way). SQLite's own descriptors are safe: it defers their
    close while it holds a lock on the file. Its immutable view takes no lock and reads no -wal
    or journal, so asking writes nothing."""
    try:
        if path.stat().st_size == 0:
            return "empty"
    except OSError as exc:
        raise DatabaseOpenError(f"Impossible de lire {path} : {_reason(exc)}.", str(path)) from exc
    try:
        con = sqlite3.connect(f"file:{quote(path.as_posix())}?mode=ro&immutable=1", uri=True)
        try:
            con.execute("PRAGMA schema_version").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) == _SQLITE_NOTADB:
            return "other"
        if not os.access(path, os.R_OK):
            raise DatabaseOpenError(
                f"Impossible de lire {path} : accès refusé.", str(path)
            ) from exc
    return "sqlite"  # damage past the header is for quick_check to name


def _reason(exc: OSError) -> str:
    """An OSError's cause in French (the system gives it in English)."""
    import errno

    if exc.errno in (errno.EACCES, errno.EPERM):
        return "accès refusé"
    return "fichier introuvable" if exc.errno == errno.ENOENT else "erreur du système de fichiers"


def _check_sqlite_file(path: Path, *, create: bool) -> bool:
    """Refuse what is not a usable Pilotis file before SQLite touches it; True if it is new."""
    if path.is_dir():
        raise NotADatabaseError(
            f"{path} est un dossier, pas un fichier de base de données.", str(path)
        )
    if not path.exists():
        if not create:
            raise MissingDatabaseError(f"Le fichier {path} n'existe pas.", str(path))
        if not path.parent.is_dir():
            raise MissingDatabaseError(
                f"Le dossier {path.parent} n'existe pas : impossible d'y créer la base.", str(path)
            )
        if not os.access(path.parent, os.W_OK):
            raise ReadOnlyDatabaseError(
                f"Le dossier {path.parent} est en lecture seule : impossible d'y créer la base.",
                str(path),
            )
        return True
    kind = sqlite_file_kind(path)  # never read with open(): see there
    if kind == "other":
        raise NotADatabaseError(NOT_SQLITE.format(path=path), str(path))
    if not os.access(path.parent, os.W_OK):
        raise ReadOnlyDatabaseError(read_only_folder_message(path), str(path))
    if not os.access(path, os.W_OK):
        raise ReadOnlyDatabaseError(
            f"Le fichier {path} est en lecture seule : Pilotis a besoin d'y écrire. Copiez-le "
            "dans un dossier où vous pouvez écrire, ou ouvrez-le en lecture seule.",
            str(path),
        )
    # An empty file with a -wal or -journal beside it is not new: those may hold its content.
    return kind == "empty" and not any(Path(f"{path}{s}").exists() for s in ("-wal", "-journal"))


def read_only_folder_message(path: Path) -> str:
    """Why a base in a folder Pilotis may not write cannot be used (not « damaged »)."""
    return (
        f"Le dossier de la base {path} est en lecture seule (support protégé en écriture, "
        "partage ou dossier en lecture seule) : Pilotis doit écrire à côté de la base ses "
        "fichiers de travail (-wal, -shm), même pour la consulter. Copiez-la dans un dossier où "
        "vous pouvez écrire, puis ouvrez la copie."
    )


def _check_not_locked(path: Path, busy_timeout_ms: int) -> None:
    """Fail fast with a clear message when another program holds the file's write lock."""
    try:
        con = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise LockedDatabaseError(
                f"Le fichier {path} est verrouillé par un autre programme. Fermez-le puis "
                "réessayez.",
                str(path),
            ) from exc
        if not isinstance(exc, sqlite3.OperationalError) or "malformed" in str(exc):
            raise NotADatabaseError(
                f"{path} est endommagé ou n'est pas une base SQLite.", str(path)
            ) from exc
        raise DatabaseOpenError(f"Impossible d'ouvrir {path} : {exc}.", str(path)) from exc


def backup_sqlite(source: Path, target: Path) -> Path:
    """Copy a live SQLite file with the online backup API (consistent even while in use). The
    source is read through SQLite only (never open(): see sqlite_file_kind) and read-only: its
    closing cannot checkpoint or delete the -wal another program is writing to."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{quote(source.as_posix())}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def backup_dir_for(path: Path) -> Path:
    return path.parent / "sauvegardes"


def open_database(
    value: str | None = None,
    *,
    create: bool = True,
    migrate: bool = True,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    version_locations: list[str] | None = None,
    read_only: bool = False,
) -> Database:
    """Open (and create, migrate) the database named by --db / PILOTIS_DB / the default file.

    Nothing is written to a file that fails a check; a file needing migration is backed up first.
    read_only opens an existing file without writing to it (no creation, no migration).
    """
    if read_only:
        return _open_read_only(value, busy_timeout_ms, version_locations)
    url = resolve_url(value)
    path = sqlite_path(url)
    warnings: list[str] = []
    created = False
    if path is not None:
        if value is None and not os.environ.get("PILOTIS_DB"):
            private_dir(path.parent, tighten=True)  # Pilotis's own data folder
        created = _check_sqlite_file(path, create=create)
        if not created:
            # Refuse before touching: every check that can refuse the file runs on a view that
            # cannot change it; only then is it opened read-write (the lock check is the first).
            state = inspect_file(path, version_locations)
            _check_not_locked(path, busy_timeout_ms)
            keep_private(path)
        else:
            private_file(path)  # SQLite gives the -wal and -shm the file's own mode
        if is_network_path(path):
            warnings.append(NETWORK_SHARE_WARNING.format(path=path))
    engine = make_engine(url, busy_timeout_ms=busy_timeout_ms)
    backup_path = None
    try:
        if path is None or created:
            with engine.connect() as conn:
                state = schema_state(*_read_schema(conn), version_locations, display_url(url))
                # A server account may be read-only, or may not change the schema (roles.sql).
                may_write, may_migrate = server_rights(conn) if path is None else (True, True)
        if path is None and state.pending and migrate and not may_migrate:
            raise schema_update_refused(display_url(url), state.current is None)
        if state.pending and migrate:
            if path is not None and state.current is not None:
                backup_path = _migration_backup(path)
            run_migrations(url, version_locations, busy_timeout_ms=busy_timeout_ms)
    except OperationalError as exc:
        engine.dispose()
        raise DatabaseOpenError(
            f"Impossible d'ouvrir la base {display_url(url)} : {exc.orig}"
        ) from exc
    except Exception:
        engine.dispose()
        raise
    factory = sessionmaker(engine, expire_on_commit=False)
    if path is None and not may_write:
        warnings.append(READ_ONLY_ACCOUNT.format(user=make_url(url).username or "?"))
    return Database(
        url, engine, factory, warnings, created or state.current is None, backup_path,
        read_only=path is None and not may_write,
    )  # fmt: skip


MIGRATION_BACKUP = "{stem}-avant-migration-{stamp}.sqlite"
MIGRATION_BACKUPS_KEPT = 3  # each is the way back from one update; README « Sauvegardes »


def _migration_backup(path: Path) -> Path:
    """The backup taken before migrating, private like the base; the oldest beyond
    MIGRATION_BACKUPS_KEPT of this base are deleted (they are older than the last updates)."""
    folder = private_dir(backup_dir_for(path))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = private_file(folder / MIGRATION_BACKUP.format(stem=path.stem, stamp=stamp))
    backup_sqlite(path, target)
    pattern = re.compile(re.escape(path.stem) + r"-avant-migration-\d{8}-\d{6}\.sqlite")
    found = sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name))
    for old in found[:-MIGRATION_BACKUPS_KEPT]:  # stamps sort as times
        old.unlink(missing_ok=True)
    return target


def inspect_file(
    path: Path,
    version_locations: list[str] | None = None,
    *,
    full_integrity: bool = False,
    where: str | None = None,
) -> SchemaState:
    """Every check that can refuse an existing file, in order: integrity, version and owner,
    schema (tables, columns, indexes, triggers, views against what our migrations create at its
    revision); run on a view that cannot change the file, its -wal or its -journal."""
    where = where or str(path)
    return inspect_untouched(
        path, lambda con: verify_view(con, where, version_locations, full=full_integrity)
    )


def verify_view(
    con: sqlite3.Connection,
    where: str,
    version_locations: list[str] | None = None,
    *,
    full: bool = False,
) -> SchemaState:
    """The refusing checks on an inspection connection (db_schema.inspect_untouched); where
    names the file in the messages. full: integrity_check instead of quick_check (backups)."""
    _integrity(con, where, full)
    state = schema_state(*_read_version(con), version_locations, where)
    # Extra migration folders are a developer's tool (tests): their revisions have no committed
    # description; every revision Pilotis ships has one (tests/test_untrusted_files.py).
    if not (version_locations and state.current not in expected_schemas()):
        verify_schema(con, state.current, where)
    return state


def _integrity(con: sqlite3.Connection, where: str, full: bool) -> None:
    rows = [r[0] for r in con.execute(f"PRAGMA {'integrity_check' if full else 'quick_check'}")]
    if rows != ["ok"]:
        raise NotADatabaseError(
            f"{where} est endommagé : le contrôle d'intégrité de SQLite y trouve {len(rows)} "
            "problème(s). Il n'a pas été modifié ; restaurez une sauvegarde.",
            where,
        )


def _read_version(con: sqlite3.Connection) -> tuple[str | None, set[str]]:
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    current = None
    if "alembic_version" in tables:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        current = row[0] if row else None
    return current, tables


def quick_check(path: Path) -> None:
    """SQLite's quick_check on a view that cannot change the file: a damaged or truncated file
    is refused before anything writes to it."""
    inspect_untouched(path, lambda con: _integrity(con, str(path), False))


def _check_not_locked_for_reading(path: Path, busy_timeout_ms: int) -> None:
    """Even reading waits for a program that holds the file's exclusive lock (a rollback-journal
    writer, or `locking_mode=EXCLUSIVE`): past the busy timeout, say so in French rather than
    let « database is locked » pass for damage."""
    try:
        con = sqlite3.connect(
            f"file:{quote(path.as_posix())}?mode=ro", uri=True, timeout=busy_timeout_ms / 1000
        )
    except sqlite3.Error:
        return  # the next check names why it cannot be opened
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED
            raise LockedDatabaseError(
                f"Le fichier {path} est verrouillé par un autre programme, qui y écrit sans "
                "laisser lire : Pilotis ne peut pas le consulter, même en lecture seule. Fermez "
                "ce programme (ou attendez la fin de son travail) puis réessayez ; le fichier "
                "n'a pas été modifié.",
                str(path),
            ) from exc
    finally:
        con.close()


def _open_read_only(
    value: str | None, busy_timeout_ms: int, version_locations: list[str] | None
) -> Database:
    """An existing database opened for reading only: the file is never written."""
    url = resolve_url(value)
    path = sqlite_path(url)
    if path is not None:
        if path.is_dir():
            raise NotADatabaseError(
                f"{path} est un dossier, pas un fichier de base de données.", str(path)
            )
        if not path.exists():
            raise MissingDatabaseError(f"Le fichier {path} n'existe pas.", str(path))
        if sqlite_file_kind(path) != "sqlite":  # never read with open(): see there
            raise NotADatabaseError(NOT_SQLITE.format(path=path), str(path))
        state = inspect_file(path, version_locations)
        _check_not_locked_for_reading(path, busy_timeout_ms)
        _check_readable_in_place(path)
    engine = make_engine(url, busy_timeout_ms=busy_timeout_ms, read_only=True)
    try:
        if path is None:
            with engine.connect() as conn:
                state = schema_state(*_read_schema(conn), version_locations, display_url(url))
    except Exception:
        engine.dispose()
        raise
    if state.current is None or state.pending:
        engine.dispose()
        raise DatabaseOpenError(
            f"La base {display_url(url)} doit être mise à jour par Pilotis avant de pouvoir être "
            "consultée ; ouvrez-la une fois normalement (elle sera sauvegardée avant).",
            str(path) if path else None,
        )
    factory = sessionmaker(engine, expire_on_commit=False)
    return Database(url, engine, factory, [], False, None, read_only=True)


# --- migrations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str
    pending: bool


def alembic_config(url: str, version_locations: list[str] | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resource_path("migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if version_locations:
        locations = [str(resource_path("migrations", "versions")), *version_locations]
        config.set_main_option("version_locations", " ".join(locations))
        config.set_main_option("path_separator", "space")
    return config


def _known_revisions(version_locations: list[str] | None = None) -> tuple[set[str], str | None]:
    """Revision ids of our migrations and the newest.

    Without extra locations they come from the file names (`0001_initial_schema.py`): not
    importing Alembic keeps ~0.3 s off every start; a test checks this agrees with Alembic.
    """
    if version_locations:
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(alembic_config("sqlite://", version_locations))
        return {r.revision for r in script.walk_revisions()}, script.get_current_head()
    names = [p.name for p in resource_path("migrations", "versions").glob("[0-9]*_*.py")]
    revisions = {name.split("_", 1)[0] for name in names}
    return revisions, max(revisions) if revisions else None


def _read_schema(conn) -> tuple[str | None, set[str]]:
    """(current revision, table names) through any DB-API or SQLAlchemy connection."""
    tables = set(inspect(conn).get_table_names())
    current = None
    if "alembic_version" in tables:
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return current, tables


def _peek_sqlite(path: Path) -> tuple[str | None, set[str]]:
    """Read the revision of an existing file without writing a byte (not even the WAL switch)."""
    return inspect_untouched(path, _read_version)


def _check_readable_in_place(path: Path) -> None:
    """A read-only opening of a WAL base needs its -shm (and -wal) beside it or the right to
    create them: in a read-only folder SQLite says « unable to open », which is not damage."""
    con = sqlite3.connect(f"file:{quote(path.as_posix())}?mode=ro", uri=True)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        if not os.access(path.parent, os.W_OK):
            raise ReadOnlyDatabaseError(read_only_folder_message(path), str(path)) from exc
        raise DatabaseOpenError(
            f"Impossible de lire {path} en lecture seule : SQLite refuse de l'ouvrir "
            "(droits du fichier ou de ses fichiers -wal et -shm).",
            str(path),
        ) from exc
    finally:
        con.close()


def migration_pending(path: Path) -> bool:
    """Whether opening this existing Pilotis file would run migrations (read without writing)."""
    try:
        current, _tables = _peek_sqlite(path)
    except DatabaseOpenError:
        return False
    return current != _known_revisions()[1]


def schema_state(
    current: str | None,
    tables: set[str],
    version_locations: list[str] | None = None,
    where: str = "",
) -> SchemaState:
    """Where a database stands against our migrations; refuses newer and foreign databases."""
    revisions, head = _known_revisions(version_locations)
    name = f"La base {where}" if where else "Cette base"
    if current is None:
        if tables - {"alembic_version", "sqlite_sequence"}:
            raise ForeignDatabaseError(
                f"{name} contient des tables mais n'a pas été créée par Pilotis ; "
                "elle n'est pas modifiée.",
                where,
            )
        return SchemaState(None, head, True)
    if current not in revisions:
        raise DatabaseTooNewError(
            f"{name} a été écrite par une version plus récente de Pilotis (schéma {current}). "
            "Installez la dernière version de Pilotis pour l'ouvrir ; elle n'a pas été modifiée.",
            where,
        )
    return SchemaState(current, head, current != head)


def run_migrations(
    url: str,
    version_locations: list[str] | None = None,
    *,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> None:
    """Upgrade to head in one transaction.

    On SQLite, foreign keys are switched off on the migration's own connection before BEGIN: a
    batch rebuild drops the parent table, and with foreign keys on, the implicit DELETE would fire
    ON DELETE CASCADE on the children. PRAGMA foreign_key_check then runs before COMMIT, so a
    migration that breaks references is rolled back whole.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    is_sqlite = make_url(url).get_backend_name() == "sqlite"
    engine = make_engine(url, foreign_keys=False, busy_timeout_ms=busy_timeout_ms)
    try:
        # The write lock from BEGIN: the revision read first must still be the file's when the
        # migration writes (two programs upgrading at once: the second waits, then sees head).
        with engine.connect().execution_options(**{IMMEDIATE: True}) as conn, conn.begin():
            before = MigrationContext.configure(conn).get_current_revision()
            config = alembic_config(url, version_locations)
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            if is_sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise DatabaseOpenError(
                        f"La mise à jour du schéma casserait {len(broken)} référence(s) "
                        f"(table {broken[0][0]}) ; elle a été annulée, la base est inchangée."
                    )
        if before is not None and not is_sqlite:
            # Some upgrades rewrite whole tables (stored search columns of 0007/0008): until a
            # VACUUM, their visibility map is empty and every index scan visits the heap.
            vacuum_analyse(engine)
    finally:
        engine.dispose()


def vacuum_analyse(engine: Engine, table_names: list[str] | None = None) -> None:
    """VACUUM (ANALYZE) PostgreSQL tables, outside any transaction as VACUUM requires: the
    planner gets statistics and the visibility map is set right away, instead of whenever
    autovacuum passes. Tables the account does not own are skipped by the server with a
    warning. Nothing to do on SQLite, whose queries are written to need no statistics."""
    if engine.dialect.name != "postgresql":
        return
    if table_names is None:
        table_names = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in table_names:
            conn.exec_driver_sql(f'VACUUM (ANALYZE) "{name}"')


def integrity_problems(engine: Engine) -> list[str]:
    """SQLite's integrity and foreign key checks; an empty list means the file is sound."""
    if engine.dialect.name != "sqlite":
        return []
    with engine.connect() as conn:
        rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check")).fetchall()]
        problems = [r for r in rows if r != "ok"]
        for table, rowid, parent, _fk in conn.execute(text("PRAGMA foreign_key_check")):
            problems.append(f"{table} ligne {rowid} : référence vers {parent} introuvable")
    return problems
