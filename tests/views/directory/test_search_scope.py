"""The search's scope is in the search box itself, and widened in one click (issue 20)."""

from __future__ import annotations


def test_the_box_says_where_it_searches_and_chercher_partout_widens_it(directory_tab):
    """With DRAJES chosen in the tree, the empty box reads « Rechercher dans DRAJES… »; a name
    found only elsewhere shows « Chercher partout », which finds it and empties the scope."""
    tab = directory_tab
    assert tab.select_unit(tab._service.find_unit("DRAJES").id)
    assert tab.search_edit.placeholderText().startswith(
        "Rechercher dans DRAJES et ses sous-services"
    )
    tab.search_edit.setText("bejean")  # the rectrice: not in DRAJES
    assert tab.positions_model.total == 0
    assert "Chercher partout" in tab.table_stack.empty.button_texts()
    tab.table_stack.empty.button("Chercher partout").click()
    assert tab.positions_model.total > 0
    assert not tab.scope_check.isChecked()
    assert tab.search_edit.placeholderText().startswith("Rechercher une personne")
