"""The printed « Synthèse budgétaire », the chart builders and `report budget` on the command line."""

from __future__ import annotations

import re

import pytest

from desktop.reports.budgets import charts
from desktop.reports.budgets.synthesis import synthesis
from desktop.reports.document import write_pdf
from desktop.services.budgets.filters import BudgetFilter
from desktop.services.budgets.service import BudgetService
from tests.conftest import run_cli
from tests.factories.budgets import load_budget_fixture


@pytest.fixture
def service(database):
    load_budget_fixture(database.session_factory)
    return BudgetService(database.session_factory)


def pdf_text(path) -> str:
    """Extracted text, ligatures (ﬁ) undone, tabs and (narrow) no-break spaces made single
    plain spaces."""
    import unicodedata

    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[ \t\u202f\u00a0]+", " ", text)


def test_a_funder_keeps_its_colour_and_hatching_across_charts(service):
    """Région Occitanie looks the same in the bar chart and in the stacked programme chart."""
    overview = service.overview()
    region = overview.funder("REGION-OCC")

    def styles(figure) -> set[tuple]:
        found = set()
        for ax in figure.axes:
            for patch in ax.patches:
                if patch.get_gid() in ("funder:REGION-OCC",) or (
                    patch.get_gid() == "programme:CPER-ESRI"
                    and _rgb(patch.get_facecolor()) == _rgb(charts.funder_style(region)[0])
                ):
                    found.add((_rgb(patch.get_facecolor()), str(patch.get_hatch())))
        return found

    expected = {(_rgb(charts.funder_style(region)[0]), charts.funder_style(region)[1])}
    assert styles(charts.by_funder_bar(overview)) == expected
    assert styles(charts.by_programme_stacked(overview)) == expected
    other = overview.funder("BLOC-LOCAL")
    assert charts.funder_style(other) != charts.funder_style(region)


def _rgb(color) -> tuple:
    from matplotlib.colors import to_rgb

    return tuple(round(float(c), 4) for c in to_rgb(color))


def test_every_chart_has_a_title_and_keeps_text_as_text_in_svg(service):
    """Charts print as vectors whose words stay searchable, empty filters included."""
    overview = service.overview()
    empty = service.overview(BudgetFilter(year_from=1999, year_to=1999))
    for spec in charts.CHARTS:
        svg = charts.figure_svg(spec.build(overview)).decode()
        assert "<text" in svg, spec.key
        assert "M€" in svg or "%" in svg, spec.key
        assert "Aucun financement" in charts.figure_svg(spec.build(empty)).decode(), spec.key


def test_single_chart_export_formats(service, tmp_path):
    """One chart saves as PNG, SVG or PDF; another extension gets a French refusal."""
    figure = charts.by_funder_donut(service.overview())
    for suffix, magic in ((".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")):
        path = charts.save_figure(figure, tmp_path / f"donut{suffix}")
        assert path.read_bytes().startswith(magic)
    with pytest.raises(ValueError, match="Format inconnu"):
        charts.save_figure(figure, tmp_path / "donut.bmp")


def test_synthesis_pdf_has_the_totals_in_french_in_order(service, tmp_path, qapp):
    """The printed synthesis shows filters, key figures, funder table, gaps and programmes."""
    flt = BudgetFilter()
    document = synthesis(service.overview(flt), service.discrepancies(flt),
                         service.options().labels())  # fmt: skip
    path = tmp_path / "synthese.pdf"
    pages = write_pdf(document, path)
    text = pdf_text(path)
    assert pages >= 4
    assert f"Page 1 / {pages}" in text
    order = [
        "Synthèse budgétaire",
        "Filtres appliqués : Montants : prévu",
        "635 537 213 €",  # total planned
        "4 304 094 €",  # committed
        "Financements par financeur",
        "Région Occitanie",
        "187 069 829 €",
        "Totaux déclarés différents de la somme des lignes",
        "Coût total des actions",
        "173 951 €",
        "411 000 €",
        "Financements par programme et financeur",
        "CPER-ESRI — CPER volet ESRI",
        "622 300 000 €",
    ]
    # Labels wrap in their column (the amounts get the width, never cut): read lines as one.
    text = re.sub(r"\s+", " ", text)
    position = 0
    for piece in order:
        found = text.find(piece, position)
        assert found >= 0, f"« {piece} » missing after position {position}"
        position = found + len(piece)


def test_synthesis_with_chosen_charts_only(service, tmp_path, qapp):
    """Unticked charts stay out of the print; the filters in force are in the header, the stage
    in each chart's title (the tables under it show all three stages)."""
    flt = BudgetFilter(programme="AMI-CMA", year_from=2023, year_to=2023)
    document = synthesis(service.overview(flt), service.discrepancies(flt),
                         service.options().labels(), charts=["cofinancing"])  # fmt: skip
    path = tmp_path / "ami.pdf"
    write_pdf(document, path)
    text = pdf_text(path)
    assert "Synthèse budgétaire — AMI-CMA · 2023\n" in text
    assert "Taux de cofinancement par programme — montants prévus" in text
    assert "Financements par programme et financeur : prévu, engagé et versé" in text
    assert "Part de chaque financeur" not in text
    assert "2 644 980 €" in text  # the 10 actions' lines
    assert "74 %" in text  # AMI CMA's share of AMI-CMA-04: 303 350 / 408 550


