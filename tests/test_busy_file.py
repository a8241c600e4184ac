"""Another program holds the file's lock: the command line and the read-only opening answer in
one French line naming the file (exit 1), never a traceback, and change nothing."""

from __future__ import annotations

import sqlite3

import pytest

from desktop.db import open_database
from desktop.errors import LockedDatabaseError
from tests.conftest import run_cli
from tests.faults.locks import write_lock_held


def _people(path) -> int:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("SELECT count(*) FROM person").fetchone()[0]
    finally:
        con.close()


def _one_french_line(done, path) -> str:
    # Qt's offscreen platform talks on stderr too (« This plugin does not support … »).
    lines = [line for line in done.stderr.strip().splitlines() if "This plugin" not in line]
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("pilotis : ")
    assert str(path) in lines[0]
    assert "Traceback" not in done.stderr
    assert "locked" not in lines[0].replace(str(path), "")
    return lines[0]


def test_read_only_opening_of_a_file_locked_against_readers_says_so(filled_db_path):
    """A program holding the exclusive lock: « verrouillé », not « endommagé »; then it opens."""
    with write_lock_held(filled_db_path, kind="exclusive"):
        with pytest.raises(LockedDatabaseError) as raised:
            open_database(str(filled_db_path), read_only=True, busy_timeout_ms=300)
        assert "verrouillé par un autre programme" in str(raised.value)
        assert "endommagé" not in str(raised.value)
    open_database(str(filled_db_path), read_only=True).dispose()


def test_read_only_window_on_a_locked_file_is_one_french_line(filled_db_path):
    """`--read-only` on a file locked against readers: a French line and exit 1."""
    with write_lock_held(filled_db_path, kind="exclusive"):
        done = run_cli("--db", str(filled_db_path), "--read-only", "--smoke",
                       env={"QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
    assert "verrouillé" in _one_french_line(done, filled_db_path)


@pytest.mark.parametrize("command", ["import", "export"])
def test_command_line_on_a_busy_file_is_one_french_line(filled_db_path, tmp_path, command):
    """Import or export while another program writes: one French line, exit 1, nothing written."""
    source = tmp_path / "personnes.csv"
    source.write_text("Nom;Prénom\nOCCUPÉ;Essai\n", encoding="utf-8")
    target = source if command == "import" else tmp_path / "sortie.csv"
    before = _people(filled_db_path)
    with write_lock_held(filled_db_path):
        done = run_cli("--db", str(filled_db_path), command, "people", str(target))
    line = _one_french_line(done, filled_db_path)
    assert "réessayez" in line
    assert _people(filled_db_path) == before


def test_backup_while_another_program_writes_is_a_sound_copy(filled_db_path, tmp_path):
    """`backup --to` reads while another program holds the write lock: a checked copy."""
    copy = tmp_path / "copie.sqlite"
    with write_lock_held(filled_db_path):
        done = run_cli("--db", str(filled_db_path), "backup", "--to", str(copy))
    assert done.returncode == 0, done.stderr
    assert _people(copy) == _people(filled_db_path)
