"""The SQLite full-text index fed by the application: every way of writing rows ends up indexed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from desktop.db import open_database
from desktop.services.directory.edits import PersonInput
from desktop.services.directory.service import DirectoryService
from tests.conftest import ROOT

pytestmark = pytest.mark.sqlite_only

GENERATE = """
import sys
from desktop.db import open_database
from desktop.devtools.generator import generate
database = open_database(sys.argv[1])
generate(database.engine, people=300, units=20, programmes=0, milestones=0, funding_lines=0)
database.dispose()
"""


def _counts(path) -> tuple[int, int, int]:
    con = sqlite3.connect(path)
    try:
        return tuple(
            con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("fts_pending", "person_fts", "person")
        )
    finally:
        con.close()


def test_generated_people_are_indexed_without_any_service(db_path):
    """The generator, run alone as the benchmark runs it, leaves every person in the index and
    nothing waiting to be indexed."""
    open_database(str(db_path)).dispose()
    subprocess.run([sys.executable, "-c", GENERATE, str(db_path)], check=True, cwd=ROOT)
    pending, indexed, people = _counts(db_path)
    assert (pending, indexed) == (0, people)
    assert people == 300


def test_rows_written_by_another_program_are_indexed_at_the_next_save(db_path):
    """A row written by a script (sqlite3, no Pilotis) is noted by the schema's trigger; a
    read-only look does not take the write lock to index it; the next save does."""
    database = open_database(str(db_path))
    directory = DirectoryService(database.session_factory)
    try:
        con = sqlite3.connect(db_path)
        con.execute(
            "INSERT INTO person (last_name, first_name, uuid) VALUES ('Œuvrard', 'Zoé', 'u1')"
        )
        con.commit()
        con.close()
        assert directory.find_people("oeuvrard") == []  # a read: not indexed yet, nothing written
        assert _counts(db_path)[0] == 1
        directory.edits.create_person(PersonInput(last_name="Straße", first_name="Anna"))
        assert [label for _id, label in directory.find_people("oeuvrard")] == ["Œuvrard Zoé"]
        assert [label for _id, label in directory.find_people("strasse")] == ["Straße Anna"]
        assert _counts(db_path)[0] == 0
    finally:
        database.dispose()


def test_a_refused_save_leaves_the_index_as_it_was(db_path):
    """A save rolled back (a refused form) indexes nothing: the notes go with the rollback."""
    database = open_database(str(db_path))
    try:
        session = database.session_factory()
        with session.begin():
            session.connection().exec_driver_sql(
                "INSERT INTO person (last_name, first_name, uuid) VALUES ('Œuvrard', 'Zoé', 'u1')"
            )
            session.rollback()
        session.close()
        assert _counts(db_path) == (0, 0, 0)
    finally:
        database.dispose()
