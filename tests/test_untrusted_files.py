"""Untrusted files: refused before anything writes to them, and refused when their schema carries
SQL that Pilotis's migrations do not create (planted triggers, views, changed tables)."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop.db import _known_revisions, open_database
from desktop.db_schema import SchemaMismatchError, expected_schemas
from desktop.errors import DatabaseTooNewError, ForeignDatabaseError, NotADatabaseError
from desktop.services.safety.backups import BackupError, BackupService, check_backup_file
from tests.conftest import ROOT, run_cli

SIDES = ("", "-wal", "-journal")


def digests(path: Path) -> dict[str, str | None]:
    """sha256 of the file, its -wal and its -journal (None when absent)."""
    found = {}
    for suffix in SIDES:
        side = Path(f"{path}{suffix}")
        found[suffix] = hashlib.sha256(side.read_bytes()).hexdigest() if side.exists() else None
    return found


def crash_after(path: Path, script: str) -> None:
    """Run SQL on path in a child process, then SIGKILL it at the marker: its -wal or hot
    -journal stays on disk as after a crash or a power cut."""
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "pret"
    child.send_signal(signal.SIGKILL)
    child.wait()


PENDING_WAL = """
    import sqlite3, sys, time
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA wal_autocheckpoint = 0")  # the commits stay in the -wal
    for statement in sys.argv[2:] or [{sql!r}]:
        con.execute(statement)
    print("pret", flush=True)
    time.sleep(60)
"""

HOT_JOURNAL = """
    import sqlite3, sys, time
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute("PRAGMA journal_mode = DELETE")
    con.execute("PRAGMA cache_size = 2")  # dirty pages spill into the file before COMMIT
    con.execute("CREATE TABLE IF NOT EXISTS bruit (x)")
    con.execute("BEGIN")
    con.execute("UPDATE bruit SET x = x")
    con.executemany("INSERT INTO bruit VALUES (?)", [(b"x" * 400,) for _ in range(3000)])
    print("pret", flush=True)
    time.sleep(60)
