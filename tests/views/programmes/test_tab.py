"""The Suivi des programmes tab driven as a user would: filters, editor, roadmap, échéancier,
printing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.services.programmes.service import ProgrammeService
from desktop.services.safety.conflicts import ConflictService
from desktop.views.programmes.editor_dialog import ProgrammeEditorDialog
from desktop.views.programmes.tab import ProgrammesTab
from tests.factories.tabs import programme_codes, programmes_tab


@pytest.fixture
def tab(qtbot, database, monkeypatch):
    return programmes_tab(qtbot, database, monkeypatch)


_codes = programme_codes


def _select(combo, label_start: str) -> None:
    index = next(i for i in range(combo.count()) if combo.itemText(i).startswith(label_start))
    combo.setCurrentIndex(index)


def test_tree_shows_roots_and_opens_branches(tab):
    """Roots are listed with an expandable France 2030 that holds AMI-CMA and its actions."""
    assert _codes(tab) == ["ETE-CULT", "F2030", "SNU"]
    assert "3 programme(s) au premier niveau" in tab.caption.text()
    assert tab.show_item("AMI-CMA-02")
    assert tab.current_code() == "AMI-CMA-02"


def test_typing_searches_without_accents_and_filters_narrow_the_list(tab, qtbot):
    """« ecole » finds « École… » as a flat list; family and axis filters combine."""
    qtbot.keyClicks(tab.search, "ecole")
    qtbot.waitUntil(lambda: _codes(tab) == ["AMI-CMA-01"])
    assert "1 programme(s) correspondent" in tab.caption.text()
    assert not tab.tree.isColumnHidden(9)  # « Rattaché à » shown in the flat list
    tab.search.clear()
    _select(tab.family, "France 2030")
    _select(tab.axis, "Axe 2")
    tab._apply_filters()
    assert sorted(_codes(tab)) == ["AMI-CMA", "AMI-CMA-01"]
    tab.clear_button.click()
    assert _codes(tab) == ["ETE-CULT", "F2030", "SNU"]


def test_sorting_a_column_asks_the_database(tab):
    """Clicking « Début » sorts by start date; again sorts the other way."""
    tab.search.setText("a")
    tab._apply_filters()
    tab.tree.sortByColumn(6, Qt.SortOrder.AscendingOrder)
    assert _codes(tab)[0] == "SNU"  # started in 2019
    tab.tree.sortByColumn(6, Qt.SortOrder.DescendingOrder)
    assert _codes(tab)[0] == "AMI-CMA-02"


def test_create_a_programme_with_milestones_and_indicators_invalid_then_valid(tab, qtbot):
    """A wrong end date and a target without period are refused in French; once fixed, the
    programme is saved, linked to its axes, selected, and Ctrl+Z can undo it."""
    batches = []
    tab.edited.connect(batches.append)
    assert tab.new_item()
    editor = tab.editor
    general = editor.general
    general.code.setText("CORDEES")
    general.name.setText("Cordées de la réussite")
    _select(general.family, "Dispositif national")
    general.start_on.setText("01/09/2023")
    general.end_on.setText("31/08/2022")
    general.axes.set_checked([1, 3])
    editor.milestones.add_button.click()
    table = editor.milestones.table
    table.item(0, 0).setText("Comité de pilotage")
    table.item(0, 1).setText("15/10/2023")
    page = editor.indicators
    page.add_indicator_button.click()
    page.indicators.item(0, 0).setText("ELEVES")
    page.indicators.item(0, 1).setText("Élèves encordés")
    page.add_period_button.click()
    page.values.item(0, 2).setText("1500")
    editor.save_button.click()
    assert editor.isVisible()
    assert "Fin : le 31/08/2022 est avant le début (01/09/2023)." in editor.problems.text()
    assert "la cible 1500 n'a pas de période" in editor.problems.text()
    assert editor.tabs.currentIndex() == 0
    general.end_on.setText("31/08/2026")
    page.values.item(0, 0).setText("2023-2024")
    page.values.item(0, 3).setText("900")
    assert page.values.item(0, 4).text() == "60 %"
    editor.save_button.click()
    assert not editor.isVisible()
    assert len(batches) == 1
    assert tab.current_code() == "CORDEES"
    draft = tab._service.editor.load(tab._current_row().id)
    assert draft.axis_numbers == (1, 3)
    assert [m.title for m in draft.milestones] == ["Comité de pilotage"]
    assert draft.indicators[0].periods[0].target == "1\u202f500"


def test_overdue_milestones_are_highlighted_in_the_editor(tab):
    """The past, not-done « Comité de sélection » row is red; a done one is not."""
    tab.show_item("AMI-CMA-01")
    assert tab.edit_item()
    page = tab.editor.milestones
    reds = [page.table.item(r, 0).toolTip() for r in range(page.table.rowCount())]
    assert reds == ["", "Jalon en retard"]
    tab.editor.hide()


def test_funding_page_shows_declared_total_against_computed_and_links_to_budgets(tab, qtbot):
    """AMI-CMA's declared 600 000 € differs from its lines; « Voir dans l'onglet Budgets »
    asks the window for the Budgets tab."""
    tab.show_item("AMI-CMA")
    tab.edit_item()
    funding = tab.editor.funding
    assert funding.totals.item(0, 6).text() == "42\u202f656\u00a0€"  # the Écart column
    assert funding.differences == 1
    with qtbot.waitSignal(tab.navigate_requested) as signal:
        funding.budgets_button.click()
    assert signal.args == ["budgets", "AMI-CMA"]


def test_conflicting_save_is_refused_with_a_message(tab, monkeypatch):
    """Someone saved SNU meanwhile: the editor says so and keeps the user's input."""
    from dataclasses import replace

    tab.show_item("SNU")
    tab.edit_item()
    service = tab._service.editor
    other = service.load(tab._current_row().id)
    service.save(replace(other, beneficiary="Jeunes volontaires"))
    from desktop.views.safety.conflict_dialog import CANCEL, ConflictDialog

    shown = {}
    # The user cancels the comparison (the choices are tested in test_conflict_programme.py).
    monkeypatch.setattr(
        ConflictDialog, "resolve", lambda report, what, parent: shown.setdefault("r", (CANCEL, 0))
    )
    tab.editor.general.name.setText("SNU 2024")
    tab.editor.save_button.click()
    assert "r" in shown
    assert "modifié ou supprimé par quelqu'un d'autre" in tab.editor.problems.text()
    assert tab.editor.general.name.text() == "SNU 2024"


