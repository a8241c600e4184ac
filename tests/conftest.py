"""Shared fixtures: offscreen Qt, a private data folder, fresh SQLite files, factories."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

from tests import pg_support

ROOT = Path(__file__).resolve().parent.parent
# `database` and `filled_database` run on each backend; PostgreSQL when PILOTIS_TEST_PG_URL is set.
BACKENDS = ["sqlite", "postgresql"] if pg_support.PG_URL else ["sqlite"]
# Server-only tests are collected when there is a server (never skipped).
collect_ignore_glob = [] if pg_support.PG_URL else ["test_postgres*.py"]
# A test asking for the file itself is a SQLite-file test, whatever database fixture it also uses.
FILE_FIXTURES = {"db_path", "filled_db_path"}


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: checks SQLite itself (pragmas, the file)")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        file_test = FILE_FIXTURES & set(metafunc.definition._fixtureinfo.argnames)
        file_test = file_test or metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("backend", ["sqlite"] if file_test else BACKENDS, indirect=True)


@pytest.fixture
def backend(request) -> str:
    # SQLite when the database fixture is asked for at run time (request.getfixturevalue).
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_templates():
    """Migrated template databases on the test server (empty, filled), dropped at the end."""
    pg_support.drop_stale_databases()
    names = {"empty": pg_support.make_template(False), "filled": pg_support.make_template(True)}
    yield names
    for name in names.values():
        pg_support.drop_database(name)


def _pg_database(request, kind: str):
    from desktop.db import open_database

    name = pg_support.create_database(request.getfixturevalue("pg_templates")[kind])
    db = open_database(pg_support.url_for(name))
    yield db
    db.dispose()
    pg_support.drop_database(name)


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory, monkeypatch):
    """Settings and default databases go to a temporary folder, never the developer's own."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("PILOTIS_HOME", str(home))
    monkeypatch.delenv("PILOTIS_DB", raising=False)
    return home


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "pilotis.sqlite"


@pytest.fixture
def database(backend, db_path, request):
    """A new, empty (schema only) database: a file, or a fresh database on the test server."""
    from desktop.db import open_database

    if backend == "postgresql":
        yield from _pg_database(request, "empty")
        return
    db = open_database(str(db_path))
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def dataset_template(tmp_path_factory) -> Path:
    """The embedded dataset loaded once; tests copy the file instead of reloading it."""
    from desktop.db import open_database
    from desktop.services.transfer.dataset import load_default_dataset

    path = tmp_path_factory.mktemp("dataset") / "template.sqlite"
    db = open_database(str(path))
    load_default_dataset(db.session_factory)
    db.dispose()
    return path


@pytest.fixture
def filled_db_path(tmp_path, dataset_template) -> Path:
    from desktop.db import backup_sqlite

    return backup_sqlite(dataset_template, tmp_path / "filled.sqlite")


@pytest.fixture
def filled_database(backend, request):
    """The embedded 2023 dataset, in a file or in a fresh database on the test server."""
    from desktop.db import open_database

    if backend == "postgresql":
        yield from _pg_database(request, "filled")
        return
    db = open_database(str(request.getfixturevalue("filled_db_path")))
    yield db
    db.dispose()


def run_cli(*args: str, env: dict | None = None, timeout: float = 120):
    """Run `python main.py ARGS` in a child process, as a user or a script would."""
    import subprocess

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=ROOT,
    )
