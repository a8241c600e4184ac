"""The « Synthèse budgétaire » as a Document: key figures of the chain prévu → engagé → versé, the
chosen charts as SVG vectors, tables with subtotals and totals, and the declared totals that
differ from their lines; `build` serves `python main.py report budget`."""

from __future__ import annotations

from collections.abc import Sequence

from desktop.errors import PilotisError
from desktop.reports.budget_charts import CHARTS, figure_svg, percent
from desktop.reports.document import Chart, Document, Heading, PageBreak, Paragraph, Table
from desktop.services.budget_filters import BudgetFilter, FilterLabels, describe
from desktop.services.budget_service import BudgetOverview, ChainRow
from desktop.services.budget_snapshots import SnapshotRow
from desktop.services.checks import TotalCheckRow
from desktop.services.formatting import format_date, format_euros
from desktop.services.vocabulary import PROGRAMME_FAMILIES, STAGES

TITLE = "Synthèse budgétaire"
# Soft hyphens let the narrow rate columns break their headers instead of cutting them.
CHAIN_HEADERS = ["Prévu", "Engagé (AE)", "Versé (CP)", "Taux d'enga\u00adgement",
                 "Taux de paie\u00adment", "Reste à engager", "Reste à payer"]  # fmt: skip


# A synthesis is read in a committee: the largest programmes, the others summed in one line.
MAX_PROGRAMMES = 40


def chain_cells(row: ChainRow) -> list[str]:
    return [
        format_euros(row.planned_cents), format_euros(row.committed_cents),
        format_euros(row.paid_cents), percent(row.commitment_rate, 1),
        percent(row.payment_rate, 1), format_euros(row.to_commit_cents),
        format_euros(row.to_pay_cents),
    ]  # fmt: skip


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
        # Amounts reach « 1 567 897 429,03 € » on the regional figures: the money columns get
        # the room, the rates little, so no total is cut on an A4 page.
        [first_header, *CHAIN_HEADERS], rows, widths=[2.1, 2.1, 1.7, 1.6, 1.35, 1.1, 2.1, 1.75],
        align_right=frozenset(range(1, 8)), bold_rows=frozenset(bold),
        shaded_rows=frozenset(shaded), size=7,
    )  # fmt: skip


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
                 widths=[3.4, 1.5, 1.5, 1.4, 2.6], align_right=frozenset({1, 2, 3}),
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
            [[format_euros(total.planned_cents), format_euros(total.committed_cents),
              format_euros(total.paid_cents), percent(total.commitment_rate, 1),
              percent(total.payment_rate, 1), format_euros(total.to_pay_cents)]],
            align_right=frozenset(range(6)), size=8.5,
        ),
        Paragraph(
            "Le taux d'engagement rapporte l'engagé au prévu, le taux de paiement le versé à "
            "l'engagé ; le reste à payer est l'engagé non encore versé. Les graphiques et "
            f"tableaux par financeur portent sur le montant {STAGES[flt.stage].lower()}.",
            size=8,
        ),
    )  # fmt: skip
    keys = list(charts) if charts is not None else [spec.key for spec in CHARTS]
    specs = [spec for key in keys for spec in CHARTS if spec.key == key]
    for index, spec in enumerate(specs):
        figure = spec.build(overview)
        document.add(Chart(figure_svg(figure), height_mm=88))
        if index % 2 == 1 and index + 1 < len(specs):
            document.add(PageBreak())
    document.add(
        PageBreak(),
        Heading("Financements par financeur"),
        _chain_table("Financeur", [(None, overview.funder_totals)], total),
        Heading("Totaux déclarés différents de la somme des lignes"),
    )
    if discrepancies:
        document.add(discrepancy_table(discrepancies))
    else:
        document.add(Paragraph("Aucun écart : chaque total déclaré égale la somme de ses lignes."))
    shown = overview.programmes[:MAX_PROGRAMMES]  # already sorted by amount, largest first
    document.add(
        Heading("Financements par programme et financeur"),
        _chain_table(
            "Programme / financeur", [(chain.subtotal, chain.lines) for chain in shown], total
        ),
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
    parts = []
    if flt.programme:
        parts.append(flt.programme)
    if flt.family:
        parts.append(PROGRAMME_FAMILIES.get(flt.family, flt.family))
    if flt.year_from is not None or flt.year_to is not None:
        years = {flt.year_from, flt.year_to} - {None}
        parts.append("–".join(str(y) for y in sorted(years)))
    if flt.funders:
        parts.append(", ".join(flt.funders))
    if flt.lead_unit:
        parts.append(flt.lead_unit)
    if flt.department:
        parts.append(f"dép. {flt.department}")
    parts.append(STAGES[flt.stage].lower())
    text = " · ".join(parts)
    return text if len(text) <= 70 else text[:69] + "…"


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
    from desktop.services.budget_service import BudgetService

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
