"""Schema migrations: a fresh file matches the models, old files upgrade with their data."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from desktop.db import _known_revisions, alembic_config, open_database
from desktop.errors import DatabaseTooNewError, ForeignDatabaseError
from desktop.models import Base
from desktop.services.directory.search import SearchFilter

EXTRA_TEMPLATE = Path(__file__).parent / "migrations_extra" / "t002_rebuild_unit.py"


@pytest.fixture
def extra(tmp_path) -> list[str]:
    """A later migration that rebuilds the parent table `unit`, chained after our newest."""
    _revisions, head = _known_revisions()
    folder = tmp_path / "later_migrations"
    folder.mkdir()
    text = EXTRA_TEMPLATE.read_text().replace('down_revision = "0001"', f'down_revision = "{head}"')
    (folder / "t002_rebuild_unit.py").write_text(text)
    return [str(folder)]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_upgrade_head_on_empty_file_equals_models(database):
    """A database created by the migrations has exactly the tables and columns the code expects."""

    def ours(_object, name, type_, _reflected, _compare_to) -> bool:
        # SQLite's FTS5 search index (migrations 0002, 0012) with its table of rows to index,
        # and PostgreSQL's trigram indexes of the directory search (0004) and its prefix indexes
        # (0005) live outside the ORM metadata, as do the columns PostgreSQL generates for that
        # search and the programmes' (0007, 0008, 0012).
        fts = type_ == "table" and ("_fts" in (name or "") or name == "fts_pending")
        pg_only = type_ == "index" and (name or "").endswith(("_trgm", "_prefix", "_folded"))
        generated = type_ == "column" and name in (
            "search_name", "search_title", "search_text", "name_folded"
        )  # fmt: skip
        return not (fts or pg_only or generated)

    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": ours})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_revision_shortcut_agrees_with_alembic():
    """The fast start-up check knows the same migrations and head as Alembic itself."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    revisions, head = _known_revisions()
    assert revisions == {r.revision for r in script.walk_revisions()}
    assert head == script.get_current_head()


def _fill_parent_and_children(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("INSERT INTO unit (id, code, name, kind) VALUES (1, 'RA', 'Région', 'region')")
    con.execute(
        "INSERT INTO unit (id, parent_id, code, name, kind) VALUES (2, 1, 'DRAJES', 'Dir', 'direction')"
    )
    con.execute("INSERT INTO person (id, last_name, first_name) VALUES (1, 'ETIENNE', 'Pascal')")
    con.execute(
        "INSERT INTO position (unit_id, person_id, title, role) VALUES (2, 1, 'DRAJES', 'head')"
    )
    con.execute(
        "INSERT INTO unit_link (from_unit_id, to_unit_id, kind) VALUES (1, 2, 'fonctionnel')"
    )
    con.commit()
    con.close()


def test_children_survive_a_parent_table_rebuild(db_path, extra):
    """Upgrading a file whose parent table is rebuilt keeps every child row (ON DELETE CASCADE
    does not fire) and makes a backup first."""
    open_database(str(db_path)).dispose()
    _fill_parent_and_children(db_path)

    upgraded = open_database(str(db_path), version_locations=extra)
    upgraded.dispose()

    con = sqlite3.connect(db_path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("t002",)
    assert con.execute("SELECT count(*) FROM unit_link").fetchone() == (1,)  # CASCADE child
    assert con.execute("SELECT count(*) FROM position").fetchone() == (1,)
    assert con.execute("SELECT code, parent_id FROM unit ORDER BY id").fetchall() == [
        ("RA", None),
        ("DRAJES", 1),
    ]
    assert "website" in [row[1] for row in con.execute("PRAGMA table_info(unit)")]
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()
    assert upgraded.backup_path is not None
    assert upgraded.backup_path.exists()
    backup = sqlite3.connect(upgraded.backup_path)
    head = _known_revisions()[1]
    assert backup.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
    backup.close()


def test_file_from_a_newer_version_is_refused_untouched(db_path, extra):
    """A file written by a later Pilotis is refused with a French message and left as it was."""
    open_database(str(db_path), version_locations=extra).dispose()
    before = _digest(db_path)
    with pytest.raises(DatabaseTooNewError, match="version plus récente"):
        open_database(str(db_path))
    assert _digest(db_path) == before


def test_foreign_sqlite_file_is_refused_untouched(tmp_path):
    """Another program's SQLite file is not taken over: Pilotis says so and changes nothing."""
    path = tmp_path / "autre.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE clients (id INTEGER PRIMARY KEY, nom TEXT)")
    con.commit()
    con.close()
    before = _digest(path)
    with pytest.raises(ForeignDatabaseError, match="pas été créée par Pilotis"):
        open_database(str(path))
    assert _digest(path) == before


def _file_at(path: Path, revision: str) -> None:
    from alembic import command

    from desktop.db import make_engine

    url = f"sqlite:///{path}"
    engine = make_engine(url, foreign_keys=False)
    with engine.connect() as conn, conn.begin():
        config = alembic_config(url)
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    engine.dispose()


def test_a_0010_file_gets_the_folded_index_fed_by_the_application(tmp_path):
    """A file of revision 0010 (FTS5 triggers writing the index, raw names indexed) upgrades:
    its people are found whatever the spelling, its triggers only note rows, and it can be
    edited and searched under trusted_schema OFF."""
    from desktop.services.directory.edits import PersonInput
    from desktop.services.directory.service import DirectoryService

    path = tmp_path / "ancienne.sqlite"
    _file_at(path, "0010")
    con = sqlite3.connect(path)  # the 0010 triggers index these rows as they were
    con.execute("INSERT INTO unit (id, code, name, kind) VALUES (1, 'RA', 'Straße', 'region')")
    con.execute("INSERT INTO person (id, last_name, first_name) VALUES (1, 'Œuvrard', 'Zoé')")
    con.execute("INSERT INTO position (unit_id, person_id, title) VALUES (1, 1, 'Chef')")
    con.commit()
    hits = con.execute("SELECT rowid FROM person_fts WHERE person_fts MATCH 'oeuvrard'")
    assert hits.fetchall() == []  # « Œuvrard » indexed as œuvrard: the bug of #18
    con.close()

    database = open_database(str(path))
    try:
        directory = DirectoryService(database.session_factory)
        assert [label for _id, label in directory.find_people("OEUVRARD")] == ["Œuvrard Zoé"]
        assert [u.name for u in directory.matching_units(SearchFilter("strasse"))] == ["Straße"]
        directory.edits.create_person(PersonInput(last_name="Ærø", first_name="Lærke"))
        assert [label for _id, label in directory.find_people("aero")] == ["Ærø Lærke"]
        with database.engine.connect() as conn:
            triggers = (
                conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger'")
                .scalars()
                .all()
            )
            folded = conn.exec_driver_sql("SELECT last_name FROM person_fts ORDER BY rowid")
            assert folded.scalars().all() == ["oeuvrard", "aero"]
        assert len(triggers) == 9
        assert all("INSERT INTO fts_pending" in sql and "_fts (" not in sql for sql in triggers)
    finally:
        database.dispose()
    assert database.backup_path is not None  # the 0010 file was saved before the migration
