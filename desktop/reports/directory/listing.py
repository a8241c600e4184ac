"""The printed directory: a unit and every unit below it, grouped by unit, heads first."""

from __future__ import annotations

from datetime import date

from desktop.reports.document import Document, Heading, Paragraph, Table
from desktop.services.common.vocabulary import FEMININE_UNIT_KINDS
from desktop.services.directory.rows import PostRow, ReportUnit

HEADERS = ("Fonction", "Nom", "Site", "Courriel", "Téléphone")


def _title(post: PostRow) -> str:
    """The post's title, then its dotted-line links to other posts, one a line."""
    return post.title + "".join(f"\n┄ {k.verb} : {k.label}" for k in post.links)


def _holder(post: PostRow) -> str:
    if post.is_vacant:
        return "Poste vacant"
    return (post.person_label or "") + (" (par intérim)" if post.is_interim else "")


def build_document(
    units: list[ReportUnit], scope_label: str | None = None, printed_on: date | None = None
) -> Document:
    """A4 portrait; each unit a heading (with its parent for context) and a table of posts."""
    title = "Annuaire des services"
    document = Document(title, subtitle=scope_label or "", printed_on=printed_on or date.today())
    posts = sum(len(u.posts) for u in units)
    vacant = sum(1 for u in units for p in u.posts if p.is_vacant)
    interim = sum(1 for u in units for p in u.posts if p.is_interim)
    summary = f"{len(units)} service(s), {posts} poste(s)"
    if vacant or interim:
        summary += f", dont {vacant} vacant(s) et {interim} intérim(s)"
    document.add(Paragraph(summary + ".", italic=True))
    labels = {u.unit.id: u.unit.short_label for u in units}
    for item in units:
        unit = item.unit
        text = unit.display_name
        if item.depth > 0 and unit.parent_id in labels:
            text = f"{labels[unit.parent_id]} › {text}"
        document.add(Heading(text, level=1 if item.depth == 0 else 2))
        facts = [unit.kind_label]
        if unit.site:
            facts.append(unit.site)
        if unit.created_on:
            created = "créée" if unit.kind in FEMININE_UNIT_KINDS else "créé"
            facts.append(f"{created} le {unit.created_on.strftime('%d/%m/%Y')}")
        document.add(Paragraph(" · ".join(facts), size=8.5))
        if not item.posts:
            document.add(Paragraph("Aucun poste enregistré.", italic=True, size=8.5))
            continue
        rows = [
            [_title(p), _holder(p), p.site or "", p.email or "", p.phone or ""] for p in item.posts
        ]
        document.add(
            Table(
                HEADERS,
                rows,
                flex=0,  # the post titles take what names, sites and contacts leave
                bold_rows=frozenset(i for i, p in enumerate(item.posts) if p.role == "head"),
                muted_rows=frozenset(i for i, p in enumerate(item.posts) if p.is_vacant),
            )
        )
    return document


def build(database, *, unit: str | None = None) -> Document:
    """The directory of one unit and its sub-units (acronym or code), or of every unit."""
    from desktop.services.directory.service import DirectoryService

    service = DirectoryService(database.session_factory)
    found = service.require_unit(unit) if unit else None
    if found is None:
        return build_document(service.report_units(None), "tous les services")
    return build_document(service.report_units(found.id), found.short_label)