def test_report_budget_command_writes_the_pdf(database, tmp_path):
    """`python main.py report budget --year 2023 --out f.pdf` works without a window."""
    load_budget_fixture(database.session_factory)
    database.dispose()
    out = tmp_path / "budget.pdf"
    result = run_cli("--db", database.url, "report", "budget", "--year", "2023",
                     "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = pdf_text(out)
    assert "Année 2023" in text
    # 2023 lines: the AMI-CMA table (2 644 980 €) and FONJEP (5 854 284 €).
    assert "8 499 264 €" in text


def test_report_budget_refuses_an_unknown_funder(database, tmp_path):
    """A typo in --funder is one French line and a failure code, and no PDF."""
    load_budget_fixture(database.session_factory)
    database.dispose()
    out = tmp_path / "budget.pdf"
    result = run_cli("--db", database.url, "report", "budget", "--funder", "NOPE",
                     "--out", str(out))  # fmt: skip
    assert result.returncode == 1
    assert "Financeur inconnu « NOPE »" in result.stderr
    assert not out.exists()


def test_synthesis_details_the_largest_programmes_and_sums_the_others(
    service, tmp_path, qapp, monkeypatch
):
    """At scale the synthesis stays a few pages: the largest programmes are detailed, the rest
    summed in one sentence pointing to the export."""
    from desktop.reports.budgets import synthesis as budget_report

    monkeypatch.setattr(budget_report, "MAX_PROGRAMMES", 1)
    flt = BudgetFilter()
    overview = service.overview(flt)
    assert len(overview.programmes) > 1
    path = tmp_path / "synthese.pdf"
    write_pdf(synthesis(overview, service.discrepancies(flt)), path)
    text = pdf_text(path)
    assert f"Les {len(overview.programmes) - 1} autres programmes" in text
    assert overview.programmes[0].subtotal.programme_code in text
    assert (
        f"{overview.programmes[1].subtotal.programme_code} —"
        not in text.split("Financements par programme et financeur")[-1]
    )


def test_a_frozen_situation_prints_the_same_synthesis_after_lines_change(database, tmp_path, qapp):
    """Reprinting a frozen situation after an edit gives the very text printed the day it was
    frozen; its header names the situation and its date; the CLI prints it with --snapshot."""
    from datetime import date

    from sqlalchemy import select, update

    from desktop.models import DeclaredTotal, FundingLine, Programme

    load_budget_fixture(database.session_factory)
    service = BudgetService(database.session_factory)
    situation = service.snapshots.take("COPIL décembre", date(2023, 12, 31))

    def printed(name: str, **kwargs) -> str:
        snapshot = kwargs.get("situation")
        sid = snapshot.id if snapshot else None
        document = synthesis(service.overview(snapshot=sid),
                             service.discrepancies(snapshot=sid), **kwargs)  # fmt: skip
        write_pdf(document, tmp_path / name)
        return pdf_text(tmp_path / name)

    today_then = printed("today-then.pdf")
    frozen_then = printed("frozen-then.pdf", situation=situation)
    with database.session_factory.begin() as s:
        fdva = s.scalar(select(Programme.id).where(Programme.code == "FDVA"))
        s.execute(
            update(FundingLine)
            .where(FundingLine.programme_id == fdva, FundingLine.stage == "planned")
            .values(amount_cents=5_000_000_00)
        )
        # The declared totals are frozen too: correcting one leaves the frozen print unchanged.
        fonjep = s.scalar(select(Programme.id).where(Programme.code == "FONJEP"))
        s.execute(
            update(DeclaredTotal)
            .where(DeclaredTotal.programme_id == fonjep)
            .values(amount_cents=1_000_00)
        )
    frozen_now = printed("frozen-now.pdf", situation=situation)
    today_now = printed("today-now.pdf")
    assert frozen_now == frozen_then
    assert today_now != today_then
    assert "Synthèse budgétaire — situation au 31/12/2023" in frozen_now
    assert "Situation arrêtée « COPIL décembre » au 31/12/2023" in frozen_now
    assert "Prévu" in frozen_now
    assert "635 537 213 €" in frozen_now  # the total planned the day it was frozen
    assert "635 537 213 €" not in today_now

    # Apart from the header, the frozen print is the synthesis printed that day: the same
    # lines in the same order, but for page frames and table headers repeated where the pages
    # break (the situation's paragraph comes first, so they break elsewhere).
    def figures(text: str) -> list[str]:
        body = text.split("Filtres appliqués", 1)[1]
        frame = re.compile(r"^(Région académique Occitanie|Édité le .*|Synthèse budgétaire.*|"
                           r"Pilotis|Page \d+ / \d+)$")  # fmt: skip
        return [line for line in body.splitlines() if not frame.match(line)]

    frozen_lines, then_lines = figures(frozen_now), figures(today_then)
    assert [x for x in frozen_lines if re.search(r"\d", x)] == [
        x for x in then_lines if re.search(r"\d", x)
    ]
    assert set(frozen_lines) == set(then_lines)
    database.dispose()
    out = tmp_path / "cli.pdf"
    result = run_cli("--db", database.url, "report", "budget", "--snapshot", "COPIL décembre",
                     "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "635 537 213 €" in pdf_text(out)
    result = run_cli("--db", database.url, "report", "budget", "--snapshot", "Nulle part",
                     "--out", str(tmp_path / "none.pdf"))  # fmt: skip
    assert result.returncode == 1
    assert "Situation « Nulle part » inconnue" in result.stderr
