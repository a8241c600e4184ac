"""Helpers shared by the tabs' item views: a configured table view and copy to the clipboard."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTreeView, QWidget


def make_table_view(parent: QWidget, accessible_name: str) -> QTableView:
    view = QTableView(parent)
    view.setAccessibleName(accessible_name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setSortingEnabled(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    return view


def make_tree_view(parent: QWidget, accessible_name: str) -> QTreeView:
    view = QTreeView(parent)
    view.setAccessibleName(accessible_name)
    view.setAlternatingRowColors(True)
    view.setUniformRowHeights(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    return view


def selection_as_text(view: QAbstractItemView) -> str:
    """Selected cells as tab-separated lines, the format Excel and LibreOffice paste as a table."""
    indexes = sorted(view.selectionModel().selectedIndexes(), key=lambda i: (i.row(), i.column()))
    lines: dict[tuple, list[str]] = {}
    for index in indexes:
        row_key = (
            (index.parent().row(), index.row()) if index.parent().isValid() else (-1, index.row())
        )
        text = index.data(Qt.ItemDataRole.DisplayRole)
        lines.setdefault(row_key, []).append("" if text is None else str(text).replace("\t", " "))
    return "\n".join("\t".join(cells) for cells in lines.values())


def copy_selection(view: QAbstractItemView) -> bool:
    text = selection_as_text(view)
    if text:
        QGuiApplication.clipboard().setText(text)
    return bool(text)
