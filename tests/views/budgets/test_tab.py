"""The Budgets tab with real widgets on a real file: filters, drill-down, exports and printing."""

from __future__ import annotations

import re
import sys

import pytest
from PySide6.QtCore import Qt

from desktop.services.budgets.filters import BudgetFilter
from desktop.services.transfer.export import export_rows
from tests.factories.tabs import budgets_tab, settled


def plain(text: str) -> str:
    return re.sub(r"[\u202f\u00a0]", " ", text)


@pytest.fixture
def tab(qtbot, database):
    yield from budgets_tab(qtbot, database)


def labels(model) -> list[str]:
    return [model.text(row, 0).strip() for row in range(model.rowCount())]


def test_tab_shows_the_chain_with_subtotals_and_total(tab):
    """Key figures, programmes with their funders beneath, and the total row last."""
    assert "Prévu 635 537 213 €" in plain(tab.key_figures.text())
    assert "reste à payer 1 204 094 €" in plain(tab.key_figures.text())
    model = tab.chain.programmes_model
    rows = labels(model)
    assert rows[0] == "CPER-ESRI — CPER volet ESRI"
    assert rows[-1] == "Total"
    assert plain(model.text(model.rowCount() - 1, 1)) == "635 537 213 €"
    fdva = rows.index("FDVA — Fonds pour le développement de la vie associative")
    assert plain(model.text(fdva, 4)) == "84,4 %"  # 4 000 000 / 4 737 949 committed
    assert plain(model.text(fdva, 7)) == "1 000 000 €"  # reste à payer


def test_sorting_keeps_funders_under_their_programme_and_total_last(tab):
    """Sorting by planned amount reorders programmes and their funders, never mixes them."""
    model = tab.chain.programmes_model
    model.sort(1, Qt.SortOrder.AscendingOrder)
    rows = [model.row_at(r) for r in range(model.rowCount())]
    assert rows[0].programme_code == "F2030"
    assert rows[0].kind == "subtotal"
    assert rows[-1].kind == "total"
    cper = next(
        i for i, r in enumerate(rows) if r.kind == "subtotal" and r.programme_code == "CPER-ESRI"
    )
    funders = [r.planned_cents for r in rows[cper + 1 : cper + 10]]
    assert funders == sorted(funders)
    assert all(
        r.programme_code == "CPER-ESRI" and r.kind == "line" for r in rows[cper + 1 : cper + 10]
    )


def test_changing_a_filter_updates_every_view(tab, qtbot):
    """Choosing « Région » as funder kind narrows the tables, the key figures and the gaps."""
    combo = tab.filter_bar.funder_kind
    combo.setCurrentIndex(combo.findData("region"))
    assert tab.busy  # summed in a worker thread: the window stays responsive
    settled(tab, qtbot)
    assert "Prévu 187 069 829 €" in plain(tab.key_figures.text())
    assert labels(tab.chain.funders_model) == ["Région Occitanie", "Total"]
    assert "Financeurs : Région" in tab.filters_label.text()
    tab.pages.setCurrentIndex(3)
    assert tab.checks.model.rowCount() == 0  # the Région total of AMI-CMA matches its lines
    assert tab.pages.tabText(3).endswith("(0)")


def test_activating_a_programme_drills_down_and_back_returns(tab, qtbot):
    """Enter on a programme row shows its sub-programmes; « Retour » restores the view."""
    view = tab.chain.programmes_view
    model = tab.chain.programmes_model
    row = labels(model).index("F2030 — France 2030")
    view.setCurrentIndex(model.index(row, 0))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert tab.current_filter().programme == "F2030"
    settled(tab, qtbot)
    assert labels(model)[0] == "AMI-CMA — AMI Compétences et métiers d'avenir"
    assert "Prévu 2 644 980 €" in plain(tab.key_figures.text())
    assert tab.filter_bar.back_button.isEnabled()
    qtbot.mouseClick(tab.filter_bar.back_button, Qt.MouseButton.LeftButton)
    assert tab.current_filter() == BudgetFilter()
    settled(tab, qtbot)
    assert labels(model)[0] == "CPER-ESRI — CPER volet ESRI"


