"""The shared PostgreSQL deployment: init, refusals, roles and server faults, on a real server.

Collected only when PILOTIS_TEST_PG_URL names a server (scripts/postgres.sh; CI always does).
"""

from __future__ import annotations

import subprocess
import threading
import uuid

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from desktop.db import display_url, make_engine, open_database
from desktop.db_errors import (
    ConnectionLostError,
    PermissionDeniedError,
    SerializationConflictError,
    ServerSchemaError,
    StatementTimeoutError,
)
from desktop.errors import DatabaseOpenError
from desktop.models import Change, Person
from desktop.services.common.history import install_history
from desktop.services.directory.edits import PersonInput
from desktop.services.directory.service import DirectoryService
from tests import pg_support
from tests.conftest import ROOT, run_cli


@pytest.fixture
def empty_server_db():
    """A database on the server with nothing in it, as an administrator creates it."""
    name = pg_support.create_database()
    yield pg_support.url_for(name)
    pg_support.drop_database(name)


@pytest.fixture
def server_database(pg_templates):
    """The 2023 dataset, open on the server (this file's tests are about the server only)."""
    name = pg_support.create_database(pg_templates["filled"])
    db = open_database(pg_support.url_for(name))
    yield db
    db.dispose()
    pg_support.drop_database(name)


@pytest.fixture
def filled_server_db(pg_templates):
    name = pg_support.create_database(pg_templates["filled"])
    yield pg_support.url_for(name)
    pg_support.drop_database(name)


def _scalar(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def _one_french_line(result) -> str:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_init_creates_the_schema_and_the_dataset_on_the_server(empty_server_db):
    """`pilotis --db postgresql+psycopg://… init` creates the tables and loads the 2023 data."""
    first = run_cli("--db", empty_server_db, "init")
    assert first.returncode == 0, first.stderr
    assert "Base créée (avec le jeu de données 2023)" in first.stdout
    assert "pilotis_test:" not in first.stdout  # the password is never printed
    assert _scalar(empty_server_db, "SELECT count(*) FROM person") > 20
    again = run_cli("--db", empty_server_db, "init")
    assert again.returncode == 0, again.stderr
    assert "Base à jour" in again.stdout


def test_a_server_at_a_newer_schema_is_refused_untouched(filled_server_db):
    """A server upgraded by a newer Pilotis is refused with a French line, and left as it is."""
    engine = create_engine(filled_server_db)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    line = _one_french_line(run_cli("--db", filled_server_db, "init"))
    assert "version plus récente de Pilotis (schéma 9999)" in line
    assert _scalar(filled_server_db, "SELECT version_num FROM alembic_version") == "9999"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"password": "faux"}, "nom d'utilisateur ou mot de passe incorrect"),
        ({"database": "pilotis_absente"}, "n'existe pas"),
        ({"port": 1}, "refuse les connexions : PostgreSQL n'y est pas démarré"),
        ({"host": "serveur-inexistant.invalid"}, "introuvable : son nom est inconnu"),
    ],
)
def test_connection_errors_are_one_french_line(change, expected):
    """Wrong password, unknown database, nothing listening on the port, unknown server name:
    one French sentence each, no traceback."""
    url = make_url(pg_support.PG_URL).set(**change).render_as_string(hide_password=False)
    line = _one_french_line(run_cli("--db", url, "check"))
    assert line.startswith("pilotis : ")
    assert expected in line
    assert "faux" not in line


