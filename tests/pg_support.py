"""The PostgreSQL side of the test fixtures: one migrated template per session, a copy per test.

A copy made with CREATE DATABASE … TEMPLATE (strategy FILE_COPY) takes ~60 ms, far less than
migrating and loading the dataset again; each test gets its own database, dropped afterwards.
The server comes from PILOTIS_TEST_PG_URL (see scripts/postgres.sh).
"""

from __future__ import annotations

import os
import uuid

PG_URL = os.environ.get("PILOTIS_TEST_PG_URL", "")
# Databases of one test session start with this prefix (pid: two sessions may share a server).
PREFIX = f"pt_{os.getpid()}_"


def url_for(name: str) -> str:
    """The test server's URL pointing at another database."""
    from sqlalchemy.engine import make_url

    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _admin():
    from sqlalchemy import create_engine

    return create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=_null_pool())


def _null_pool():
    from sqlalchemy.pool import NullPool

    return NullPool


def create_database(template: str | None = None, name: str | None = None) -> str:
    """A new database (empty, or a copy of template); returns its name."""
    from sqlalchemy import text

    name = name or f"{PREFIX}{uuid.uuid4().hex[:10]}"
    clause = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
    engine = _admin()
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    finally:
        engine.dispose()
    return name


def drop_database(name: str) -> None:
    """Drop it, closing its connections; an autovacuum worker still busy in it (after a big
    insert) cannot be signalled by a non-superuser, so try again until it has finished."""
    import time

    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    engine = _admin()
    try:
        for attempt in range(100):
            try:
                with engine.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                return
            except DBAPIError:
                if attempt == 99:
                    raise
                time.sleep(0.2)
    finally:
        engine.dispose()


def drop_stale_databases() -> None:
    """Databases left by sessions that were killed (their pid no longer runs)."""
    from sqlalchemy import text

    engine = _admin()
    try:
        with engine.connect() as conn:
            names = conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE 'pt\\_%'")
            ).scalars()
            stale = [n for n in names if not _alive(n.split("_")[1])]
    finally:
        engine.dispose()
    for name in stale:
        drop_database(name)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def make_template(fill: bool) -> str:
    """A migrated database (with the embedded dataset when fill) to copy for each test."""
    from desktop.db import open_database
    from desktop.services.transfer.dataset import load_default_dataset

    name = create_database(name=f"{PREFIX}tpl_{'filled' if fill else 'empty'}")
    db = open_database(url_for(name))
    try:
        if fill:
            load_default_dataset(db.session_factory)
    finally:
        db.dispose()
    return name
