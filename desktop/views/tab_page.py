"""What the main window expects of a tab: loading, and the optional commands its menus route
to the current tab (print, export, search, new/edit/delete). Edits announce their history batch
so that Ctrl+Z can undo them."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget


class TabPage(QWidget):
    """Base of the three tabs. Subclasses override what they support; the menus grey out the
    commands a tab returns None/False for."""

    # Emitted after a committed edit with its history batch id (see services/history.py).
    edited = Signal(str)
    loaded = Signal()
    # Ask the main window to show another tab's item: (tab name, key), e.g. ("programmes", "SNU").
    navigate_requested = Signal(str, str)

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
