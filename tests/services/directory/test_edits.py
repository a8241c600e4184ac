"""Directory edits: French validation, one transaction each, version checks, history and undo."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from desktop.models import Change, Person, Position, Unit
from desktop.services.common.history import HistoryService, install_history
from desktop.services.directory.edits import PersonInput, PositionInput, UnitInput
from desktop.services.directory.search import SearchFilter
from desktop.services.directory.service import DirectoryService
from desktop.services.directory.validation import (
    DirectoryValidationError,
    EditConflictError,
    UnitNotEmptyError,
    normalise_phone,
)


@pytest.fixture
def factory(filled_database):
    install_history(filled_database.session_factory)
    return filled_database.session_factory


@pytest.fixture
def service(factory):
    return DirectoryService(factory)


@pytest.fixture
def history(factory):
    return HistoryService(factory)


def count(factory, model) -> int:
    with factory() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("04 67 91 47 00", "04 67 91 47 00"),
        ("0467914700", "04 67 91 47 00"),
        ("+33 4 67 91 47 00", "04 67 91 47 00"),
        ("0033 (0)4.67.91.47.00", "04 67 91 47 00"),
        ("06-12-34-56-78", "06 12 34 56 78"),
    ],
)
def test_french_phone_numbers_are_normalised(typed, stored):
    """However a number is typed, it is stored as `04 67 91 47 00`."""
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["4 67 91 47", "+44 20 7946 0958", "00 00 00 00 00", "abc"])
def test_wrong_phone_numbers_are_refused_in_french(typed):
    """A number that is not a French 10-digit one is refused with an example of the format."""
    with pytest.raises(ValueError, match="numéro français à 10 chiffres"):
        normalise_phone(typed)


def test_person_validation_names_each_wrong_field(service, factory):
    """Blank name, bad e-mail and bad phone are all reported at once, and nothing is written."""
    before = count(factory, Person)
    with pytest.raises(DirectoryValidationError) as caught:
        service.edits.create_person(PersonInput(" ", "Zoé", email="zoe@", phone="12"))
    message = str(caught.value)
    assert "Nom : obligatoire." in message
    assert "Courriel : « zoe@ » n'est pas une adresse valide" in message
    assert "Téléphone :" in message
    assert caught.value.first_field == "last_name"
    assert count(factory, Person) == before


def test_new_person_is_searchable_and_its_creation_is_undoable(service, history):
    """A person added with a +33 phone is found by a search at once; Ctrl+Z removes it again."""
    result = service.edits.create_person(
        PersonInput("DUPRÉ", "Élodie", "elodie.dupre@ac-montpellier.fr", "+33467914700")
    )
    assert result.batch
    detail = service.person_detail(result.id)
    assert detail.phone == "04 67 91 47 00"
    assert service.count_entries(SearchFilter("elodie dupre")) == 1
    history.revert(result.batch)
    assert service.count_entries(SearchFilter("elodie dupre")) == 0


def test_stale_version_is_refused_with_a_conflict_message(service):
    """Saving a card someone else changed meanwhile is refused in French, nothing overwritten."""
    person_id = service.entries(SearchFilter("etienne"))[0].person_id
    seen = service.person_detail(person_id)
    service.edits.update_person(
        seen.id, seen.version, PersonInput("ETIENNE", "Pascal", phone="0561000000")
    )
    with pytest.raises(EditConflictError, match="modifié"):
        service.edits.update_person(seen.id, seen.version, PersonInput("ETIENNE", "Paul"))
    assert service.person_detail(person_id).first_name == "Pascal"


def test_unchanged_save_records_nothing(service, factory):
    """Saving a form without changing anything writes no history (nothing to undo)."""
    person_id = service.entries(SearchFilter("etienne"))[0].person_id
    seen = service.person_detail(person_id)
    changes = count(factory, Change)
    assert (
        service.edits.update_person(seen.id, seen.version, PersonInput("ETIENNE", "Pascal")) is None
    )
    assert count(factory, Change) == changes


def test_unit_validation_and_automatic_code(service):
    """A unit needs a name; a duplicate acronym is refused; the code comes from the acronym."""
    with pytest.raises(DirectoryValidationError, match="Nom du service : obligatoire"):
        service.edits.create_unit(UnitInput("", "service"))
    with pytest.raises(DirectoryValidationError, match="déjà le sigle"):
        service.edits.create_unit(UnitInput("Autre", "service", acronym="drajes"))
    drajes = service.find_unit("DRAJES")
    created = service.edits.create_unit(
        UnitInput("Mission numérique", "mission", acronym="MNUM", parent_id=drajes.id)
    )
    unit = service.unit_detail(created.id)
    assert (unit.code, unit.acronym, unit.parent_id) == ("MNUM", "MNUM", drajes.id)


def test_move_refuses_cycles(service):
    """A unit cannot go under itself or one of its own sub-units."""
    drajes = service.find_unit("DRAJES")
    sport = service.find_unit("DRAJES-SPORT")
    with pytest.raises(DirectoryValidationError, match="fait partie de ses propres sous-services"):
        service.edits.move_unit(drajes.id, drajes.version, sport.id)
    with pytest.raises(DirectoryValidationError, match="sous lui-même"):
        service.edits.move_unit(drajes.id, drajes.version, drajes.id)


def test_move_then_undo(service, history):
    """Moving a pôle under another direction changes its parent; undo puts it back."""
    sport, sgra = service.find_unit("DRAJES-SPORT"), service.find_unit("DSI2")
    batch = service.edits.move_unit(sport.id, sport.version, sgra.id)
    assert service.unit_detail(sport.id).parent_id == sgra.id
    history.revert(batch)
    assert service.unit_detail(sport.id).parent_id == service.find_unit("DRAJES").id


def test_deleting_a_unit_with_content_asks_what_to_do(service):
    """Deleting DRAJES without choosing is refused, saying what it still contains."""
    drajes = service.find_unit("DRAJES")
    with pytest.raises(UnitNotEmptyError) as caught:
        service.edits.delete_unit(drajes.id, drajes.version)
    assert (caught.value.sub_units, caught.value.posts) == (5, 2)
    assert "5 sous-service(s) et 2 poste(s)" in str(caught.value)


def test_delete_with_reattach_moves_content_to_the_parent(service):
    """« Rattacher » moves sub-units and posts to the parent; the people stay in their posts."""
    drajes = service.find_unit("DRAJES")
    pole = service.find_unit("POLE-PP")
    service.edits.delete_unit(drajes.id, drajes.version, "reattach")
    assert service.find_unit("DRAJES") is None
    card = service.unit_detail(pole.id)
    assert "ETIENNE Pascal" in [p.person_label for p in card.posts]
    assert "Pôle politiques sportives" in [s.label for s in card.sub_units]


def test_cascade_delete_then_undo_restores_everything(service, history, factory):
    """« Tout supprimer » removes DSI² and its 8 departments; one Ctrl+Z brings all back."""
    sgra = service.find_unit("DSI2")
    units, posts, people = count(factory, Unit), count(factory, Position), count(factory, Person)
    batch = service.edits.delete_unit(sgra.id, sgra.version, "cascade")
    assert count(factory, Unit) == units - 9
    assert count(factory, Position) == posts - 9
    assert count(factory, Person) == people
    history.revert(batch)
    assert (count(factory, Unit), count(factory, Position)) == (units, posts)
    assert [p.person_label for p in service.unit_detail(sgra.id).posts_with("head")] == [
        "MIRABAIL Hervé"
    ]


def test_ending_a_post_keeps_it_in_history(service):
    """A post ended yesterday leaves the directory but stays in the person's past posts."""
    entry = service.entries(SearchFilter("kancal"))[0]
    post = service.person_detail(entry.person_id).posts[0]
    service.edits.end_position(post.id, post.version, date(2024, 1, 31))
    detail = service.person_detail(entry.person_id)
    assert detail.posts == []
    assert [(p.title, p.end_on) for p in detail.past_posts] == [
        ("DRAJES adjoint", date(2024, 1, 31))
    ]
    assert service.entries(SearchFilter("kancal"))[0].title_label == "Sans affectation"


