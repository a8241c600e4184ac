"""Directory searching and reading: what a user finds by typing, and what a unit's card shows."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.services.common.history import install_history
from desktop.services.common.parsing import fold
from desktop.services.directory.edits import PersonInput, PositionInput, UnitInput
from desktop.services.directory.search import SearchFilter, highlight_spans, search_tokens
from desktop.services.directory.service import DirectoryService


@pytest.fixture(params=["fts", "like"])
def service(request, filled_database):
    """The same tests run on the FTS5 index and on the portable LIKE-on-folded-text path."""
    install_history(filled_database.session_factory)
    return DirectoryService(filled_database.session_factory, use_fts=request.param == "fts")


def names(rows):
    return [r.person_label for r in rows]


def test_search_ignores_accents_and_case(service):
    """Typing `bejean` finds BÉJEAN in every post she holds."""
    rows = service.entries(SearchFilter("bejean"))
    assert set(names(rows)) == {"BÉJEAN Sophie"}
    # région, rectorat, comité de région académique, and the Club école-entreprise she presides
    assert len(rows) == 4
    assert service.count_entries(SearchFilter("BÉJEAN")) == 4


def test_search_matches_word_beginnings(service):
    """A few letters are enough: `bej` finds BÉJEAN, `jean-pie` finds Jean-Pierre DUFOUR."""
    assert set(names(service.entries(SearchFilter("bej")))) == {"BÉJEAN Sophie"}
    assert names(service.entries(SearchFilter("jean-pie"))) == ["DUFOUR Jean-Pierre"]


def test_search_matches_acronyms_and_titles_across_fields(service):
    """`drajes` lists the DRAJES and finds the unit; `sgra adjoint` combines title words."""
    rows = service.entries(SearchFilter("drajes"))
    assert names(rows) == ["ETIENNE Pascal", "KANCAL Sélim"]
    units = service.matching_units(SearchFilter("drajes"))
    assert [u.acronym for u in units] == ["DRAJES"]
    assert names(service.entries(SearchFilter("sgra adjoint"))) == ["PAILLET Philippe"]


def test_search_text_is_never_query_syntax(service):
    """Quotes, stars, OR or a lone dash typed by a user neither fail nor widen the search."""
    for text in ['"', "bej*", "bejean OR etienne", "-", "(", "%", "_"]:
        service.count_entries(SearchFilter(text))
    assert service.count_entries(SearchFilter("bejean OR etienne")) == 0


def test_unit_and_below_filter_and_kind_filter(service):
    """ "DRAJES and below" keeps its pôles' heads; a kind filter keeps only that kind of unit."""
    drajes = service.find_unit("drajes")
    rows = service.entries(SearchFilter(under_unit_id=drajes.id))
    assert names(rows) == [
        "CAZIN Véronique", "ETIENNE Pascal", "KANCAL Sélim", "PERROCHIA Cyrille", "REMOND Nicolas",
    ]  # fmt: skip
    poles = service.entries(SearchFilter(under_unit_id=drajes.id, unit_kind="pole"))
    assert names(poles) == ["CAZIN Véronique", "PERROCHIA Cyrille", "REMOND Nicolas"]


def test_site_filter(service):
    """Filtering on Toulouse keeps the people of Toulouse (their own site or their unit's)."""
    toulouse = next(s for s in service.sites() if s.code == "TOULOUSE")
    rows = service.entries(SearchFilter(site_id=toulouse.id))
    assert "FOURAR Mostafa" in names(rows)
    assert "BÉJEAN Sophie" not in names(rows)
    assert {r.site for r in rows} == {toulouse.name}


