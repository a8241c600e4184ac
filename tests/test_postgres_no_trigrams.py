"""A server where the application's account may not install pg_trgm (an old server, or an
administrator who keeps CREATE on the database to himself): the migrations leave the trigram
indexes out and create plain btree prefix indexes instead, and the directory search finds the
same people as on a server with trigrams. Collected only with PILOTIS_TEST_PG_URL (conftest)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from desktop.db import open_database
from desktop.services.directory.search import SearchFilter
from desktop.services.directory.service import DirectoryService
from desktop.services.transfer.dataset import load_default_dataset
from tests import pg_support

QUERIES = ("b", "be", "béj", "bejean", "n", "na", "nadir", "ali", "dra", "drajes", "e", "sg")


def _search(factory) -> dict[str, list[tuple]]:
    directory = DirectoryService(factory)
    return {
        q: [
            (e.person_id, e.position_id)
            for e in directory.entries(SearchFilter(text=q), limit=None)
        ]
        for q in QUERIES
    }


@pytest.fixture
def restricted_server_db():
    """A database whose application account has USAGE and CREATE on the schema, and not the
    right to CREATE on the database itself (hence no CREATE EXTENSION)."""
    name = pg_support.create_database()
    role = f"sans_trgm_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_support.PG_URL, isolation_level="AUTOCOMMIT")
    owner_of_db = create_engine(pg_support.url_for(name), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'secret'"))
            conn.execute(text(f'REVOKE CREATE ON DATABASE "{name}" FROM PUBLIC'))
            conn.execute(text(f'GRANT CONNECT ON DATABASE "{name}" TO {role}'))
        with owner_of_db.connect() as conn:
            conn.execute(text(f"GRANT USAGE, CREATE ON SCHEMA public TO {role}"))
        yield make_url(pg_support.url_for(name)).set(username=role, password="secret")
    finally:
        owner_of_db.dispose()
        pg_support.drop_database(name)
        with admin.connect() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()


def test_without_pg_trgm_the_search_uses_prefix_indexes_and_finds_the_same(
    restricted_server_db, pg_templates
):
    url = restricted_server_db.render_as_string(hide_password=False)
    db = open_database(url)
    try:
        load_default_dataset(db.session_factory)
        with db.engine.connect() as conn:
            extensions = conn.execute(text("SELECT extname FROM pg_extension")).scalars().all()
            indexes = set(
                conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'person'"))
                .scalars()
                .all()
            )
        assert "pg_trgm" not in extensions
        assert any(i.endswith("_prefix") for i in indexes), indexes  # btree text_pattern_ops
        assert not any(i.endswith("_trgm") for i in indexes)
        found = _search(db.session_factory)
    finally:
        db.dispose()

    # the same dataset on a server with pg_trgm (the suite's template)
    name = pg_support.create_database(pg_templates["filled"])
    reference = open_database(pg_support.url_for(name))
    try:
        with reference.engine.connect() as conn:
            assert conn.execute(
                text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            ).scalar()
        expected = _search(reference.session_factory)
    finally:
        reference.dispose()
        pg_support.drop_database(name)
    assert all(found[q] for q in ("b", "bejean", "drajes"))
    assert found == expected
