"""A new person and their post in one form and one save (issue 20): the secretary adding a deputy
director to the unit on the card does it in one step, undone by one Ctrl+Z."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from sqlalchemy import func, select

from desktop.models import Person, Position
from desktop.services.directory.edits import NewPersonInput, PersonInput, PositionInput
from desktop.services.directory.validation import DirectoryValidationError
from desktop.views.directory.person_dialog import PersonDialog
from desktop.views.directory.position_dialog import PositionDialog


def _counts(factory) -> tuple[int, int]:
    with factory() as s:
        return (s.scalar(select(func.count()).select_from(Person)),
                s.scalar(select(func.count()).select_from(Position)))  # fmt: skip


def _drajes_on_card(tab, qtbot):
    qtbot.keyClicks(tab.search_edit, "drajes")
    tab.units_list.itemActivated.emit(tab.units_list.item(0))
    assert tab.detail.unit.acronym == "DRAJES"
    return tab.detail.unit


def _fill_and_save(monkeypatch, *, unit_id: int | None, title: str | None = None) -> list:
    """Replace the dialog's exec: type a person (a unit and a function), then Enregistrer."""
    seen = []

    def fake_exec(dialog):
        seen.append(dialog.unit_combo.currentText())
        dialog.last_name_edit.setText("LEFÈVRE")
        dialog.first_name_edit.setText("Anaïs")
        if unit_id is not None:
            dialog.unit_combo.setCurrentIndex(dialog.unit_combo.findData(unit_id))
        if title is not None:
            dialog.title_edit.setText(title)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        return dialog.result()

    monkeypatch.setattr(PersonDialog, "exec", fake_exec)
    return seen


def test_a_new_person_gets_their_post_in_the_unit_on_the_card(
    directory_tab, directory_services, qtbot, monkeypatch
):
    """« Nouvelle personne… » starts with no post; DRAJES and a function chosen in the same form,
    one save adds the person and her post there, and one Ctrl+Z takes both away."""
    tab, factory = directory_tab, directory_services.directory._sessions
    drajes = _drajes_on_card(tab, qtbot)
    before = _counts(factory)
    seen = _fill_and_save(monkeypatch, unit_id=drajes.id, title="Déléguée régionale adjointe")
    tab.edits.new_person()
    assert seen == ["(aucun poste pour l'instant)"]
    assert _counts(factory) == (before[0] + 1, before[1] + 1)
    posts = directory_services.directory.unit_detail(drajes.id).posts
    added = [p for p in posts if p.person_label == "LEFÈVRE Anaïs"]
    assert [p.title for p in added] == ["Déléguée régionale adjointe"]
    batch = directory_services.history.changes(limit=1)[0].batch
    directory_services.history.revert(batch)
    assert _counts(factory) == before


def test_leaving_no_post_adds_the_person_alone(
    directory_tab, directory_services, qtbot, monkeypatch
):
    """Service left on « (aucun poste pour l'instant) »: the person is added without a post."""
    tab, factory = directory_tab, directory_services.directory._sessions
    _drajes_on_card(tab, qtbot)
    before = _counts(factory)
    _fill_and_save(monkeypatch, unit_id=None)
    tab.edits.new_person()
    assert _counts(factory) == (before[0] + 1, before[1])


def test_a_chosen_unit_without_a_function_keeps_the_form_and_writes_nothing(
    directory_tab, directory_services, qtbot, monkeypatch
):
    """A unit chosen but no function (and no name): the form stays open, names both with the
    way out for a person alone, and writes nothing."""
    tab, factory = directory_tab, directory_services.directory._sessions
    drajes = _drajes_on_card(tab, qtbot)
    before = _counts(factory)
    opened = []

    def fake_exec(dialog):
        dialog.first_name_edit.setText("Anaïs")
        dialog.unit_combo.setCurrentIndex(dialog.unit_combo.findData(drajes.id))
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        opened.append(
            (
                dialog.result(),
                dialog.error_label.text(),
                dialog.focusWidget() is dialog.last_name_edit,
            )
        )
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(PersonDialog, "exec", fake_exec)
    tab.edits.new_person()
    [(result, message, focused)] = opened
    assert result != QDialog.DialogCode.Accepted
    assert "Nom : obligatoire." in message
    assert "Fonction : obligatoire pour le premier poste" in message
    assert "aucun poste pour l'instant" in message
    assert focused  # on « Nom », the first wrong field
    assert _counts(factory) == before


