"""The Annuaire tab driven like a user: typing, filters, Enter/Esc, dialogs, moves, undo, print."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from desktop.reports.document import write_pdf
from desktop.services.directory.search import SearchFilter
from desktop.services.transfer.export import export_rows
from desktop.views.directory import confirm
from desktop.views.directory.person_dialog import PersonDialog
from desktop.views.directory.unit_dialog import UnitDialog


@pytest.fixture
def services(directory_services):
    return directory_services


@pytest.fixture
def tab(directory_tab):
    return directory_tab


def shown_names(tab) -> list[str]:
    model = tab.positions_model
    return [model.text(r, 0) for r in range(model.rowCount())]


def save(dialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()


def test_typing_searches_as_you_type_and_highlights(tab, qtbot):
    """Typing `bejean` leaves BÉJEAN's three posts, with the word marked; Esc clears it."""
    everyone = tab.positions_model.total
    qtbot.keyClicks(tab.search_edit, "bejean")
    assert shown_names(tab) == ["BÉJEAN Sophie"] * 3
    assert tab.delegate.tokens == ["bejean"]
    assert tab.count_label.text().startswith("3 ligne(s)")
    qtbot.keyClick(tab.search_edit, Qt.Key.Key_Escape)
    assert tab.search_edit.text() == ""
    assert tab.positions_model.total == everyone > 80


def _marked_pixels(tab) -> int:
    """Amber highlight pixels in the visible part of the people table."""
    from PySide6.QtGui import QColor

    from desktop.views.directory.highlight_delegate import MARK

    tab.table.selectionModel().clearSelection()
    image = tab.table.viewport().grab().toImage()
    amber = QColor(MARK).rgb()
    return sum(
        image.pixel(x, y) == amber
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
    )


def test_the_searched_word_is_marked_in_the_table_and_only_then(tab, qtbot):
    """Typing `bejean` paints the matching letters on amber in the table; an empty search
    paints no mark at all."""
    tab.resize(1200, 600)
    tab.show()
    qtbot.keyClicks(tab.search_edit, "bejean")
    assert _marked_pixels(tab) > 50
    qtbot.keyClick(tab.search_edit, Qt.Key.Key_Escape)
    assert _marked_pixels(tab) == 0


def test_enter_opens_the_first_result_in_the_detail_panel(tab, qtbot):
    """Enter in the search box shows the first person found, with her current posts."""
    qtbot.keyClicks(tab.search_edit, "kancal")
    qtbot.keyClick(tab.search_edit, Qt.Key.Key_Return)
    assert tab.detail.person.full_name == "Sélim KANCAL"
    assert "DRAJES adjoint" in tab.detail.toPlainText()


def test_acronym_lists_the_unit_and_opens_its_card(tab, qtbot):
    """`drajes` proposes the DRAJES unit; choosing it shows head, deputy and sub-units."""
    qtbot.keyClicks(tab.search_edit, "drajes")
    assert tab.units_list.isVisible()
    item = tab.units_list.item(0)
    assert item.text().startswith("DRAJES —")
    tab.units_list.itemActivated.emit(item)
    text = tab.detail.toPlainText()
    assert tab.detail.unit.acronym == "DRAJES"
    assert text.index("ETIENNE Pascal") < text.index("KANCAL Sélim")
    assert "Sous-services (5)" in text
    assert "Liens fonctionnels" in text


def test_selected_unit_and_kind_filters(tab, qtbot):
    """Choosing DRAJES in the tree keeps its people; the « Pôle » filter keeps its pôles'."""
    tab.select_unit(tab._service.find_unit("DRAJES").id)
    assert len(shown_names(tab)) == 5
    assert "DRAJES" in tab.scope_check.text()
    tab.kind_combo.setCurrentIndex(tab.kind_combo.findData("pole"))
    assert shown_names(tab) == ["CAZIN Véronique", "PERROCHIA Cyrille", "REMOND Nicolas"]
    tab.scope_check.setChecked(False)
    assert len(shown_names(tab)) > 5


