"""The detail panel's content as HTML: a person's posts and contacts, or a unit's whole card."""

from __future__ import annotations

from html import escape

from desktop.services.common.formatting import format_date
from desktop.services.directory.rows import PersonDetail, PostRow, ProgrammeRef, UnitDetail

STYLE = """
<style>
h2 { color: #1f3864; margin: 0 0 2px 0; }
h3 { color: #2f5496; margin: 12px 0 4px 0; }
.muted { color: #5a5a5a; }
.vacant { color: #8a4b00; font-style: italic; }
.interim { color: #8a4b00; }
td { padding: 1px 8px 1px 0; vertical-align: top; }
</style>
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _link(href: str, text: str) -> str:
    return f'<a href="{_e(href)}">{_e(text)}</a>'


def _field(label: str, value: str | None) -> str:
    shown = value if value else '<span class="muted">—</span>'
    return f"<tr><td><b>{_e(label)}</b></td><td>{shown}</td></tr>"


def _contact(email: str | None, phone: str | None) -> list[str]:
    return [
        _field("Courriel", _link(f"mailto:{email}", email) if email else None),
        _field("Téléphone", _e(phone) if phone else None),
    ]


def _dates(post: PostRow) -> str:
    if post.start_on and post.end_on:
        return f"du {format_date(post.start_on)} au {format_date(post.end_on)}"
    if post.start_on:
        return f"depuis le {format_date(post.start_on)}"
    if post.end_on:
        return f"jusqu'au {format_date(post.end_on)}"
    return ""


def _post_links(post: PostRow) -> str:
    """The post's dotted-line links to other posts, each removable, and a link to add one."""
    lines = []
    for link in post.links:
        note = f" — {_e(link.note)}" if link.note else ""
        lines.append(
            f'<br><span class="muted">┄ {_e(link.verb)}</span> '
            f"{_link(f'unit:{link.unit_id}', link.label)}{note} "
            f"{_link(f'delete-post-link:{link.id}', 'supprimer le lien')}"
        )
    return "".join(lines)


def person_html(person: PersonDetail) -> str:
    rows = [
        _field("Site", _e(person.site) if person.site else None),
        *_contact(person.email, person.phone),
    ]
    html = [STYLE, f"<h2>{_e(person.full_name)}</h2>", f"<table>{''.join(rows)}</table>"]
    html.append("<h3>Fonctions actuelles</h3>")
    if not person.posts:
        html.append('<p class="muted">Aucune fonction en cours.</p>')
    for post in person.posts:
        interim = ' <span class="interim">(par intérim)</span>' if post.is_interim else ""
        html.append(
            f"<p><b>{_e(post.title)}</b>{interim}<br>"
            f"{_link(f'unit:{post.unit_id}', post.unit_label)} — {_e(post.role_label)}"
            f'<br><span class="muted">{_e(_dates(post))}</span> '
            f"{_link(f'edit-post:{post.id}', 'Modifier')} · "
            f"{_link(f'end-post:{post.id}', 'Terminer ce poste')} · "
            f"{_link(f'add-post-link:{post.id}', 'Lien fonctionnel…')}{_post_links(post)}</p>"
        )
    html.append(f"<p>{_link(f'add-post:person:{person.id}', 'Ajouter une fonction…')}</p>")
    html.extend(_programmes_html(person.programmes, "Programmes pilotés par ses services"))
    if person.past_posts:
        html.append("<h3>Fonctions passées</h3>")
        for post in person.past_posts:
            html.append(
                f'<p class="muted">{_e(post.title)} — '
                f"{_link(f'unit:{post.unit_id}', post.unit_label)}<br>{_e(_dates(post))}</p>"
            )
    return "".join(html)


