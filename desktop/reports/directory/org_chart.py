"""The organisation chart drawn with QPainter: boxes and links for the screen, the printer and a
vector PDF (text stays text), and `python main.py report orgchart`.

Positions come from services/directory/org_chart_layout.py in points (pages from
org_chart_pages.py); `scale` maps them to the device (device pixels per point in print, 1 in a
QGraphicsScene), and fonts are sized so that text keeps the proportions the layout measured,
whatever the device's resolution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen, QPolygonF

from desktop.reports.document import (
    FOOTER_PT,
    Document,
    Item,
    Layout,
    TextItem,
    text_font,
)
from desktop.services.directory.org_chart import ChartUnit
from desktop.services.directory.org_chart_layout import STYLES, Box, ChartLayout, Connector
from desktop.services.directory.org_chart_pages import ChartPage
from desktop.services.directory.org_chart_pages import paginate as paginate_chart

FONT_FAMILY = "DejaVu Sans"
# The tinted band of a box, by kind of unit: the hierarchy reads at a glance, in grey too.
BAND = {
    "region": "#c5d3ea", "rectorat": "#d3ddef", "cabinet": "#e3ddf0", "secretariat": "#e3ddf0",
    "comite": "#ebe7f3", "pole": "#d5e9ef", "direction": "#d9ead1", "service": "#f1e4cc",
    "departement": "#ececec", "mission": "#ececec",
}  # fmt: skip
COLOURS = {
    "label": "#1f3864", "text": "#111111", "muted": "#4d4d4d", "vacant": "#6e6e6e",
    "note": "#1f5fa8",
}  # fmt: skip
BORDER = "#5b6b8c"
LINK = "#7a869e"
VACANT_BORDER = "#8c8c8c"
SELECTED = "#d35400"


def chart_font(size: float, *, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(size)
    font.setBold(bold)
    font.setItalic(italic)
    # Hinting would make advances depend on the size and the device; the layout measured
    # unhinted advances, so the printer and the zoomed screen keep text inside its box.
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


@lru_cache(maxsize=1)
def _metrics_device() -> QImage:
    image = QImage(4, 4, QImage.Format.Format_RGB32)
    dots_per_meter = round(72 / 0.0254)  # 72 dpi: one point is one pixel
    image.setDotsPerMeterX(dots_per_meter)
    image.setDotsPerMeterY(dots_per_meter)
    return image


@lru_cache(maxsize=4)
def _reference_metrics(bold: bool) -> QFontMetricsF:
    return QFontMetricsF(chart_font(100, bold=bold), _metrics_device())


@lru_cache(maxsize=50_000)
def _advance_at_100(text: str, bold: bool) -> float:
    return _reference_metrics(bold).horizontalAdvance(text)


def qt_measure(text: str, size: float, bold: bool) -> float:
    """Width in points of text in the chart font (measured large, so without rounding)."""
    return _advance_at_100(text, bold) * size / 100


# --- painting ----------------------------------------------------------------------------------


def _font_factor(painter: QPainter, scale: float) -> float:
    # A font of s points is s * dpi / 72 device pixels: this makes it s * scale pixels.
    return scale * 72 / painter.device().logicalDpiY()


def paint_connector(painter: QPainter, link: Connector, ox: float, oy: float, scale: float):
    pen = QPen(QColor(LINK), max(0.8 * scale, 1.0))
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    points = [QPointF(ox + x * scale, oy + y * scale) for x, y in link.points]
    painter.drawPolyline(QPolygonF(points))


def paint_box(
    painter: QPainter, box: Box, ox: float, oy: float, scale: float, *, selected: bool = False
) -> None:
    """One unit's box at (ox, oy) + its layout position × scale, text as real text."""
    rect = QRectF(ox + box.x * scale, oy + box.y * scale, box.width * scale, box.height * scale)
    band = QRectF(rect.x(), rect.y(), rect.width(), box.header_height * scale)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#f4f4f4" if box.vacant else "#ffffff"))
    painter.drawRect(rect)
    painter.setBrush(QColor("#e6e6e6" if box.vacant else BAND.get(box.kind, "#ececec")))
    painter.drawRect(band)
    if selected:
        pen = QPen(QColor(SELECTED), max(2.2 * scale, 2.0))
    elif box.vacant:
        pen = QPen(QColor(VACANT_BORDER), max(0.9 * scale, 1.0), Qt.PenStyle.DashLine)
    else:
        pen = QPen(QColor(BORDER), max(0.8 * scale, 1.0))
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect)
    if box.header_height < box.height:
        painter.setPen(QPen(QColor(BORDER), max(0.4 * scale, 0.6)))
        painter.drawLine(band.bottomLeft(), band.bottomRight())
    factor = _font_factor(painter, scale)
    fonts: dict[str, QFont] = {}
    for line in box.lines:
        style = STYLES[line.style]
        font = fonts.get(line.style)
        if font is None:
            font = chart_font(style.size * factor, bold=style.bold, italic=style.italic)
            fonts[line.style] = font
        painter.setFont(font)
        painter.setPen(QColor(COLOURS.get(style.role, "#111111")))
        height = style.size * 1.28 * scale
        text_rect = QRectF(
            rect.x() + line.x * scale, rect.y() + line.y * scale, rect.width(), height
        )
        painter.drawText(
            text_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            line.text,
        )