def test_pages_and_sorting_come_from_the_database(service):
    """The table asks for pages: they follow each other without overlap, in the chosen order."""
    total = service.count_entries(SearchFilter())
    first = service.entries(SearchFilter(), offset=0, limit=10)
    rest = service.entries(SearchFilter(), offset=10, limit=None)
    assert len(first) + len(rest) == total
    everything = names(first + rest)
    assert everything[0] == "ALILI Nadir"
    by_title_desc = service.entries(SearchFilter(), sort="title", descending=True, limit=3)
    titles = [fold(r.title) for r in by_title_desc]
    assert titles == sorted(titles, reverse=True)


def test_sorting_reads_like_a_french_directory(service):
    """Accents, capitals, ligatures and particles do not push a name after Z: « Élie » sorts
    with the E, « Œuvrard » as « oeuvrard », « de Villiers » and « Le Goff » as written, in
    every sorted column and in both directions; empty cells and vacant posts stay last."""
    unit = service.edits.create_unit(UnitInput("Bureau des tris", "service", acronym="TRIS")).id
    people = [
        ("ZANA", "Léa", "Ingénieure"), ("Œuvrard", "Luc", "Œnologue"),
        ("de Villiers", "Marc", "directeur adjoint"), ("ÉLIE", "Anne", "Économiste"),
        ("Eymard", "Paul", "Examinateur"), ("DUPONT", "Émile", "Zoologue"),
        ("Dupont", "Élodie", "éditrice"), ("Le Goff", "Yann", "Archiviste"),
        ("LEBRUN", "Rose", "Biologiste"), ("MARTINEZ", "Ana", "Comptable"),
        ("MARTIN", "Jean", "Chargé de mission"), ("OBERT", "Noé", "Ébéniste"),
    ]  # fmt: skip
    for last, first, title in people:
        person = service.edits.create_person(PersonInput(last, first, email=f"{first}@ac.fr")).id
        service.edits.create_position(PositionInput(unit, title, person_id=person))
    service.edits.create_position(PositionInput(unit, "Abbé", "member"))  # vacant
    scope = SearchFilter(under_unit_id=unit)

    by_name = [r.person_label for r in service.entries(scope)]
    assert by_name == [
        "de Villiers Marc", "Dupont Élodie", "DUPONT Émile", "ÉLIE Anne", "Eymard Paul",
        "LEBRUN Rose", "Le Goff Yann", "MARTIN Jean", "MARTINEZ Ana", "OBERT Noé",
        "Œuvrard Luc", "ZANA Léa", "Poste vacant",
    ]  # fmt: skip
    backwards = [r.person_label for r in service.entries(scope, descending=True)]
    assert backwards == [*reversed(by_name[:-1]), "Poste vacant"]
    by_title = [r.title for r in service.entries(scope, sort="title")]
    assert by_title == sorted(by_title, key=lambda t: fold(t).replace("œ", "oe"))
    assert by_title[:3] == ["Abbé", "Archiviste", "Biologiste"]
    assert by_title[-2:] == ["Œnologue", "Zoologue"]
    by_mail = [r.email for r in service.entries(scope, sort="email")]
    assert by_mail[:2] == ["Ana@ac.fr", "Anne@ac.fr"]
    assert by_mail[-1] is None
    pages = [service.entries(scope, sort="title", offset=i, limit=5) for i in (0, 5, 10)]
    assert [r.title for page in pages for r in page] == by_title


def test_vacant_posts_and_people_without_post_are_listed(service):
    """A vacant post shows as « Poste vacant »; a newly added person appears before any post."""
    drajes = service.find_unit("DRAJES")
    service.edits.create_position(PositionInput(drajes.id, "Conseiller sport", "member"))
    created = service.edits.create_person(PersonInput("NOUVEAU", "Zoé"))
    rows = service.entries(SearchFilter(under_unit_id=drajes.id))
    assert "Poste vacant" in names(rows)
    assert names(rows)[-1] == "Poste vacant"  # vacant posts sort last
    lone = service.entries(SearchFilter("nouveau"))
    assert [(r.person_id, r.title_label) for r in lone] == [(created.id, "Sans affectation")]


