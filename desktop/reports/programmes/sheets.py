"""The one-page A4 programme sheet (fiche programme), batches of sheets, and the printed roadmap
and échéancier, as Documents for preview, printer, PDF and `python main.py report programme`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from desktop.errors import PilotisError
from desktop.reports.document import Block, Chart, Document, Heading, PageBreak, Paragraph, Table
from desktop.services.common.formatting import coded_name, format_date, format_euros, format_number
from desktop.services.common.vocabulary import STAGES
from desktop.services.programmes.roadmap import AxisRow, RoadmapProgrammeRow
from desktop.services.programmes.schedule import MONTHS, ScheduleRow
from desktop.services.programmes.sheet import ProgrammeSheet, SheetMilestone

MAX_MILESTONES = 9
MAX_INDICATORS = 6
MAX_FUNDERS = 6
MAX_CHILDREN = 12
MAX_TOTALS = 4


def _due(m: SheetMilestone) -> str:
    if m.precision == "annee":
        return str(m.due_on.year)
    if m.precision == "mois":
        return f"{MONTHS[m.due_on.month - 1]} {m.due_on.year}"
    return format_date(m.due_on)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return format_number(value, 0 if float(value).is_integer() else 2)


def _period(start: date | None, end: date | None) -> str:
    if start and end:
        return f"du {format_date(start)} au {format_date(end)}"
    if start:
        return f"depuis le {format_date(start)}"
    if end:
        return f"jusqu'au {format_date(end)}"
    return "non précisée"


def _listing(items: Sequence[str], empty: str = "—", limit: int = 8) -> str:
    if not items:
        return empty
    shown = ", ".join(items[:limit])
    return shown + (f" et {len(items) - limit} autre(s)" if len(items) > limit else "")


def _funding_chart(sheet: ProgrammeSheet) -> Chart | None:
    """The chart at its drawn height; its SVG is made when a page showing it is painted."""
    from desktop.reports.budgets.charts import figure_svg
    from desktop.reports.programmes.charts import stages_by_funder

    figure = stages_by_funder(sheet.funding, MAX_FUNDERS)
    if figure is None:
        return None
    return Chart(lambda: figure_svg(figure), height_mm=figure.get_size_inches()[1] * 25.4 * 0.98)


def sheet_blocks(sheet: ProgrammeSheet, *, today: date | None = None) -> list[Block]:
    """The blocks of one programme's page, cut to fit one A4 page."""
    return [
        *_identity_blocks(sheet),
        *_milestone_blocks(sheet, today or date.today()),
        *_indicator_blocks(sheet),
        *_funding_blocks(sheet),
        *_total_blocks(sheet),
    ]


def _identity_blocks(sheet: ProgrammeSheet) -> list[Block]:
    """The title, the identity table, the objective and the sub-programmes."""
    blocks: list[Block] = [Heading(coded_name(sheet.code, sheet.name))]
    identity = [
        ("Famille, nature", f"{sheet.family_label} — {sheet.kind_label}"),
        ("Statut", sheet.status_label),
        ("Période", _period(sheet.start_on, sheet.end_on)),
        ("Service pilote", sheet.lead_unit or "—"),
    ]
    if sheet.lead_head:
        identity.append(("Responsable", sheet.lead_head))
    if sheet.parent:
        identity.append(("Rattaché à", sheet.parent))
    identity += [
        ("Partenaires", _listing(sheet.partners)),
        ("Territoire", _listing(sheet.departments, "Occitanie (non précisé)", 13)),
        ("Feuille de route", _listing(sheet.axes, "aucun axe", 4)),
    ]
    if sheet.beneficiary:
        identity.append(("Bénéficiaires", sheet.beneficiary))
    if sheet.establishments:
        identity.append(("Établissements", _listing(sheet.establishments, limit=6)))
    blocks.append(Table(["Identité", ""], identity, widths=[1, 4], size=8))
    if sheet.description:
        blocks.append(Paragraph(f"Objectif : {sheet.description}", size=8.5))
    if sheet.children:
        shown = [f"{c} ({status.lower()})" for c, _n, status in sheet.children[:MAX_CHILDREN]]
        more = len(sheet.children) - MAX_CHILDREN
        blocks.append(
            Paragraph(
                f"Sous-programmes ({len(sheet.children)}) : " + ", ".join(shown)
                + (f" et {more} autre(s)." if more > 0 else "."),
                size=8,
            )
        )  # fmt: skip
    return blocks


