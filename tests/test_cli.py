"""The command line as administrators and scripts use it: smoke, init, check, clear errors."""

from __future__ import annotations

import sqlite3

from tests.conftest import run_cli

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


def test_init_empty_then_init_again_reports_up_to_date(tmp_path):
    """`init --empty` creates a schema-only base; a second `init` says it is up to date."""
    path = tmp_path / "vide.sqlite"
    first = run_cli("--db", str(path), "init", "--empty")
    assert first.returncode == 0, first.stderr
    assert "Base créée (vide)" in first.stdout
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM unit").fetchone() == (0,)
    con.close()
    second = run_cli("--db", str(path), "init")
    assert second.returncode == 0
    assert "Base à jour" in second.stdout


def test_check_lists_the_reports_inconsistent_totals(filled_db_path):
    """`check` passes integrity and lists the declared totals that differ from their lines."""
    result = run_cli("--db", str(filled_db_path), "check")
    assert result.returncode == 0, result.stderr
    assert "Intégrité : aucun problème" in result.stdout
    lines = [line for line in result.stdout.splitlines() if line.startswith("  - ")]
    assert lines, result.stdout
    assert all("déclaré" in line and "calculé" in line and "écart" in line for line in lines)


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


def test_command_line_mistakes_are_told_in_french():
    """argparse's own messages (missing or unknown values) read as French sentences."""
    missing = run_cli("export")
    assert missing.returncode == 2
    assert "valeurs obligatoires manquantes : TYPE, FICHIER" in missing.stderr
    unknown = run_cli("check", "--nimporte")
    assert "valeurs inconnues : --nimporte" in unknown.stderr
    assert "argument" not in missing.stderr + unknown.stderr