def test_clicking_a_bar_filters_on_its_funder(tab, qtbot):
    """A click on the FONJEP bar of the funder chart filters every view on FONJEP."""
    from matplotlib.backend_bases import MouseEvent

    tab.pages.setCurrentIndex(1)
    view = next(v for v in tab.chart_views if v.spec.key == "funder_bar")
    canvas = view.canvas
    canvas.draw()
    bar = next(p for ax in canvas.figure.axes for p in ax.patches if p.get_gid() == "funder:FONJEP")
    box = bar.get_window_extent()
    x, y = box.x0 + 1, (box.y0 + box.y1) / 2
    with qtbot.waitSignal(view.picked, timeout=2000):
        MouseEvent("button_press_event", canvas, x, y, button=1)._process()
    assert tab.current_filter().funders == ("FONJEP",)
    settled(tab, qtbot)
    assert "Prévu 5 854 284 €" in plain(tab.key_figures.text())
    assert tab.filter_bar.funder.currentData() == "FONJEP"


def test_chart_click_on_a_year_and_on_a_programme(tab, qtbot):
    """Year bars restrict the period; a programme bar drills into it."""
    tab.pages.setCurrentIndex(1)
    tab.chart_views[0].picked.emit("year:2022")
    settled(tab, qtbot)
    assert "Prévu 4 737 949 €" in plain(tab.key_figures.text())
    tab.chart_views[0].picked.emit("programme:FDVA")
    assert tab.current_filter() == BudgetFilter(year_from=2022, year_to=2022, programme="FDVA")


def test_opening_a_programme_from_the_gaps(tab, qtbot):
    """Double-clicking a declared total opens its programme in « Suivi des programmes »."""
    tab.pages.setCurrentIndex(3)
    model = tab.checks.model
    assert model.rowCount() == 5
    row = next(r for r in range(model.rowCount()) if model.row_at(r).programme_code == "FONJEP")
    assert plain(model.text(row, 5)) == "411 000 €"
    with qtbot.waitSignal(tab.navigate_requested) as blocker:
        tab.checks.view.doubleClicked.emit(model.index(row, 0))
    assert blocker.args == ["programmes", "FONJEP"]


def test_show_item_from_another_tab_filters_on_the_programme(tab):
    """Another tab can ask for the budget of one programme; unknown codes are refused."""
    assert tab.show_item("AMI-CMA")
    assert tab.current_filter().programme == "AMI-CMA"
    assert not tab.show_item("INCONNU")


def test_pivot_rearranges_and_exports_with_subtotals(tab, qtbot, tmp_path):
    """The cross-table can put years in rows and funders in columns, and exports its subtotals."""
    tab.pages.setCurrentIndex(2)
    settled(tab, qtbot)  # summed in the worker thread
    pivot = tab.pivot
    assert pivot.model.text(0, 0) == "Région Occitanie"  # largest funder first, bold subtotal
    pivot.outer.setCurrentIndex(pivot.outer.findData("year"))
    pivot.inner.setCurrentIndex(pivot.inner.findData("programme"))
    pivot.columns.setCurrentIndex(pivot.columns.findData("funder"))
    settled(tab, qtbot)
    model = pivot.model
    assert model.table.row_dims == ("year", "programme")
    assert [
        model.text(r, 0) for r in range(model.rowCount()) if model.lines()[r].kind != "line"
    ] == ["2022", "2023", "Sans année", "Total"]
    columns, rows, stem = tab.export_table()
    path = export_rows(tmp_path / "croise.csv", columns, rows)
    content = path.read_text(encoding="utf-8-sig").splitlines()
    assert content[0].startswith("Année;Programme;Région Occitanie")
    assert content[-1].startswith("Total;;")
    assert content[-1].endswith(";635537213,00")
    assert stem == "Tableau croisé des financements"


def test_export_of_the_chain_includes_subtotals(tab, tmp_path):
    """Ctrl+E on the synthesis exports lines, subtotals and the total, amounts as numbers."""
    columns, rows, _stem = tab.export_table()
    path = export_rows(tmp_path / "chaine.csv", columns, rows)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].startswith("CPER-ESRI — CPER volet ESRI;sous-total;CPER-ESRI;;622300000,00")
    assert lines[-1].startswith("Total;total;;;635537213,00;4304094,00;3100000,00")


def test_print_document_is_the_synthesis_with_ticked_charts(tab, tmp_path, monkeypatch):
    """Ctrl+P prints the synthesis of the current filter with the charts left ticked."""
    from pypdf import PdfReader

    from desktop.reports.document import write_pdf

    tab.apply_filter(BudgetFilter(programme="AMI-CMA"))
    for view in tab.chart_views:
        view.print_box.setChecked(view.spec.key == "funder_donut")
    document = tab.print_document()
    path = tmp_path / "synthese.pdf"
    write_pdf(document, path)
    text = plain("\n".join(p.extract_text() for p in PdfReader(str(path)).pages))
    text = re.sub(r"[ \t]+", " ", text)
    assert "Programme AMI-CMA (AMI Compétences et métiers d'avenir)" in text
    assert "Total\n2,64 M€" in text or "2,64 M€" in text
    assert "2 644 980 €" in text
    assert "par programme et financeur — prévu" not in text.replace("ﬁ", "fi")


