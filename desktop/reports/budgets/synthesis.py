"""The « Synthèse budgétaire » as a Document: key figures of the chain prévu → engagé → versé, the
chosen charts as SVG vectors, tables with subtotals and totals, and the declared totals that
differ from their lines; `build` serves `python main.py report budget`."""

from __future__ import annotations

from collections.abc import Sequence

from desktop.errors import PilotisError
from desktop.reports.budgets.charts import CHARTS, figure_svg
from desktop.reports.document import Chart, Document, Heading, Paragraph, Table
from desktop.services.budgets.declared import TotalCheckRow
from desktop.services.budgets.filters import BudgetFilter, FilterLabels, describe
from desktop.services.budgets.service import BudgetOverview, ChainRow
from desktop.services.budgets.snapshots import SnapshotRow
from desktop.services.common.formatting import (
    format_date,
    format_euros,
    format_headline_euros,
    format_percent,
    format_short_euros,
)
from desktop.services.common.vocabulary import PROGRAMME_FAMILIES, STAGES

TITLE = "Synthèse budgétaire"
# Soft hyphens let the narrow rate columns break their headers instead of cutting them.
CHAIN_HEADERS = ["Prévu", "Engagé (AE)", "Versé (CP)", "Taux d'enga\u00adgement",
                 "Taux de paie\u00adment", "Reste à engager", "Reste à payer"]  # fmt: skip


# A synthesis is read in a committee: the largest programmes, the others summed in one line.
MAX_PROGRAMMES = 40


OVER = " ¹"  # a rate above 100 %
NEGATIVE = " ²"  # a negative remainder
FOOTNOTES = {
    OVER: "¹ Taux supérieur à 100 % : l'engagé dépasse le prévu (taux d'engagement) ou le versé "
    "dépasse l'engagé (taux de paiement) ; souvent un prévu non saisi ou des crédits d'une "
    "autre année : à vérifier ligne à ligne dans l'onglet Budgets.",
    NEGATIVE: "² Reste négatif : plus a été engagé que prévu (reste à engager) ou plus versé "
    "qu'engagé (reste à payer), du même montant que le dépassement.",
}
PAGE_WIDTH_MM = 180  # A4 less two margins of 15 mm


def _euros(cents: int) -> str:
    """Table amounts: to the euro, one precision for the whole table (cents are in exports)."""
    return format_euros(round(cents / 100) * 100)


def _rate(rate: float | None) -> str:
    return format_percent(rate, 1) + (OVER if rate is not None and rate > 1 + 1e-9 else "")


def _rest(cents: int) -> str:
    return _euros(cents) + (NEGATIVE if cents < 0 else "")


def chain_cells(row: ChainRow) -> list[str]:
    return [
        _euros(row.planned_cents), _euros(row.committed_cents), _euros(row.paid_cents),
        _rate(row.commitment_rate), _rate(row.payment_rate), _rest(row.to_commit_cents),
        _rest(row.to_pay_cents),
    ]  # fmt: skip


def footnotes(tables: Sequence[Table]) -> list[Paragraph]:
    """The explanations of the marks the tables use, once each."""
    cells = [str(c) for t in tables for row in t.rows for c in row]
    used = [mark for mark in FOOTNOTES if any(c.endswith(mark) for c in cells)]
    return [Paragraph(FOOTNOTES[mark], italic=True, size=7.5) for mark in used]


def _chain_table(first_header: str, groups, total: ChainRow) -> Table:
    rows: list[list[str]] = []
    bold, shaded = set(), set()
    for subtotal, lines in groups:
        if subtotal is not None:
            shaded.add(len(rows))
            rows.append([subtotal.label, *chain_cells(subtotal)])
        for line in lines:
            indent = "    " if subtotal is not None else ""
            rows.append([indent + line.label, *chain_cells(line)])
    bold.add(len(rows))
    rows.append([total.label, *chain_cells(total)])
    return Table(
        # Each figure column as wide as its widest amount, the names the rest, wrapped
        # between words: no total is cut and no name runs to seven lines.
        [first_header, *CHAIN_HEADERS], rows, flex=0,
        align_right=frozenset(range(1, 8)), bold_rows=frozenset(bold),
        shaded_rows=frozenset(shaded), size=7,
    )  # fmt: skip


