"""A first start a newcomer understands: each empty tab, list or page says what to do next."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

from desktop.app import build_main_window
from desktop.services.budgets.service import BudgetService
from desktop.services.transfer.dataset_source import holds_dataset
from desktop.services.transfer.ingest import IngestService
from desktop.settings import Settings
from desktop.views.directory.unit_dialog import UnitDialog
from desktop.views.programmes.editor_dialog import ProgrammeEditorDialog
from desktop.views.transfer.import_wizard import ImportWizard

FILE_BUTTONS = ["Importer un fichier…", "Modèles de fichiers…"]


def plain(text: str) -> str:
    """A message as typed: the widget keeps French spaces (no break before « : ») unbroken."""
    return text.replace("\u00a0", " ")


def make_window(qtbot, database, tmp_path):
    window = build_main_window(database, Settings(tmp_path / "pilotis.ini"))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.load_current_tab()
    return window


@pytest.fixture
def empty_window(qtbot, database, tmp_path):
    """The main window on a base made by `init --empty`: schema only, no row."""
    window = make_window(qtbot, database, tmp_path)
    yield window
    assert QThreadPool.globalInstance().waitForDone(20000)  # no budget sum left running


@pytest.fixture
def filled_window(qtbot, filled_database, tmp_path):
    window = make_window(qtbot, filled_database, tmp_path)
    yield window
    assert QThreadPool.globalInstance().waitForDone(20000)


def settle(qtbot, tab) -> None:
    """Wait until the budget figures of the current filter are on screen."""
    qtbot.waitUntil(lambda: not tab.busy, timeout=20000)


def show_tab(window, index: int) -> None:
    window.tabs.setCurrentIndex(index)
    window.load_current_tab()


# --- the empty base ---------------------------------------------------------------------------


def test_empty_directory_offers_first_unit_import_and_templates(empty_window):
    """An empty base's Annuaire shows « Aucun service pour l'instant » and its three buttons
    instead of an empty tree, an empty list and an empty card."""
    tab = empty_window.directory_tab
    assert tab.body.showing_empty
    assert plain(tab.body.empty.title.text()) == "Aucun service pour l'instant"
    assert "Créez le premier service" in plain(tab.body.empty.text.text())
    assert tab.body.empty.button_texts() == ["Créer le premier service", *FILE_BUTTONS]
    assert tab.body.empty.isVisible()
    assert not tab.splitter.isVisible()


def test_create_first_unit_opens_the_unit_form_and_shows_the_tree(empty_window, monkeypatch):
    """« Créer le premier service » opens the unit form; once saved, the tree shows the unit
    and its empty list says how to add its first person."""
    opened = []

    def fake_exec(dialog):
        opened.append(dialog.windowTitle())
        dialog.name_edit.setText("Région académique Occitanie")
        dialog.acronym_edit.setText("RAO")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        return dialog.result()

    monkeypatch.setattr(UnitDialog, "exec", fake_exec)
    tab = empty_window.directory_tab
    tab.body.empty.button("Créer le premier service").click()
    assert opened == ["Nouveau service"]
    assert not tab.body.showing_empty
    assert tab.tree_model.rowCount() == 1
    assert tab.table_stack.showing_empty
    assert plain(tab.table_stack.empty.title.text()) == "Aucune personne dans RAO pour l'instant"
    assert tab.table_stack.empty.button_texts() == ["Nouvelle personne…", "Nouveau poste…"]
    assert empty_window.undo_action.isEnabled()  # the creation is one undoable step


def test_import_button_opens_the_wizard(empty_window, monkeypatch):
    """« Importer un fichier… » of an empty tab opens the import wizard of the File menu."""
    wizards = []
    monkeypatch.setattr(ImportWizard, "run", lambda self: wizards.append(self) or 0)
    empty_window.directory_tab.body.empty.button("Importer un fichier…").click()
    assert len(wizards) == 1
    wizards[0].close()


def test_an_import_from_the_empty_state_replaces_it_by_the_data(empty_window, monkeypatch):
    """Once the wizard opened from « Importer un fichier… » has imported units, the Annuaire
    shows them (its empty state is gone) and the import can be undone."""
    wizards = []
    monkeypatch.setattr(ImportWizard, "run", lambda self: wizards.append(self) or 0)
    empty_window.directory_tab.body.empty.button("Importer un fichier…").click()
    rows = [{"code": "RAO", "name": "Région académique Occitanie", "kind": "region"}]
    factory = empty_window.services.history.session_factory
    report = IngestService(factory, login="claire").import_batches([("units", rows, 1)])
    wizards[0].imported.emit(report.batch)  # what the wizard says when its import is written
    wizards[0].close()
    tab = empty_window.directory_tab
    assert not tab.body.showing_empty
    assert tab.tree_model.rowCount() == 1
    assert empty_window.undo_action.isEnabled()
    assert not empty_window.data_source_status.isVisible()  # the user's data, not the report's


def test_templates_button_writes_the_templates(empty_window, monkeypatch, tmp_path):
    """« Modèles de fichiers… » writes the documented workbooks into the chosen folder."""
    folder = tmp_path / "modeles"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    empty_window.programmes_tab.file_actions()[1].slot()
    assert (folder / "modele-import-units.xlsx").exists()
    assert "modèles d'import écrits" in empty_window.statusBar().currentMessage()


def test_read_only_greys_the_buttons_that_would_write(empty_window):
    """On a base opened read-only, « Créer le premier service » and « Importer… » are greyed;
    « Modèles de fichiers… » (it writes files, not the base) stays available."""
    empty_window.read_only = True  # what Fichier → Lecture seule sets
    tab = empty_window.directory_tab
    tab.refresh_results()
    enabled = {b.text(): b.isEnabled() for b in tab.body.empty.buttons}
    assert enabled == {
        "Créer le premier service": False, "Importer un fichier…": False,
        "Modèles de fichiers…": True,
    }  # fmt: skip


def test_empty_programmes_tab_offers_the_first_programme(empty_window, monkeypatch):
    """Programmes on an empty base: « Aucun programme pour l'instant »; its first button opens
    the editor on a new programme."""
    monkeypatch.setattr(ProgrammeEditorDialog, "open_dialog", lambda self: self.show())
    show_tab(empty_window, 1)
    tab = empty_window.programmes_tab
    assert tab.tree_stack.showing_empty
    assert plain(tab.tree_stack.empty.title.text()) == "Aucun programme pour l'instant"
    assert tab.tree_stack.empty.button_texts() == ["Créer le premier programme", *FILE_BUTTONS]
    assert not tab.caption.isVisible()  # no « 0 programme(s) au premier niveau »
    tab.tree_stack.empty.button("Créer le premier programme").click()
    assert tab.editor is not None
    assert tab.editor.isVisible()
    assert tab.editor.windowTitle() == "Programme — nouveau programme"
    tab.editor.reject()


def test_empty_roadmap_and_schedule_pages_say_how_to_fill_them(empty_window):
    """The roadmap and the échéancier pages of an empty base say what they would show."""
    show_tab(empty_window, 1)
    tab = empty_window.programmes_tab
    tab.pages.setCurrentIndex(1)
    assert tab.roadmap_stack.showing_empty
    assert plain(tab.roadmap_stack.empty.title.text()) == "Aucune feuille de route pour l'instant"
    assert tab.roadmap_stack.empty.button_texts() == FILE_BUTTONS
    tab.pages.setCurrentIndex(2)
    assert tab.schedule_stack.showing_empty
    assert plain(tab.schedule_stack.empty.title.text()) == "Aucun jalon à suivre"


def test_empty_budgets_say_no_funding_recorded_and_lead_to_programmes(empty_window, qtbot):
    """Budgets on an empty base: « Aucun financement enregistré » (not « pour ces filtres »,
    since no filter is set), no row of zeros, and a button to the programmes."""
    show_tab(empty_window, 2)
    tab = empty_window.budgets_tab
    settle(qtbot, tab)
    for stack in (tab.synthesis_stack, tab.charts_stack, tab.pivot_stack, tab.checks_stack):
        assert stack.showing_empty
        assert plain(stack.empty.title.text()) == "Aucun financement enregistré"
    empty = tab.synthesis_stack.empty
    assert "page «\u00a0Financement\u00a0»" in empty.text.text()  # never split at a line end
    assert empty.button_texts() == ["Aller aux programmes", *FILE_BUTTONS]
    assert not tab.key_figures.isVisible()
    empty.button("Aller aux programmes").click()
    assert empty_window.tabs.currentIndex() == 1


def test_empty_base_has_no_dataset_line_in_the_status_bar(empty_window):
    """A base made empty does not claim to hold the 2023 report's data."""
    assert not empty_window.data_source_status.isVisible()


