"""The organisation tree view; dropping a unit on another asks to move it there."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QWidget

from desktop.views.directory.unit_tree_model import UnitTreeModel


class UnitTreeView(QTreeView):
    # (unit id, new parent id): the tab asks the service; the model itself is never moved here.
    unit_dropped = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Organigramme des services"))
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        target = self.indexAt(event.position().toPoint())
        source = self.currentIndex()
        # The move is the service's business (validation, history): the model is left alone.
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        source_id = UnitTreeModel.unit_id_at(source)
        target_id = UnitTreeModel.unit_id_at(target)
        if source_id is not None and target_id is not None and source_id != target_id:
            self.unit_dropped.emit(source_id, target_id)