def _milestone_blocks(sheet: ProgrammeSheet, today: date) -> list[Block]:
    """Overdue and upcoming milestones first (the page serves the next committee), then done."""
    blocks: list[Block] = []
    blocks.append(Heading("Jalons", 2))
    if sheet.milestones:
        late = [m for m in sheet.milestones if not m.done and m.due_on < today]
        upcoming = [m for m in sheet.milestones if not m.done and m.due_on >= today]
        done = [m for m in sheet.milestones if m.done]
        # Overdue and upcoming first: the printed page serves the next committee.
        chosen = (late + upcoming + done[::-1])[:MAX_MILESTONES]
        chosen.sort(key=lambda m: m.due_on)
        rows, muted, bold = [], set(), set()
        for number, m in enumerate(chosen):
            state = "fait" if m.done else ("en retard" if m.due_on < today else "à venir")
            rows.append([_due(m), m.title, state, m.note or ""])
            if m.done:
                muted.add(number)
            elif m.due_on < today:
                bold.add(number)
        blocks.append(
            Table(
                ["Échéance", "Jalon", "État", "Note"],
                rows,
                widths=[1.3, 4, 1, 2.4],
                muted_rows=frozenset(muted),
                bold_rows=frozenset(bold),
                size=8,
            )
        )
        hidden = len(sheet.milestones) - len(chosen)
        if hidden:
            blocks.append(Paragraph(f"Et {hidden} autre(s) jalon(s) réalisé(s), plus "
                                    "ancien(s), dans l'onglet Programmes.", italic=True,
                                    size=7.5))  # fmt: skip
    else:
        blocks.append(Paragraph("Aucun jalon enregistré.", italic=True, size=8))
    return blocks


def _indicator_blocks(sheet: ProgrammeSheet) -> list[Block]:
    blocks: list[Block] = []
    blocks.append(Heading("Indicateurs", 2))
    if sheet.indicators:
        rows = []
        for indicator in sheet.indicators[:MAX_INDICATORS]:
            unit = f" ({indicator.unit})" if indicator.unit else ""
            baseline = indicator.latest("baseline")
            target = indicator.latest("target")
            actual = indicator.latest("actual")
            progress = indicator.progress
            rows.append([
                indicator.name + unit,
                f"{_number(baseline[1])} ({baseline[0]})" if baseline else "",
                f"{_number(target[1])} ({target[0]})" if target else "",
                f"{_number(actual[1])} ({actual[0]})" if actual else "",
                _bar(progress.ratio) + f" {progress.percent} %" if progress else "non mesurée",
            ])  # fmt: skip
        blocks.append(Table(["Indicateur", "Référence", "Cible", "Réalisé", "Progression"],
                            rows, widths=[3, 1.3, 1.3, 1.3, 2.3], size=8))  # fmt: skip
        if len(sheet.indicators) > MAX_INDICATORS:
            blocks.append(Paragraph(f"Et {len(sheet.indicators) - MAX_INDICATORS} autre(s) "
                                    "indicateur(s), dans l'onglet Programmes.", italic=True,
                                    size=7.5))  # fmt: skip
    else:
        blocks.append(Paragraph("Aucun indicateur enregistré.", italic=True, size=8))
    return blocks