# --- the embedded dataset ---------------------------------------------------------------------


def test_status_bar_says_the_data_are_the_2023_reports(filled_window):
    """On the embedded dataset the status bar says where the data come from."""
    label = filled_window.data_source_status
    assert label.isVisible()
    assert label.text() == "Données : rapport d'activité 2023 de la région académique Occitanie"


def test_a_users_import_is_not_taken_for_the_dataset(database):
    """A base filled by a user's own import (under their login) is not marked as the dataset."""
    rows = [{"code": "RAO", "name": "Région académique Occitanie", "kind": "region"}]
    IngestService(database.session_factory, login="claire").import_batches([("units", rows, 1)])
    assert not holds_dataset(database.session_factory)


# --- filters and searches that match nothing --------------------------------------------------


def test_budget_filters_matching_nothing_offer_to_clear_them(filled_window, qtbot):
    """A département with no funding line: « Aucun financement pour ces filtres » names the
    filter; « Effacer les filtres » clears it and the figures come back."""
    show_tab(filled_window, 2)
    tab = filled_window.budgets_tab
    settle(qtbot, tab)
    budgets = BudgetService(filled_window.services.history.session_factory)
    combo = tab.filter_bar.department
    index = next(
        i for i in range(1, combo.count())
        if not budgets.overview(tab.current_filter().with_(department=combo.itemData(i))).programmes
    )  # fmt: skip
    combo.setCurrentIndex(index)
    settle(qtbot, tab)
    empty = tab.synthesis_stack.empty
    assert tab.synthesis_stack.showing_empty
    assert plain(empty.title.text()) == "Aucun financement pour ces filtres"
    assert combo.itemText(index).split(" — ")[-1] in plain(empty.text.text())
    assert empty.button_texts() == ["Effacer les filtres"]
    assert not tab.checks_stack.showing_empty  # its own « Aucun écart » holds for the filter
    empty.button("Effacer les filtres").click()
    settle(qtbot, tab)
    assert tab.current_filter().department is None
    assert tab.current_filter().is_default
    assert not tab.synthesis_stack.showing_empty
    assert tab.funding_model.rowCount() > 5


