"""Migration 0011 on a server base that already holds data (collected with a test server)."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from desktop.db import open_database
from tests import pg_support
from tests.test_migration_0011 import ROWS, _check, _upgrade


def test_a_server_base_gets_identities_without_history_records():
    """On PostgreSQL the audit triggers do not record the filling of the new column."""
    name = pg_support.create_database()
    url = pg_support.url_for(name)
    try:
        _upgrade(url, "0010")
        engine = create_engine(url)
        with engine.begin() as conn:
            for statement in ROWS[:-1]:
                conn.execute(text(statement))
            conn.execute(text("DELETE FROM change"))
            conn.execute(text(ROWS[-1]))
        engine.dispose()
        open_database(url).dispose()
        engine = create_engine(url)
        with engine.begin() as conn:
            _check(conn)
        engine.dispose()
    finally:
        pg_support.drop_database(name)
