"""The printed directory: a unit and all below it, grouped by unit, heads first, paginated."""

from __future__ import annotations

from datetime import date

from pypdf import PdfReader

from desktop.reports.directory.listing import build_document
from desktop.reports.document import write_pdf
from desktop.services.directory.service import DirectoryService
from tests.conftest import run_cli


def pdf_text(path) -> list[str]:
    """Page texts with words separated by single spaces (extraction may give tabs)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages]


def test_drajes_directory_pdf_lists_units_in_tree_order_heads_first(
    filled_database, tmp_path, qapp
):
    """The DRAJES page: header with the unit and date, the director before the deputy, then
    each pôle with its head, and « Page 1 / 1 »."""
    service = DirectoryService(filled_database.session_factory)
    drajes = service.find_unit("DRAJES")
    document = build_document(service.report_units(drajes.id), "DRAJES", date(2024, 3, 5))
    path = tmp_path / "drajes.pdf"
    assert write_pdf(document, path) == 1
    (text,) = pdf_text(path)
    assert "Annuaire des services — DRAJES" in text
    assert "Édité le 05/03/2024" in text
    assert "Page 1 / 1" in text
    order = ["ETIENNE Pascal", "KANCAL Sélim", "Pôle politiques sportives", "PERROCHIA Cyrille",
             "REMOND Nicolas", "CAZIN Véronique", "MRICE"]  # fmt: skip
    positions = [text.index(name) for name in order]
    assert positions == sorted(positions)


def test_whole_directory_spans_pages_with_page_numbers(filled_database, tmp_path, qapp):
    """Printing every service gives several numbered pages, the région first."""
    service = DirectoryService(filled_database.session_factory)
    document = build_document(service.report_units(None), "tous les services")
    path = tmp_path / "all.pdf"
    pages = write_pdf(document, path)
    texts = pdf_text(path)
    assert pages == len(texts) > 2
    assert f"Page {pages} / {pages}" in texts[-1]
    assert texts[0].index("Région académique Occitanie") < texts[0].index("BÉJEAN Sophie")
    assert any("GFIY Catherine" in t for t in texts)


def test_vacant_and_interim_posts_are_printed_as_such(filled_database, qapp):
    """A vacant post prints « Poste vacant »; an interim holder is marked « par intérim »."""
    from desktop.services.directory.edits import PositionInput

    service = DirectoryService(filled_database.session_factory)
    drajes = service.find_unit("DRAJES")
    service.edits.create_position(PositionInput(drajes.id, "Conseiller", "member"))
    remond = service.find_people("remond")[0][0]
    service.edits.create_position(
        PositionInput(drajes.id, "Adjoint", "deputy", remond, is_interim=True)
    )
    table = next(
        b for b in build_document(service.report_units(drajes.id)).blocks if hasattr(b, "rows")
    )
    holders = [row[1] for row in table.rows]
    assert holders == [
        "ETIENNE Pascal",
        "KANCAL Sélim",
        "REMOND Nicolas (par intérim)",
        "Poste vacant",
    ]
    assert table.muted_rows == frozenset({3})
    assert table.bold_rows == frozenset({0})


def test_report_command_writes_the_pdf_headless(filled_db_path, tmp_path):
    """`main.py report directory --unit drajes --out f.pdf` writes the same page, no window."""
    out = tmp_path / "drajes.pdf"
    result = run_cli("--db", str(filled_db_path), "report", "directory", "--unit", "drajes",
                     "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "1 page(s)" in result.stdout
    text = pdf_text(out)[0]
    assert text.index("ETIENNE Pascal") < text.index("KANCAL Sélim")


def test_report_command_unknown_unit_is_a_french_error(filled_db_path, tmp_path):
    """An unknown acronym gives one French line and a failure code, and no file."""
    out = tmp_path / "x.pdf"
    result = run_cli("--db", str(filled_db_path), "report", "directory", "--unit", "XYZ",
                     "--out", str(out))  # fmt: skip
    assert result.returncode == 1
    assert "Service inconnu : « XYZ »" in result.stderr
    assert not out.exists()


def test_dotted_line_links_between_posts_are_printed_under_the_post(
    filled_database, tmp_path, qapp
):
    """A post linked to another prints the link under its title: « ┄ appuie : … »."""
    from desktop.services.directory.search import SearchFilter

    service = DirectoryService(filled_database.session_factory)
    head = service.entries(SearchFilter("etienne"))[0]
    other = service.entries(SearchFilter("cazin"))[0]
    service.edits.create_position_link(head.position_id, other.position_id, None)
    drajes = service.find_unit("DRAJES")
    path = tmp_path / "drajes.pdf"
    write_pdf(build_document(service.report_units(drajes.id), "DRAJES"), path)
    (text,) = pdf_text(path)
    assert "appuie : Responsable du pôle (CAZIN Véronique," in text
    assert "est appuyé(e) par : DRAJES (ETIENNE Pascal, DRAJES)" in text