def test_a_server_that_never_answers_is_told_apart_from_a_refusal():
    """A machine that accepts the connection but never answers (hung server, firewall
    swallowing packets): « ne répond pas », after the connection delay, not « refuse »."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # the kernel completes the handshake; nobody ever speaks
    try:
        url = (
            make_url(pg_support.PG_URL)
            .set(port=silent.getsockname()[1], query={"connect_timeout": "1"})
            .render_as_string(hide_password=False)
        )
        line = _one_french_line(run_cli("--db", url, "check"))
    finally:
        silent.close()
    assert "ne répond pas (aucune réponse dans le délai de connexion)" in line
    assert "refuse" not in line


def test_a_database_closed_for_maintenance_says_so(filled_server_db):
    """ALLOW_CONNECTIONS false (maintenance): the server refuses for now, and says it."""
    name = make_url(filled_server_db).database
    admin = create_engine(pg_support.PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        line = _one_french_line(run_cli("--db", filled_server_db, "check"))
        assert "refuse pour le moment les connexions" in line
        assert "maintenance" in line
        assert "enregistré" not in line  # at start, nothing was being saved
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


def test_a_connection_the_server_dropped_while_idle_is_replaced_silently(server_database):
    """After a server restart or an idle timeout, the pooled connection is dead: the next
    action reconnects by itself instead of showing an error."""
    with server_database.engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    admin = create_engine(pg_support.PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # with a timeout, PostgreSQL (14+) waits until that backend has really gone
        assert conn.execute(text("SELECT pg_terminate_backend(:p, 10000)"), {"p": pid}).scalar()
    admin.dispose()
    with server_database.session_factory() as session:
        assert session.scalar(select(Person.id).limit(1)) is not None


# --- roles ------------------------------------------------------------------------------------


def _psql(url: str, *args: str) -> subprocess.CompletedProcess:
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", libpq, *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def accounts(filled_server_db):
    """sql/roles.sql run as the owner, then a reader's and an editor's login accounts."""
    done = _psql(filled_server_db, "-f", str(ROOT / "sql" / "roles.sql"))
    assert done.returncode == 0, done.stderr
    suffix = uuid.uuid4().hex[:8]
    names = {"reader": f"lecteur_{suffix}", "editor": f"editeur_{suffix}"}
    groups = {"reader": "pilotis_lecteur", "editor": "pilotis_editeur"}
    engine = create_engine(pg_support.PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for kind, name in names.items():
            conn.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD 'secret' IN ROLE {groups[kind]}"))
    urls = {
        kind: make_url(filled_server_db)
        .set(username=name, password="secret")
        .render_as_string(hide_password=False)
        for kind, name in names.items()
    }
    yield urls
    pg_support.drop_database(make_url(filled_server_db).database)
    with engine.connect() as conn:
        for name in names.values():
            conn.execute(text(f"DROP ROLE IF EXISTS {name}"))
    engine.dispose()


def _first_person(factory):
    with factory() as session:
        return session.execute(select(Person).order_by(Person.id)).scalars().first()


def test_a_reader_account_opens_read_only_and_cannot_write(accounts):
    """An account with only pilotis_lecteur opens read-only, told why; a write is refused."""
    db = open_database(accounts["reader"])
    try:
        assert db.read_only
        assert any("que le droit de lecture" in w for w in db.warnings)
        person = _first_person(db.session_factory)
        service = DirectoryService(db.session_factory)
        with pytest.raises(PermissionDeniedError, match="lecture seule"):
            service.edits.update_person(person.id, person.version, PersonInput("NOUVEAU", "Nom"))
        assert _first_person(db.session_factory).last_name == person.last_name
    finally:
        db.dispose()


def test_an_editor_account_edits_and_the_history_names_it(accounts):
    """An editor saves an edit; the history row names the server account that made it."""
    db = open_database(accounts["editor"])
    try:
        assert not db.read_only
        assert db.warnings == []
        install_history(db.session_factory, login=make_url(accounts["editor"]).username)
        person = _first_person(db.session_factory)
        DirectoryService(db.session_factory).edits.update_person(
            person.id, person.version, PersonInput("DURAND", person.first_name, site_id=None)
        )
        with db.session_factory() as session:
            change = (
                session.execute(
                    select(Change).where(Change.field == "last_name").order_by(Change.id.desc())
                )
                .scalars()
                .first()
            )
        assert change.login == make_url(accounts["editor"]).username
        assert change.new_value == '"DURAND"'
    finally:
        db.dispose()


def test_an_editor_may_not_rewrite_history_nor_the_schema(accounts):
    """The history is append-only and the schema version out of an editor's reach."""
    engine = make_engine(accounts["editor"])
    try:
        for sql in ("DELETE FROM change", "UPDATE alembic_version SET version_num = '0001'"):
            with pytest.raises(PermissionDeniedError), engine.begin() as conn:
                conn.execute(text(sql))
    finally:
        engine.dispose()


