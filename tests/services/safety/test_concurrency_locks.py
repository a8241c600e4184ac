"""Another program writing to the same SQLite file: a save waits for it (up to the busy timeout)
instead of failing at once, readers never wait, and a save still blocked after the timeout is one
French error that writes nothing."""

from __future__ import annotations

import sqlite3
import time

import pytest

from desktop.db import open_database
from desktop.db_errors import DatabaseBusyError
from desktop.services.common.history import install_history
from desktop.services.directory.edits import PersonInput
from desktop.services.directory.service import DirectoryService
from desktop.services.transfer.ingest import IngestService
from tests.faults.locks import write_lock_held


def _service(path, busy_timeout_ms: int = 5000) -> tuple:
    database = open_database(str(path), busy_timeout_ms=busy_timeout_ms)
    install_history(database.session_factory, login="moi")
    return database, DirectoryService(database.session_factory)


def _stored(path, sql: str, *params):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_a_save_waits_for_another_programs_save_instead_of_failing(filled_db_path):
    """A save that has read first waits for the other program's commit, then goes through."""
    database, service = _service(filled_db_path)
    try:
        pid = service.find_people("BÉJEAN", limit=1)[0][0]
        with write_lock_held(filled_db_path, seconds=1.0):
            seen = service.person_detail(pid)  # reading does not wait
            started = time.perf_counter()
            service.edits.update_person(
                pid, seen.version, PersonInput("BÉJEAN", "Sophie", email="s.b@ac.fr")
            )
            waited = time.perf_counter() - started
        assert waited > 0.3  # it did wait for the lock
        assert service.person_detail(pid).email == "s.b@ac.fr"
    finally:
        database.dispose()


def test_reading_never_waits_for_a_writer(filled_db_path):
    """Lists and records read at once while another program holds the write lock."""
    database, service = _service(filled_db_path)
    try:
        with write_lock_held(filled_db_path):
            started = time.perf_counter()
            pid = service.find_people("BÉJEAN", limit=1)[0][0]
            service.person_detail(pid)
            service.units()
            assert time.perf_counter() - started < 1.0  # the busy timeout is 5 s
    finally:
        database.dispose()


@pytest.mark.parametrize("action", ["update", "create", "import"])
def test_a_save_blocked_past_the_busy_timeout_is_one_french_error(filled_db_path, action):
    """Still locked after the timeout: one French PilotisError naming the file, nothing written
    (no row, no history), and the same save works once the other program is done."""
    database, service = _service(filled_db_path, busy_timeout_ms=300)
    changes = _stored(filled_db_path, "SELECT count(*) FROM change")
    pid = service.find_people("BÉJEAN", limit=1)[0][0]
    seen = service.person_detail(pid)

    def save():
        if action == "update":
            service.edits.update_person(
                pid, seen.version, PersonInput("BÉJEAN", "Sophie", email="x@ac.fr")
            )
        elif action == "create":
            service.edits.create_person(PersonInput("OCCUPÉ", "Essai"))
        else:
            IngestService(database.session_factory, login="moi").import_rows(
                "people", [{"last_name": "OCCUPÉ", "first_name": f"n{i}"} for i in range(30)]
            )

    try:
        with write_lock_held(filled_db_path), pytest.raises(DatabaseBusyError) as raised:
            save()
        message = str(raised.value)
        assert "occupée par un autre programme" in message
        assert str(filled_db_path) in message
        assert "réessayez" in message
        assert "database is locked" not in message
        assert _stored(filled_db_path, "SELECT count(*) FROM change") == changes
        assert _stored(
            filled_db_path, "SELECT count(*) FROM person WHERE last_name = 'OCCUPÉ'"
        ) == [(0,)]
        assert _stored(filled_db_path, "SELECT email FROM person WHERE id = ?", pid) == [(None,)]
        save()  # the lock is gone: the very same save now succeeds
        assert _stored(filled_db_path, "SELECT count(*) FROM change") != changes
    finally:
        database.dispose()


def test_an_import_reads_what_it_matches_under_the_write_lock(filled_db_path):
    """An import started while another program saves a site waits for that save, then finds
    the site by its code and updates it, instead of adding it a second time (refused whole)."""
    database = open_database(str(filled_db_path))
    try:
        saved = "INSERT INTO site (code, name) VALUES ('S-NOUVEAU', 'Nom du poste voisin')"
        with write_lock_held(filled_db_path, seconds=1.0, sql=saved):
            report = IngestService(database.session_factory, login="moi").import_rows(
                "sites", [{"code": "S-NOUVEAU", "name": "Nom importé"}], update=True
            )
        assert not report.errors
        assert _stored(filled_db_path, "SELECT name FROM site WHERE code = 'S-NOUVEAU'") == [
            ("Nom importé",)
        ]
    finally:
        database.dispose()
