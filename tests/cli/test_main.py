"""The command line as a whole: the GUI start, one French line per mistake, help on every
command, a closed pipe."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from tests.conftest import ROOT, run_cli

OFFSCREEN = {"QT_QPA_PLATFORM": "offscreen"}


def test_smoke_on_a_new_file_creates_fills_and_exits_zero(tmp_path):
    """`--smoke` on a file that does not exist creates it with the 2023 data and exits 0."""
    path = tmp_path / "nouvelle.sqlite"
    result = run_cli("--db", str(path), "--smoke", env=OFFSCREEN)
    assert result.returncode == 0, result.stderr
    assert "Démarrage" in result.stdout
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM unit").fetchone()[0] > 10
    assert con.execute("SELECT count(*) FROM axis").fetchone()[0] == 15
    con.close()


def test_smoke_on_an_existing_file_exits_zero_and_keeps_data(filled_db_path):
    """`--smoke` on an existing base opens it without reloading or changing its data."""
    con = sqlite3.connect(filled_db_path)
    before = con.execute("SELECT count(*), max(id) FROM funding_line").fetchone()
    con.close()
    result = run_cli("--db", str(filled_db_path), "--smoke", env=OFFSCREEN)
    assert result.returncode == 0, result.stderr
    con = sqlite3.connect(filled_db_path)
    assert con.execute("SELECT count(*), max(id) FROM funding_line").fetchone() == before
    con.close()


def test_smoke_does_not_import_pandas_or_matplotlib(filled_db_path):
    """Start-up stays lean: neither pandas nor matplotlib is loaded to show the window."""
    code = (
        "import sys; from desktop.cli import main; "
        f"rc = main(['--db', {str(filled_db_path)!r}, '--smoke']); "
        "print('HEAVY', sorted(m for m in ('pandas', 'matplotlib') if m in sys.modules)); "
        "sys.exit(rc)"
    )
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True,
        env={**os.environ, **OFFSCREEN}, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout


def test_user_mistakes_give_one_french_line_and_a_non_zero_exit(tmp_path):
    """A missing file, a folder, a non-database file: one line on stderr, no traceback."""
    text_file = tmp_path / "notes.txt"
    text_file.write_text("bonjour")
    cases = [
        ("--db", str(tmp_path / "absente.sqlite"), "check"),
        ("--db", str(tmp_path), "check"),
        ("--db", str(text_file), "init"),
        ("--db", "oracle://x@y/z", "check"),
        ("commande-inconnue",),
    ]
    for args in cases:
        result = run_cli(*args)
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr, args
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
        assert result.stderr.startswith("pilotis :"), (args, result.stderr)
    assert text_file.read_text() == "bonjour"


def test_pilotis_db_variable_is_honoured(tmp_path):
    """PILOTIS_DB points every command at a base when --db is not given."""
    path = tmp_path / "env.sqlite"
    result = run_cli("init", "--empty", env={"PILOTIS_DB": str(path)})
    assert result.returncode == 0, result.stderr
    assert path.exists()


def _commands() -> list[str]:
    """Every sub-command the parser knows, read from the parser itself (new ones included)."""
    import argparse

    from desktop.cli import build_parser

    parser = build_parser()
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return [name for group in groups for name in group.choices]


# argparse's English, which a French user must never read in a help.
ENGLISH = ("usage:", "show this help", "positional arguments", "optional arguments", "options:")


def test_every_command_prints_its_french_help_and_exits_zero():
    """`pilotis COMMAND --help` and `-h` print that command's usage and options in French."""
    commands = _commands()
    assert {"init", "check", "backup", "restore", "generate", "report", "import", "export",
            "copy"} <= set(commands)  # fmt: skip
    for command in commands:
        for flag in ("--help", "-h"):
            result = run_cli(command, flag)
            assert result.returncode == 0, (command, flag, result.stderr)
            assert result.stderr == "", (command, flag)
            out = result.stdout
            assert out.startswith(f"utilisation : pilotis {command} [-h]"), (command, out)
            assert "options :" in out, command
            assert "  -h, --help  " in out, command
            assert "afficher cette aide et quitter" in out, command
            assert not [word for word in ENGLISH if word in out], (command, out)


def test_the_main_help_lists_every_command_in_french():
    """`pilotis --help` names each command with its French summary and says how to get its help."""
    result = run_cli("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("utilisation : pilotis ")
    assert "commandes :" in result.stdout
    assert "options :" in result.stdout
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("    ")]
    for command in _commands():
        assert command in listed, command
    assert "pilotis COMMANDE --help" in result.stdout
    assert not [word for word in ENGLISH if word in result.stdout]


def _closed_pipe_run(*args: str) -> subprocess.CompletedProcess:
    """Run the command line with stdout on a pipe whose reader has already gone, as
    `pilotis check | head -1` leaves it once head has read its line."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        process = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *args],
            stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write_end)
    return process


def test_a_reader_that_closes_the_pipe_early_ends_the_command_quietly(filled_db_path):
    """`pilotis check | head -1`: no BrokenPipe traceback, the exit status of a Unix tool (141)."""
    result = _closed_pipe_run("--db", str(filled_db_path), "check")
    assert result.stderr == ""
    assert result.returncode == 141


def test_the_help_and_the_parser_load_no_database_qt_or_pandas():
    """`pilotis --help`, a command's help and the parser the GUI start goes through import only
    the command line (no SQLAlchemy, Qt, pandas, matplotlib or Alembic), so they answer at once;
    `import --help` alone reads the kinds it lists."""
    code = (
        "import sys; from desktop.cli import build_parser, main; rc = main(['--help']); "
        "rc += main(['report', '--help']) + main(['check', '-h']); "
        "build_parser().parse_args(['--db', 'x.sqlite', '--smoke']); "
        "heavy = ('sqlalchemy', 'PySide6', 'pandas', 'matplotlib', 'alembic', 'desktop.db'); "
        "print('HEAVY', sorted(m for m in heavy if m in sys.modules), file=sys.stderr); "
        "sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stderr


def test_the_windowed_program_without_a_console_ends_cleanly():
    """Windows' pilotis.exe has no console (sys.stdout and sys.stderr are None): the command
    line still ends with its status, never a traceback."""
    code = (
        "import sys; real = sys.__stderr__; sys.stdout = sys.stderr = None; "
        "from desktop.cli import main; rc = main(['--version']) + main(['check', '--nimporte']); "
        "print('STATUS', rc, file=real); sys.exit(0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "STATUS 2\n"
