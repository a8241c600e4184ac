"""The rules in the schema (migration 0010): what the forms and imports refuse is refused by the
database itself, and a base holding such rows is not upgraded but told which rows to fix."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from desktop.db import alembic_config, make_engine, open_database
from desktop.errors import DatabaseOpenError
from desktop.models import Funder, FundingLine, Programme, Unit


def _programme_and_funder(database) -> tuple[int, int]:
    with database.engine.begin() as conn:
        programme = conn.execute(
            insert(Programme).values(code="P1", name="Programme", family="cper", kind="programme")
        ).inserted_primary_key[0]
        funder = conn.execute(
            insert(Funder).values(code="BOP150", name="BOP 150", kind="etat")
        ).inserted_primary_key[0]
    return programme, funder


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"period": "2023-2025"}, "ck_funding_line_period"),
        ({"period": "2023-2022"}, "ck_funding_line_period"),
        ({"period": "23-24"}, "ck_funding_line_period"),
        ({"period": "abcd"}, "ck_funding_line_period"),
        ({"amount_cents": -1}, "ck_funding_line_amount_not_negative"),
        ({"stage": "promis"}, "ck_funding_line_stage"),
    ],
)
def test_a_funding_line_the_app_would_refuse_is_refused_by_the_database(
    database, values, constraint
):
    """A period that is not a year or a school year, a negative amount or an unknown stage is
    refused by a named CHECK, whichever program writes it."""
    programme, funder = _programme_and_funder(database)
    line = {"programme_id": programme, "funder_id": funder, "amount_cents": 100, **values}
    with pytest.raises(IntegrityError, match=constraint), database.engine.begin() as conn:
        conn.execute(insert(FundingLine).values(line))


def test_what_the_app_accepts_the_database_accepts_too(database):
    """Years, consecutive school years and no period at all still go in."""
    programme, funder = _programme_and_funder(database)
    with database.engine.begin() as conn:
        for period in ("2023", "2022-2023", None):
            line = {"programme_id": programme, "funder_id": funder, "amount_cents": 0}
            conn.execute(insert(FundingLine).values({**line, "period": period}))
        count = conn.execute(text("SELECT count(*) FROM funding_line")).scalar()
    assert count == 3


def test_a_blank_required_text_is_refused(database):
    """A unit whose name is only spaces is refused by ck_unit_name_not_blank."""
    with (
        pytest.raises(IntegrityError, match="ck_unit_name_not_blank"),
        database.engine.begin() as c,
    ):
        c.execute(insert(Unit).values(code="U", name="   ", kind="service"))


def _file_at_0009(path) -> None:
    from alembic import command

    url = f"sqlite:///{path}"
    engine = make_engine(url, foreign_keys=False)
    try:
        with engine.connect() as conn, conn.begin():
            config = alembic_config(url)
            config.attributes["connection"] = conn
            command.upgrade(config, "0009")
    finally:
        engine.dispose()


def test_a_base_breaking_the_new_rules_is_not_upgraded_and_names_the_rows(db_path):
    """An older file holding a period « 2023-2025 » and a blank unit name is refused with the
    table, id, field and value of each, and stays at its revision with its rows untouched."""
    _file_at_0009(db_path)
    con = sqlite3.connect(db_path)
    con.execute("INSERT INTO unit (id, code, name, kind) VALUES (7, 'U7', ' ', 'service')")
    con.execute("INSERT INTO programme (id, code, name, family, kind) "
                "VALUES (1, 'P', 'P', 'cper', 'programme')")  # fmt: skip
    con.execute("INSERT INTO funder (id, code, name, kind) VALUES (1, 'F', 'F', 'etat')")
    con.execute("INSERT INTO funding_line (id, programme_id, funder_id, amount_cents, period) "
                "VALUES (12, 1, 1, 5, '2023-2025')")  # fmt: skip
    con.commit()
    con.close()
    with pytest.raises(DatabaseOpenError) as refused:
        open_database(str(db_path))
    message = str(refused.value)
    assert "2 ligne(s)" in message
    assert "table funding_line, ligne n° 12, champ period : « 2023-2025 »" in message
    assert "table unit, ligne n° 7, champ name" in message
    assert "Rien n'a été modifié" in message
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0009",)
        assert con.execute("SELECT period FROM funding_line").fetchall() == [("2023-2025",)]
        schema = con.execute("SELECT sql FROM sqlite_master WHERE name = 'unit'").fetchone()[0]
        assert "not_blank" not in schema
    finally:
        con.close()
    con = sqlite3.connect(db_path)  # fixed with the current version, it upgrades
    con.execute("UPDATE funding_line SET period = '2023-2024'")
    con.execute("UPDATE unit SET name = 'Service'")
    con.commit()
    con.close()
    open_database(str(db_path)).dispose()
