"""The printed programme sheet: one A4 page per programme, its figures in French, and the
headless `report programme` command."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from desktop.reports.document import write_pdf
from desktop.reports.programmes.sheets import schedule_document, sheets_document
from desktop.services.programmes.service import ProgrammeService
from desktop.services.programmes.tree import ProgrammeFilter
from tests.conftest import run_cli
from tests.factories.programmes import TODAY, load_world


@pytest.fixture
def service(database) -> ProgrammeService:
    load_world(database.session_factory)
    return ProgrammeService(database.session_factory)


def _text(path) -> list[str]:
    """Page texts, words separated by single spaces (extraction gives tabs, ligatures)."""
    pages = []
    for page in PdfReader(path).pages:
        text = page.extract_text().replace("\ufb01", "fi").replace("\ufb02", "fl")
        pages.append(re.sub(r"[ \t\u202f\u00a0]+", " ", text))
    return pages


def _flat(path) -> list[str]:
    """Page texts on one line: table cells may wrap."""
    return [" ".join(page.split()) for page in _text(path)]


def _in_order(text: str, *parts: str) -> None:
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"« {part} » absent (ou pas dans l'ordre)"
        position = found + len(part)


def test_a_sheet_is_one_page_with_identity_milestones_indicators_and_funding(
    qapp, service, tmp_path
):
    """The AMI-CMA sheet fits one page: lead, partners, actions, funders and the total gap."""
    document = sheets_document([service.sheets.sheet("AMI-CMA", today=TODAY)], today=TODAY)
    path = tmp_path / "fiche.pdf"
    assert write_pdf(document, path) == 1
    [text] = _flat(path)
    _in_order(text, "Fiche programme", "AMI-CMA — AMI Compétences et métiers d'avenir",
              "France 2030 — Appel à projets", "DRAFPIC", "Hélène MARTIN",
              "CMQ Sport, animation et tourisme", "Axe 2 — Carte des formations (prioritaire)",
              "AMI-CMA-01", "Jalons", "Indicateurs", "Financement par financeur",
              "État — France 2030", "300 000 €", "200 000 €", "Total",
              "Total des actions AMI-CMA", "600 000 €", "557 344 €", "42 656 €",
              "Rapport 2023, p. 12")  # fmt: skip


def test_sheet_shows_overdue_milestones_and_indicator_progress(qapp, service, tmp_path):
    """SNU's sheet marks its next stay « à venir » and its target half reached."""
    path = tmp_path / "snu.pdf"
    write_pdf(sheets_document([service.sheets.sheet("SNU")], today=TODAY), path)
    [text] = _flat(path)
    _in_order(text, "SNU — Service national universel", "15/02/2024", "Séjours de cohésion",
              "à venir", "Jeunes en séjour de cohésion (jeunes)", "2 000 (2022)",
              "5 000 (2023)", "3 500 (2023)", "50 %", "Aucune ligne de financement")  # fmt: skip


def test_batch_of_a_family_prints_one_page_per_programme(qapp, service, tmp_path):
    """Every France 2030 programme gets its own page, in code order."""
    codes = service.sheets.codes(ProgrammeFilter(family="france2030"))
    document = sheets_document([service.sheets.sheet(c) for c in codes], "France 2030")
    path = tmp_path / "lot.pdf"
    assert write_pdf(document, path) == 4
    pages = _text(path)
    found = [re.search(r"^(\S+) — ", p.split("Page ")[1], re.M).group(1) for p in pages]
    assert found == codes == ["AMI-CMA", "AMI-CMA-01", "AMI-CMA-02", "F2030"]


def test_schedule_prints_in_landscape_with_overdue_rows(qapp, service, tmp_path):
    """The printed échéancier lists each milestone with its state."""
    rows = service.schedule.milestones(horizon_days=None, today=TODAY)
    path = tmp_path / "echeancier.pdf"
    write_pdf(schedule_document(rows, "toutes les échéances"), path)
    [text] = _flat(path)
    _in_order(text, "Échéancier des jalons", "3 jalon(s) à suivre, dont 1 en retard",
              "juin 2023", "En retard de 228 j", "Comité de sélection", "AMI-CMA-01")  # fmt: skip


def test_report_command_writes_a_programme_sheet(db_path, tmp_path):
    """`python main.py report programme --code SNU` prints a one-page PDF headless."""
    from desktop.db import open_database

    database = open_database(str(db_path))
    load_world(database.session_factory)
    database.dispose()
    out = tmp_path / "snu.pdf"
    done = run_cli("--db", str(db_path), "report", "programme", "--code", "SNU", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "1 page(s)" in done.stdout
    assert "Service national universel" in _text(out)[0]
    family = run_cli("--db", str(db_path), "report", "programme", "--family", "France 2030",
                     "--out", str(tmp_path / "f.pdf"))  # fmt: skip
    assert family.returncode == 0, family.stderr
    assert "4 page(s)" in family.stdout
    wrong = run_cli("--db", str(db_path), "report", "programme", "--code", "NOPE",
                    "--out", str(tmp_path / "x.pdf"))  # fmt: skip
    assert wrong.returncode == 1
    assert "Programme inconnu : « NOPE »" in wrong.stderr