def test_add_person_with_invalid_then_valid_input(tab, qtbot, monkeypatch, services):
    """The form refuses a blank name and a bad e-mail in French, then saves; Ctrl+Z undoes."""
    seen = {}

    def fake_exec(dialog):
        dialog.first_name_edit.setText("Élodie")
        dialog.email_edit.setText("elodie@")
        save(dialog)
        seen["error"] = dialog.error_label.text()
        seen["focus"] = dialog.focusWidget() is dialog.last_name_edit
        dialog.last_name_edit.setText("DUPRÉ")
        dialog.email_edit.setText("elodie.dupre@ac-toulouse.fr")
        dialog.phone_edit.setText("+33 5 61 00 00 00")
        save(dialog)
        return dialog.result()

    monkeypatch.setattr(PersonDialog, "exec", fake_exec)
    with qtbot.waitSignal(tab.edited) as signal:
        tab.edits.new_person()
    assert "Nom : obligatoire." in seen["error"]
    assert "Courriel : « elodie@ » n'est pas une adresse valide" in seen["error"]
    assert tab.detail.person.full_name == "Élodie DUPRÉ"
    assert tab.detail.person.phone == "05 61 00 00 00"
    services.history.revert(signal.args[0])
    tab.search_edit.setText("dupre")
    assert tab.positions_model.total == 0


def test_edit_unit_normalises_phone(tab, monkeypatch):
    """F2 on a unit card opens its form; a typed phone is stored in French format."""
    tab.select_unit(tab._service.find_unit("DRAJES").id)

    def fake_exec(dialog):
        dialog.phone_edit.setText("12 34")
        save(dialog)
        assert "Téléphone" in dialog.error_label.text()
        dialog.phone_edit.setText("0467914700")
        save(dialog)
        return dialog.result()

    monkeypatch.setattr(UnitDialog, "exec", fake_exec)
    assert tab.edit_item()
    assert tab.detail.unit.phone == "04 67 91 47 00"


def test_drag_and_drop_moves_a_unit_after_confirmation(tab, qtbot, monkeypatch):
    """Dropping a pôle onto DSI² asks, then moves it there; the tree shows the new place."""
    monkeypatch.setattr(confirm, "confirm", lambda *a: True)
    service = tab._service
    sport, dsi = service.find_unit("DRAJES-SPORT"), service.find_unit("DSI2")
    with qtbot.waitSignal(tab.edited):
        tab.tree.unit_dropped.emit(sport.id, dsi.id)
    index = tab.tree_model.index_of(sport.id)
    assert tab.tree_model.unit_id_at(index.parent()) == dsi.id
    assert tab.detail.unit.parent.label.startswith("DSI²")


def test_drop_into_own_sub_unit_is_refused_with_a_message(tab, monkeypatch):
    """Dropping DRAJES onto one of its pôles is refused in French and changes nothing."""
    from PySide6.QtWidgets import QMessageBox

    warned = []
    monkeypatch.setattr(confirm, "confirm", lambda *a: True)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    service = tab._service
    drajes, sport = service.find_unit("DRAJES"), service.find_unit("DRAJES-SPORT")
    tab.tree.unit_dropped.emit(drajes.id, sport.id)
    assert "fait partie de ses propres sous-services" in warned[0]
    assert service.unit_detail(drajes.id).parent.label == "Pôle politiques publiques"


def test_move_dialog_does_not_offer_own_sub_units(tab, monkeypatch):
    """Déplacer… lists possible parents without the unit itself and its sub-units."""
    from desktop.views.directory.move_dialog import MoveDialog

    offered = {}

    def fake_exec(dialog):
        combo = dialog.parent_combo
        offered["labels"] = [combo.itemText(i) for i in range(combo.count())]
        combo.setCurrentIndex(combo.findData(tab._service.find_unit("SGRA").id))
        save(dialog)
        return dialog.result()

    monkeypatch.setattr(MoveDialog, "exec", fake_exec)
    tab.select_unit(tab._service.find_unit("DRAJES").id)
    tab.edits.move_unit()
    assert not any(
        label.startswith(("DRAJES", "Pôle politiques sportives")) for label in offered["labels"]
    )
    assert tab.detail.unit.parent.label.startswith("SGRA")


