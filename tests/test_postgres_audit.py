"""The server keeps the history and the rules: audit triggers, roles that hold, CHECK constraints,
on a real PostgreSQL server with the accounts sql/roles.sql makes (issue 21)."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from desktop.db import make_engine, open_database
from desktop.db_errors import PermissionDeniedError
from desktop.services.transfer.copy import CopyError, copy_database
from tests import pg_support
from tests.conftest import ROOT, run_cli
from tests.test_postgres import _psql
from tests.test_postgres import accounts as accounts_fixture
from tests.test_postgres import filled_server_db as filled_server_db_fixture

# The reader and editor accounts of tests/test_postgres.py (roles.sql run on a filled base).
accounts = accounts_fixture
filled_server_db = filled_server_db_fixture


def _raw(url: str):
    """A plain SQLAlchemy engine: no Pilotis hook, as psql or another program would connect."""
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _changes(url: str, where: str) -> list[tuple]:
    owner = create_engine(pg_support.url_for(make_url(url).database))
    try:
        with owner.connect() as conn:
            return list(
                conn.execute(
                    text(
                        "SELECT login, action, table_name, row_id, field, old_value, new_value, "
                        f"batch, at FROM change WHERE {where} ORDER BY id"
                    )
                )
            )
    finally:
        owner.dispose()


def test_a_direct_update_by_an_editor_makes_one_history_row_in_their_name(accounts):
    """psql-like UPDATE as the editor: exactly one history row, the editor's account, the
    server's clock, old → new as Pilotis writes them, a batch of its own."""
    editor = make_url(accounts["editor"]).username
    engine = _raw(accounts["editor"])
    try:
        with engine.connect() as conn:
            before = conn.execute(text("SELECT email FROM person WHERE id = 2")).scalar()
            conn.execute(text("UPDATE person SET email = 'direct@sql.fr' WHERE id = 2"))
            now = conn.execute(text("SELECT localtimestamp")).scalar()
    finally:
        engine.dispose()
    rows = _changes(accounts["editor"], "table_name = 'person' AND row_id = 2")
    assert len(rows) == 1
    login, action, _table, _row, field, old, new, batch, at = rows[0]
    assert (login, action, field) == (editor, "update", "email")
    assert (old, new) == (json.dumps(before) if before else None, '"direct@sql.fr"')
    assert batch.startswith("sql-")
    assert abs((now - at).total_seconds()) < 60


def test_nobody_but_the_owner_writes_the_history(accounts):
    """A forged INSERT in someone else's name, an UPDATE or a DELETE of history rows, and
    drawing history ids, are refused for the editor; the French message names the history."""
    engine = make_engine(accounts["editor"])
    statements = (
        "INSERT INTO change (login, action, table_name, at) "
        "VALUES ('mmartin', 'update', 'person', '2020-01-01')",
        "UPDATE change SET login = 'mmartin'",
        "DELETE FROM change",
        "TRUNCATE change",
        "SELECT setval('change_id_seq', 1)",
    )
    try:
        for sql in statements:
            with pytest.raises(PermissionDeniedError) as refused, engine.begin() as conn:
                conn.execute(text(sql))
            if not sql.startswith("SELECT"):
                assert "historique" in str(refused.value)
    finally:
        engine.dispose()
    assert _changes(accounts["editor"], "login = 'mmartin'") == []


def test_a_reader_writes_nothing_and_creates_no_temporary_table(accounts):
    """As the reader every write (data, history, schema) and a TEMP table are refused, and
    the refusal says which privilege is missing."""
    engine = make_engine(accounts["reader"])
    try:
        for sql in ("UPDATE person SET email = 'x@y.fr' WHERE id = 2", "DELETE FROM funding_line",
                    "INSERT INTO change (login, action, table_name) VALUES ('a', 'b', 'c')",
                    "CREATE TABLE mine (id int)", "CREATE TEMP TABLE mine (id int)"):  # fmt: skip
            with pytest.raises(PermissionDeniedError) as refused, engine.begin() as conn:
                conn.execute(text(sql))
            assert "faire cette opération" not in str(refused.value), sql  # named, not vague
        with pytest.raises(PermissionDeniedError, match="TEMP"), engine.begin() as conn:
            conn.execute(text("CREATE TEMP TABLE mine (id int)"))
        with (
            pytest.raises(PermissionDeniedError, match="« person » .privilège UPDATE"),
            engine.begin() as conn,
        ):
            conn.execute(text("UPDATE person SET email = 'x@y.fr' WHERE id = 2"))
    finally:
        engine.dispose()


