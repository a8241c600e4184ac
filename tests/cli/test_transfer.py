"""`python main.py import / export` as scripts use them: exit codes, reports, kill safety."""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from tests.conftest import ROOT, run_cli
from tests.xlsx_reader import read_cells


def _count(path, table="person") -> int:
    with sqlite3.connect(path) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _people_xlsx(path: Path, count: int, bad_row: int | None = None, prefix="AGENT") -> Path:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Personnes")
    sheet.write_row(0, 0, ["Nom", "Prénom", "Courriel", "Téléphone"])
    for row in range(1, count + 1):
        last = "" if row == bad_row else f"{prefix}{row}"
        sheet.write_row(row, 0, [last, "Claude", f"agent{row}@ac-toulouse.fr", "05 61 00 00 00"])
    workbook.close()
    return path


def test_import_exit_codes_and_report(filled_db_path, tmp_path):
    """0 when all rows are imported, 3 with a report (row, column, value, reason) when rows are
    rejected and nothing written, 1 for a file that cannot be read."""
    good = _people_xlsx(tmp_path / "ok.xlsx", 3)
    before = _count(filled_db_path)
    result = run_cli("--db", str(filled_db_path), "import", "people", str(good))
    assert result.returncode == 0, result.stderr
    assert "Personnes : 3 ajouté(s)" in result.stdout
    assert _count(filled_db_path) == before + 3

    bad = _people_xlsx(tmp_path / "bad.xlsx", 5, bad_row=4, prefix="AUTRE")
    report = tmp_path / "rapport.xlsx"
    result = run_cli("--db", str(filled_db_path), "import", "people", str(bad),
                     "--report", str(report))  # fmt: skip
    assert result.returncode == 3
    assert "ligne 5, colonne « Nom » : valeur obligatoire manquante" in result.stderr
    assert "Aucune donnée n'a été modifiée." in result.stderr
    assert _count(filled_db_path) == before + 3
    rows = CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["Données", "Ligne", "Colonne", "Valeur", "Motif"]
    assert rows[1][:3] == ["personnes", 5, "Nom"]
    assert rows[1][4] == "valeur obligatoire manquante"

    result = run_cli("--db", str(filled_db_path), "import", "people", str(bad), "--partial",
                     "--update")  # fmt: skip
    assert result.returncode == 3
    assert _count(filled_db_path) == before + 3 + 4  # the 4 valid rows, row 5 left out

    fake = tmp_path / "faux.xlsx"
    fake.write_text("Nom;Prénom\n", encoding="utf-8")
    result = run_cli("--db", str(filled_db_path), "import", "people", str(fake))
    assert result.returncode == 1
    assert result.stderr.startswith("pilotis : « faux.xlsx » n'est pas un classeur")


def test_dry_run_checks_everything_and_writes_nothing(filled_db_path, tmp_path):
    """--dry-run reports the counts and leaves the base unchanged."""
    good = _people_xlsx(tmp_path / "ok.csv.xlsx", 4)
    before = _count(filled_db_path)
    result = run_cli("--db", str(filled_db_path), "import", "people", str(good), "--dry-run")
    assert result.returncode == 0
    assert "4 ajouté(s)" in result.stdout
    assert "aucune donnée n'a été modifiée" in result.stdout
    assert _count(filled_db_path) == before


def test_export_then_import_round_trips_on_the_command_line(filled_db_path, tmp_path):
    """`export tout base.xlsx` then `import tout base.xlsx` into an empty base: same counts."""
    out = tmp_path / "base.xlsx"
    result = run_cli("--db", str(filled_db_path), "export", "tout", str(out))
    assert result.returncode == 0, result.stderr
    empty = tmp_path / "vide.sqlite"
    assert run_cli("--db", str(empty), "init", "--empty").returncode == 0
    result = run_cli("--db", str(empty), "import", "tout", str(out))
    assert result.returncode == 0, result.stderr
    for table in ("unit", "person", "position", "programme", "funding_line", "indicator_value"):
        assert _count(empty, table) == _count(filled_db_path, table), table
    result = run_cli("--db", str(filled_db_path), "export", "programmes", str(tmp_path / "p.csv"))
    assert result.returncode == 0
    assert (tmp_path / "p.csv").read_bytes().startswith(b"\xef\xbb\xbfCode;Nom;Famille")