def _post_line(post: PostRow) -> str:
    if post.is_vacant:
        who = '<span class="vacant">Poste vacant</span>'
    else:
        who = _link(f"person:{post.person_id}", post.person_label or "")
        if post.is_interim:
            who += ' <span class="interim">(par intérim)</span>'
    contact = " · ".join(_e(x) for x in (post.email, post.phone) if x)
    contact = f' <span class="muted">{contact}</span>' if contact else ""
    edit = _link(f"edit-post:{post.id}", "modifier")
    add_link = _link(f"add-post-link:{post.id}", "lien…")
    return (
        f"<tr><td>{who}</td><td>{_e(post.title)}{contact}{_post_links(post)}</td>"
        f"<td>{edit} · {add_link}</td></tr>"
    )


def unit_html(unit: UnitDetail) -> str:
    parent = _link(f"unit:{unit.parent.id}", unit.parent.label) if unit.parent else None
    created = format_date(unit.created_on) if unit.created_on else None
    rows = [
        _field("Sigle", _e(unit.acronym) if unit.acronym else None),
        _field("Type", _e(unit.kind_label)),
        _field("Rattachement", parent),
        _field("Site", _e(unit.site) if unit.site else None),
        _field("Création", created),
        *_contact(unit.email, unit.phone),
    ]
    if unit.address:
        rows.append(_field("Adresse", _e(unit.address)))
    html = [STYLE, f"<h2>{_e(unit.name)}</h2>", f"<table>{''.join(rows)}</table>"]
    if unit.description:
        html.append(f'<p class="muted">{_e(unit.description)}</p>')
    groups = [
        ("Direction", ("head",)),
        ("Adjoints", ("deputy",)),
        ("Responsables de site", ("site_manager",)),
        ("Membres et chargés de mission", ("member", "advisor")),
    ]
    for title, roles in groups:
        posts = unit.posts_with(*roles)
        if posts:
            html.append(f"<h3>{_e(title)} ({len(posts)})</h3><table>")
            html.extend(_post_line(p) for p in posts)
            html.append("</table>")
    if not unit.posts:
        html.append('<h3>Postes</h3><p class="muted">Aucun poste enregistré.</p>')
    vacant = sum(1 for p in unit.posts if p.is_vacant)
    interim = sum(1 for p in unit.posts if p.is_interim)
    if vacant or interim:
        html.append(
            f'<p class="vacant">{vacant} poste(s) vacant(s), {interim} intérim(s) en cours.</p>'
        )
    add_post = _link(f"add-post:unit:{unit.id}", "Ajouter un poste…")
    add_person = _link(f"add-person:{unit.id}", "Ajouter une personne à ce service…")
    html.append(f"<p>{add_person} · {add_post}</p>")
    if unit.sub_units:
        html.append(f"<h3>Sous-services ({len(unit.sub_units)})</h3><table>")
        for sub in unit.sub_units:
            head = f'<span class="muted">{_e(sub.head)}</span>' if sub.head else ""
            html.append(f"<tr><td>{_link(f'unit:{sub.id}', sub.label)}</td><td>{head}</td></tr>")
        html.append("</table>")
    html.append("<h3>Liens fonctionnels (pointillés)</h3>")
    for link in unit.links:
        arrow = "appuie" if link.direction == "to" else "est appuyé par"
        note = f'<br><span class="muted">{_e(link.note)}</span>' if link.note else ""
        remove = _link(f"delete-link:{link.id}", "supprimer le lien")
        html.append(
            f"<p>{arrow} {_link(f'unit:{link.unit.id}', link.unit.label)} · {remove}{note}</p>"
        )
    html.append(f"<p>{_link(f'add-link:{unit.id}', 'Ajouter un lien fonctionnel…')}</p>")
    html.extend(_programmes_html(unit.programmes, "Programmes pilotés"))
    return "".join(html)


def _programmes_html(programmes: list[ProgrammeRef], title: str) -> list[str]:
    """The programmes as links that open them in the Programmes tab (same for units and people)."""
    if not programmes:
        return []
    links = "<br>".join(_link(f"programme:{p.code}", f"{p.code} — {p.name}") for p in programmes)
    return [f"<h3>{_e(title)} ({len(programmes)})</h3>", f"<p>{links}</p>"]