def test_one_refusal_names_the_wrong_fields_of_the_person_and_of_the_post(directory_services):
    """A blank first name and an unknown unit are both named, and neither row is written."""
    edits = directory_services.directory.edits
    factory = directory_services.directory._sessions
    before = _counts(factory)
    data = NewPersonInput(PersonInput("LEFÈVRE", " "), PositionInput(unit_id=10**9, title="x"))
    try:
        edits.create_person_with_post(data)
    except DirectoryValidationError as error:
        fields = [field for field, _reason in error.problems]
    else:
        raise AssertionError("refused expected")
    assert fields == ["first_name", "unit"]
    assert _counts(factory) == before


def test_add_a_person_to_this_unit_from_its_card_chooses_the_unit(
    directory_tab, directory_services, qtbot, monkeypatch
):
    """« Ajouter une personne à ce service… » on DRAJES's card opens the form on DRAJES: name,
    first name and function are all there is to type."""
    tab, factory = directory_tab, directory_services.directory._sessions
    drajes = _drajes_on_card(tab, qtbot)
    assert "Ajouter une personne à ce service" in tab.detail.toPlainText()
    before = _counts(factory)
    seen = _fill_and_save(monkeypatch, unit_id=None, title="Chargée de mission")
    tab.detail.anchorClicked.emit(QUrl(f"add-person:{drajes.id}"))
    assert seen[0].startswith("DRAJES")
    assert _counts(factory) == (before[0] + 1, before[1] + 1)
    posts = directory_services.directory.unit_detail(drajes.id).posts
    assert [p.title for p in posts if p.person_label == "LEFÈVRE Anaïs"] == ["Chargée de mission"]
    assert tab.detail.person.full_name == "Anaïs LEFÈVRE"  # the card follows the new person


def test_the_post_form_creates_a_holder_not_yet_in_the_directory(
    directory_tab, directory_services, qtbot, monkeypatch
):
    """« Nouveau poste » on DRAJES: the holder is not in the directory; « Nouvelle personne… »
    takes her name (checked, nothing written yet), and one save adds her and the post."""
    tab, factory = directory_tab, directory_services.directory._sessions
    drajes = _drajes_on_card(tab, qtbot)
    before = _counts(factory)
    steps = []

    def person_exec(dialog):
        steps.append((dialog.last_name_edit.text(), dialog.first_name_edit.text()))
        dialog.email_edit.setText("anais@")  # refused in the small form, nothing written
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        steps.append(_counts(factory) == before and "Courriel" in dialog.error_label.text())
        dialog.email_edit.setText("anais.lefevre@ac-toulouse.fr")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        return dialog.result()

    def post_exec(dialog):
        dialog.title_edit.setText("Chargée de mission")
        dialog.person_edit.setText("Lefèvre Anaïs")
        dialog.new_person_button.click()
        steps.append(dialog.person_edit.text())
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        return dialog.result()

    monkeypatch.setattr(PersonDialog, "exec", person_exec)
    monkeypatch.setattr(PositionDialog, "exec", post_exec)
    tab.detail.anchorClicked.emit(QUrl(f"add-post:unit:{drajes.id}"))
    assert steps == [("Lefèvre", "Anaïs"), True, "Lefèvre Anaïs (nouvelle fiche)"]
    assert _counts(factory) == (before[0] + 1, before[1] + 1)
    posts = directory_services.directory.unit_detail(drajes.id).posts
    assert [p.title for p in posts if p.person_label == "Lefèvre Anaïs"] == ["Chargée de mission"]
    batch = directory_services.history.changes(limit=1)[0].batch
    directory_services.history.revert(batch)
    assert _counts(factory) == before
