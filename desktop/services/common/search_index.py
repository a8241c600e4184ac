"""The directory's SQLite full-text indexes, holding folded text, kept by the application.

Why not triggers: the working connections run with `PRAGMA trusted_schema = OFF` (a file from
someone else must not make SQLite run anything from its schema), and SQLite then refuses a
trigger that writes an FTS5 table. The triggers of migration 0012 only note the changed rows in
the plain table `fts_pending` — whatever wrote them: a form, an undo, an import, a cascade, a
script — and `sync` indexes those rows, folded in Python (common.folding: « Œuvrard » is
indexed `oeuvrard`), in the same transaction, just before it commits (`install`).
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from desktop.db import transaction_wrote
from desktop.services.common.folding import SQLITE_FUNCTION, register_sqlite

PENDING = "fts_pending"
# index table -> (content table, indexed columns); the index's columns bear the same names.
INDEXES = {
    "person_fts": ("person", ("last_name", "first_name")),
    "unit_fts": ("unit", ("acronym", "name")),
    "position_fts": ("position", ("title",)),
}


def _tables(raw: sqlite3.Connection) -> dict[str, str]:
    """name -> SQL of the full-text tables and of fts_pending present in this file."""
    names = (PENDING, *INDEXES)
    marks = ", ".join("?" * len(names))
    return dict(
        raw.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN ({marks})",
            names,
        ).fetchall()
    )


def folded_select(index: str) -> str:
    """SELECT id, pilotis_fold(column)… FROM the index's table: what the index holds of each row
    (pilotis_fold registered on the connection)."""
    table, columns = INDEXES[index]
    return f"SELECT id, {', '.join(f'{SQLITE_FUNCTION}({c})' for c in columns)} FROM {table}"


def sync(raw: sqlite3.Connection) -> int:
    """Index the rows noted in fts_pending (taken out of the indexes, then put back folded if
    they still exist); returns how many were noted. A no-op on a file without fts_pending
    (before migration 0012) and when nothing is noted. Inside the caller's transaction."""
    present = _tables(raw)
    if PENDING not in present:
        return 0
    noted = raw.execute(f"SELECT count(*) FROM {PENDING}").fetchone()[0]
    if not noted:
        return 0
    register_sqlite(raw)
    for index, (_table, columns) in INDEXES.items():
        if index not in present:
            continue
        rows = f"SELECT row_id FROM {PENDING} WHERE index_name = '{index}'"
        raw.execute(f"DELETE FROM {index} WHERE rowid IN ({rows})")
        raw.execute(
            f"INSERT INTO {index} (rowid, {', '.join(columns)}) "
            f"{folded_select(index)} WHERE id IN ({rows})"
        )
    raw.execute(f"DELETE FROM {PENDING}")
    return noted


def rebuild(raw: sqlite3.Connection) -> None:
    """Every full-text index written again from the rows as they are now, its old segments
    dropped (a deleted row only leaves a tombstone over its tokens): what an erasure needs. An
    older file's external-content index (0002) is rebuilt by FTS5 from its table."""
    present = _tables(raw)
    sync(raw)
    for index in INDEXES:
        if index in present:
            raw.execute(f"INSERT INTO {index} ({index}) VALUES ('rebuild')")


def _raw(session: Session) -> sqlite3.Connection:
    session.flush()  # the session's pending changes noted first
    return session.connection().connection.driver_connection


def sync_session(session: Session) -> None:
    """sync on the session's SQLite connection, for a caller about to read the indexes in the
    same transaction; nothing elsewhere."""
    if session.get_bind().dialect.name == "sqlite":
        sync(_raw(session))


def rebuild_session(session: Session) -> None:
    """rebuild on the session's SQLite connection (an erasure); nothing elsewhere."""
    if session.get_bind().dialect.name == "sqlite":
        rebuild(_raw(session))


def _on_commit(connection) -> None:
    # Only a transaction that wrote: a read-only one must not take the write lock, and rows
    # noted by another program wait for the next save.
    if connection.dialect.name != "sqlite" or not transaction_wrote(connection):
        return
    sync(connection.connection.driver_connection)


def install() -> None:
    """Index the noted rows before every SQLite commit made through SQLAlchemy, in every engine
    (desktop.db builds them, and cannot import the fold: it sits below the services)."""
    if not event.contains(Engine, "commit", _on_commit):
        event.listen(Engine, "commit", _on_commit)