def paint_layout(
    painter: QPainter,
    layout: ChartLayout,
    ox: float,
    oy: float,
    scale: float,
    window: tuple[float, float, float, float] | None = None,
) -> None:
    """Links first, boxes over them; with a window, only what lies in it (a tile)."""
    if window is not None:
        wx, wy, ww, wh = window

        def inside(x0, y0, x1, y1) -> bool:
            return x1 >= wx and x0 <= wx + ww and y1 >= wy and y0 <= wy + wh

        boxes = [b for b in layout.boxes if inside(b.x, b.y, b.x + b.width, b.bottom)]
        links = [
            c
            for c in layout.connectors
            if inside(
                min(p[0] for p in c.points),
                min(p[1] for p in c.points),
                max(p[0] for p in c.points),
                max(p[1] for p in c.points),
            )  # fmt: skip
        ]
    else:
        boxes, links = list(layout.boxes), list(layout.connectors)
    for link in links:
        paint_connector(painter, link, ox, oy, scale)
    for box in boxes:
        paint_box(painter, box, ox, oy, scale)


def paint_page(painter: QPainter, page: ChartPage, rect: QRectF, k: float) -> None:
    """A chart page in rect (device pixels; k of them per point), centred, clipped to rect."""
    scale = page.scale * k
    painter.save()
    painter.setClipRect(rect)
    if page.window is None:
        ox = rect.x() + (rect.width() - page.layout.width * scale) / 2
        oy = rect.y() + k
    else:
        ox = rect.x() - page.window[0] * scale
        oy = rect.y() - page.window[1] * scale
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    paint_layout(painter, page.layout, ox, oy, scale, page.window)
    painter.restore()


# --- the printed document ----------------------------------------------------------------------


@dataclass
class OrgChart:
    """An organisation chart (ChartUnit rows of services/directory/org_chart.py) on landscape
    pages of its own: the whole chart when it fits, else one page per direction."""

    units: Sequence
    root_id: int | None = None
    min_scale: float = 0.85  # smaller would print text below 6 pt: split into pages instead

    def place(self, layout: Layout) -> None:
        """Landscape pages of its own; what follows starts on a new page."""
        layout.new_page()
        layout.landscape[-1] = True
        width, height = (
            (layout.width, layout.height) if layout.orientation else (layout.height, layout.width)
        )
        k = layout.k
        caption_font = text_font(10, bold=True)
        caption_h = QFontMetricsF(caption_font, layout.device).height() * 1.3
        top = layout.top
        chart_rect = QRectF(0, top + caption_h, width, height - FOOTER_PT * k - top - caption_h)
        pages = paginate_chart(
            self.units,
            self.root_id,
            chart_rect.width() / k - 2,  # room for the outer boxes' borders
            chart_rect.height() / k - 2,
            measure=qt_measure,
            min_scale=self.min_scale,
            first_page=len(layout.pages),
        )
        for index, page in enumerate(pages):
            if index:
                layout.pages.append([])
                layout.landscape.append(True)
            caption = QRectF(0, top, width, caption_h)
            text = QFontMetricsF(caption_font, layout.device).elidedText(
                page.caption, Qt.TextElideMode.ElideRight, width
            )
            flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            layout.pages[-1].append(TextItem(caption, text, caption_font, "#2f5496", flags))
            layout.pages[-1].append(_OrgChartItem(page, chart_rect, k))
        layout.pages.append([])
        layout.landscape.append(layout.orientation)
        layout.y = layout.top


@dataclass
class _OrgChartItem(Item):
    page: ChartPage
    rect: QRectF
    k: float

    def paint(self, painter: QPainter) -> None:
        paint_page(painter, self.page, self.rect, self.k)


def build_document(
    units: list[ChartUnit], root_id: int | None, scope: str, printed_on: date | None = None
) -> Document:
    """A4 landscape: the whole chart on one page when it fits, else one page per direction."""
    document = Document(
        "Organigramme", subtitle=scope, landscape=True, printed_on=printed_on or date.today()
    )
    return document.add(OrgChart(units, root_id))


def build(database, *, unit: str | None = None) -> Document:
    """The chart of one unit (acronym or code) and everything below it, or of the whole tree."""
    from desktop.services.directory.service import DirectoryService

    service = DirectoryService(database.session_factory)
    found = service.require_unit(unit) if unit else None
    if found is None:
        return build_document(service.charts.chart_units(None), None, "tous les services")
    return build_document(service.charts.chart_units(found.id), found.id, found.short_label)