_SCHEMA_OF_PERSON = (
    "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'person' AND sql IS NOT NULL "
    "ORDER BY name"
)


@pytest.fixture(scope="module")
def big_people(tmp_path_factory) -> Path:
    return _people_xlsx(tmp_path_factory.mktemp("big") / "big.xlsx", 150_000)


def test_killing_an_import_leaves_the_base_as_it_was(filled_db_path, big_people, tmp_path):
    """SIGKILL at random moments of a large import: the base opens, passes integrity_check
    and holds exactly the rows it had before — or, when the kill came after the commit, the
    whole import (one history record), never part of it. Each run imports into a copy of the
    same base; the kills land at random fractions of the time one import took to the end."""
    with sqlite3.connect(filled_db_path) as con:
        schema = con.execute(_SCHEMA_OF_PERSON).fetchall()
    assert len(schema) >= 7  # 4 indexes, 3 search triggers
    before = {t: _count(filled_db_path, t) for t in ("person", "change")}
    done = {"person": before["person"] + 150_000, "change": before["change"] + 1}

    def start(name: str) -> tuple[Path, subprocess.Popen]:
        base = tmp_path / name
        shutil.copyfile(filled_db_path, base)
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "--db", str(base), "import", "people",
             str(big_people)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
        )  # fmt: skip
        return base, process

    started = time.perf_counter()
    base, process = start("complete.sqlite")
    assert process.wait() == 0
    duration = time.perf_counter() - started
    assert {t: _count(base, t) for t in before} == done
    rng = random.Random(6)
    killed = 0
    for run in range(4):
        base, process = start(f"killed-{run}.sqlite")
        time.sleep(duration * rng.uniform(0.3, 0.95))  # reading, checking or writing
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait()
        with sqlite3.connect(base) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            # the import drops person's indexes and the search trigger while it writes
            assert con.execute(_SCHEMA_OF_PERSON).fetchall() == schema
        now = {t: _count(base, t) for t in before}
        assert now in (before, done)  # whatever happened: nothing or all of it
        if process.returncode == 0:  # finished before the kill
            assert now == done
    assert killed >= 1