def test_an_out_of_date_server_is_not_migrated_by_an_editor(accounts):
    """An editor meeting a schema to update gets a French line naming the administrator."""
    owner = create_engine(pg_support.url_for(make_url(accounts["editor"]).database))
    with owner.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    owner.dispose()
    with pytest.raises(ServerSchemaError, match="administrateur"):
        open_database(accounts["editor"])


# --- faults -----------------------------------------------------------------------------------


def test_statement_timeout_is_a_french_error_and_the_connection_still_works(server_database):
    """A statement cancelled by the server's timeout says so in French; the next one works."""
    factory = server_database.session_factory
    with factory() as session:
        session.execute(text("SET LOCAL statement_timeout = 50"))
        with pytest.raises(StatementTimeoutError, match="délai"):
            session.execute(text("SELECT pg_sleep(2)"))
    with factory() as session:
        assert session.execute(text("SELECT 1")).scalar() == 1


def _timeout_shown(url: str) -> str:
    db = open_database(url)
    try:
        with db.engine.connect() as conn:
            return conn.execute(text("SHOW statement_timeout")).scalar()
    finally:
        db.dispose()


def test_the_application_limits_statements_unless_the_administrator_did(
    filled_server_db, monkeypatch
):
    """By default a server statement may run 60 s (then a French error, not a frozen window);
    a timeout the administrator set on the database or the role is kept; the
    PILOTIS_PG_STATEMENT_TIMEOUT variable wins over both; 0 leaves the server's own."""
    from desktop.db import STATEMENT_TIMEOUT_ENV

    monkeypatch.delenv(STATEMENT_TIMEOUT_ENV, raising=False)
    assert _timeout_shown(filled_server_db) == "1min"
    name = make_url(filled_server_db).database
    admin = create_engine(pg_support.PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"ALTER DATABASE \"{name}\" SET statement_timeout = '5s'"))
    admin.dispose()
    assert _timeout_shown(filled_server_db) == "5s"
    monkeypatch.setenv(STATEMENT_TIMEOUT_ENV, "2min")
    assert _timeout_shown(filled_server_db) == "2min"
    monkeypatch.setenv(STATEMENT_TIMEOUT_ENV, "0")
    assert _timeout_shown(filled_server_db) == "5s"
    monkeypatch.setenv(STATEMENT_TIMEOUT_ENV, "bientôt")
    with pytest.raises(DatabaseOpenError, match="Délai des requêtes illisible"):
        open_database(filled_server_db)


