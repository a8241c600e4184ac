"""Named accounts for history tests: the login given to Pilotis on SQLite, a server account of
that name on PostgreSQL, where the history records the connected account (session_user)."""

from __future__ import annotations

import contextlib

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from desktop.db import Database, open_database
from desktop.services.common.history import install_history
from tests import pg_support


def _ensure_account(login: str) -> None:
    """A login role of that name, member of the test owner role (its rights, its tables)."""
    owner = make_url(pg_support.PG_URL).username
    engine = create_engine(pg_support.PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": login})
            if exists.scalar() is None:
                with contextlib.suppress(DBAPIError):  # another test session made it meanwhile
                    conn.execute(text(f"CREATE ROLE \"{login}\" LOGIN PASSWORD '{login}'"))
            conn.execute(text(f'GRANT "{owner}" TO "{login}"'))
    finally:
        engine.dispose()


@contextlib.contextmanager
def opened_as(database: Database, login: str):
    """The same database as `login` sees it, history installed: a second engine on SQLite (the
    OS login is `login`), the server account `login` on PostgreSQL."""
    if database.path is not None:
        other = open_database(str(database.path))
    else:
        _ensure_account(login)
        url = make_url(database.url).set(username=login, password=login)
        other = open_database(url.render_as_string(hide_password=False))
    install_history(other.session_factory, login=login)
    try:
        yield other
    finally:
        other.dispose()


def recorded_login(database: Database, given: str) -> str:
    """Who the history names for work done through `database` with `given` as the OS login."""
    return given if database.path is not None else make_url(database.url).username