def test_unit_card_shows_heads_deputies_sub_units_links_and_programmes(service):
    """The DRAJES card: head, deputy, its pôles with their heads, its dotted-line link."""
    detail = service.unit_detail(service.find_unit("DRAJES").id)
    assert [p.person_label for p in detail.posts_with("head")] == ["ETIENNE Pascal"]
    assert [p.person_label for p in detail.posts_with("deputy")] == ["KANCAL Sélim"]
    assert [s.head for s in detail.sub_units][:3] == [
        "PERROCHIA Cyrille", "REMOND Nicolas", "CAZIN Véronique",
    ]  # fmt: skip
    assert [link.unit.label.split(" —")[0] for link in detail.links] == ["DRAFPICA"]
    assert detail.created_on == date(2021, 1, 1)
    assert detail.kind_label == "Direction"


def test_site_managers_of_srapi_are_on_its_card(service):
    """SRAPI shows its head and its two site managers, in the chart's order."""
    detail = service.unit_detail(service.find_unit("SRAPI").id)
    assert [p.person_label for p in detail.posts_with("site_manager")] == [
        "DUFOUR Jean-Pierre", "PALMIER Alexis",
    ]  # fmt: skip


def test_person_card_lists_every_current_post(service):
    """BÉJEAN's card lists her four current posts, heads of units first by unit order."""
    person_id = service.entries(SearchFilter("bejean"))[0].person_id
    detail = service.person_detail(person_id)
    assert detail.full_name == "Sophie BÉJEAN"
    assert len(detail.posts) == 4
    assert detail.past_posts == []


def test_find_people_for_the_post_dialog(service):
    """Typing part of a name in the post dialog proposes the matching people."""
    found = service.find_people("mich")
    assert [label for _id, label in found] == [
        "LOPEZ Jean-Michel",
        "MICHEL Cédric",
        "MICHEL Damien",
    ]


def test_search_tokens_and_highlight_spans():
    """Words are folded and split; highlights point at the original accented letters."""
    assert search_tokens('  Jean-Pierre "BÉJEAN" ') == ["jean", "pierre", "bejean"]
    assert highlight_spans("BÉJEAN Sophie", ["bej"]) == [(0, 3)]
    assert highlight_spans("Béziers", ["xyz"]) == []
    # One or two letters match word starts, as the search does: not every « e » of the line.
    assert highlight_spans("VASSAL Emmanuel", ["e"]) == [(7, 8)]
    assert highlight_spans("Responsable du service", ["e"]) == []
    assert highlight_spans("Jean-Pierre d'Éon", ["pi", "eo"]) == [(5, 7), (14, 16)]


def test_pages_cross_from_people_to_vacant_posts(service):
    """Scrolling page by page reaches the vacant posts after the last name, none lost or twice."""
    drajes = service.find_unit("DRAJES")
    for title in ("Conseiller A", "Conseiller B", "Conseiller C"):
        service.edits.create_position(PositionInput(drajes.id, title, "member"))
    flt = SearchFilter()
    total = service.count_entries(flt)
    seen = []
    for offset in range(0, total + 7, 7):
        seen += service.entries(flt, offset=offset, limit=7)
    assert len(seen) == total
    assert [r.title for r in seen[-3:]] == ["Conseiller A", "Conseiller B", "Conseiller C"]
    assert len({(r.position_id, r.person_id) for r in seen}) == total
    assert service.count_entries(flt, cap=10) == 11


def test_a_trailing_single_letter_waits_for_the_next_one():
    """`martin s` searches `martin` until a second letter is typed; `m` alone still searches."""
    assert SearchFilter("martin s").tokens == ["martin"]
    assert SearchFilter("martin so").tokens == ["martin", "so"]
    assert SearchFilter("m").tokens == ["m"]


