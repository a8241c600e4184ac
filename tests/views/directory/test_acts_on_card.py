"""Ctrl+P, Ctrl+E and F2 in the Annuaire act on the record the card shows, not the tree's."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QDialog

from desktop.reports.document import write_pdf
from desktop.views.directory.person_dialog import PersonDialog
from desktop.views.directory.unit_dialog import UnitDialog


def _pdf(document, path):
    """The PDF's pages as whitespace-normalised text."""
    from pypdf import PdfReader

    write_pdf(document, path)
    return [" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages]


def _open_drajes_from_search(tab, qtbot):
    """Type « drajes » and activate the unit result, as a user picks it from the list."""
    qtbot.keyClicks(tab.search_edit, "drajes")
    item = tab.units_list.item(0)
    assert item.text().startswith("DRAJES —")
    tab.units_list.itemActivated.emit(item)
    assert tab.detail.unit.acronym == "DRAJES"
    return tab.detail.unit


def test_ctrl_p_prints_the_unit_opened_from_a_search(directory_tab, qtbot, tmp_path):
    """A unit opened from the search results is printed, not the tree's whole région."""
    tab = directory_tab
    tree_unit = tab.tree_model.unit(tab.current_unit_id())
    whole = _pdf(tab.print_document(), tmp_path / "tree.pdf")
    drajes = _open_drajes_from_search(tab, qtbot)
    assert tab.current_unit_id() != drajes.id  # the tree still points elsewhere
    pages = _pdf(tab.print_document(), tmp_path / "drajes.pdf")
    assert "Annuaire des services — DRAJES" in pages[0]
    assert tree_unit is None or f"Annuaire des services — {tree_unit.short_label}" not in pages[0]
    assert len(pages) < len(whole)
    text = " ".join(pages)
    assert "ETIENNE Pascal" in text
    assert "KANCAL Sélim" in text
    units = tab._service.report_units(drajes.id)
    assert len(units) == 6  # DRAJES and its five sub-units, nothing else
    assert "MADIOT Nicolas" in " ".join(whole)
    assert "MADIOT Nicolas" not in text


def test_ctrl_e_exports_the_people_of_the_unit_on_the_card(directory_tab, qtbot):
    """Ctrl+E on a unit opened from a search exports that unit's people and names the file."""
    tab = directory_tab
    drajes = _open_drajes_from_search(tab, qtbot)
    _columns, rows, stem = tab.export_table()
    below = {u.unit.id for u in tab._service.report_units(drajes.id)}
    assert rows
    assert all(r.unit_id in below for r in rows)
    assert any(r.last_name == "ETIENNE" for r in rows)
    assert stem == "Annuaire DRAJES"


def test_f2_edits_the_unit_then_the_person_on_the_card(directory_tab, qtbot, monkeypatch):
    """F2 opens the form of the card's unit, then of the person followed from that card."""
    tab = directory_tab
    drajes = _open_drajes_from_search(tab, qtbot)
    opened = []

    def unit_exec(dialog):
        opened.append(dialog.name_edit.text())
        return QDialog.DialogCode.Rejected

    def person_exec(dialog):
        opened.append(f"{dialog.last_name_edit.text()} {dialog.first_name_edit.text()}")
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(UnitDialog, "exec", unit_exec)
    monkeypatch.setattr(PersonDialog, "exec", person_exec)
    assert tab.edit_item()
    assert opened == [drajes.name]
    head = next(p for p in drajes.posts if p.person_label == "ETIENNE Pascal")
    tab.detail.anchorClicked.emit(QUrl(f"person:{head.person_id}"))
    assert tab.detail.person.id == head.person_id
    assert tab.edit_item()
    assert opened == [drajes.name, "ETIENNE Pascal"]