"""


def pilotis_file(path: Path) -> Path:
    open_database(str(path)).dispose()
    return path


def with_pending_wal(path: Path, sql: str) -> Path:
    crash_after(path, PENDING_WAL.format(sql=sql))
    assert Path(f"{path}-wal").stat().st_size > 0
    return path


def with_hot_journal(path: Path) -> Path:
    crash_after(path, HOT_JOURNAL)
    assert Path(f"{path}-journal").stat().st_size > 0
    return path


def damage(path: Path) -> None:
    """Overwrite a few pages in the middle of the file (a bad sector, a partial copy)."""
    with path.open("r+b") as handle:
        handle.seek(4096 * 12)
        handle.write(b"\xa5" * 4096 * 3)


def newer_with_wal(path: Path) -> Path:
    return with_pending_wal(pilotis_file(path), "UPDATE alembic_version SET version_num = '9999'")


def foreign_with_wal(path: Path) -> Path:
    return with_pending_wal(path, "CREATE TABLE notes (texte)")


def damaged_with_wal(path: Path) -> Path:
    pilotis_file(path)
    damage(path)
    return with_pending_wal(path, "INSERT INTO site (code, name) VALUES ('X', 'Site X')")


def newer_with_journal(path: Path) -> Path:
    pilotis_file(path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = DELETE")
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    return with_hot_journal(path)


def foreign_with_journal(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (texte)")
    con.commit()
    con.close()
    return with_hot_journal(path)


def damaged_with_journal(path: Path) -> Path:
    pilotis_file(path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = DELETE")
    con.execute("CREATE TABLE bruit (x)")  # the killed transaction writes there, not page 13
    con.commit()
    con.close()
    damage(path)
    return with_hot_journal(path)


def without_shm(make):
    """The same file sent without its -shm (a copy of the file and its -wal only)."""

    def made(path: Path) -> Path:
        make(path)
        Path(f"{path}-shm").unlink()
        return path

    return made


CASES = {
    "newer-wal": (newer_with_wal, DatabaseTooNewError, "version plus récente"),
    "foreign-wal": (foreign_with_wal, ForeignDatabaseError, "pas été créée par Pilotis"),
    "damaged-wal": (damaged_with_wal, NotADatabaseError, "endommagé"),
    "newer-wal-no-shm": (without_shm(newer_with_wal), DatabaseTooNewError, "version plus récente"),
    "foreign-wal-no-shm": (
        without_shm(foreign_with_wal),
        ForeignDatabaseError,
        "pas été créée par Pilotis",
    ),
    "damaged-wal-no-shm": (without_shm(damaged_with_wal), NotADatabaseError, "endommagé"),
    "newer-journal": (newer_with_journal, DatabaseTooNewError, "version plus récente"),
    "foreign-journal": (foreign_with_journal, ForeignDatabaseError, "pas été créée par Pilotis"),
    "damaged-journal": (damaged_with_journal, NotADatabaseError, "endommagé"),
}


@pytest.mark.parametrize("case", CASES)
def test_refused_file_its_wal_and_journal_stay_byte_for_byte(tmp_path, case):
    """A newer, foreign or damaged file with a pending -wal or a hot -journal is refused, and
    neither it nor its -wal nor its -journal changes (no checkpoint, no rollback)."""
    make, error, words = CASES[case]
    path = make(tmp_path / "base.sqlite")
    before = digests(path)
    with pytest.raises(error, match=words) as refused:
        open_database(str(path))
    assert str(path) in str(refused.value)
    assert digests(path) == before
    with pytest.raises(error):
        open_database(str(path), read_only=True)
    assert digests(path) == before


def test_checks_see_the_commits_still_in_the_wal(tmp_path):
    """A sound base whose last commit is only in its -wal opens with that commit: the checks
    read the WAL (through a private copy) instead of the stale main file."""
    path = with_pending_wal(
        pilotis_file(tmp_path / "base.sqlite"),
        "INSERT INTO site (code, name) VALUES ('WAL', 'Écrit dans le journal')",
    )
    database = open_database(str(path))
    try:
        with database.engine.connect() as conn:
            names = conn.exec_driver_sql("SELECT name FROM site WHERE code = 'WAL'").all()
    finally:
        database.dispose()
    assert names == [("Écrit dans le journal",)]


def test_a_newer_revision_only_in_the_wal_is_refused(tmp_path):
    """The main file says « current revision » but the WAL moved it to an unknown one: the
    refusal sees the WAL (an immutable view of the main file alone would have accepted it)."""
    path = newer_with_wal(tmp_path / "base.sqlite")
    with sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True) as stale:
        stale_revision = stale.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert stale_revision == _known_revisions()[1]
    with pytest.raises(DatabaseTooNewError, match="9999"):
        open_database(str(path), create=False)


WRITER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
con.execute("PRAGMA journal_mode = WAL")
print("pret", flush=True)
n = 0
while True:
    n += 1
    con.execute("INSERT INTO site (code, name) VALUES (?, 'Site')", (f"S{n}",))
    time.sleep(0.002)  # a commit every few milliseconds: the file never stays still
"""


def test_checks_pass_while_another_program_keeps_writing(tmp_path):
    """Opening a base another process writes to without pause succeeds every time: the checks
    read a consistent snapshot under SQLite's locks instead of retrying on a moving file."""
    path = pilotis_file(tmp_path / "base.sqlite")
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE)
    try:
        assert writer.stdout.readline().strip() == b"pret"
        for _ in range(10):
            open_database(str(path), create=False).dispose()
    finally:
        writer.kill()
        writer.wait()


# --- planted SQL ----------------------------------------------------------------------------

