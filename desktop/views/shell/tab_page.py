"""What the main window expects of a tab: loading, and the optional commands its menus route
to the current tab (print, export, search, new/edit/delete). Edits announce their history batch
so that Ctrl+Z can undo them."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from desktop.views.shell.empty_state import EmptyAction

# What a tab may ask of the main window's File menu (command_requested), from its empty states.
IMPORT, TEMPLATES = "import", "templates"


class TabPage(QWidget):
    """Base of the three tabs. Subclasses override what they support; the menus grey out the
    commands a tab returns None/False for."""

    # Emitted after a committed edit with its history batch id (see services/history.py).
    edited = Signal(str)
    loaded = Signal()
    # Ask the main window to show another tab's item: (tab name, key), e.g. ("programmes", "SNU").
    navigate_requested = Signal(str, str)
    # Ask the main window to run one of its commands (IMPORT, TEMPLATES), e.g. from a button of
    # an empty list: the wizard and the templates belong to the File menu, not to a tab.
    command_requested = Signal(str)

    def file_actions(self) -> list[EmptyAction]:
        """« Importer un fichier… » and « Modèles de fichiers… », the two ways to fill an empty
        base from files, as buttons of an empty state."""
        return [
            EmptyAction(
                self.tr("Importer un fichier…"),
                lambda: self.command_requested.emit(IMPORT),
                self.tr("Un classeur Excel, OpenDocument ou un CSV (Ctrl+I)"),
                writes=True,
            ),
            EmptyAction(
                self.tr("Modèles de fichiers…"),
                lambda: self.command_requested.emit(TEMPLATES),
                self.tr("Écrire un classeur vide et documenté par type de données, à remplir "
                        "puis importer"),
            ),
        ]  # fmt: skip

    def load(self) -> None:
        """Read the data from the services and show it (called on first display and refresh)."""

    def print_document(self):
        """The Document the Print/PDF commands print for the current view, or None."""
        return None

    def export_table(self):
        """(columns, rows, suggested file stem) of the visible table for Exporter, or None."""
        return None

    def focus_search(self) -> bool:
        return False

    def new_item(self) -> bool:
        return False

    def edit_item(self) -> bool:
        return False

    def delete_item(self) -> bool:
        return False

    def show_item(self, key: str) -> bool:
        """Select the item named by key (a code) and show its detail."""
        return False
