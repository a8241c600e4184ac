"""`init` and `check` as administrators and scripts use them."""

from __future__ import annotations

import sqlite3

from tests.conftest import run_cli


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