TRIGGER_ON_CHANGE = (
    "CREATE TRIGGER amplifie AFTER INSERT ON change BEGIN "
    "UPDATE funding_line SET amount_cents = amount_cents * 10; "
    "DELETE FROM change WHERE id = new.id; END"
)
TRIGGER_ON_VERSION = (
    "CREATE TRIGGER renomme AFTER UPDATE ON alembic_version BEGIN "
    "UPDATE person SET last_name = 'PIRATE'; END"
)
VIEW_FOR_PERSON = [
    "DROP TABLE person",
    "CREATE VIEW person AS SELECT 1 AS id, 'X' AS last_name, 'Y' AS first_name",
]
CRAFTED = {
    "trigger-on-change": (
        [TRIGGER_ON_CHANGE],
        "déclencheur inconnu « amplifie » sur la table « change »",
    ),
    "view-instead-of-person": (VIEW_FOR_PERSON, "« person » est une vue à la place de la table"),
    "unknown-table": (["CREATE TABLE notes (texte)"], "table inconnue « notes »"),
    "unknown-view": (["CREATE VIEW tout AS SELECT * FROM person"], "vue inconnue « tout »"),
    "extra-column": (
        ["ALTER TABLE person ADD COLUMN secret TEXT"],
        "colonne « secret » en trop dans la table « person »",
    ),
    "missing-column": (
        ["DROP INDEX ix_person_phone", "ALTER TABLE person DROP COLUMN phone"],
        "colonne « phone » absente de la table « person »",
    ),
    "pilotis-trigger-rewritten": (
        [
            "DROP TRIGGER person_fts_ai",
            "CREATE TRIGGER person_fts_ai AFTER INSERT ON person BEGIN DELETE FROM funding_line; END",
        ],
        "le déclencheur « person_fts_ai » a été modifié",
    ),
    "cascade-planted": (
        [
            "PRAGMA writable_schema = ON",
            "UPDATE sqlite_master SET sql = replace(sql, 'REFERENCES funder (id) ON DELETE "
            "RESTRICT', 'REFERENCES funder (id) ON DELETE CASCADE') "
            "WHERE name = 'funding_line'",
        ],
        "références (clés étrangères) de la table « funding_line » modifiées",
    ),
}


def crafted(path: Path, statements: list[str], *, revision: str | None = None) -> Path:
    """A Pilotis file (at head, or at an older revision) altered by its author's SQL."""
    if revision is None:
        pilotis_file(path)
    else:
        subprocess.run(
            [sys.executable, "-c", UPGRADE_TO, str(path), revision], check=True, cwd=ROOT
        )
    con = sqlite3.connect(path, isolation_level=None)
    for statement in statements:
        con.execute(statement)
    con.close()
    assert not Path(f"{path}-wal").exists()
    return path


UPGRADE_TO = """
import sys
from alembic import command
from desktop.db import alembic_config, make_engine
url = "sqlite:///" + sys.argv[1]
engine = make_engine(url, foreign_keys=False)
with engine.connect() as conn, conn.begin():
    config = alembic_config(url)
    config.attributes["connection"] = conn
    command.upgrade(config, sys.argv[2])
engine.dispose()
"""


@pytest.mark.parametrize("case", CRAFTED)
def test_file_with_planted_sql_is_refused_untouched(tmp_path, case):
    """A file whose schema differs from what the migrations create is refused with a French
    message naming the object, and left byte for byte."""
    statements, words = CRAFTED[case]
    path = crafted(tmp_path / "piege.sqlite", statements)
    before = digests(path)
    with pytest.raises(SchemaMismatchError) as refused:
        open_database(str(path))
    assert words in str(refused.value)
    assert str(path) in str(refused.value)
    assert digests(path) == before


@pytest.mark.parametrize("case", ["trigger-on-change", "view-instead-of-person"])
def test_backup_with_planted_sql_is_not_restored(tmp_path, case):
    """Restoring a backup carrying planted SQL is refused before anything is written: the base
    and the backup stay byte for byte, and no backup of the base is even made."""
    statements, words = CRAFTED[case]
    backup = crafted(tmp_path / "recue.sqlite", statements)
    base = pilotis_file(tmp_path / "base.sqlite")
    before, backup_before = digests(base), digests(backup)
    service = BackupService(tmp_path / "sauvegardes")
    with pytest.raises(BackupError, match=words):
        service.restore(backup, base)
    assert digests(base) == before
    assert digests(backup) == backup_before
    assert not (tmp_path / "sauvegardes").exists()


def test_trigger_on_alembic_version_never_fires_during_a_migration(tmp_path):
    """An older backup with a trigger on alembic_version is refused by restore and by opening:
    the post-restore migration, which updates that table, never runs its SQL."""
    backup = crafted(tmp_path / "ancienne.sqlite", [TRIGGER_ON_VERSION], revision="0008")
    before = digests(backup)
    with pytest.raises(BackupError, match="déclencheur inconnu « renomme »"):
        check_backup_file(backup)
    with pytest.raises(SchemaMismatchError, match="alembic_version"):
        open_database(str(backup))
    assert digests(backup) == before