def test_delete_unit_with_content_asks_and_reattaches(tab, qtbot, monkeypatch):
    """Suppr on DRAJES asks what to do with its content; « Rattacher » keeps its people."""
    asked = {}

    def fake_ask(parent, label, subs, posts, has_parent):
        asked.update(label=label, subs=subs, posts=posts)
        return "reattach"

    monkeypatch.setattr(confirm, "ask_delete_unit_mode", fake_ask)
    service = tab._service
    tab.select_unit(service.find_unit("DRAJES").id)
    with qtbot.waitSignal(tab.edited):
        assert tab.delete_item()
    assert (asked["subs"], asked["posts"]) == (5, 2)
    assert service.find_unit("DRAJES") is None
    assert tab.detail.unit.name == "Pôle politiques publiques"
    assert "ETIENNE Pascal" in tab.detail.toPlainText()


def test_print_document_is_the_selected_unit_and_below(tab, tmp_path, qtbot):
    """Ctrl+P prints the unit chosen in the tree with everything below it, heads first."""
    from pypdf import PdfReader

    tab.select_unit(tab._service.find_unit("DRAFPICA").id)
    document = tab.print_document()
    path = tmp_path / "drafpica.pdf"
    write_pdf(document, path)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages)
    assert "Annuaire des services — DRAFPICA" in text
    assert (
        text.index("MADIOT Nicolas") < text.index("DUCHIRON Mickael") < text.index("VINCE Stéphane")
    )


def test_export_writes_every_matching_line_not_only_the_loaded_ones(tab, tmp_path, qtbot):
    """Ctrl+E exports the whole filtered list, with name and first name in their own columns."""
    qtbot.keyClicks(tab.search_edit, "responsable")
    columns, rows, stem = tab.export_table()
    path = export_rows(tmp_path / "annuaire.csv", columns, rows)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Nom;Prénom;Fonction;Rôle;Service;Site;Courriel;Téléphone"
    assert len(lines) == tab.positions_model.total + 1
    assert any(
        line.startswith("AMOUROUX;Magali;Responsable du service;Responsable;") for line in lines
    )
    assert stem.startswith("Annuaire")


def test_ctrl_z_in_the_main_window_undoes_a_directory_edit(
    qtbot, filled_database, tmp_path, monkeypatch
):
    """After adding a person from the tab, Édition → Annuler removes it again."""
    from desktop.app import build_main_window
    from desktop.settings import Settings

    window = build_main_window(filled_database, Settings(tmp_path / "p.ini"))
    qtbot.addWidget(window)
    window.show()
    window.load_current_tab()
    tab = window.directory_tab

    def fake_exec(dialog):
        dialog.last_name_edit.setText("ZÉNON")
        dialog.first_name_edit.setText("Paul")
        save(dialog)
        return dialog.result()

    monkeypatch.setattr(PersonDialog, "exec", fake_exec)
    window.new_action.trigger()
    tab.search_edit.setText("zenon")
    assert shown_names(tab) == ["ZÉNON Paul"]
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    tab.search_edit.setText("zenon ")
    assert tab.positions_model.total == 0


def test_dialog_accepts_only_after_a_successful_save(qtbot, services):
    """Cancelling or failing validation leaves the dialog open / rejected, never accepted."""
    dialog = PersonDialog(services.directory.edits.create_person, services.directory.sites())
    qtbot.addWidget(dialog)
    save(dialog)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error_label.isVisibleTo(dialog)


def test_person_card_links_to_the_programmes_their_units_lead(tab, qtbot, services):
    """REMOND's card lists SNU among the programmes he leads; clicking it opens the Programmes
    tab on SNU."""
    from PySide6.QtCore import QUrl

    remond_id = services.directory.find_people("remond")[0][0]
    tab.show_person(remond_id)
    text = tab.detail.toPlainText()
    assert "Programmes pilotés par ses services (3)" in text
    assert text.index("SERVICE-CIVIQUE — ") < text.index("SNU — ")
    with qtbot.waitSignal(tab.navigate_requested) as signal:
        tab.detail.anchorClicked.emit(QUrl("programme:SNU"))
    assert signal.args == ["programmes", "SNU"]