def test_post_validation_and_interim(service):
    """A post needs a title; the end cannot precede the start; an interim holder is marked."""
    drajes = service.find_unit("DRAJES")
    with pytest.raises(DirectoryValidationError, match="Fonction : obligatoire"):
        service.edits.create_position(PositionInput(drajes.id, " "))
    with pytest.raises(DirectoryValidationError, match="la fin ne peut pas précéder le début"):
        service.edits.create_position(
            PositionInput(drajes.id, "Chef", start_on=date(2024, 2, 1), end_on=date(2024, 1, 1))
        )
    person_id = service.entries(SearchFilter("remond"))[0].person_id
    service.edits.create_position(
        PositionInput(drajes.id, "DRAJES adjoint", "deputy", person_id, is_interim=True)
    )
    deputies = service.unit_detail(drajes.id).posts_with("deputy")
    assert [(p.person_label, p.role_label) for p in deputies][-1] == (
        "REMOND Nicolas", "Adjoint (intérim)",
    )  # fmt: skip


def test_deleting_a_person_leaves_their_current_posts_vacant(service):
    """Deleting someone keeps the post they held, now vacant, so the chart stays complete."""
    entry = service.entries(SearchFilter("etienne"))[0]
    service.edits.delete_person(entry.person_id, None)
    heads = service.unit_detail(entry.unit_id).posts_with("head")
    assert [(p.is_vacant, p.title) for p in heads] == [(True, "DRAJES")]