def test_uninitialised_file_with_a_trigger_is_refused(tmp_path):
    """A file with only an empty alembic_version table would be migrated: a trigger hidden
    there is refused too."""
    path = tmp_path / "vide.sqlite"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")  # fmt: skip
    con.execute(
        "CREATE TRIGGER t AFTER INSERT ON alembic_version BEGIN DELETE FROM alembic_version; END"
    )
    con.close()
    before = digests(path)
    with pytest.raises(SchemaMismatchError, match="déclencheur inconnu « t »"):
        open_database(str(path))
    assert digests(path) == before


def test_check_command_refuses_a_view_in_place_of_a_table_without_traceback(tmp_path):
    """`check` on a file with a view in place of the person table says why, in French, exit 1."""
    path = crafted(tmp_path / "vue.sqlite", VIEW_FOR_PERSON)
    result = run_cli("--db", str(path), "check")
    assert result.returncode == 1
    assert "« person » est une vue à la place de la table" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_every_shipped_revision_has_a_committed_schema():
    """Each migration Pilotis ships has its expected schema in the resource file."""
    assert set(expected_schemas()) == _known_revisions()[0]


def test_committed_schemas_equal_what_the_migrations_create():
    """resources/schema/sqlite-schemas.json cannot drift from the migrations: the script that
    writes it, run in --check mode, finds the same text."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sqlite_schemas.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_base_used_by_pilotis_still_passes_after_imports_and_edits(filled_db_path):
    """The embedded dataset (imports, FTS indexes rebuilt, bulk triggers put back) is exactly
    the schema the migrations create: no false refusal of a user's own file."""
    open_database(str(filled_db_path), create=False).dispose()
    assert check_backup_file(filled_db_path)


def test_tampered_base_at_start_offers_to_restore_the_latest_sound_backup(qtbot, tmp_path):
    """The start dialog for a base with planted SQL explains it and offers the restore of the
    newest sound backup, as for a damaged file."""
    from desktop.views.shell.recovery_dialog import RESTORE, RecoveryDialog

    service = BackupService(tmp_path / "sauvegardes")
    sound = service.backup(pilotis_file(tmp_path / "saine.sqlite"), stem="base")
    path = crafted(tmp_path / "base.sqlite", [TRIGGER_ON_CHANGE])
    with pytest.raises(SchemaMismatchError) as refused:
        open_database(str(path))
    dialog = RecoveryDialog(refused.value, service.latest_good("base"))
    qtbot.addWidget(dialog)
    assert "déclencheur inconnu « amplifie »" in dialog.message.text()
    assert RESTORE in dialog.buttons
    assert sound.path == service.latest_good("base").path


# --- trusted_schema OFF: no code of the application runs from a file's schema ------------------

FOLD_TRIGGER = (
    "CREATE TRIGGER plie AFTER INSERT ON person BEGIN "
    "UPDATE person SET email = pilotis_fold(new.last_name) WHERE id = new.id; END"
)
FOLD_VIEW = "CREATE VIEW plies AS SELECT pilotis_fold(last_name) AS nom FROM person"


def _working_engine(path: Path):
    """The app's own working engine on a file, its checks skipped: what would run if a planted
    object ever got past them."""
    from desktop.db import make_engine
    from desktop.services.common.folding import register_sqlite

    engine = make_engine(f"sqlite:///{path}")
    raw = engine.raw_connection()
    register_sqlite(raw.driver_connection)
    return engine, raw


@pytest.mark.parametrize("planted", [FOLD_TRIGGER, FOLD_VIEW])
def test_planted_sql_calling_an_app_function_is_refused_untouched(tmp_path, planted):
    """A trigger or a view calling pilotis_fold() is refused at open, the file left as it was."""
    path = crafted(tmp_path / "piege.sqlite", [planted])
    before = digests(path)
    with pytest.raises(SchemaMismatchError, match="inconnu|inconnue"):
        open_database(str(path))
    assert digests(path) == before


