"""`pilotis copy`: a whole database moves between SQLite and PostgreSQL and comes back identical."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desktop.db import open_database
from desktop.devtools.generator import generate
from desktop.models import Person
from desktop.services.transfer.copy import (
    TargetNotEmptyError,
    copy_database,
    summary_lines,
)
from tests import pg_support
from tests.conftest import BACKENDS, run_cli
from tests.factories.rows import all_rows


@pytest.fixture(params=BACKENDS)
def middle(request, tmp_path):
    """Where the data goes and comes back from: another file, or a new server database."""
    if request.param == "sqlite":
        yield str(tmp_path / "middle.sqlite")
        return
    name = pg_support.create_database()
    yield pg_support.url_for(name)
    pg_support.drop_database(name)


def test_default_dataset_round_trips_identically(filled_db_path, middle, tmp_path):
    """File → server (or file) → new file: every row of every table, history included, is
    the same, and the check table says so."""
    back = str(tmp_path / "back.sqlite")
    there = copy_database(str(filled_db_path), middle)
    assert there.ok
    again = copy_database(middle, back)
    assert again.ok
    before, after = all_rows(str(filled_db_path)), all_rows(back)
    assert after == before
    assert len(before["change"]) > 10  # the dataset's import: one history record per kind
    assert sum(len(rows) for rows in before.values()) == there.rows == again.rows
    assert summary_lines(again)[-1].endswith("toutes les tables sont identiques.")


def test_generated_dataset_round_trips_identically(tmp_path, middle):
    """A generated database (trees several levels deep, thousands of lines) round-trips too."""
    source = str(tmp_path / "generated.sqlite")
    db = open_database(source)
    generate(db.engine, people=1500, units=120, programmes=150, milestones=400,
             funding_lines=6000, seed=3)  # fmt: skip
    db.dispose()
    back = str(tmp_path / "back.sqlite")
    copy_database(source, middle)
    copy_database(middle, back)
    assert all_rows(back) == all_rows(source)


def test_new_rows_after_a_copy_get_fresh_ids(filled_db_path, middle):
    """After a copy, adding a person works (the server's id sequences follow the copied ids)."""
    copy_database(str(filled_db_path), middle)
    db = open_database(middle)
    try:
        with db.session_factory.begin() as session:
            session.add(Person(last_name="NOUVELLE", first_name="Personne"))
        with db.session_factory() as session:
            ids = session.scalars(select(Person.id).order_by(Person.id)).all()
        assert len(ids) == len(set(ids))
    finally:
        db.dispose()


def test_a_target_with_data_is_refused_unless_forced(filled_db_path, middle, tmp_path):
    """Copying onto a database that has data changes nothing, unless --force replaces it."""
    empty = str(tmp_path / "empty.sqlite")
    open_database(empty).dispose()
    copy_database(str(filled_db_path), middle)
    before = all_rows(middle)
    with pytest.raises(TargetNotEmptyError, match="--force"):
        copy_database(empty, middle)
    assert all_rows(middle) == before
    copy_database(empty, middle, force=True)
    assert all(rows == [] for rows in all_rows(middle).values())


def test_copy_command_prints_the_check_table(filled_db_path, middle):
    """`pilotis copy --from F --to URL` prints each table's lines and sums, and a verdict;
    a second run onto the same target is one French line."""
    done = run_cli("copy", "--from", str(filled_db_path), "--to", middle)
    assert done.returncode == 0, done.stderr
    assert "funding_line" in done.stdout
    assert "toutes les tables sont identiques." in done.stdout
    refused = run_cli("copy", "--from", str(filled_db_path), "--to", middle)
    assert refused.returncode == 1
    assert refused.stderr.startswith("pilotis : ")
    assert "contient déjà des données" in refused.stderr
    assert "Traceback" not in refused.stderr