def test_roadmap_lists_axes_and_jumps_to_a_programme(tab):
    """The priority axis is starred; activating a programme shows it in the list."""
    tab.pages.setCurrentIndex(1)
    model = tab.roadmap.model
    line2 = model.index(1, 0)
    axis2 = model.index(0, 0, line2)
    assert axis2.data().startswith("★ Axe 2 — Carte des formations")
    tab.roadmap.tree.expand(axis2)
    programme = model.index(0, 0, axis2)
    assert programme.data() == "AMI-CMA — AMI Compétences et métiers d'avenir"
    tab.roadmap.tree.activated.emit(programme)
    assert tab.pages.currentIndex() == 0
    assert tab.current_code() == "AMI-CMA"


def read(schedule, qtbot) -> None:
    """Wait until the échéancier's milestones, read in the worker thread, are on screen."""
    from PySide6.QtCore import QThreadPool

    def idle() -> bool:
        QThreadPool.globalInstance().waitForDone(20000)
        return not schedule.busy

    qtbot.waitUntil(idle, timeout=40000)


def test_schedule_lists_milestones_marks_one_done_and_exports(tab, qtbot, tmp_path):
    """The échéancier shows the overdue committee in red; marking it done removes it."""
    from desktop.services.transfer.export import export_rows

    batches = []
    tab.edited.connect(batches.append)
    tab.pages.setCurrentIndex(2)
    schedule = tab.schedule
    schedule.horizon.setCurrentIndex(4)  # every milestone to come
    read(schedule, qtbot)
    titles = [schedule.model.text(r, 2) for r in range(schedule.model.rowCount())]
    assert "Comité de sélection" in titles
    columns, rows, stem = tab.export_table()
    assert export_rows(tmp_path / "e.csv", columns, rows).read_text("utf-8-sig").count("\n") == 4
    row = titles.index("Comité de sélection")
    schedule.table.setCurrentIndex(schedule.model.index(row, 0))
    schedule.done_button.click()
    assert len(batches) == 1
    read(schedule, qtbot)
    assert "Comité de sélection" not in [
        schedule.model.text(r, 2) for r in range(schedule.model.rowCount())
    ]