def test_an_exported_workbook_reads_the_same_in_a_reader_that_is_not_ours(filled_db_path, tmp_path):
    """LibreOffice (headless, --convert-to csv) reads the exported funding lines with the same
    amounts and codes; without LibreOffice the workbook's XML is read directly, every cell type
    included (tests/xlsx_reader.py)."""
    out = tmp_path / "lignes.xlsx"
    assert run_cli("--db", str(filled_db_path), "export", "funding_lines", str(out)).returncode == 0
    ours = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice:
        subprocess.run(
            [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
             "--convert-to", "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false",
             "--outdir", str(tmp_path), str(out)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        import csv

        with (tmp_path / "lignes.csv").open(encoding="utf-8") as handle:
            theirs = list(csv.reader(handle, delimiter=";"))
        amounts = [float(r[2]) for r in theirs[1:]]
    else:
        theirs = read_cells(out)
        amounts = [float(r[2]) for r in theirs[1:]]
    assert theirs[0] == ours[0]
    assert [r[0] for r in theirs[1:]] == [r[0] for r in ours[1:]]
    assert amounts == [r[2] for r in ours[1:]]
    assert len(amounts) > 50


def _help_sections(text: str) -> dict[str, list[tuple[str, str]]]:
    """The epilog's sections: {title: [(name, description) for each line]}."""
    sections: dict[str, list[tuple[str, str]]] = {}
    title = None
    for line in text.split("\n\n")[-1].splitlines():
        if not line.startswith(" "):
            title = line.rstrip(" :")
            sections[title] = []
        elif line.startswith("   "):  # a wrapped description goes on with the previous line
            name, description = sections[title][-1]
            sections[title][-1] = (name, f"{description} {line.strip()}")
        else:
            name, _, description = line.strip().partition(" ")
            sections[title].append((name, description.strip()))
    return sections


def test_import_help_lists_each_kind_once_with_its_french_label_then_the_domains():
    """`import --help` lists every kind once, on its own line, with its French label, the
    domains with their kinds, and the Annuaire de l'éducation; `export --help` the same but the
    Annuaire, which is only read."""
    from desktop.services.transfer.service import DOMAINS
    from desktop.services.transfer.specs import KINDS

    for command in ("import", "export"):
        result = run_cli(command, "--help")
        assert result.returncode == 0, result.stderr
        titles = list(_help_sections(result.stdout))
        kinds = _help_sections(result.stdout)[titles[0]]
        assert [name for name, _ in kinds] == list(KINDS), command
        for name, label in kinds:
            assert label == KINDS[name].label, name
        domains = dict(_help_sections(result.stdout)[titles[1]])
        assert set(domains) <= set(DOMAINS)
        for name, members in domains.items():
            if members != "toute la base":
                assert members.split(", ") == list(DOMAINS[name]), name
        assert ("annuaire-education" in result.stdout) == (command == "import")


def test_every_domain_the_help_offers_exports_its_kinds(filled_db_path, tmp_path):
    """A domain named in `export --help` is accepted and writes one sheet per kind it lists."""
    from desktop.services.transfer.specs import KINDS

    result = run_cli("export", "--help")
    domains = dict(_help_sections(result.stdout)[list(_help_sections(result.stdout))[1]])
    assert domains
    for name, members in domains.items():
        out = tmp_path / f"{name}.xlsx"
        result = run_cli("--db", str(filled_db_path), "export", name, str(out))
        assert result.returncode == 0, (name, result.stderr)
        sheets = CalamineWorkbook.from_path(str(out)).sheet_names
        expected = len(KINDS) if members == "toute la base" else len(members.split(", "))
        assert len(sheets) == expected, (name, sheets)


def test_the_annuaire_is_refused_by_export_and_nothing_is_written(filled_db_path, tmp_path):
    """`export annuaire-education` (an import-only source) is one French error, no file made."""
    out = tmp_path / "annuaire.xlsx"
    result = run_cli("--db", str(filled_db_path), "export", "annuaire-education", str(out))
    assert result.returncode == 1
    assert result.stderr.startswith("pilotis : Type de données inconnu : « annuaire-education »")
    assert not out.exists()


def test_a_sheet_left_out_is_named_and_a_huge_list_of_columns_summed_up(filled_db_path, tmp_path):
    """`import funding_lines` on a two-sheet workbook says the « Programmes » sheet was not
    read and what it seems to hold; 5 000 ignored columns take one short line."""
    import xlsxwriter

    db = filled_db_path
    path = tmp_path / "budget.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    lines = workbook.add_worksheet("Lignes")
    lines.write_row(0, 0, ["Programme", "Financeur", "Montant", "Étape"])
    lines.write_row(0, 4, [f"extra{n}" for n in range(5000)])
    lines.write_row(1, 0, ["AMI-CMA", "REGION-OCC", "10", "prévu"])
    workbook.add_worksheet("Programmes").write_row(0, 0, ["Code", "Nom"])
    workbook.close()
    done = run_cli("--db", str(db), "import", "funding_lines", str(path))
    assert done.returncode == 0, done.stderr
    assert "feuille « Programmes » non lue (elle semble contenir des programmes" in done.stdout
    assert "Colonne(s) ignorée(s) (5000) : extra0, extra1" in done.stdout
    assert "… et 4\u202f990 autre(s)" in done.stdout
    assert len(done.stdout) < 1500