def test_chart_export_button_writes_the_chosen_format(tab, tmp_path, monkeypatch):
    """« Exporter… » saves the chart as an SVG whose title stays text."""
    from PySide6.QtWidgets import QFileDialog

    target = tmp_path / "donut.svg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "Dessin vectoriel SVG (*.svg)")))  # fmt: skip
    tab.pages.setCurrentIndex(1)
    view = next(v for v in tab.chart_views if v.spec.key == "funder_donut")
    view.export_button.click()
    assert "Part de chaque financeur" in target.read_text(encoding="utf-8")


def test_widgets_have_accessible_names_and_labels(tab):
    """Screen readers name every filter; each label has a keyboard buddy."""
    for combo in tab.filter_bar._combos():
        assert combo.accessibleName()
    assert tab.chain.programmes_view.accessibleName()
    for view in tab.chart_views:
        assert view.accessibleName()
        assert view.export_button.accessibleName()


def test_matplotlib_is_not_imported_until_charts_are_shown(tmp_path):
    """Opening the application does not pay for matplotlib; the chart page does."""
    import subprocess

    code = (
        "import sys; import desktop.views.shell.main_window; "
        "print('matplotlib' in sys.modules, 'pandas' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""}, check=True)  # fmt: skip
    assert result.stdout.split() == ["False", "False"]


def test_chain_and_pivot_models_pass_the_model_tester(tab, qtbot, qtmodeltester):
    """The Qt models answer every role consistently (sorting, empty cells, headers)."""
    qtmodeltester.check(tab.chain.programmes_model)
    tab.pages.setCurrentIndex(2)
    settled(tab, qtbot)
    assert tab.pivot.model.rowCount() > 1
    qtmodeltester.check(tab.pivot.model)


def test_quick_filter_changes_show_only_the_last_ones_figures(tab, qtbot):
    """Filters changed faster than the figures are summed: the screen ends on the last filter's
    figures, never on those of one chosen before."""
    shown = []
    original = tab._show

    def record(figures):
        shown.append(figures[0].filter)
        original(figures)

    tab._show = record
    combo = tab.filter_bar.funder_kind
    for kind in ("etat", "region", "ue", "region"):
        combo.setCurrentIndex(combo.findData(kind))
    settled(tab, qtbot)
    assert shown[-1].funder_kind == "region"
    assert len(shown) <= 2  # the first (already running) and the last: the others were dropped
    assert "Prévu 187 069 829 €" in plain(tab.key_figures.text())


def test_only_the_charts_in_view_are_drawn(tab, qtbot):
    """Opening « Graphiques » draws the charts on screen; the others when scrolled to."""
    tab.pages.setCurrentIndex(1)
    drawn = [view.canvas is not None for view in tab.chart_views]
    assert drawn[:2] == [True, True]
    assert not drawn[-1]
    bar = tab.charts_scroll.verticalScrollBar()
    bar.setValue(bar.maximum())
    assert tab.chart_views[-1].canvas is not None


def test_several_funders_at_once_by_keyboard(tab, qtbot, monkeypatch):
    """« Plusieurs… » lists the funders to tick with Space; the figures then add up both, the
    list shows them, and the filter is described with both names."""
    from PySide6.QtWidgets import QDialog

    from desktop.views.budgets.filter_bar import FundersDialog

    def tick(dialog):
        listing = dialog.list
        for name in ("FDVA", "FONJEP"):
            row = next(r for r in range(listing.count())
                       if listing.item(r).data(Qt.ItemDataRole.UserRole) == name)  # fmt: skip
            listing.setCurrentRow(row)
            qtbot.keyClick(listing, Qt.Key.Key_Space)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(FundersDialog, "exec", tick)
    bar = tab.filter_bar
    assert bar.several_button.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert bar.choose_several_funders()
    assert tab.current_filter().funders == ("FDVA", "FONJEP")
    settled(tab, qtbot)
    assert "Prévu 10 592 233 €" in plain(tab.key_figures.text())
    assert len(labels(tab.chain.funders_model)) == 3  # the two funders and the total
    assert bar.funder.currentText().startswith("2 financeurs : ")
    assert "2 financeurs : Fonds pour le développement de la vie associative, FONJEP" in (
        tab.filters_label.text()
    )
    bar.funder.setCurrentIndex(bar.funder.findData("FDVA"))
    assert tab.current_filter().funders == ("FDVA",)


def test_filters_are_remembered_for_the_next_session(tab, qtbot, database, tmp_path):
    """The filters in force (several funders included) are saved in the settings file and
    shown again by the Budgets tab of the next session; a funder deleted since is left out."""
    from desktop.services.budgets.service import BudgetService
    from desktop.settings import Settings
    from desktop.views.budgets.tab import BudgetsTab

    chosen = BudgetFilter(year_from=2023, year_to=2023, funders=("FDVA", "FONJEP"),
                          stage="committed")  # fmt: skip
    tab.apply_filter(chosen)
    settled(tab, qtbot)
    settings = Settings(tmp_path / "pilotis.ini")
    settings.set_filter_state("budgets", tab.filter_state())
    settings.sync()
    state = Settings(tmp_path / "pilotis.ini").filter_state("budgets")
    state["funders"].append("PARTI")  # a funder deleted meanwhile

    again = BudgetsTab(BudgetService(database.session_factory))
    qtbot.addWidget(again)
    again.restore_filter_state(state)
    again.load()
    assert again.current_filter() == chosen
    assert again.filter_bar.funder.currentText().startswith("2 financeurs")
    assert "Année 2023" in again.filters_label.text()


def test_the_cross_table_shown_follows_a_filter_change(tab, qtbot):
    """With the cross-table on screen, a new filter re-sums it (in the worker thread too)."""
    tab.pages.setCurrentIndex(2)
    combo = tab.filter_bar.funder_kind
    combo.setCurrentIndex(combo.findData("region"))
    settled(tab, qtbot)
    model = tab.pivot.model
    outer = [model.text(r, 0) for r in range(model.rowCount()) if model.lines()[r].kind != "line"]
    assert outer == ["Région Occitanie", "Total"]
    assert plain(model.text(model.rowCount() - 1, model.columnCount() - 1)) == "187 069 829 €"


def test_a_slow_first_filter_never_overwrites_a_later_one(tab, qtbot, monkeypatch):
    """« Région » summed slowly, then « État » chosen: the État figures stay on screen."""
    import threading

    service = tab._budgets
    overview = service.overview
    release = threading.Event()

    def slow_for_region(flt, snapshot=None):
        if flt.funder_kind == "region":
            release.wait(10)
        return overview(flt, snapshot=snapshot)

    monkeypatch.setattr(service, "overview", slow_for_region)
    shown: list[str | None] = []
    show = tab._show

    def recording(figures) -> None:
        shown.append(figures[0].filter.funder_kind)
        show(figures)

    monkeypatch.setattr(tab, "_show", recording)
    combo = tab.filter_bar.funder_kind
    combo.setCurrentIndex(combo.findData("region"))
    combo.setCurrentIndex(combo.findData("etat"))
    release.set()
    settled(tab, qtbot)
    assert tab.current_filter().funder_kind == "etat"
    assert "Financeurs : État" in tab.filters_label.text()
    assert shown == ["etat"]  # the Région figures, summed last, were never on screen


def test_the_cross_table_is_summed_off_the_gui_thread(tab, qtbot, monkeypatch):
    """Showing the cross-table and changing its dimensions leave the GUI thread free."""
    import threading

    from desktop.views.budgets import pivot_panel

    threads: list[tuple[str, threading.Thread]] = []
    cross_rows, pivot = tab._budgets.cross_rows, pivot_panel.pivot

    def reading(flt=None, snapshot=None):
        threads.append(("cross_rows", threading.current_thread()))
        return cross_rows(flt, snapshot=snapshot)

    def arranging(rows, row_dims, column_dim):
        threads.append(("pivot", threading.current_thread()))
        return pivot(rows, row_dims, column_dim)

    monkeypatch.setattr(tab._budgets, "cross_rows", reading)
    monkeypatch.setattr(pivot_panel, "pivot", arranging)
    tab.pages.setCurrentIndex(2)
    settled(tab, qtbot)
    tab.pivot.outer.setCurrentIndex(tab.pivot.outer.findData("year"))
    settled(tab, qtbot)
    assert [name for name, _ in threads] == ["cross_rows", "pivot", "pivot"]
    assert all(thread is not threading.main_thread() for _, thread in threads)
    assert tab.pivot.model.table.row_dims[0] == "year"
    assert tab.pivot.model.text(0, 0) == "2022"