def chart_block(figure) -> list:
    """A chart at its own height (scaled to the page width) and, under it, what « Autres »
    groups and which programmes are shown."""
    width_in, height_in = figure.get_size_inches()
    scale = min(1.0, PAGE_WIDTH_MM / (width_in * 25.4))
    notes = []
    if figure.pilotis_note:
        notes.append(figure.pilotis_note)
    if figure.pilotis_others:
        listed = ", ".join(f"{label} ({format_short_euros(cents)})"
                           for label, cents in figure.pilotis_others)  # fmt: skip
        notes.append(f"Autres ({len(figure.pilotis_others)}) : {listed}.")
    return [Chart(lambda: figure_svg(figure), height_mm=height_in * 25.4 * scale,
                  caption=" ".join(notes))]  # fmt: skip


def discrepancy_table(rows: Sequence[TotalCheckRow]) -> Table:
    body = []
    for row in rows:
        scope = ", ".join(x for x in (row.funder_code, STAGES.get(row.stage or "", None),
                                      row.period) if x)  # fmt: skip
        body.append([
            f"{row.programme_code} — {row.label}" + (f" ({scope})" if scope else ""),
            format_euros(row.declared_cents), format_euros(row.computed_cents),
            format_euros(row.difference_cents), row.source,
        ])  # fmt: skip
    return Table(["Total déclaré", "Déclaré", "Somme des lignes", "Écart", "Source"], body,
                 widths=[3.4, 1.4, 1.4, 1.3, 3.0], align_right=frozenset({1, 2, 3}),
                 size=7.5)  # fmt: skip


def synthesis(
    overview: BudgetOverview,
    discrepancies: Sequence[TotalCheckRow],
    labels: FilterLabels | None = None,
    charts: Sequence[str] | None = None,
    situation: SnapshotRow | None = None,
) -> Document:
    """The printed synthesis for the overview's filter; charts are keys of budget_charts.CHARTS
    (all of them when None), in that order; situation names the frozen situation it shows."""
    flt = overview.filter
    filters = describe(flt, labels)
    title = TITLE
    if situation is not None:
        title = f"{TITLE} — situation au {format_date(situation.taken_on)}"
    document = Document(title, subtitle=_subtitle(flt, labels))
    total = overview.total
    if situation is not None:
        document.add(
            Paragraph(
                f"Situation arrêtée « {situation.label} » au {format_date(situation.taken_on)} "
                f"(figée le {format_date(situation.taken_at.date())} par {situation.login}) : "
                "les montants sont ceux de cette date, non ceux du jour.",
                size=9,
            )
        )
    document.add(
        Paragraph("Filtres appliqués : " + " ; ".join(filters) + ".", italic=True, size=8.5),
        Heading("Chiffres clés"),
        Table(
            ["Prévu", "Engagé (AE)", "Versé (CP)", "Taux d'engagement", "Taux de paiement",
             "Reste à payer"],
            [[format_headline_euros(total.planned_cents),
              format_headline_euros(total.committed_cents),
              format_headline_euros(total.paid_cents), _rate(total.commitment_rate),
              _rate(total.payment_rate), _rest(total.to_pay_cents)]],
            align_right=frozenset(range(6)), size=8.5,
        ),
        Paragraph(
            "Le taux d'engagement rapporte l'engagé au prévu, le taux de paiement le versé à "
            "l'engagé ; le reste à payer est l'engagé non encore versé. Les graphiques "
            f"portent sur les montants {STAGES[flt.stage].lower()}s (sauf « Prévu, engagé et "
            "versé »), les tableaux sur les trois étapes ; montants des tableaux arrondis à "
            "l'euro.",
            size=8,
        ),
    )  # fmt: skip
    keys = list(charts) if charts is not None else [spec.key for spec in CHARTS]
    specs = [spec for key in keys for spec in CHARTS if spec.key == key]
    for spec in specs:
        document.add(*chart_block(spec.build(overview)))
    # The tables follow the charts on the same page when there is room: a page holding one
    # chart and two-thirds of white is what a committee noticed first.
    funders = _chain_table("Financeur", [(None, overview.funder_totals)], total)
    document.add(
        Heading("Financements par financeur : prévu, engagé et versé"),
        funders,
        *footnotes([funders]),
        Heading("Totaux déclarés différents de la somme des lignes"),
    )
    if discrepancies:
        document.add(discrepancy_table(discrepancies))
    else:
        document.add(Paragraph("Aucun écart : chaque total déclaré égale la somme de ses lignes."))
    shown = overview.programmes[:MAX_PROGRAMMES]  # already sorted by amount, largest first
    programmes = _chain_table(
        "Programme / financeur", [(chain.subtotal, chain.lines) for chain in shown], total
    )
    document.add(
        Heading("Financements par programme et financeur : prévu, engagé et versé"),
        programmes,
        *footnotes([programmes]),
    )
    rest = overview.programmes[MAX_PROGRAMMES:]
    if rest:
        amount = sum(chain.subtotal.stage_cents(flt.stage) for chain in rest)
        document.add(
            Paragraph(
                f"Les {len(rest)} autres programmes ({format_euros(amount)} "
                f"{STAGES[flt.stage].lower()}) ne sont pas détaillés ici : le tableau complet "
                "s'exporte depuis l'onglet Budgets (Ctrl+E), ou se restreint par les filtres.",
                italic=True,
                size=8.5,
            )
        )
    return document