def test_print_a_sheet_to_pdf_and_the_list_as_a_batch(tab, tmp_path, monkeypatch):
    """Ctrl+P previews the selected programme's sheet; the batch PDF has a page per row."""
    from pypdf import PdfReader
    from PySide6.QtWidgets import QFileDialog

    from desktop.reports.document import write_pdf
    from desktop.views.shell.printing import PrintPreview

    tab.show_item("SNU")
    previewed = []
    monkeypatch.setattr(PrintPreview, "run", lambda self: previewed.append(self.document))
    tab.sheet_button.click()
    assert previewed[0].subtitle == "SNU"
    path = tmp_path / "snu.pdf"
    write_pdf(tab.print_document(), path)
    text = " ".join(PdfReader(path).pages[0].extract_text().split())
    assert "SNU — Service national universel" in text
    _select(tab.family, "France 2030")
    target = tmp_path / "lot.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    tab.batch_button.click()
    assert len(PdfReader(target).pages) == 4


def test_keyboard_and_accessible_names(tab, qtbot):
    """Ctrl+F lands in the search box; every filter has an accessible name and a label."""
    assert tab.focus_search()
    assert tab.search.hasFocus() or tab.search.accessibleName() == "Rechercher un programme"
    names = [c.accessibleName() for c in tab._combos()]
    assert names == ["Famille", "Statut", "Pilote", "Axe", "Département", "Période"]
    assert tab.tree.accessibleName() == "Programmes et projets"


def test_editor_keeps_the_lead_unit_when_two_units_share_a_label(
    qtbot, filled_database, monkeypatch
):
    """Opening a programme led by one of two same-named units neither marks it modified nor
    moves it to the other unit."""
    from sqlalchemy import select

    from desktop.models import Programme, Unit

    factory = filled_database.session_factory
    with factory.begin() as s:
        drajes = s.scalar(select(Unit).where(Unit.code == "DRAJES"))
        twin = Unit(code="DRAJES-BIS", acronym=drajes.acronym, name=drajes.name, kind=drajes.kind)
        s.add(twin)
        s.flush()
        pair = (drajes.id, twin.id)
    service = ProgrammeService(factory)
    keys = [c.key for c in service.editor.choices().units if c.key in pair]
    assert len(keys) == 2
    second = keys[-1]  # the one a lookup by label would never find
    with factory.begin() as s:
        snu = s.scalar(select(Programme).where(Programme.code == "SNU"))
        snu.lead_unit_id = second
        snu_id = snu.id
    conflicts = ConflictService(factory)
    draft, choices = service.editor.load(snu_id), service.editor.choices()
    dialog = ProgrammeEditorDialog(service, conflicts, draft, choices)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.general.lead_unit_id() == second
    assert not dialog.is_modified()


def test_declared_totals_edited_in_the_funding_page_invalid_then_valid(tab, qtbot):
    """A new declared total without source or with a bad period is refused in French; once
    fixed, it is compared with the lines as it is typed and saved with the programme."""
    from desktop.views.programmes.funding_page import (
        T_COMPUTED,
        T_DECLARED,
        T_DIFF,
        T_FUNDER,
        T_LABEL,
        T_PERIOD,
        T_SOURCE,
    )
    from desktop.views.programmes.widgets import KEY_ROLE

    batches = []
    tab.edited.connect(batches.append)
    tab.show_item("AMI-CMA-01")
    assert tab.edit_item()
    editor = tab.editor
    page = editor.funding
    before = page.totals.rowCount()
    page.add_total_button.click()
    row = before
    totals = page.totals
    totals.item(row, T_LABEL).setText("Total État 2023")
    funder = totals.item(row, T_FUNDER)
    funder.setData(KEY_ROLE, "F2030")
    funder.setText("État — France 2030")
    totals.item(row, T_PERIOD).setText("2023-2025")
    totals.item(row, T_DECLARED).setText("-1")
    editor.save_button.click()
    assert editor.isVisible()
    problems = editor.problems.text()
    assert f"Total déclaré, ligne {row + 1}, montant : un montant ne peut pas être négatif" in (
        problems
    )
    assert f"Total déclaré, ligne {row + 1} : source obligatoire" in problems
    assert f"Total déclaré, ligne {row + 1}, période « 2023-2025 »" in problems
    assert editor.tabs.currentWidget() is page
    totals.item(row, T_PERIOD).setText("")
    totals.item(row, T_DECLARED).setText("1 000 000")
    totals.item(row, T_SOURCE).setText("Convention attributive")
    computed = totals.item(row, T_COMPUTED).text()
    assert computed.endswith("€")
    assert totals.item(row, T_DIFF).text() != ""
    editor.save_button.click()
    assert not editor.isVisible()
    assert len(batches) == 1
    draft = tab._service.editor.load(tab._current_row().id)
    added = [t for t in draft.declared if t.label == "Total État 2023"]
    assert [(t.funder_code, t.amount, t.source) for t in added] == [
        ("F2030", "1\u202f000\u202f000", "Convention attributive")
    ]