def test_person_card_lists_the_programmes_of_the_units_they_head(service):
    """REMOND heads the pôle that leads SNU and Service civique: they are on his card, not a
    deputy's; once his post ends, they leave his card."""
    remond_id = service.entries(SearchFilter("remond"))[0].person_id
    codes = [p.code for p in service.person_detail(remond_id).programmes]
    assert codes == ["PROGRAMMES-EUROPEENS-JEUNESSE", "SERVICE-CIVIQUE", "SNU"]
    kancal_id = service.entries(SearchFilter("kancal"))[0].person_id
    assert service.person_detail(kancal_id).programmes == []  # deputy of DRAJES, not head
    post = next(p for p in service.person_detail(remond_id).posts if p.role == "head")
    service.edits.end_position(post.id, post.version, date(2024, 1, 1))
    assert service.person_detail(remond_id, today=date(2024, 6, 1)).programmes == []


@pytest.mark.parametrize("text", ["res", "dra", "adjoint dsi", "b", "chargé"])
def test_walking_by_name_for_common_words_gives_the_same_lines(service, monkeypatch, text):
    """A word matching many people is looked up while walking the names in order (a plan
    choice): the lines, and their order, are those of the other way."""
    import desktop.services.directory.service as directory

    usual = service.entries(SearchFilter(text), limit=None)
    monkeypatch.setattr(directory, "DENSE_MATCHES", 0)
    walked = service.entries(SearchFilter(text), limit=None)
    assert [(r.person_id, r.position_id) for r in walked] == [
        (r.person_id, r.position_id) for r in usual
    ]
    assert usual


def test_two_letters_find_the_start_of_any_word_of_a_name(service):
    """`go` finds « Le Goff », `pi` finds « Jean-Pierre », `ao` « d'Aoust », on every backend
    (FTS5 word prefixes on SQLite, word-start patterns on PostgreSQL, where a single letter
    matches the start of the last or first name only)."""
    for last, first in (("Le Goff", "Yann"), ("ZÉDÉ", "Jean-Pierre"), ("d'Aoust", "Lia")):
        service.edits.create_person(PersonInput(last, first))
    assert "Le Goff Yann" in names(service.entries(SearchFilter("go")))
    assert "ZÉDÉ Jean-Pierre" in names(service.entries(SearchFilter("pi")))
    assert "d'Aoust Lia" in names(service.entries(SearchFilter("ao")))


@pytest.mark.parametrize("sort", ["name", "title", "unit"])
def test_a_keystroke_reads_its_count_and_first_page_in_one_go(service, filled_database, sort):
    """The count the tab shows while typing and the first page it then asks for come from one
    read: the page is the one a separate request returns, in the order the table last asked
    for, and an edit in between is seen by the next keystroke's count and page."""
    from sqlalchemy import event

    engine = filled_database.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    fresh = DirectoryService(filled_database.session_factory, use_fts=service._use_fts)
    service.entries(SearchFilter(), sort=sort, limit=5)  # the table's current order
    for text in ("d", "du", "dufour", "direction"):
        flt = SearchFilter(text)
        expected = fresh.entries(flt, sort=sort, limit=200)
        event.listen(engine, "before_cursor_execute", count)
        try:
            total = service.count_entries(flt, cap=200)
            read = len(statements)
            page = service.entries(flt, sort=sort, limit=200)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert page == expected
        assert total == min(len(expected), 201)
        assert len(statements) == read  # the page was read by the count
        statements.clear()
    flt = SearchFilter("dufour")
    service.count_entries(flt, cap=200)
    person = service.person_detail(service.entries(flt, sort=sort, limit=1)[0].person_id)
    service.count_entries(flt, cap=200)  # then the person is renamed before the page is read
    service.edits.update_person(
        person.id, person.version,
        PersonInput("DUFOUR-MARTIN", person.first_name, person.email, person.phone,
                    person.site_id),
    )  # fmt: skip
    assert "DUFOUR-MARTIN" in {r.last_name for r in service.entries(flt, sort=sort)}