def test_random_reads_are_priced_for_cached_data_unless_the_administrator_chose(
    filled_server_db,
):
    """Index lookups are priced for data in the server's cache (the directory search then
    looks people up by id instead of hashing the whole table); a value the administrator set
    on the database is kept."""
    from desktop.db import RANDOM_PAGE_COST

    def shown() -> float:
        db = open_database(filled_server_db)
        try:
            with db.engine.connect() as conn:
                return float(conn.execute(text("SHOW random_page_cost")).scalar())
        finally:
            db.dispose()

    assert shown() == RANDOM_PAGE_COST
    name = make_url(filled_server_db).database
    admin = create_engine(pg_support.PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET random_page_cost = 2.5'))
    admin.dispose()
    assert shown() == 2.5


def test_a_stuck_statement_ends_with_a_french_message(filled_server_db, monkeypatch, tmp_path):
    """The delay chosen in pilotis.ini ([base] delai_requete): a statement still running after
    it is cancelled by the server with the French message; the next one works."""
    from desktop.db import STATEMENT_TIMEOUT_ENV
    from desktop.settings import Settings
    from desktop.views.shell.database_dialog import chosen_value

    monkeypatch.setenv(STATEMENT_TIMEOUT_ENV, "x")
    monkeypatch.delenv(STATEMENT_TIMEOUT_ENV)  # restored as absent after the test
    (tmp_path / "pilotis.ini").write_text(f"[base]\nurl={filled_server_db}\ndelai_requete=0.3\n")
    db = open_database(chosen_value(None, Settings(tmp_path / "pilotis.ini")))
    try:
        session = db.session_factory()
        with pytest.raises(StatementTimeoutError, match="trop longue"):
            session.execute(text("SELECT pg_sleep(3)"))
        session.close()
        with db.session_factory() as session:
            assert session.execute(text("SELECT 1")).scalar() == 1
    finally:
        db.dispose()


def test_a_connection_lost_mid_session_keeps_nothing_half_written(server_database):
    """The server drops the connection in the middle of a save: French error, nothing
    written; the next action reconnects by itself."""
    factory = server_database.session_factory
    install_history(factory)
    person = _first_person(factory)
    killer = create_engine(pg_support.PG_URL, isolation_level="AUTOCOMMIT")
    session = factory()
    session.execute(text("UPDATE person SET last_name = 'MOITIÉ' WHERE id = :i"), {"i": person.id})
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
    with killer.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    with pytest.raises(ConnectionLostError, match="perdue"):
        session.execute(text("SELECT 1"))
    session.close()
    killer.dispose()
    again = _first_person(factory)
    assert again.last_name == person.last_name
    assert again.version == person.version


def test_a_serialization_failure_is_a_french_conflict(server_database):
    """Two serializable transactions each writing what the other read: the loser is told in
    French to try again, and only the winner's change is kept."""
    engine = server_database.engine.execution_options(isolation_level="SERIALIZABLE")
    read, written = threading.Barrier(2), threading.Barrier(2)
    errors: list[Exception] = []

    def worker(name: str, pick: str) -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text("SELECT sum(version) FROM person")).scalar()
                read.wait(timeout=10)
                conn.execute(
                    text(f"UPDATE person SET first_name = :n WHERE id = "
                         f"(SELECT {pick}(id) FROM person)"), {"n": name},
                )  # fmt: skip
                written.wait(timeout=10)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=a) for a in (("A", "min"), ("B", "max"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(errors) == 1
    assert isinstance(errors[0], SerializationConflictError)
    assert "réessayez" in str(errors[0])
    with server_database.session_factory() as session:
        names = session.execute(text("SELECT first_name FROM person ORDER BY id")).scalars().all()
    assert (names[0] == "A") != (names[-1] == "B")


def test_the_password_is_asked_at_start_and_not_stored(accounts, qtbot, monkeypatch, tmp_path):
    """A saved server without password: Pilotis asks for it (again after a wrong one) and opens;
    the settings file never holds it."""
    from PySide6.QtWidgets import QInputDialog

    from desktop.settings import Settings
    from desktop.views.shell.database_dialog import (
        chosen_value,
        with_server_password,
        without_password,
    )

    settings = Settings(tmp_path / "pilotis.ini")
    settings.database_url = without_password(accounts["editor"])
    settings.sync()
    typed = iter(["mauvais", "secret"])
    asked = []

    def fake_get_text(parent, title, label, echo):
        asked.append(label)
        return next(typed), True

    monkeypatch.setattr(QInputDialog, "getText", fake_get_text)
    value = with_server_password(chosen_value(None, settings))
    assert len(asked) == 2
    assert "mot de passe incorrect" in asked[1]
    db = open_database(value)
    db.dispose()
    assert "secret" not in (tmp_path / "pilotis.ini").read_text()


@pytest.fixture
def memory_keyring():
    """A real keyring backend keeping passwords in memory, installed as the system keyring."""
    import keyring
    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError

    class MemoryKeyring(KeyringBackend):
        priority = 1

        def __init__(self) -> None:
            super().__init__()
            self.passwords: dict[tuple[str, str], str] = {}

        def get_password(self, service, username):
            return self.passwords.get((service, username))

        def set_password(self, service, username, password):
            self.passwords[service, username] = password

        def delete_password(self, service, username):
            if self.passwords.pop((service, username), None) is None:
                raise PasswordDeleteError("absent")

    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


def test_the_keyring_keeps_the_password_and_a_refused_one_is_asked_again(
    accounts, memory_keyring, monkeypatch, tmp_path
):
    """First start: the password is asked once and kept in the system keyring (never in the
    settings). Next start: not asked. After the administrator changes it, the kept one is
    refused: it is forgotten, asked again with the reason, and the new one is kept."""
    from PySide6.QtWidgets import QInputDialog

    from desktop.settings import Settings
    from desktop.views.shell.database_dialog import (
        KEYRING_SERVICE,
        chosen_value,
        with_server_password,
        without_password,
    )

    settings = Settings(tmp_path / "pilotis.ini")
    settings.database_url = without_password(accounts["editor"])
    settings.sync()
    typed: list[str] = []
    asked: list[str] = []

    def fake_get_text(parent, title, label, echo):
        asked.append(label)
        return (typed.pop(0), True) if typed else ("", False)

    monkeypatch.setattr(QInputDialog, "getText", fake_get_text)
    user = make_url(accounts["editor"]).username
    key = (KEYRING_SERVICE, f"{user}@{display_url(accounts['editor']).split('@', 1)[1]}")

    typed[:] = ["secret"]
    open_database(with_server_password(chosen_value(None, settings))).dispose()
    assert len(asked) == 1
    assert memory_keyring.passwords == {key: "secret"}

    asked.clear()
    open_database(with_server_password(chosen_value(None, settings))).dispose()
    assert asked == []  # read from the keyring

    admin = create_engine(pg_support.PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"ALTER ROLE {user} PASSWORD 'nouveau'"))
    typed[:] = ["nouveau"]
    value = with_server_password(chosen_value(None, settings))
    assert len(asked) == 1
    assert "mot de passe incorrect" in asked[0]
    open_database(value).dispose()
    assert memory_keyring.passwords == {key: "nouveau"}

    asked.clear()
    with admin.connect() as conn:
        conn.execute(text(f"ALTER ROLE {user} PASSWORD 'encore'"))
    admin.dispose()
    assert with_server_password(chosen_value(None, settings)) is None  # the user cancels
    assert len(asked) == 1
    assert memory_keyring.passwords == {}  # the refused password is not kept
    ini = (tmp_path / "pilotis.ini").read_text()
    assert "secret" not in ini
    assert "nouveau" not in ini


def test_several_client_processes_lose_no_update():
    """Three real client processes save the same people at once: some are told of a conflict,
    none overwrites another's save unseen."""
    import sys

    name = f"{pg_support.PREFIX}clients"
    try:
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "pg_clients.py"), "--url",
             pg_support.url_for(name), "--clients", "3", "--seconds", "3", "--people", "2"],
            capture_output=True, text=True, timeout=300, cwd=ROOT,
        )  # fmt: skip
    finally:
        pg_support.drop_database(name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "mises à jour perdues 0" in done.stdout
    assert "autres erreurs       0" in done.stdout


def test_an_upgrade_on_the_server_leaves_its_tables_vacuumed(empty_server_db):
    """0007/0008 rewrite person, position and programme: the upgrade ends with VACUUM ANALYZE,
    so the visibility map and the statistics are there before the first search, not whenever
    autovacuum passes. A base created from nothing needs none."""
    from alembic import command

    from desktop.db import alembic_config, run_migrations

    engine = create_engine(empty_server_db)
    with engine.begin() as conn:
        config = alembic_config(empty_server_db)
        config.attributes["connection"] = conn
        command.upgrade(config, "0006")
        conn.execute(
            text(
                "INSERT INTO person (last_name, first_name, sort_key) "
                "SELECT 'Nom' || i, 'Prénom', 'nom' || i FROM generate_series(1, 500) i"
            )
        )
    engine.dispose()
    run_migrations(empty_server_db)
    vacuumed = _scalar(
        empty_server_db,
        "SELECT count(*) FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL "
        "AND last_analyze IS NOT NULL AND relname IN ('person', 'position', 'programme')",
    )
    assert vacuumed == 3
    assert (
        _scalar(empty_server_db, "SELECT count(*) FROM person WHERE search_name LIKE 'nom%'") == 500
    )