def test_beneficiary_establishments_searched_added_and_removed_in_the_editor(tab, qtbot, database):
    """In « Établissements », typing « beziers » finds the collège in the Annuaire; it is added,
    saved with the programme, and removed again on the next edit."""
    from desktop.models import Establishment

    with database.session_factory.begin() as s:
        s.add_all([
            Establishment(uai="0340002B", name="Collège Les Garrigues", commune="Béziers"),
            Establishment(uai="0310003C", name="Lycée Déodat-de-Séverac", commune="Toulouse"),
        ])  # fmt: skip
    batches = []
    tab.edited.connect(batches.append)
    tab.show_item("SNU")
    assert tab.edit_item()
    page = tab.editor.establishments
    tab.editor.tabs.setCurrentWidget(page)
    page.search_edit.setText("BEZIERS")
    page.run_search()
    assert [page.results.item(i).text() for i in range(page.results.count())] == [
        "0340002B — Collège Les Garrigues (Béziers)"
    ]
    page.results.item(0).setSelected(True)
    page.add_button.click()
    page.add_button.click()  # twice: still once
    assert page.uais() == ("0340002B",)
    assert page.count_label.text() == "1 établissement(s) bénéficiaire(s)."
    tab.editor.save_button.click()
    assert not tab.editor.isVisible()
    code_id = tab._current_row().id
    assert tab._service.editor.load(code_id).establishment_uais == ("0340002B",)
    assert tab.edit_item()
    page = tab.editor.establishments
    assert [page.chosen.item(i).text() for i in range(page.chosen.count())] == [
        "0340002B — Collège Les Garrigues (Béziers)"
    ]
    page.chosen.item(0).setSelected(True)
    page.remove_button.click()
    tab.editor.save_button.click()
    assert tab._service.editor.load(code_id).establishment_uais == ()
    assert len(batches) == 2


def test_an_engage_line_typed_beside_its_prevu_leaves_the_declared_total_matched(
    qtbot, filled_database, monkeypatch
):
    """AMI-CMA-03: typing a Région « Engagé » line of 20 000 € beside the Région's prévu keeps
    « Coût de l'action »'s computed sum and difference as they were (stages are nested)."""
    from desktop.views.programmes.funding_page import AMOUNT, FUNDER, STAGE, T_COMPUTED, T_DIFF
    from desktop.views.programmes.widgets import KEY_ROLE

    f = filled_database.session_factory
    tab = ProgrammesTab(ProgrammeService(f), ConflictService(f))
    qtbot.addWidget(tab)
    tab.load()
    monkeypatch.setattr(ProgrammeEditorDialog, "open_dialog", lambda self: self.show())
    tab.show_item("AMI-CMA-03")
    assert tab.edit_item()
    page = tab.editor.funding
    before = (page.totals.item(0, T_COMPUTED).text(), page.totals.item(0, T_DIFF).text())
    assert before[0] == "145\u202f750\u00a0€"
    page.add_button.click()
    row = page.lines.rowCount() - 1
    page.lines.item(row, FUNDER).setData(KEY_ROLE, "REGION-OCC")
    page.lines.item(row, STAGE).setData(KEY_ROLE, "committed")
    page.lines.item(row, AMOUNT).setText("20 000")
    page.refresh_summary()
    assert (page.totals.item(0, T_COMPUTED).text(), page.totals.item(0, T_DIFF).text()) == before
    tab.editor.hide()


def test_a_schedule_with_nothing_due_says_so_and_widens_in_one_click(tab, qtbot):
    """With no milestone in the next 30 days for a unit, the échéancier says so, names the
    scope, and « Voir toutes les échéances » shows every milestone to come."""
    tab.pages.setCurrentWidget(tab.schedule_stack)
    schedule = tab.schedule
    schedule.horizon.setCurrentIndex(0)  # 30 days
    schedule.overdue.setChecked(False)
    read(schedule, qtbot)
    if schedule.rows:  # the test world may have one: choose a unit that has none
        schedule.unit.setCurrentIndex(schedule.unit.count() - 1)
        read(schedule, qtbot)
    assert schedule.rows == []
    assert schedule.table_stack.showing_empty
    assert not schedule.done_button.isEnabled()
    empty = schedule.table_stack.empty
    assert "30 prochains jours" in empty.text.text()
    [widen] = empty.buttons
    widen.click()
    assert schedule.horizon.currentData() is None
    read(schedule, qtbot)
    assert schedule.rows
    assert not schedule.table_stack.showing_empty