def test_only_the_pilotis_roles_connect_and_not_to_the_server_s_other_databases(accounts):
    """roles.sql shuts PUBLIC out of the Pilotis base (an account without a Pilotis role is
    turned away), and with the administrator's REVOKE (README) neither role enters another
    database of the server."""
    other = pg_support.create_database()
    outsider = f"dehors_{uuid.uuid4().hex[:8]}"
    admin = _raw(pg_support.PG_URL)
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE ROLE {outsider} LOGIN PASSWORD 'secret'"))
        owner = _raw(pg_support.url_for(other))
        with owner.connect() as conn:  # what README « Administration » asks of the server
            conn.execute(text(f'REVOKE CONNECT, TEMP ON DATABASE "{other}" FROM PUBLIC'))
        owner.dispose()
        stranger = make_url(accounts["editor"]).set(username=outsider, password="secret")
        targets = [stranger.render_as_string(hide_password=False)]
        for kind in ("reader", "editor"):
            targets.append(
                make_url(accounts[kind]).set(database=other).render_as_string(hide_password=False)
            )
        for url in targets:
            engine = _raw(url)
            with pytest.raises(OperationalError, match="CONNECT"):
                engine.connect().close()
            engine.dispose()
        for kind in ("reader", "editor"):  # their own base still opens
            engine = _raw(accounts[kind])
            with engine.connect() as conn:
                assert conn.execute(text("SELECT 1")).scalar() == 1
            engine.dispose()
    finally:
        pg_support.drop_database(other)
        with admin.connect() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {outsider}"))
        admin.dispose()


def test_roles_sql_run_twice_gives_the_same_privileges(accounts):
    """roles.sql is idempotent: a second run leaves every privilege exactly as the first."""
    url = pg_support.url_for(make_url(accounts["editor"]).database)
    # Every (object, grantee, privilege, grantable) granted, in a stable order.
    query = (
        "SELECT 'base', a.grantee::regrole::text, a.privilege_type, a.is_grantable "
        "FROM pg_database, aclexplode(datacl) a WHERE datname = current_database() UNION ALL "
        "SELECT relname, a.grantee::regrole::text, a.privilege_type, a.is_grantable "
        "FROM pg_class, aclexplode(relacl) a WHERE relnamespace = "
        "current_schema()::regnamespace AND relkind IN ('r', 'S') ORDER BY 1, 2, 3"
    )
    engine = _raw(url)
    try:
        with engine.connect() as conn:
            first = conn.execute(text(query)).all()
        done = _psql(url, "-f", str(ROOT / "sql" / "roles.sql"))
        assert done.returncode == 0, done.stderr
        with engine.connect() as conn:
            assert conn.execute(text(query)).all() == first
        assert first
    finally:
        engine.dispose()


def test_a_row_breaking_a_rule_is_refused_by_the_server_with_the_constraint_s_name(accounts):
    """Any client storing what the app would refuse (a period 2023-2025, a negative amount,
    a blank name, an end before the start) is stopped by a named CHECK constraint."""
    engine = _raw(accounts["editor"])
    cases = {
        "UPDATE funding_line SET period = '2023-2025' WHERE id = 1": "ck_funding_line_period",
        "UPDATE funding_line SET amount_cents = -1 WHERE id = 1":
            "ck_funding_line_amount_not_negative",
        "UPDATE unit SET name = '  ' WHERE id = 1": "ck_unit_name_not_blank",
        "UPDATE programme SET start_on = '2024-01-01', end_on = '2023-01-01' WHERE id = 1":
            "ck_programme_dates",
        "UPDATE funding_line SET stage = 'promis' WHERE id = 1": "ck_funding_line_stage",
    }  # fmt: skip
    try:
        for sql, name in cases.items():
            with pytest.raises(IntegrityError, match=name), engine.connect() as conn:
                conn.execute(text(sql))
    finally:
        engine.dispose()