def test_working_connections_never_run_an_app_function_from_the_schema(tmp_path):
    """Even past the checks, the working connections (trusted_schema OFF) refuse to run the
    planted trigger or view: nothing is written, nothing is read through them."""
    path = crafted(tmp_path / "piege.sqlite", [FOLD_TRIGGER, FOLD_VIEW])
    engine, raw = _working_engine(path)
    try:
        assert raw.execute("PRAGMA trusted_schema").fetchone() == (0,)
        assert raw.execute("SELECT pilotis_fold('Œuvre')").fetchone() == ("oeuvre",)  # direct use
        with pytest.raises(sqlite3.OperationalError, match="unsafe use of pilotis_fold"):
            raw.execute("INSERT INTO person (last_name, first_name) VALUES ('Œuvrard', 'Jean')")
        with pytest.raises(sqlite3.OperationalError, match="unsafe use of pilotis_fold"):
            raw.execute("SELECT * FROM plies").fetchall()
        raw.rollback()
        assert raw.execute("SELECT count(*) FROM person").fetchone() == (0,)
    finally:
        raw.close()
        engine.dispose()


def test_pilotis_schema_holds_no_app_function_nor_virtual_table_in_triggers():
    """No trigger, view or index of any shipped revision from 0012 on names pilotis_fold or an
    FTS5 table: the schema Pilotis writes runs under trusted_schema OFF."""
    for revision, schema in expected_schemas().items():
        if revision < "0012":
            continue
        code = [t["sql"] for t in schema["triggers"].values()]
        code += [o.get("sql") or "" for o in schema["objects"].values() if o["type"] == "view"]
        assert not [sql for sql in code if "pilotis_" in sql or "_fts (" in sql], revision


def _names(directory, text: str) -> list[str]:
    return [label for _id, label in directory.find_people(text)]


def test_search_follows_an_edit_an_import_an_undo_and_a_restore(tmp_path, filled_db_path):
    """The full-text index, now fed by the application, follows every way rows change: a form,
    an import, an undo, a restore of a backup."""
    from desktop.services.common.history import HistoryService, install_history
    from desktop.services.directory.edits import PersonInput
    from desktop.services.directory.service import DirectoryService
    from desktop.services.transfer.service import TransferService

    backups = BackupService(tmp_path / "sauvegardes")
    database = open_database(str(filled_db_path))
    factory = database.session_factory
    install_history(factory)
    directory = DirectoryService(factory)
    created = directory.edits.create_person(PersonInput(last_name="Œuvrard", first_name="Jeanne"))
    assert _names(directory, "oeuvrard") == ["Œuvrard Jeanne"]  # an edit (the form)

    version = directory.person_detail(created.id).version
    batch = directory.edits.update_person(created.id, version, PersonInput("Straße", "Jeanne"))
    assert _names(directory, "oeuvrard") == []
    assert _names(directory, "strasse") == ["Straße Jeanne"]
    HistoryService(factory).revert(batch)  # an undo
    assert _names(directory, "strasse") == []
    assert _names(directory, "OEUVRARD") == ["Œuvrard Jeanne"]

    people = tmp_path / "personnes.csv"
    people.write_text("last_name,first_name\nÆrøskøbing,Lærke\n", encoding="utf-8")
    assert TransferService(factory).import_file("people", people).written  # an import
    assert _names(directory, "aeroskobing") == ["Ærøskøbing Lærke"]
    database.dispose()

    saved = backups.backup(filled_db_path, stem="base", reason="manuelle").path
    database = open_database(str(filled_db_path))
    directory = DirectoryService(database.session_factory)
    gone = directory.find_people("oeuvrard")[0][0]
    directory.edits.delete_person(gone, directory.person_detail(gone).version)
    assert _names(directory, "oeuvrard") == []
    database.dispose()
    backups.restore(saved, filled_db_path)  # a restore
    database = open_database(str(filled_db_path))
    try:
        directory = DirectoryService(database.session_factory)
        assert _names(directory, "oeuvrard") == ["Œuvrard Jeanne"]
        assert _names(directory, "aeroskobing") == ["Ærøskøbing Lærke"]
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM fts_pending").scalar() == 0
    finally:
        database.dispose()
