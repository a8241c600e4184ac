"""The printed documents as a committee receives them: nothing cut with « … », one page per
programme sheet, and no page of a section left under half full but its last."""

from __future__ import annotations

import re
import subprocess

import pytest
from PySide6.QtGui import QPdfWriter

from desktop.reports.budgets import synthesis as budget_report
from desktop.reports.directory import listing as directory_report
from desktop.reports.document import page_layout, paginate, write_pdf
from desktop.reports.programmes import sheets as programme_report


def _pdftotext(path) -> str:
    """The text poppler extracts, as a reader copying from the PDF gets it."""
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _fills(document, tmp_path) -> tuple[list[float], list[bool]]:
    writer = QPdfWriter(str(tmp_path / "layout.pdf"))
    writer.setResolution(300)
    writer.setPageLayout(page_layout(document.landscape))
    pages = paginate(document, writer)
    return pages.fill, pages.section_ends


def test_synthesis_and_booklet_have_nothing_cut_with_an_ellipsis(qapp, filled_database, tmp_path):
    """No label, name or source of the synthesis or of the booklet of every programme is cut
    with « … » (legends, axis labels, tables, sources, « et N autres » lines), each sheet is
    one page and titles do not repeat their code."""
    synthesis = tmp_path / "synthese.pdf"
    write_pdf(budget_report.build(filled_database), synthesis)
    booklet = tmp_path / "livret.pdf"
    document = programme_report.build(filled_database)
    sheets = sum(1 for b in document.blocks if type(b).__name__ == "PageBreak") + 1
    assert write_pdf(document, booklet) == sheets  # one page per programme
    for path in (synthesis, booklet):
        text = _pdftotext(path)
        assert "…" not in text, [line for line in text.splitlines() if "…" in line][:5]
    assert "Autres (" in _pdftotext(synthesis)  # the grouped funders are named under the chart
    # A name that starts with its code is not prefixed again (« COMPAS — COMPAS — … »).
    assert not re.search(r"\b([A-Z][A-Z0-9-]{2,}) — \1\b", _pdftotext(booklet))


@pytest.mark.parametrize("name", ["synthèse", "livret", "annuaire"])
def test_no_page_but_the_last_of_a_section_is_under_half_full(
    qapp, filled_database, tmp_path, name
):
    """Charts two per page and tables flowing after them: every page of a section is at least
    half covered (between header and footer), except the section's last."""
    build = {
        "synthèse": lambda: budget_report.build(filled_database),
        "livret": lambda: programme_report.build(filled_database),
        "annuaire": lambda: directory_report.build(filled_database),
    }[name]
    fills, ends = _fills(build(), tmp_path)
    thin = [(n, round(f, 2)) for n, (f, end) in enumerate(zip(fills, ends, strict=True), 1)
            if not end and f < 0.5]  # fmt: skip
    assert not thin, thin
    assert len(fills) > 1


def test_a_programme_named_after_its_code_is_not_titled_twice(filled_database):
    """SESAME's name starts with « SESAME — »: the synthesis table, the charts and its sheet
    title it « SESAME — Sésame vers l'emploi… », never « SESAME — SESAME — … »."""
    from desktop.services.budgets.filters import BudgetFilter
    from desktop.services.budgets.service import BudgetService
    from desktop.services.common.formatting import coded_name
    from desktop.services.programmes.sheet import ProgrammeSheetService

    overview = BudgetService(filled_database.session_factory).overview(BudgetFilter())
    labels = [chain.subtotal.label for chain in overview.programmes]
    sesame = [label for label in labels if label.startswith("SESAME")]
    assert sesame
    assert not any(label.startswith("SESAME — SESAME") for label in sesame)
    sheet = ProgrammeSheetService(filled_database.session_factory).sheet("SESAME")
    assert coded_name(sheet.code, sheet.name) == sheet.name
    assert coded_name("PIX", "Pix et Pix+Édu") == "PIX — Pix et Pix+Édu"
