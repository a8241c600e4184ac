"""SQLite's clean rows are checked a batch at a time while a writer thread inserts the batches
already checked, under a savepoint. These tests make the checks or the writer fail after
batches were written, and look at what the user would see: the report names the row, nothing
is left of the rows written, the indexes, the search trigger and the page cache are as before,
and no writer thread outlives its import."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from desktop.db import open_database
from desktop.models import Establishment, Person
from desktop.services.directory.search import SearchFilter
from desktop.services.directory.service import DirectoryService
from desktop.services.transfer import columnar, sqlite_bulk
from desktop.services.transfer.ingest import ImportRejected, IngestService

COUNT = 3 * columnar.WRITE_BATCH  # several batches, and enough rows to rebuild the indexes
assert sqlite_bulk.BulkInsert.DEFER_FROM <= COUNT


@pytest.fixture
def base(tmp_path):
    database = open_database(str(tmp_path / "pilotis.sqlite"))
    IngestService(database.session_factory).import_rows(
        "people", [{"last_name": "Existant", "first_name": "Paul", "email": "p@ac.fr"}]
    )
    yield database
    database.dispose()


def _people(count: int = COUNT) -> list[dict]:
    return [
        {"last_name": f"Agent{n:05d}", "first_name": "Zoé", "email": f"a{n}@ac-toulouse.fr"}
        for n in range(count)
    ]


def _schema(database) -> list[tuple]:
    with database.engine.connect() as connection:
        return sorted(
            connection.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'person'"
            ).all()
        )


def _cache_size(database) -> int:
    with database.engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA cache_size").scalar()


def _count(database, model) -> int:
    with database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def _writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "pilotis-import-writer"]


def test_a_bad_cell_in_the_last_batch_rejects_the_import_and_leaves_nothing(base):
    """The first batches are already in the table when the last one turns out to need the
    row-by-row path: that path reports the row, and the savepoint takes the batches back."""
    before, cache = _schema(base), _cache_size(base)
    people = _people()
    people[-2]["first_name"] = "  "
    with pytest.raises(ImportRejected) as caught:
        IngestService(base.session_factory).import_rows("people", people)
    [error] = caught.value.report.errors
    assert error.row == COUNT - 1
    assert error.column == "first_name"
    assert _count(base, Person) == 1
    assert _schema(base) == before
    assert _cache_size(base) == cache
    assert not _writers()


def test_only_the_valid_rows_are_written_when_asked_and_all_are_found(base):
    """With « importer seulement les lignes valides », the batches rolled back are written again
    by the row-by-row path: every valid row is there once, searchable and sorted."""
    before = _schema(base)
    people = _people()
    people[-2]["first_name"] = "  "
    people[5]["last_name"] = "Béjean"
    report = IngestService(base.session_factory).import_rows("people", people, partial=True)
    assert (report.inserted, len(report.errors)) == (COUNT - 1, 1)
    assert _count(base, Person) == COUNT
    assert _schema(base) == before
    directory = DirectoryService(base.session_factory)
    assert [p.email for p in directory.entries(SearchFilter(text="bejean"))] == [
        "a5@ac-toulouse.fr"
    ]
    first = directory.entries(SearchFilter(), limit=2)
    assert [p.last_name for p in first] == ["Agent00000", "Agent00001"]


def test_a_duplicate_found_at_the_end_names_both_rows(base):
    """Keys are compared once every batch is checked (while SQLite builds the indexes): a row
    repeating one from the first batch rejects the import, with its row number."""
    people = _people()
    people[-1] = dict(people[3])
    with pytest.raises(ImportRejected) as caught:
        IngestService(base.session_factory).import_rows("people", people)
    messages = [str(e) for e in caught.value.report.errors]
    assert len(messages) == 1, messages
    assert f"{COUNT}" in messages[0], messages
    assert _count(base, Person) == 1
    assert not _writers()


def test_a_duplicate_met_by_a_unique_index_in_the_writer_is_reported_like_any_other(base):
    """Two establishments with the same UAI in different batches: SQLite's unique index stops
    the writer before the key check runs; the user gets the same report, nothing written."""
    rows = [{"uai": f"{n:07d}A", "name": f"École {n}"} for n in range(COUNT)]
    rows[-1]["uai"] = rows[0]["uai"].lower()
    with pytest.raises(ImportRejected) as caught:
        IngestService(base.session_factory).import_rows("establishments", rows)
    assert len(caught.value.report.errors) == 1
    assert caught.value.report.errors[0].row == COUNT
    assert _count(base, Establishment) == 0
    assert not _writers()


def test_a_failure_in_the_writer_is_a_database_error_and_nothing_is_kept(base, monkeypatch):
    """SQLite failing under the writer thread (here a statement it cannot run) reaches the
    caller as SQLAlchemy raises database errors elsewhere; the transaction is rolled back."""
    before = _schema(base)
    real = sqlite_bulk.ColumnWriter._statement
    calls = []

    def failing(self, rows):
        calls.append(rows)
        return real(self, rows) if len(calls) < 2 else "INSERT INTO nulle_part VALUES (1)"

    monkeypatch.setattr(sqlite_bulk.ColumnWriter, "_statement", failing)
    with pytest.raises(OperationalError, match="nulle_part"):
        IngestService(base.session_factory).import_rows("people", _people())
    assert _count(base, Person) == 1
    assert _schema(base) == before
    assert not _writers()


def test_an_error_in_the_checks_stops_the_writer_before_the_rollback(base, monkeypatch):
    """Anything raised while batches are being checked (here, from the sort keys of the second
    batch) stops the writer thread first; the import's transaction is then rolled back."""
    before = _schema(base)
    real = columnar._with_sort_keys
    calls = []

    def failing(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("panne simulée")
        return real(*args)

    monkeypatch.setattr(columnar, "_with_sort_keys", failing)
    with pytest.raises(RuntimeError, match="panne simulée"):
        IngestService(base.session_factory).import_rows("people", _people())
    assert not _writers()
    assert _count(base, Person) == 1
    assert _schema(base) == before


def test_a_file_imported_again_is_recognised_before_anything_is_written(base, monkeypatch):
    """Re-importing a file whose people are already there (to update them) is spotted on its
    first batch: the writer never gets a row, and the update path does the work."""
    people = _people()
    IngestService(base.session_factory).import_rows("people", people)
    handed = []
    monkeypatch.setattr(sqlite_bulk.ColumnWriter, "put", lambda self, *a: handed.append(a))
    report = IngestService(base.session_factory).import_rows("people", people, update=True)
    assert handed == []
    assert (report.inserted, report.updated) == (0, 0)
    assert _count(base, Person) == COUNT + 1


def test_a_large_import_leaves_its_checkpoint_to_the_next_write(base):
    """The import's commit returns without copying its journal (WAL) into the database file;
    the connection goes back to the pool with SQLite's usual setting, so the next edit's commit
    does the copy, and the journal does not keep growing with every later write."""
    IngestService(base.session_factory).import_rows("people", _people(20_000))
    file_after_import = base.path.stat().st_size
    with base.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
        assert connection.exec_driver_sql("SELECT count(*) FROM person").scalar() == 20_001
    assert file_after_import < 1_000_000  # the 20 000 people are in the journal only
    with base.session_factory() as session:
        person = session.scalar(select(Person).where(Person.last_name == "Existant"))
        person.first_name = "Léa"
        session.commit()
    assert base.path.stat().st_size > file_after_import + 2_000_000


def test_the_thread_switch_interval_is_put_back_after_an_import(base):
    """The writer lowers Python's thread switch interval while it runs (so that it gets the GIL
    back quickly); the application's own setting is restored afterwards, also after a failure."""
    import sys

    before = sys.getswitchinterval()
    IngestService(base.session_factory).import_rows("people", _people())
    assert sys.getswitchinterval() == before
    people = _people()
    people[-1]["first_name"] = ""
    with pytest.raises(ImportRejected):
        IngestService(base.session_factory).import_rows("people", people)
    assert sys.getswitchinterval() == before