def test_dotted_line_link_added_then_deleted_from_the_unit_card(tab, qtbot, monkeypatch, services):
    """From the SGRA card, « Ajouter un lien fonctionnel… » refuses a missing service, then
    records the link shown on the card; « supprimer le lien » removes it; Ctrl+Z restores it."""
    from PySide6.QtCore import QUrl

    from desktop.views.directory.link_dialog import LinkDialog

    sgra, draio = tab._service.find_unit("SGRA").id, tab._service.find_unit("DRAIO").id
    tab.select_unit(sgra)
    seen = {}

    def fake_exec(dialog):
        dialog.note.setText("Appui juridique")
        save(dialog)
        seen["error"] = dialog.error_label.text()
        dialog.target.setCurrentIndex(dialog.target.findData(draio))
        dialog.direction.setCurrentIndex(1)
        save(dialog)
        return dialog.result()

    monkeypatch.setattr(LinkDialog, "exec", fake_exec)
    with qtbot.waitSignal(tab.edited):
        tab.detail.anchorClicked.emit(QUrl(f"add-link:{sgra}"))
    assert seen["error"].startswith("Service lié : choisissez")
    assert "est appuyé par DRAIO" in tab.detail.toPlainText()
    assert "Appui juridique" in tab.detail.toPlainText()
    link = next(k for k in tab.detail.unit.links if k.unit.id == draio)
    monkeypatch.setattr(confirm, "confirm", lambda *args: True)
    with qtbot.waitSignal(tab.edited) as signal:
        tab.detail.anchorClicked.emit(QUrl(f"delete-link:{link.id}"))
    assert "Appui juridique" not in tab.detail.toPlainText()
    services.history.revert(signal.args[0])
    tab.show_unit(sgra)
    assert "Appui juridique" in tab.detail.toPlainText()


def test_dotted_line_link_between_posts_from_the_person_card(tab, qtbot, monkeypatch, services):
    """On ETIENNE's card, « Lien fonctionnel… » on his post: saving without choosing is refused,
    typing a name lists the posts, picking one records the link shown on both cards;
    « supprimer le lien » removes it and Ctrl+Z brings it back."""
    from PySide6.QtCore import QUrl

    from desktop.views.directory.post_link_dialog import PostLinkDialog

    head = services.directory.entries(SearchFilter("etienne"))[0]
    other = services.directory.entries(SearchFilter("bejean"))[0]
    tab.show_person(head.person_id)
    seen = {}

    def fake_exec(dialog):
        dialog.note.setText("Dossier JO")
        save(dialog)
        seen["error"] = dialog.error_label.text()
        dialog.search.setText("bejean")
        dialog.search.textEdited.emit("bejean")
        seen["found"] = dialog.found.count()
        item = next(
            dialog.found.item(i)
            for i in range(dialog.found.count())
            if dialog.found.item(i).data(Qt.ItemDataRole.UserRole) == other.position_id
        )
        dialog.found.itemActivated.emit(item)
        save(dialog)
        return dialog.result()

    monkeypatch.setattr(PostLinkDialog, "exec", fake_exec)
    with qtbot.waitSignal(tab.edited):
        tab.detail.anchorClicked.emit(QUrl(f"add-post-link:{head.position_id}"))
    assert seen["error"].startswith("Poste lié : cherchez")
    assert seen["found"] >= 1
    text = tab.detail.toPlainText()
    assert f"┄ appuie {other.title} (BÉJEAN Sophie, {other.unit_label}) — Dossier JO" in text
    tab.show_unit(other.unit_id)
    assert "┄ est appuyé(e) par" in tab.detail.toPlainText()
    link = next(k for p in tab.detail.unit.posts for k in p.links)
    monkeypatch.setattr(confirm, "confirm", lambda *args: True)
    with qtbot.waitSignal(tab.edited) as signal:
        tab.detail.anchorClicked.emit(QUrl(f"delete-post-link:{link.id}"))
    assert "Dossier JO" not in tab.detail.toPlainText()
    services.history.revert(signal.args[0])
    tab.show_person(head.person_id)
    assert "Dossier JO" in tab.detail.toPlainText()