def test_an_editor_s_copy_force_is_refused_for_the_right_reason(accounts, tmp_path):
    """`copy --force` into the server by an editor is refused because only the owner may
    replace a base (not « lecture seule »), and the server's base is unchanged."""
    source = tmp_path / "source.sqlite"
    made = run_cli("--db", str(source), "init")
    assert made.returncode == 0, made.stderr
    before = _changes(accounts["editor"], "true")
    with pytest.raises(CopyError, match="propriétaire") as refused:
        copy_database(str(source), accounts["editor"], force=True)
    assert "lecture seule" not in str(refused.value)
    assert make_url(accounts["editor"]).username in str(refused.value)
    assert _changes(accounts["editor"], "true") == before


def test_a_command_line_import_records_the_database_account(accounts, tmp_path):
    """`pilotis import` on the server by an editor: the history names the editor's account,
    not the operating-system user, in one batch."""
    sheet = tmp_path / "agents.csv"
    sheet.write_text("nom;prénom\nCLI;Importée\nCLI;Second\n", encoding="utf-8")
    done = run_cli("--db", accounts["editor"], "import", "people", str(sheet))
    assert done.returncode == 0, done.stderr
    rows = _changes(accounts["editor"], "table_name = 'person' AND new_value LIKE '%lignes%'")
    newest = rows[-1]
    assert newest[0] == make_url(accounts["editor"]).username
    assert json.loads(newest[6])["lignes"] == 2


def test_a_copy_to_the_server_keeps_the_source_history_and_adds_none(tmp_path):
    """The owner's copy of a file to an empty server base brings its history as it was: the
    triggers are off for the copy's rows (and on again afterwards)."""
    source = tmp_path / "source.sqlite"
    made = run_cli("--db", str(source), "init")
    assert made.returncode == 0, made.stderr
    name = pg_support.create_database()
    url = pg_support.url_for(name)
    try:
        summary = copy_database(str(source), url)
        assert summary.ok
        db = open_database(url)
        try:
            with db.engine.begin() as conn:
                logins = set(conn.execute(text("SELECT DISTINCT login FROM change")).scalars())
                assert logins == {"pilotis"}  # the dataset's loading, copied as it was
                conn.execute(text("UPDATE person SET email = 'apres@copie.fr' WHERE id = 1"))
            rows = _changes(url, "field = 'email' AND row_id = 1 AND table_name = 'person'")
            assert [r[0] for r in rows] == [make_url(url).username]
        finally:
            db.dispose()
    finally:
        pg_support.drop_database(name)


def test_an_import_on_the_server_is_one_step_and_undo_removes_it(accounts):
    """Through Pilotis an editor's import is one batch of range records (not a row each),
    and the undo of that batch removes exactly those rows, recorded under the editor."""
    from desktop.services.common.history import HistoryService, install_history
    from desktop.services.transfer.ingest import IngestService

    db = open_database(accounts["editor"])
    try:
        install_history(db.session_factory)
        people = [{"last_name": f"LOT{i}", "first_name": "Ana"} for i in range(40)]
        report = IngestService(db.session_factory).import_rows("people", people)
        rows = _changes(accounts["editor"], f"batch = '{report.batch}'")
        assert [(r[1], r[2], r[3]) for r in rows] == [("insert", "person", None)]
        assert json.loads(rows[0][6])["lignes"] == 40
        undo = HistoryService(db.session_factory).revert(report.batch)
        undone = _changes(accounts["editor"], f"batch = '{undo}'")
        assert len(undone) == 40
        assert {r[0] for r in undone} == {make_url(accounts["editor"]).username}
        with db.engine.connect() as conn:
            left = conn.execute(text("SELECT count(*) FROM person WHERE last_name LIKE 'LOT%'"))
            assert left.scalar() == 0
    finally:
        db.dispose()


def test_an_unreachable_history_setting_cannot_hide_a_change(accounts):
    """An editor who sets pilotis.summary or an empty batch still leaves a record of each
    update in their own name: the settings choose the grouping, never whether it is kept."""
    engine = _raw(accounts["editor"])
    try:
        with engine.connect() as conn, conn.begin():
            conn.execute(text("SELECT set_config('pilotis.summary', 'on', true)"))
            conn.execute(text("SELECT set_config('pilotis.batch', '', true)"))
            conn.execute(text("UPDATE person SET phone = '04 67 00 00 01' WHERE id = 3"))
    except DBAPIError:
        raise
    finally:
        engine.dispose()
    rows = _changes(accounts["editor"], "table_name = 'person' AND row_id = 3 AND field = 'phone'")
    assert [r[0] for r in rows] == [make_url(accounts["editor"]).username]