def _funding_blocks(sheet: ProgrammeSheet) -> list[Block]:
    """Prévu, engagé, versé per funder (six lines at most), their total and the chart."""
    blocks: list[Block] = []
    blocks.append(Heading("Financement par financeur", 2))
    if sheet.funding:
        rows = []
        totals = [0, 0, 0]
        for f in sheet.funding:
            amounts = (f.planned_cents, f.committed_cents, f.paid_cents)
            totals = [a + b for a, b in zip(totals, amounts, strict=True)]
        # Six lines at most, « Autres » included: the sheet stays one page, like its chart.
        cut = MAX_FUNDERS if len(sheet.funding) <= MAX_FUNDERS else MAX_FUNDERS - 1
        shown = list(sheet.funding[:cut])
        for f in shown:
            amounts = (f.planned_cents, f.committed_cents, f.paid_cents)
            rows.append([f.funder, *(format_euros(c) for c in amounts)])
        others = sheet.funding[cut:]
        if others:
            rows.append([f"Autres financeurs ({len(others)})",
                         *(format_euros(sum(getattr(o, f"{s}_cents") for o in others))
                           for s in STAGES)])  # fmt: skip
        rows.append(["Total", *(format_euros(c) for c in totals)])
        scope = " (programme et sous-programmes)" if sheet.children else ""
        blocks.append(Table([f"Financeur{scope}", "Prévu", "Engagé", "Versé"], rows,
                            flex=0, align_right=frozenset({1, 2, 3}),
                            bold_rows=frozenset({len(rows) - 1}), size=8))  # fmt: skip
        chart = _funding_chart(sheet)
        if chart is not None:
            blocks.append(chart)
    else:
        blocks.append(Paragraph("Aucune ligne de financement enregistrée.", italic=True, size=8))
    return blocks


def _total_blocks(sheet: ProgrammeSheet) -> list[Block]:
    """The declared totals beside their computed sums, differences first, with their sources."""
    blocks: list[Block] = []
    if sheet.totals:
        rows = []
        bold = set()
        # Differences first: they are what the page is printed for.
        ordered = sorted(sheet.totals, key=lambda t: t.difference_cents == 0)
        sources: list[str] = []
        for number, t in enumerate(ordered[:MAX_TOTALS]):
            label = t.label + (f" [{t.scope}]" if t.scope else "")
            if t.source and t.source not in sources:
                sources.append(t.source)
            mark = f" ({sources.index(t.source) + 1})" if t.source else ""
            amounts = (t.declared_cents, t.computed_cents, t.difference_cents)
            rows.append([label + mark, *(format_euros(c) for c in amounts)])
            if t.difference_cents:
                bold.add(number)
        if len(ordered) > MAX_TOTALS:
            rows.append([f"Et {len(ordered) - MAX_TOTALS} autre(s) total(aux) déclaré(s), "
                         "dans l'onglet Budgets", "", "", ""])  # fmt: skip
        headers = ["Total déclaré (en gras : écart)", "Déclaré", "Calculé", "Écart"]
        blocks.append(
            Table(
                headers,
                rows,
                flex=0,
                align_right=frozenset({1, 2, 3}),
                bold_rows=frozenset(bold),
                size=7.5,
            )
        )
        if sources:
            # Sources once each under the table, whole: a cut source cannot be looked up.
            listed = " ; ".join(f"({n}) {source}" for n, source in enumerate(sources, start=1))
            blocks.append(Paragraph(f"Sources : {listed}.", italic=True, size=7))
    return blocks


def _bar(ratio: float) -> str:
    """A text bar (ten cells) that survives printing in black and white and PDF extraction."""
    filled = max(0, min(10, round(ratio * 10)))
    return "■" * filled + "□" * (10 - filled)


def sheets_document(
    sheets: Sequence[ProgrammeSheet], subtitle: str = "", *, today: date | None = None
) -> Document:
    """One page per programme; a single sheet is titled by its programme's code."""
    if not sheets:
        raise PilotisError("Aucun programme ne correspond : rien à imprimer.")
    if len(sheets) == 1:
        document = Document("Fiche programme", subtitle or sheets[0].code)
    else:
        document = Document("Fiches programmes", subtitle or f"{len(sheets)} programmes")
    for number, sheet in enumerate(sheets):
        if number:
            document.add(PageBreak())
        document.add(*sheet_blocks(sheet, today=today))
    return document


