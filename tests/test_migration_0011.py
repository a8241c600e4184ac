"""Migration 0011 on a base that already holds data: every audited row gets its own identity,
nothing else changes (rows, children, history), and new rows get one too, whoever writes them."""

from __future__ import annotations

import sqlite3

from alembic import command
from sqlalchemy import create_engine, text

from desktop.db import alembic_config, make_engine, open_database


def _upgrade(url: str, revision: str) -> None:
    engine = make_engine(url, foreign_keys=False) if url.startswith("sqlite") else (
        create_engine(url)
    )  # fmt: skip
    with engine.connect() as conn, conn.begin():
        config = alembic_config(url)
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    engine.dispose()


ROWS = [
    "INSERT INTO unit (id, code, name, kind) VALUES (1, 'RA', 'Région', 'region')",
    "INSERT INTO unit (id, parent_id, code, acronym, name, kind) "
    "VALUES (2, 1, 'DRAJES', 'DRAJES', 'Direction', 'direction')",
    "INSERT INTO person (id, last_name, first_name) VALUES (1, 'ZOLA', 'Émile')",
    "INSERT INTO position (unit_id, person_id, title) VALUES (2, 1, 'Chargé de mission')",
    "INSERT INTO change (login, action, table_name, row_id, field, old_value, new_value, batch) "
    "VALUES ('alice', 'update', 'unit', 2, 'name', '\"D\"', '\"Direction\"', 'b1')",
]


def _check(conn) -> None:
    identities = [r[0] for t in ("unit", "person", "position")
                  for r in conn.execute(text(f"SELECT uuid FROM {t}"))]  # fmt: skip
    assert len(identities) == 4
    assert len(set(identities)) == 4
    assert all(len(i) == 36 and i[14] == "4" for i in identities)
    assert conn.execute(text("SELECT count(*) FROM position")).scalar() == 1  # children kept
    assert conn.execute(text("SELECT login FROM change")).scalars().all() == ["alice"]
    conn.execute(
        text("INSERT INTO unit (id, code, name, kind) VALUES (3, 'NOUVEAU', 'Nouveau', 'service')")
    )
    new = conn.execute(text("SELECT uuid FROM unit WHERE code = 'NOUVEAU'")).scalar()
    assert len(new) == 36  # a row written outside Pilotis gets one from the server default
    assert new not in identities


def test_an_sqlite_file_gets_identities_and_keeps_its_data(tmp_path):
    """A file at 0010 with units, a person, a post and history upgrades through the app."""
    path = tmp_path / "ancienne.sqlite"
    _upgrade(f"sqlite:///{path}", "0010")
    con = sqlite3.connect(path)
    for statement in ROWS:
        con.execute(statement)
    con.commit()
    con.close()
    open_database(str(path)).dispose()
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        _check(conn)
    engine.dispose()
