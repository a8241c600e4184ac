"""Migration 0005 on a file that already holds a directory: sort keys computed for the rows
there, the FTS5 search still kept up to date, constraints kept, post links available; then the
application keeps the keys as names change."""

from __future__ import annotations

import sqlite3

import pytest
from alembic import command

from desktop.db import alembic_config, make_engine, open_database
from desktop.services.common import search_index


def _file_at_0004(path) -> None:
    url = f"sqlite:///{path}"
    engine = make_engine(url, foreign_keys=False)
    with engine.connect() as conn, conn.begin():
        config = alembic_config(url)
        config.attributes["connection"] = conn
        command.upgrade(config, "0004")
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO unit (id, code, name, kind) VALUES (1, 'RA', 'Région', 'region')")
    con.execute(
        "INSERT INTO unit (id, parent_id, code, acronym, name, kind) "
        "VALUES (2, 1, 'DRAJES', 'DRAJES', 'Direction', 'direction')"
    )
    for pid, last, first in [(1, "ZOLA", "Émile"), (2, "ÉLIE", "Anne"), (3, "de Villiers", "Marc")]:
        con.execute(
            "INSERT INTO person (id, last_name, first_name) VALUES (?, ?, ?)", (pid, last, first)
        )
        con.execute(
            "INSERT INTO position (unit_id, person_id, title) VALUES (2, ?, 'Chargé de mission')",
            (pid,),
        )
    con.commit()
    con.close()


def test_upgrade_fills_sort_keys_and_keeps_search_and_checks(tmp_path):
    path = tmp_path / "ancienne.sqlite"
    _file_at_0004(path)
    open_database(str(path)).dispose()

    con = sqlite3.connect(path)
    ordered = con.execute("SELECT last_name FROM person ORDER BY sort_key").fetchall()
    assert ordered == [("de Villiers",), ("ÉLIE",), ("ZOLA",)]
    assert con.execute("SELECT sort_key FROM unit ORDER BY id").fetchall() == [
        ("region",), ("drajes",),
    ]  # fmt: skip
    # New rows are still indexed: noted by the trigger, indexed by the application (0012).
    con.execute("INSERT INTO person (id, last_name, first_name) VALUES (4, 'BÉJEAN', 'Sophie')")
    search_index.sync(con)
    hits = con.execute("SELECT rowid FROM person_fts WHERE person_fts MATCH 'bejean'").fetchall()
    assert hits == [(4,)]
    with pytest.raises(sqlite3.IntegrityError):  # CHECK constraints kept
        con.execute("INSERT INTO person (last_name, first_name) VALUES ('  ', 'X')")
    con.execute(
        "INSERT INTO position_link (from_position_id, to_position_id, kind) "
        "VALUES (1, 2, 'fonctionnel')"
    )
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()


def test_the_application_keeps_sort_keys_when_names_change(tmp_path):
    """Forms (ORM), undo and imports (Core) all leave the key equal to the folded names."""
    from desktop.models import Person, Unit

    database = open_database(str(tmp_path / "base.sqlite"))
    try:
        with database.session_factory.begin() as s:
            s.add_all([Person(last_name="ŒUVRE", first_name="Zoé"),
                       Person(last_name="Zola", first_name="Émile"),
                       Unit(code="X", name="Élan", kind="service")])  # fmt: skip
        with database.session_factory.begin() as s:
            person = s.query(Person).filter_by(last_name="Zola").one()
            person.last_name = "d'Étienne"
        with database.session_factory() as s:
            keys = dict(s.query(Person.last_name, Person.sort_key).all())
            assert keys == {"ŒUVRE": "oeuvre zoe", "d'Étienne": "detienne emile"}
            assert s.query(Unit.sort_key).scalar() == "elan"
            ordered = [n for (n,) in s.query(Person.last_name).order_by(Person.sort_key)]
            assert ordered == ["d'Étienne", "ŒUVRE"]
    finally:
        database.dispose()
