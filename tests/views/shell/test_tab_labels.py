"""Tab labels are drawn whole: an unselected « Échéancier » keeps its accent (issue 20)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QTabBar

from desktop.app import create_application


def _top_ink_row(image: QImage, left: int, right: int) -> int:
    """The first row, from the top, holding a dark pixel between left and right."""
    for y in range(image.height()):
        for x in range(left, right):
            if QColor(image.pixel(x, y)).lightness() < 100:
                return y
    return image.height()


def test_an_unselected_tab_draws_its_capital_accent_like_the_selected_one(qtbot):
    """Two tabs with the same label: the unselected one's « É » reaches as high as the
    selected one's (the style used to push it down two pixels and cut its accent)."""
    create_application()  # the application's style, as the window uses it
    bar = QTabBar()
    qtbot.addWidget(bar)
    bar.addTab("Échéancier")
    bar.addTab("Échéancier")
    bar.setCurrentIndex(0)
    bar.show()
    qtbot.waitExposed(bar)
    image = bar.grab().toImage()
    selected, unselected = bar.tabRect(0), bar.tabRect(1)
    top_selected = _top_ink_row(image, selected.left() + 4, selected.right() - 4)
    top_unselected = _top_ink_row(image, unselected.left() + 4, unselected.right() - 4)
    assert top_unselected == top_selected


def test_each_menu_has_its_own_letter(qtbot, filled_database, tmp_path):
    """Alt+letter opens one menu: Affichage and Aide no longer share Alt+A."""
    from desktop.app import build_main_window
    from desktop.settings import Settings

    window = build_main_window(filled_database, Settings(tmp_path / "pilotis.ini"))
    qtbot.addWidget(window)
    titles = [action.text() for action in window.menuBar().actions()]
    letters = [t[t.index("&") + 1].lower() for t in titles]
    assert titles == ["&Fichier", "&Édition", "&Affichage", "Aid&e"]
    assert len(set(letters)) == len(letters)


def test_a_save_in_any_tab_says_enregistre_and_what_in_the_status_bar(
    qtbot, filled_database, tmp_path, monkeypatch
):
    """Saving a programme in its editor confirms « Enregistré : Programme « SNU »
    (modification) — Ctrl+Z pour annuler » in the window's status bar, as the directory does
    (« Enregistré : fiche modifiée — … »)."""
    from desktop.app import build_main_window
    from desktop.settings import Settings
    from desktop.views.programmes.editor_dialog import ProgrammeEditorDialog

    monkeypatch.setattr(ProgrammeEditorDialog, "open_dialog", lambda self: self.show())
    window = build_main_window(filled_database, Settings(tmp_path / "pilotis.ini"))
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentIndex(1)
    window.load_current_tab()
    tab = window.programmes_tab
    assert tab.show_item("SNU")
    assert tab.edit_item()
    tab.editor.general.name.setText("Service national universel — phase 1")
    tab.editor.save_button.click()
    assert not tab.editor.isVisible()
    assert window.statusBar().currentMessage() == (
        "Enregistré : Programme « SNU » (modification) — Ctrl+Z pour annuler"
    )
