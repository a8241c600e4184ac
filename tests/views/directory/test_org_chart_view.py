"""The « Organigramme » view of the directory tab, driven with the mouse and the keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.reports.directory.org_chart import OrgChart
from desktop.services.directory.edits import PositionInput


@pytest.fixture
def services(directory_services):
    return directory_services


@pytest.fixture
def tab(directory_tab):
    return directory_tab


def chart_of(tab, acronym: str):
    tab.show_item(acronym)
    tab.chart_button.click()
    return tab.chart_panel.view


def box_texts(view, unit_id: int) -> list[str]:
    return [line.text for line in view.boxes[unit_id].box.lines]


def click_box(qtbot, view, unit_id: int, double: bool = False) -> None:
    item = view.boxes[unit_id]
    view.centerOn(item)
    point = view.mapFromScene(item.sceneBoundingRect().center())
    if double:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    else:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_chart_of_the_selected_unit_has_a_box_per_unit_with_heads(tab, services):
    """« Organigramme » on DRAFPICA draws it and its ten departments, heads named."""
    view = chart_of(tab, "DRAFPICA")
    drafpica = services.directory.find_unit("DRAFPICA")
    assert tab.middle.currentWidget() is tab.chart_panel
    assert view.root_id == drafpica.id
    assert len(view.boxes) == 11
    assert box_texts(view, drafpica.id)[:1] == ["DRAFPICA"]
    assert "Nicolas MADIOT" in box_texts(view, drafpica.id)
    assert "Adj. : Mickael DUCHIRON" in box_texts(view, drafpica.id)
    assert view.selected_id == drafpica.id
    assert "DRAFPICA" in tab.chart_panel.title.text()


def test_clicking_a_box_selects_the_unit_in_the_tree_and_the_card(tab, qtbot, services):
    """A click on a department's box shows its card and selects it in the tree."""
    view = chart_of(tab, "DSI2")
    dev = services.directory.find_unit("DSI-DEV")
    click_box(qtbot, view, dev.id)
    assert tab.current_unit_id() == dev.id
    assert tab.detail.unit.id == dev.id
    assert view.selected_id == dev.id
    assert view.root_id == services.directory.find_unit("DSI2").id  # the chart stays


def test_double_click_charts_that_unit_and_parent_button_goes_back_up(tab, qtbot, services):
    """Double-click on DRAJES in the région's chart shows DRAJES alone; « ▲ » goes up."""
    view = chart_of(tab, "POLE-PP")
    drajes = services.directory.find_unit("DRAJES")
    click_box(qtbot, view, drajes.id, double=True)
    assert view.root_id == drajes.id
    assert len(view.boxes) == 6
    tab.chart_panel.buttons["up"].click()
    assert view.root_id == services.directory.find_unit("POLE-PP").id


def test_zoom_buttons_and_keys_change_the_scale(tab, qtbot):
    """Ctrl++ and « + » enlarge, Ctrl+- shrinks, Ctrl+0 is 100 %, fit shows everything."""
    view = chart_of(tab, "DRAJES")
    view.set_zoom(1.0)
    qtbot.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(1.25)
    tab.chart_panel.buttons["in"].click()
    assert view.zoom == pytest.approx(1.5625)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(1.25)
    qtbot.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(view.logicalDpiY() / 72)
    assert tab.chart_panel.zoom_label.text() == "100 %"
    view.set_zoom(3.0)
    tab.chart_panel.buttons["fit"].click()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(view.scene().itemsBoundingRect())


def test_arrow_keys_walk_the_tree_and_select_units(tab, qtbot, services):
    """Down goes to the first pôle, Right to the next, Up back to the direction."""
    view = chart_of(tab, "DRAJES")
    drajes = services.directory.find_unit("DRAJES")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)
    first = tab.current_unit_id()
    assert tab.tree_model.unit(first).name == "Pôle politiques sportives"
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert tab.tree_model.unit(tab.current_unit_id()).name.startswith("Pôle jeunesse")
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert tab.current_unit_id() == drajes.id
    assert view.selected_id == drajes.id


def test_vacant_and_interim_posts_are_visible_in_the_boxes(tab, services):
    """A vacant deputy post reads « Poste vacant » in a box; an interim head « (intérim) »."""
    service = services.directory
    drai = service.find_unit("DRAI")
    service.edits.create_position(PositionInput(drai.id, "Adjoint Toulouse", "deputy"))
    dsi = service.find_unit("DSI-PROXIMITE")
    service.edits.create_position(PositionInput(dsi.id, "Responsable du département", "head"))
    head = service.unit_detail(drai.id).posts_with("head")[0]
    service.edits.update_position(
        head.id, head.version,
        PositionInput(drai.id, head.title, "head", head.person_id, is_interim=True),
    )  # fmt: skip
    tab.load()
    view = chart_of(tab, "DRAI")
    assert "Franck LE CARS (intérim)" in box_texts(view, drai.id)
    assert "Adj. : Poste vacant" in box_texts(view, drai.id)
    view = chart_of(tab, "DSI2")
    assert "Poste vacant" in box_texts(view, dsi.id)
    assert view.boxes[dsi.id].box.vacant  # drawn dashed and grey


def test_print_in_chart_mode_prints_the_chart_and_list_button_returns(tab, services):
    """Ctrl+P on the chart prints the chart shown; « Liste » brings the people list back."""
    view = chart_of(tab, "SIAAJ")
    document = tab.print_document()
    assert document.landscape
    (block,) = document.blocks
    assert isinstance(block, OrgChart)
    assert block.root_id == view.root_id
    assert document.subtitle == "SIAAJ"
    tab.list_button.click()
    assert tab.middle.currentIndex() == 0
    assert tab.print_document().title == "Annuaire des services"


def test_typing_a_search_while_on_the_chart_shows_the_results_list(tab, qtbot):
    """Search results are a list: typing on the chart switches back to it."""
    chart_of(tab, "DRAJES")
    qtbot.keyClicks(tab.search_edit, "kancal")
    assert tab.list_button.isChecked()
    assert tab.positions_model.rowCount() >= 1
