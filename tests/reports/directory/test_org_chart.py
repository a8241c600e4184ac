"""The printed organisation chart: vector PDF on A4 landscape, one page per direction if wide."""

from __future__ import annotations

from datetime import date

from pypdf import PdfReader

from desktop.reports.directory.org_chart import OrgChart, build_document
from desktop.reports.document import Document, Paragraph, write_pdf
from desktop.services.directory.edits import PositionInput
from desktop.services.directory.org_chart import ChartPost, ChartUnit
from desktop.services.directory.service import DirectoryService
from tests.conftest import run_cli

A4_LONG, A4_SHORT = 842, 595  # points


def pdf_pages(path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages]


def page_sizes(path) -> list[tuple[int, int]]:
    return [
        (round(float(p.mediabox.width)), round(float(p.mediabox.height)))
        for p in PdfReader(str(path)).pages
    ]


def test_drajes_chart_is_one_landscape_page_with_heads_as_text(filled_database, tmp_path, qapp):
    """DRAJES fits one A4 landscape page; its director, deputy and pôle heads are real text."""
    service = DirectoryService(filled_database.session_factory)
    drajes = service.find_unit("DRAJES")
    document = build_document(
        service.charts.chart_units(drajes.id), drajes.id, "DRAJES", date(2024, 3, 5)
    )
    path = tmp_path / "drajes.pdf"
    assert write_pdf(document, path) == 1
    assert page_sizes(path) == [(A4_LONG, A4_SHORT)]
    (text,) = pdf_pages(path)
    assert "Organigramme — DRAJES" in text
    order = ["Pascal ETIENNE", "Adj. : Sélim KANCAL", "Pôle politiques sportives",
             "Cyrille PERROCHIA"]  # fmt: skip
    positions = [text.index(name) for name in order]
    assert positions == sorted(positions)
    assert "Page 1 / 1" in text


def test_whole_chart_spans_several_pages_one_per_direction(filled_database, tmp_path, qapp):
    """The 2023 chart does not fit one page: an overview citing pages, then the directions."""
    service = DirectoryService(filled_database.session_factory)
    document = build_document(service.charts.chart_units(None), None, "tous les services")
    path = tmp_path / "all.pdf"
    pages = write_pdf(document, path)
    texts = pdf_pages(path)
    assert pages == len(texts) > 2
    assert set(page_sizes(path)) == {(A4_LONG, A4_SHORT)}
    assert "Sophie BÉJEAN" in texts[0]
    assert "voir page 2" in texts[0]
    everything = " ".join(texts)
    for name in ("Nicolas MADIOT", "Hervé MIRABAIL", "Catherine GFIY", "Stéphane VINCE"):
        assert name in everything
    captions = [t for t in texts[1:] if t.startswith("Région académique Occitanie Édité le")]
    assert any("— service de rattachement : " in t for t in captions)
    assert not any("rattaché à" in t for t in texts)  # « rattaché à Pôle … » read wrong


def test_vacant_and_interim_posts_show_in_the_printed_chart(filled_database, tmp_path, qapp):
    """A vacant deputy post prints « Poste vacant »; an interim head is marked « (intérim) »."""
    service = DirectoryService(filled_database.session_factory)
    drajes = service.find_unit("DRAJES")
    service.edits.create_position(PositionInput(drajes.id, "Adjoint sports", "deputy"))
    sport = next(
        u for u in service.charts.chart_units(drajes.id) if u.name == "Pôle politiques sportives"
    )
    head = service.unit_detail(sport.id).posts_with("head")[0]
    service.edits.update_position(
        head.id,
        head.version,
        PositionInput(sport.id, head.title, "head", head.person_id, is_interim=True),
    )
    units = service.charts.chart_units(drajes.id)
    path = tmp_path / "vacant.pdf"
    write_pdf(build_document(units, drajes.id, "DRAJES"), path)
    (text,) = pdf_pages(path)
    assert "Adj. : Poste vacant" in text
    assert "Cyrille PERROCHIA (intérim)" in text


def test_a_chart_in_a_portrait_document_gets_landscape_pages_of_its_own(tmp_path, qapp):
    """Text before the chart stays portrait; the chart page turns landscape; text after it
    starts a new portrait page."""
    units = [ChartUnit(1, None, "DSI", "Direction des systèmes d'information", "direction",
                       (ChartPost("head", "Hervé MIRABAIL"),))]  # fmt: skip
    document = Document("Essai").add(Paragraph("Avant"), OrgChart(units, 1), Paragraph("Après"))
    path = tmp_path / "mixed.pdf"
    assert write_pdf(document, path) == 3
    assert page_sizes(path) == [(A4_SHORT, A4_LONG), (A4_LONG, A4_SHORT), (A4_SHORT, A4_LONG)]
    texts = pdf_pages(path)
    assert "Avant" in texts[0]
    assert "Hervé MIRABAIL" in texts[1]
    assert "Après" in texts[2]


def test_report_orgchart_command_writes_the_pdf(filled_db_path, tmp_path):
    """`main.py report orgchart --unit DSI2` writes a landscape PDF naming the DSI's heads."""
    out = tmp_path / "dsi.pdf"
    result = run_cli("--db", str(filled_db_path), "report", "orgchart", "--unit", "DSI2",
                     "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = " ".join(pdf_pages(out))
    assert "Hervé MIRABAIL" in text
    assert "Catherine GFIY" in text
    unknown = run_cli("--db", str(filled_db_path), "report", "orgchart", "--unit", "NOPE",
                      "--out", str(tmp_path / "x.pdf"))  # fmt: skip
    assert unknown.returncode != 0
    assert "Service inconnu" in unknown.stderr