def test_deleting_a_link_someone_deleted_meanwhile_offers_to_reload(tab, monkeypatch, services):
    """The SGRA card shows a dotted-line link that someone else deletes; « supprimer le lien »
    then says so and offers to reload, and the reloaded card no longer shows it."""
    from PySide6.QtCore import QUrl

    sgra, draio = tab._service.find_unit("SGRA").id, tab._service.find_unit("DRAIO").id
    created = services.directory.edits.create_unit_link(sgra, draio, "Appui juridique")
    tab.select_unit(sgra)
    link = next(k for k in tab.detail.unit.links if k.id == created.id)
    services.directory.edits.delete_unit_link(link.id, link.version)  # someone else, meanwhile
    assert "Appui juridique" in tab.detail.toPlainText()
    monkeypatch.setattr(confirm, "confirm", lambda *args: True)
    asked = []
    monkeypatch.setattr(tab.edits, "ask_reload", lambda text: asked.append(text) or True)
    tab.detail.anchorClicked.emit(QUrl(f"delete-link:{link.id}"))
    assert len(asked) == 1
    assert "Le lien n'existe plus : quelqu'un l'a supprimé(e) entre-temps." in asked[0]
    assert "Recharger la fiche ?" in asked[0]
    assert "Appui juridique" not in tab.detail.toPlainText()


def test_delete_of_a_card_changed_meanwhile_says_who_changed_what(tab, monkeypatch, services):
    """REMOND's card is shown; someone else changes his phone; « Supprimer » is refused with
    who changed which field (old → new) and offers to reload, which shows the new phone."""
    from desktop.services.directory.edits import PersonInput

    remond_id = services.directory.find_people("remond")[0][0]
    tab.show_person(remond_id)
    shown = tab.detail.person
    services.directory.edits.update_person(
        remond_id, shown.version, PersonInput(shown.last_name, shown.first_name, phone="0467914700")
    )
    monkeypatch.setattr(confirm, "confirm", lambda *args: True)
    asked = []
    monkeypatch.setattr(tab.edits, "ask_reload", lambda text: asked.append(text) or True)
    tab.edits.delete_person(remond_id)
    assert len(asked) == 1
    assert "La fiche a été modifié(e) par " in asked[0]
    assert "Téléphone" in asked[0]
    assert "→ « 04 67 91 47 00 »" in asked[0]
    assert "Rien n'a été fait" in asked[0]
    assert services.directory.person_detail(remond_id).id == remond_id  # not deleted
    assert tab.detail.person.phone == "04 67 91 47 00"  # reloaded


def test_taking_the_other_version_offers_no_undo(qtbot, filled_database, tmp_path, monkeypatch):
    """Editing a card someone saves meanwhile, then « Prendre l'autre version »: nothing is
    saved, so the status bar does not offer Ctrl+Z and Annuler stays as it was."""
    from desktop.app import build_main_window
    from desktop.services.directory.edits import PersonInput
    from desktop.settings import Settings
    from desktop.views.safety.conflict_dialog import TAKE_THEIRS, ConflictDialog

    window = build_main_window(filled_database, Settings(tmp_path / "p.ini"))
    qtbot.addWidget(window)
    window.show()
    window.load_current_tab()
    tab = window.directory_tab
    remond_id = tab._service.find_people("remond")[0][0]
    tab.show_person(remond_id)
    card = tab.detail.person

    def fake_exec(dialog):  # someone else saves the card while this form is open
        tab._service.edits.update_person(
            remond_id, card.version, PersonInput(card.last_name, card.first_name, email="n@ac.fr")
        )
        dialog.first_name_edit.setText("Nicolas-Jean")
        save(dialog)
        return dialog.result()

    monkeypatch.setattr(PersonDialog, "exec", fake_exec)
    monkeypatch.setattr(
        ConflictDialog, "resolve", staticmethod(lambda report, what, parent: (TAKE_THEIRS, {}))
    )
    undo_before = window.undo_action.isEnabled()
    tab.edits.edit_person(remond_id)
    message = window.statusBar().currentMessage()
    assert message.startswith("Rien n'a été enregistré")
    assert "Ctrl+Z" not in message
    assert window.undo_action.isEnabled() == undo_before
    assert tab._service.person_detail(remond_id).first_name == card.first_name


