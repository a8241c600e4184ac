"""Shared fixtures: offscreen Qt, a private data folder, fresh SQLite files, factories."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


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
def database(db_path):
    """A new, empty (schema only) database file."""
    from desktop.db import open_database

    db = open_database(str(db_path))
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def dataset_template(tmp_path_factory) -> Path:
    """The embedded dataset loaded once; tests copy the file instead of reloading it."""
    from desktop.db import open_database
    from desktop.services.dataset import load_default_dataset

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
def filled_database(filled_db_path):
    from desktop.db import open_database

    db = open_database(str(filled_db_path))
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