def _subtitle(flt: BudgetFilter, labels: FilterLabels | None) -> str:
    """The filters in a few words for every page's header; the stage is left to each chart's
    and table's own title, since the tables show all three."""
    parts = []
    if flt.programme:
        parts.append(flt.programme)
    if flt.family:
        parts.append(PROGRAMME_FAMILIES.get(flt.family, flt.family))
    if flt.year_from is not None or flt.year_to is not None:
        years = {flt.year_from, flt.year_to} - {None}
        parts.append("–".join(str(y) for y in sorted(years)))
    if flt.funders:
        shown = list(flt.funders[:3])
        more = len(flt.funders) - len(shown)
        parts.append(", ".join(shown) + (f" et {more} autre(s)" if more > 0 else ""))
    if flt.lead_unit:
        parts.append(flt.lead_unit)
    if flt.department:
        parts.append(f"dép. {flt.department}")
    return " · ".join(parts) or "tous les programmes"


def budget_filter(
    options,
    *,
    year: str | None = None,
    funder: str | None = None,
    family: str | None = None,
    code: str | None = None,
    unit: str | None = None,
) -> BudgetFilter:
    """The filter of `report budget` options; unknown codes are refused with a French message."""
    first_year = None
    if year:
        text = str(year).strip()
        if not (text[:4].isdigit() and len(text) in (4, 9)):
            raise PilotisError(f"Année invalide « {year} » : attendu 2023 ou 2022-2023.")
        first_year = int(text[:4])
    if funder and funder not in {f.code for f in options.funders}:
        raise PilotisError(f"Financeur inconnu « {funder} ».")
    if family and family not in PROGRAMME_FAMILIES:
        raise PilotisError(
            f"Famille inconnue « {family} » : choix possibles {', '.join(PROGRAMME_FAMILIES)}."
        )
    if code and code not in {c.code for c in options.programmes}:
        raise PilotisError(f"Programme inconnu « {code} ».")
    if unit and unit not in {c.code for c in options.units}:
        raise PilotisError(f"Service inconnu « {unit} ».")
    return BudgetFilter(year_from=first_year, year_to=first_year, programme=code, family=family,
                        funders=(funder,) if funder else (), lead_unit=unit)  # fmt: skip


def build(
    database,
    *,
    year: str | None = None,
    funder: str | None = None,
    family: str | None = None,
    code: str | None = None,
    unit: str | None = None,
    snapshot: str | None = None,
) -> Document:
    """The budget synthesis, filtered as `budget_filter` says, as it stands or as the situation
    frozen under the label `snapshot`."""
    from desktop.services.budgets.service import BudgetService

    service = BudgetService(database.session_factory)
    options = service.options()
    flt = budget_filter(options, year=year, funder=funder, family=family, code=code, unit=unit)
    if not snapshot:
        return synthesis(service.overview(flt), service.discrepancies(flt), options.labels())
    situation = service.snapshots.find(snapshot)
    return synthesis(
        service.overview(flt, snapshot=situation.id),
        service.discrepancies(flt, snapshot=situation.id),
        options.labels(),
        situation=situation,
    )
