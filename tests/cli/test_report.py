"""`python main.py report`: its help, the options each report takes, the whole booklet."""

from __future__ import annotations

import sqlite3

from pypdf import PdfReader

from tests.conftest import run_cli


def _tree_codes(path, family: str | None = None) -> list[str]:
    """Programme codes as the tree reads (each followed by its children, siblings by their sort
    order then code), computed from the file with SQL of its own."""
    with sqlite3.connect(path) as con:
        rows = con.execute(
            "SELECT id, parent_id, code, family FROM programme ORDER BY sort_order, code"
        ).fetchall()
    children: dict = {}
    for row in rows:
        children.setdefault(row[1], []).append(row)
    ordered = []

    def walk(parent) -> None:
        for row in children.get(parent, []):
            ordered.append(row)
            walk(row[0])

    walk(None)
    return [code for _, _, code, fam in ordered if family in (None, fam)]


def _page_titles(path) -> list[str]:
    """The line under each page's running header (« Page N / M »): « CODE — name »."""
    titles = []
    for page in PdfReader(str(path)).pages:
        lines = [" ".join(line.split()) for line in page.extract_text().splitlines()]
        titles.append(
            lines[next(i for i, line in enumerate(lines) if line.startswith("Page ")) + 1]
        )
    return titles


def test_report_help_lists_each_report_with_its_description_and_options():
    """`report --help` names every report, says what it prints and which options it takes."""
    from desktop.cli.report import REPORTS

    result = run_cli("report", "--help")
    assert result.returncode == 0, result.stderr
    epilog = result.stdout.split("états :\n", 1)[1].splitlines()
    for name, report in REPORTS.items():
        start = next(i for i, line in enumerate(epilog) if line.split()[:1] == [name])
        block = " ".join(" ".join(epilog[start:]).split())
        assert block.startswith(f"{name} {report.description.split()[0]}"), block
        flags = ", ".join(f"--{option}" for option in report.options)
        assert f"options : {flags}" in block, name
    assert "sans option le livret de tous les programmes" in result.stdout


def test_an_option_a_report_does_not_take_is_refused_before_anything_is_opened(tmp_path):
    """`report directory --code X` is refused (exit 2) with a French line naming the option and
    the report's own options; no database is created, no PDF written."""
    base, out = tmp_path / "jamais.sqlite", tmp_path / "x.pdf"
    cases = [
        (("directory", "--code", "SNU"), "l'état « directory » ne prend pas --code (ses options : --unit)"),
        (("programme", "--year", "2023", "--unit", "DSI2"), "ne prend pas --unit, --year (ses options : --code, --family)"),
        (("orgchart", "--snapshot", "COPIL"), "l'état « orgchart » ne prend pas --snapshot"),
    ]  # fmt: skip
    for args, french in cases:
        result = run_cli("--db", str(base), "report", *args, "--out", str(out))
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("pilotis : erreur : "), result.stderr
        assert french in result.stderr, result.stderr
        assert result.stderr.endswith("(voir « pilotis report --help »)\n")
        assert result.stderr.count("\n") == 1
    assert not base.exists()
    assert not out.exists()


def test_report_programme_without_options_prints_every_programme_in_tree_order(
    filled_db_path, tmp_path
):
    """The booklet: one page per programme, all of them, in the order of the programme tree."""
    out = tmp_path / "livret.pdf"
    result = run_cli("--db", str(filled_db_path), "report", "programme", "--out", str(out))
    assert result.returncode == 0, result.stderr
    codes = _tree_codes(filled_db_path)
    assert len(codes) > 50
    assert result.stdout.strip() == f"{out} : {len(codes)} page(s)"
    titles = _page_titles(out)
    assert len(titles) == len(codes)
    assert [title.split(" — ")[0] for title in titles] == codes


def test_a_family_booklet_follows_the_tree_too(filled_db_path, tmp_path):
    """`report programme --family cper`: the family's programmes only, in tree order."""
    out = tmp_path / "cper.pdf"
    result = run_cli("--db", str(filled_db_path), "report", "programme", "--family", "cper",
                     "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    codes = _tree_codes(filled_db_path, "cper")
    assert len(codes) > 2
    assert [title.split(" — ")[0] for title in _page_titles(out)] == codes