def test_move_of_a_unit_renamed_meanwhile_says_so_and_reloads(tab, monkeypatch, services):
    """The DRAIO is renamed by someone else after the tree was loaded; « Déplacer… » is then
    refused, the message names the change and « Recharger » shows the new name in the tree."""
    from desktop.services.directory.edits import UnitInput
    from desktop.views.directory.move_dialog import MoveDialog

    draio = tab._service.find_unit("DRAIO")
    sgra = tab._service.find_unit("SGRA")
    tab.select_unit(draio.id)
    card = services.directory.unit_detail(draio.id)
    services.directory.edits.update_unit(
        draio.id, card.version,
        UnitInput("Délégation régionale académique au numérique", card.kind, card.acronym,
                  card.parent.id if card.parent else None),
    )  # fmt: skip

    def fake_exec(dialog):
        dialog.parent_combo.setCurrentIndex(dialog.parent_combo.findData(sgra.id))
        save(dialog)
        return dialog.result()

    monkeypatch.setattr(MoveDialog, "exec", fake_exec)
    asked = []
    monkeypatch.setattr(tab.edits, "ask_reload", lambda text: asked.append(text) or True)
    tab.edits.move_unit()
    assert len(asked) == 1
    assert "Le service a été modifié(e) par " in asked[0]
    assert "→ « Délégation régionale académique au numérique »" in asked[0]
    assert tab._service.find_unit("DRAIO").parent_id == draio.parent_id  # not moved
    assert tab.tree_model.unit(draio.id).name == "Délégation régionale académique au numérique"


def test_the_full_count_is_read_in_the_worker_once_typing_pauses(tab, qtbot, monkeypatch):
    """Past one page the label says « plus de … », then the full count read off the GUI thread."""
    import threading

    from desktop.views.directory import tab as tab_module

    everyone = tab._service.count_entries(SearchFilter(), cap=tab_module.COUNT_CAP)
    threads: list[threading.Thread] = []
    count_entries = tab._service.count_entries

    def counting(flt, cap=None):
        if cap == tab_module.COUNT_CAP:
            threads.append(threading.current_thread())
        return count_entries(flt, cap=cap)

    monkeypatch.setattr(tab._service, "count_entries", counting)
    monkeypatch.setattr(tab_module, "QUICK_CAP", 10)
    tab.scope_check.setChecked(False)
    assert tab.count_label.text() == "plus de 10 lignes"
    qtbot.waitUntil(lambda: tab.count_label.text() == f"{everyone} ligne(s)", timeout=5000)
    assert threads
    assert all(t is not threading.main_thread() for t in threads)


def test_the_count_of_a_replaced_search_never_shows(tab, qtbot, monkeypatch):
    """A slow full count still running when the user types again is dropped, not shown."""
    import threading

    from PySide6.QtCore import QThreadPool

    from desktop.views.directory import tab as tab_module

    release, started = threading.Event(), threading.Event()
    count_entries = tab._service.count_entries

    def slow_full_count(flt, cap=None):
        if cap == tab_module.COUNT_CAP:
            started.set()
            release.wait(10)
        return count_entries(flt, cap=cap)

    monkeypatch.setattr(tab._service, "count_entries", slow_full_count)
    monkeypatch.setattr(tab_module, "QUICK_CAP", 10)
    tab.scope_check.setChecked(False)
    qtbot.waitUntil(started.is_set, timeout=5000)  # the full count of everyone is under way
    qtbot.keyClicks(tab.search_edit, "bejean")
    release.set()
    assert QThreadPool.globalInstance().waitForDone(10000)
    qtbot.wait(100)  # the dropped count is delivered, and must not be shown
    found = count_entries(tab.current_filter(), cap=10)
    assert 0 < found < 10
    assert tab.count_label.text() == f"{found} ligne(s)"