def test_directory_search_outside_the_unit_offers_to_search_everywhere(directory_tab, qtbot):
    """« bejean » with DRAJES chosen in the tree finds nobody there: the list says so and
    « Chercher partout » widens the search to the whole directory in one click."""
    tab = directory_tab
    tab.select_unit(tab._service.find_unit("DRAJES").id)
    qtbot.keyClicks(tab.search_edit, "bejean")
    empty = tab.table_stack.empty
    assert tab.table_stack.showing_empty
    assert plain(empty.title.text()) == "Aucun résultat pour « bejean »"
    assert "dans DRAJES et ses sous-services" in plain(empty.text.text())
    assert empty.button_texts() == ["Chercher partout", "Effacer la recherche"]
    empty.button("Chercher partout").click()
    assert not tab.scope_check.isChecked()
    assert not tab.table_stack.showing_empty
    assert tab.positions_model.rowCount() > 0


def test_directory_search_without_result_says_how_to_widen_it(directory_tab, qtbot):
    """A word found nowhere: no « Chercher partout » (nothing is narrower than everything),
    a hint on spelling, the site filter named and cleared in one click, and « Effacer la
    recherche » brings the list back."""
    tab = directory_tab
    tab.scope_check.setChecked(False)
    qtbot.keyClicks(tab.search_edit, "zzqxw")
    empty = tab.table_stack.empty
    assert plain(empty.title.text()) == "Aucun résultat pour « zzqxw »"
    assert "orthographe" in plain(empty.text.text())
    assert empty.button_texts() == ["Effacer la recherche"]
    tab.site_combo.setCurrentIndex(1)
    assert f"dans l'annuaire ({tab.site_combo.currentText()})" in plain(empty.text.text())
    assert empty.button_texts() == ["Effacer les filtres", "Effacer la recherche"]
    empty.button("Effacer les filtres").click()
    assert tab.site_combo.currentIndex() == 0
    empty.button("Effacer la recherche").click()
    assert tab.search_edit.text() == ""
    assert not tab.table_stack.showing_empty


def test_programme_search_without_result_offers_to_clear_the_filters(filled_window, qtbot):
    """A programme search that matches nothing says so and « Effacer les filtres » brings the
    whole tree back."""
    show_tab(filled_window, 1)
    tab = filled_window.programmes_tab
    roots = tab.model.rowCount()
    tab.search.setText("zzqxw")
    qtbot.waitUntil(lambda: tab.tree_stack.showing_empty, timeout=5000)
    assert plain(tab.tree_stack.empty.title.text()) == "Aucun résultat pour « zzqxw »"
    assert tab.tree_stack.empty.button_texts() == ["Effacer les filtres"]
    tab.tree_stack.empty.button("Effacer les filtres").click()
    assert tab.search.text() == ""
    assert not tab.tree_stack.showing_empty
    assert tab.model.rowCount() == roots


def test_programme_history_tab_says_why_it_is_empty(filled_window, monkeypatch):
    """The editor's Historique tab of a programme never edited is a message, not an empty
    grid; after a save it lists the change."""
    monkeypatch.setattr(ProgrammeEditorDialog, "open_dialog", lambda self: self.show())
    show_tab(filled_window, 1)
    tab = filled_window.programmes_tab
    assert tab.show_item("SNU")
    assert tab.edit_item()
    editor = tab.editor
    assert editor.history_stack.showing_empty
    assert plain(editor.history_stack.empty.title.text()) == (
        "Aucune modification depuis la création du programme"
    )
    editor.general.name.setText(editor.general.name.text() + " 2024")
    editor.save_button.click()
    assert tab.edit_item()
    assert not tab.editor.history_stack.showing_empty
    assert tab.editor.history.rowCount() >= 1
    tab.editor.reject()
