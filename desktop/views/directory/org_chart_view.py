"""The organisation chart on screen: one item per box over a QGraphicsScene, zoomable, clickable.

Boxes and links come from services/org_chart_layout.py and are painted by the same routine as
the printed chart (reports/org_chart_report.py); the scene unit is the point.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPainterPath, QPen, QWheelEvent
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from desktop.reports.directory.org_chart import LINK, paint_box, qt_measure
from desktop.services.directory.org_chart import ChartUnit
from desktop.services.directory.org_chart_layout import Box, ChartLayout, Options, layout_chart

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.05, 4.0
# Rows of sub-units wrap past this width (points): the chart stays roughly as wide as tall.
SCREEN_WIDTH = 1700.0


class BoxItem(QGraphicsItem):
    """A unit's box; the view routes clicks, the item only paints and carries its unit id."""

    def __init__(self, box: Box, tooltip: str) -> None:
        super().__init__()
        self.box = box
        self.selected = False
        self.setPos(box.x, box.y)
        self.setToolTip(tooltip)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    @property
    def unit_id(self) -> int:
        return self.box.unit_id

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(-3, -3, self.box.width + 6, self.box.height + 6)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        paint_box(painter, self.box, -self.box.x, -self.box.y, 1.0, selected=self.selected)


def _tooltip(unit: ChartUnit) -> str:
    lines = [f"{unit.acronym} — {unit.name}" if unit.acronym else unit.name]
    for post in unit.posts:
        who = post.holder or "Poste vacant"
        role = {"head": "Responsable", "deputy": "Adjoint", "site_manager": "Resp. de site"}
        lines.append(
            f"{role.get(post.role, post.role)} : {who}" + (" (intérim)" if post.is_interim else "")
        )
    return "\n".join(lines)


class OrgChartView(QGraphicsView):
    """Ctrl+wheel, Ctrl++ / Ctrl+- / Ctrl+0 zoom; arrows move between boxes; a click selects."""

    unit_clicked = Signal(int)  # select this unit (tree and detail)
    unit_activated = Signal(int)  # double-click or Enter: chart of this unit alone
    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Organigramme graphique"))
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(QColor("#fbfbfb"))
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.chart_layout: ChartLayout | None = None
        self.boxes: dict[int, BoxItem] = {}
        self.units: dict[int, ChartUnit] = {}
        self.root_id: int | None = None
        self.selected_id: int | None = None
        self._parents: dict[int, int] = {}
        self._children: dict[int, list[int]] = {}

    # --- content ----------------------------------------------------------------------------

    def set_chart(self, units: list[ChartUnit], root_id: int | None) -> None:
        """Lay out and show the chart of root_id (drawn from `units`, its subtree)."""
        scene = self.scene()
        scene.clear()
        self.boxes.clear()
        self.units = {u.id: u for u in units}
        self.root_id = root_id
        self.selected_id = None
        if not units:
            self.chart_layout = None
            return
        self.chart_layout = layout_chart(
            units, root_id, measure=qt_measure, options=Options(max_width=SCREEN_WIDTH)
        )
        path = QPainterPath()
        self._parents.clear()
        self._children = {}
        for link in self.chart_layout.connectors:
            self._parents[link.child_id] = link.parent_id
            self._children.setdefault(link.parent_id, []).append(link.child_id)
            first, *rest = link.points
            path.moveTo(QPointF(*first))
            for point in rest:
                path.lineTo(QPointF(*point))
        links = QGraphicsPathItem(path)
        pen = QPen(QColor(LINK), 1.3)
        pen.setCosmetic(True)  # stays visible when zoomed far out
        links.setPen(pen)
        scene.addItem(links)
        for box in self.chart_layout.boxes:
            item = BoxItem(box, _tooltip(self.units[box.unit_id]))
            scene.addItem(item)
            self.boxes[box.unit_id] = item
        margin = 20
        scene.setSceneRect(
            QRectF(
                -margin,
                -margin,
                self.chart_layout.width + 2 * margin,
                self.chart_layout.height + 2 * margin,
            )
        )

    def contains(self, unit_id: int | None) -> bool:
        return unit_id in self.boxes

    def select(self, unit_id: int | None, *, ensure_visible: bool = True) -> None:
        """Highlight a unit's box (and scroll to it); None clears the highlight."""
        previous = self.boxes.get(self.selected_id)
        if previous is not None:
            previous.selected = False
            previous.update()
        self.selected_id = unit_id if unit_id in self.boxes else None
        item = self.boxes.get(self.selected_id)
        if item is not None:
            item.selected = True
            item.update()
            if ensure_visible:
                self.ensureVisible(item, 40, 40)

    # --- zoom -------------------------------------------------------------------------------

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        factor = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        self.resetTransform()
        self.scale(factor, factor)
        self.zoom_changed.emit(self.zoom)

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / ZOOM_STEP)

    def reset_zoom(self) -> None:
        """100 %: a point of the chart is a point on the screen."""
        self.set_zoom(self.logicalDpiY() / 72)

    def fit_to_window(self) -> None:
        if self.chart_layout is None:
            return
        self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom > self.logicalDpiY() / 72:  # a small chart is not blown up
            self.reset_zoom()
        else:
            self.set_zoom(self.zoom)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.set_zoom(self.zoom * ZOOM_STEP**steps)
            event.accept()
            return
        super().wheelEvent(event)

    # --- mouse and keyboard -----------------------------------------------------------------

    def _unit_at(self, position) -> int | None:
        for item in self.items_at(position):
            return item.unit_id
        return None

    def items_at(self, position) -> list[BoxItem]:
        return [i for i in self.items(position) if isinstance(i, BoxItem)]

    def mousePressEvent(self, event) -> None:  # noqa: N802
        unit_id = self._unit_at(event.position().toPoint())
        if unit_id is not None and event.button() == Qt.MouseButton.LeftButton:
            self.select(unit_id, ensure_visible=False)
            self.unit_clicked.emit(unit_id)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        unit_id = self._unit_at(event.position().toPoint())
        if unit_id is not None:
            self.unit_activated.emit(unit_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key, mods = event.key(), event.modifiers()
        if mods & Qt.KeyboardModifier.ControlModifier:
            if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
                self.zoom_in()
                return
            if key == Qt.Key.Key_Minus:
                self.zoom_out()
                return
            if key == Qt.Key.Key_0:
                self.reset_zoom()
                return
        target = self._neighbour(key)
        if target is not None:
            self.select(target)
            self.unit_clicked.emit(target)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.selected_id is not None:
            self.unit_activated.emit(self.selected_id)
            return
        super().keyPressEvent(event)

    def _neighbour(self, key: int) -> int | None:
        """Arrows walk the tree: up to the parent, down to the first sub-unit, left and right
        among siblings."""
        current = self.selected_id
        if current is None:
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Right):
                return self.root_id if self.root_id in self.boxes else next(iter(self.boxes), None)
            return None
        if key == Qt.Key.Key_Up:
            return self._parents.get(current)
        if key == Qt.Key.Key_Down:
            return (self._children.get(current) or [None])[0]
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            parent = self._parents.get(current)
            siblings = self._children.get(parent, []) if parent is not None else []
            if current in siblings:
                index = siblings.index(current) + (1 if key == Qt.Key.Key_Right else -1)
                if 0 <= index < len(siblings):
                    return siblings[index]
        return None
