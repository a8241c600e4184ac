"""`pilotis copy` starting from the server: a database generated on PostgreSQL goes to a laptop's
file and back to a new server database, identical (the other direction is in
tests/services/transfer/test_copy.py). Collected only when PILOTIS_TEST_PG_URL names a server."""

from __future__ import annotations

from desktop.db import open_database
from desktop.devtools.generator import generate
from desktop.services.transfer.copy import copy_database
from tests import pg_support
from tests.factories.rows import all_rows


def test_a_database_generated_on_the_server_round_trips_through_a_file(tmp_path):
    """Server → file → new server: every row of every table is the same, the new server
    database has its planner statistics and hands out fresh ids after the copied ones."""
    from desktop.models import Person

    first, second = pg_support.create_database(), pg_support.create_database()
    try:
        source = pg_support.url_for(first)
        db = open_database(source)
        generate(db.engine, people=1200, units=90, programmes=120, milestones=300,
                 funding_lines=4000, seed=11)  # fmt: skip
        db.dispose()
        laptop = str(tmp_path / "portable.sqlite")
        there = copy_database(source, laptop)
        back = copy_database(laptop, pg_support.url_for(second))
        assert there.ok
        assert back.ok
        before = all_rows(source)
        assert len(before["person"]) == 1200
        assert all_rows(pg_support.url_for(second)) == before
        # The file holds the same data, sort keys included (computed in Python, not by SQL).
        assert all_rows(laptop) == before
        copied = open_database(pg_support.url_for(second))
        try:
            with copied.engine.connect() as conn:  # the planner has statistics right away
                analysed = conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_stats WHERE tablename = 'person'"
                ).scalar()
            assert analysed > 0
            with copied.session_factory.begin() as session:
                session.add(Person(last_name="NOUVELLE", first_name="Personne"))
                session.flush()
                assert session.get(Person, max(r[0] for r in before["person"]) + 1) is not None
        finally:
            copied.dispose()
    finally:
        pg_support.drop_database(first)
        pg_support.drop_database(second)