def roadmap_document(axes: Sequence[AxisRow], programmes: dict[int, list[RoadmapProgrammeRow]]):
    """The roadmap with the programmes of each axis and their progress."""
    document = Document("Feuille de route régionale 2021-2023", "axes, actions et programmes")
    line = None
    for axis in axes:
        if axis.line_number != line:
            line = axis.line_number
            document.add(Heading(f"Ligne directrice {line} — {axis.line_title}"))
        marker = " ★ action prioritaire" if axis.is_priority else ""
        document.add(Heading(f"Axe {axis.number} — {axis.title}{marker}", 2))
        if axis.action:
            document.add(Paragraph(f"Action : {axis.action}", size=8.5))
        rows = [
            [p.code, p.name, p.status_label, p.lead_unit or "",
             f"{round(p.progress * 100)} %" if p.progress is not None else "—"]
            for p in programmes.get(axis.id, [])
        ]  # fmt: skip
        if rows:
            document.add(Table(["Code", "Programme", "Statut", "Pilote", "Progression"], rows,
                               widths=[1.4, 4.5, 1, 1, 1], align_right=frozenset({4}),
                               size=7.5))  # fmt: skip
        else:
            document.add(Paragraph("Aucun programme rattaché.", italic=True, size=8))
    return document


def schedule_document(rows: Sequence[ScheduleRow], subtitle: str) -> Document:
    document = Document("Échéancier des jalons", subtitle, landscape=True)
    late = sum(1 for r in rows if r.is_overdue)
    document.add(Paragraph(f"{len(rows)} jalon(s) à suivre, dont {late} en retard (en gras)."))
    document.add(
        Table(
            ["Échéance", "État", "Jalon", "Programme", "Intitulé du programme", "Pilote"],
            [[r.due_label, r.state_label, r.title, r.programme_code, r.programme_name,
              r.lead_unit or ""] for r in rows],
            widths=[1.1, 1.2, 3, 1.3, 4, 1],
            bold_rows=frozenset(n for n, r in enumerate(rows) if r.is_overdue),
            size=7.5,
        )
    )  # fmt: skip
    return document


def _tree_order(rows: Sequence) -> list:
    """Rows (with id and parent_id, siblings already in their order) as the tree reads: each
    programme followed by its children, depth first."""
    known = {row.id for row in rows}
    children: dict[int | None, list] = {}
    for row in rows:
        parent = row.parent_id if row.parent_id in known else None
        children.setdefault(parent, []).append(row)
    ordered, stack = [], list(reversed(children.get(None, [])))
    while stack:  # a loop rather than recursion: a generated tree may be deeper than the stack
        row = stack.pop()
        ordered.append(row)
        stack.extend(reversed(children.get(row.id, [])))
    return ordered


def build(database, *, code: str | None = None, family: str | None = None) -> Document:
    """One programme's sheet (`code`), a family's sheets, or without either the booklet of every
    programme; a batch is in tree order, one page each."""
    from desktop.services.common.vocabulary import PROGRAMME_FAMILIES
    from desktop.services.programmes.service import ProgrammeService

    service = ProgrammeService(database.session_factory)
    if code and family:
        raise PilotisError("Choisissez --code ou --family, pas les deux.")
    if code:
        return sheets_document([service.sheets.sheet(code)])
    rows = _tree_order(service.programmes())
    if not family:
        return sheets_document(service.sheets.sheets([r.code for r in rows]), "tous les programmes")
    key = next((k for k, v in PROGRAMME_FAMILIES.items() if family.lower() in (k, v.lower())), None)
    if key is None:
        raise PilotisError(
            f"Famille inconnue « {family} » : {', '.join(PROGRAMME_FAMILIES)} attendue."
        )
    codes = [r.code for r in rows if r.family == key]
    return sheets_document(service.sheets.sheets(codes), PROGRAMME_FAMILIES[key])