def test_dotted_line_link_is_validated_created_deleted_and_undone(service, history, factory):
    """A dotted-line link: refused without a target, to itself or twice; created and deleted
    in one step each, shown on both cards, and Ctrl+Z brings back each state."""
    sgra, draio = service.find_unit("SGRA").id, service.find_unit("DRAIO").id
    with pytest.raises(DirectoryValidationError, match="Service lié : choisissez"):
        service.edits.create_unit_link(sgra, None, "appui")
    with pytest.raises(DirectoryValidationError, match="lui-même"):
        service.edits.create_unit_link(sgra, sgra, "appui")
    created = service.edits.create_unit_link(sgra, draio, "  Appui   informatique ")
    with pytest.raises(DirectoryValidationError, match="existe déjà"):
        service.edits.create_unit_link(sgra, draio, "encore")
    link = next(k for k in service.unit_detail(sgra).links if k.id == created.id)
    assert (link.direction, link.unit.id, link.note) == ("to", draio, "Appui informatique")
    other_side = [k for k in service.unit_detail(draio).links if k.id == created.id]
    assert [k.direction for k in other_side] == ["from"]
    with pytest.raises(EditConflictError):
        service.edits.delete_unit_link(created.id, link.version + 1)
    batch = service.edits.delete_unit_link(created.id, link.version)
    assert created.id not in [k.id for k in service.unit_detail(sgra).links]
    history.revert(batch)
    assert created.id in [k.id for k in service.unit_detail(sgra).links]
    history.revert(created.batch)
    assert created.id not in [k.id for k in service.unit_detail(sgra).links]
    reverse = service.edits.create_unit_link(sgra, draio, None, supports=False)
    assert [k.direction for k in service.unit_detail(sgra).links if k.id == reverse.id] == ["from"]


def test_dotted_line_link_between_posts_is_shown_on_both_sides_and_undone(service, history):
    """A post can be linked to a post of another unit: refused without a target or to itself,
    shown on both holders' cards and both units' cards, deleted and restored with Ctrl+Z;
    deleting one of the posts takes the link with it, and undoing brings both back."""
    head = service.entries(SearchFilter("etienne"))[0]  # DRAJES head
    other = service.entries(SearchFilter("bejean"))[0]
    with pytest.raises(DirectoryValidationError, match="Poste lié : cherchez"):
        service.edits.create_position_link(head.position_id, None, "appui")
    with pytest.raises(DirectoryValidationError, match="lui-même"):
        service.edits.create_position_link(head.position_id, head.position_id, None)
    created = service.edits.create_position_link(
        head.position_id, other.position_id, " Dossier  JO "
    )
    with pytest.raises(DirectoryValidationError, match="existe déjà"):
        service.edits.create_position_link(head.position_id, other.position_id, None)

    def links_of(detail, position_id):
        return next(p for p in detail.posts if p.id == position_id).links

    mine = links_of(service.person_detail(head.person_id), head.position_id)
    assert [(k.direction, k.post_id, k.note) for k in mine] == [
        ("to", other.position_id, "Dossier JO")
    ]
    assert mine[0].label.startswith(f"{other.title} (BÉJEAN Sophie, ")
    theirs = links_of(service.unit_detail(other.unit_id), other.position_id)
    assert [(k.direction, k.post_id) for k in theirs] == [("from", head.position_id)]

    with pytest.raises(EditConflictError):
        service.edits.delete_position_link(created.id, mine[0].version + 1)
    batch = service.edits.delete_position_link(created.id, mine[0].version)
    assert links_of(service.person_detail(head.person_id), head.position_id) == ()
    history.revert(batch)
    assert len(links_of(service.person_detail(head.person_id), head.position_id)) == 1

    post = next(
        p for p in service.person_detail(other.person_id).posts if p.id == other.position_id
    )
    gone = service.edits.delete_position(other.position_id, post.version)
    assert links_of(service.person_detail(head.person_id), head.position_id) == ()
    history.revert(gone)
    restored = links_of(service.person_detail(head.person_id), head.position_id)
    assert [(k.post_id, k.note) for k in restored] == [(other.position_id, "Dossier JO")]
    assert service.find_posts("bejean", exclude=head.position_id)[0][1].endswith(
        f"— BÉJEAN Sophie ({other.unit_label})"
    )
