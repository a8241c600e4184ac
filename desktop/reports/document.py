"""A printable document model (headings, paragraphs, tables, charts) and its A4 layout, painted
with QtGui on any paged device: QPdfWriter for PDF, QPrinter for paper and print preview.

One drawing routine serves preview, printer and PDF. Text stays text (vector PDF); charts are
SVG rendered as vectors. Every page gets the header (organisation, title, date) and a footer
with « Page n / N ».
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QByteArray, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

ORGANISATION = "Région académique Occitanie"
MM = 72 / 25.4  # layout unit is the point (1/72 inch); the painter is scaled to it
MARGIN_MM = 15
HEADER_PT = 30
FOOTER_PT = 22
GAP_PT = 6


@dataclass
class Heading:
    text: str
    level: int = 1  # 1: section, 2: sub-section

    def place(self, layout: Layout) -> None:
        font = text_font(12 if self.level == 1 else 10, bold=True)
        h = layout.text_height(self.text, font, layout.width)
        layout.ensure(h + 40 * layout.k)  # keep a heading with what follows it
        layout.y += 4 * layout.k if layout.y > layout.top else 0
        color = "#1f3864" if self.level == 1 else "#2f5496"
        layout.pages[-1].append(
            TextItem(QRectF(0, layout.y, layout.width, h), self.text, font, color)
        )
        layout.y += h + layout.gap / 2


@dataclass
class Paragraph:
    text: str
    italic: bool = False
    size: float = 9.5

    def place(self, layout: Layout) -> None:
        font = text_font(self.size, italic=self.italic)
        h = layout.text_height(self.text, font, layout.width)
        layout.ensure(h)
        layout.pages[-1].append(TextItem(QRectF(0, layout.y, layout.width, h), self.text, font))
        layout.y += h + layout.gap


@dataclass
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float] | None = None  # relative column widths
    # The column that takes the room the others leave once each has the width of its widest
    # cell (names wrap on word boundaries there); None: the relative widths above.
    flex: int | None = None
    align_right: frozenset[int] = frozenset()
    bold_rows: frozenset[int] = frozenset()  # totals and subtotals
    shaded_rows: frozenset[int] = frozenset()  # group headings
    muted_rows: frozenset[int] = frozenset()  # e.g. vacant posts
    size: float = 8.5

    def _fitted_widths(self, layout: Layout, body: QFont, head: QFont, pad: float) -> list[float]:
        """Each column but the flexible one as wide as its widest cell (its header may wrap
        between words); the flexible column, the names, takes the rest."""
        body_m, head_m = QFontMetricsF(body, layout.device), QFontMetricsF(head, layout.device)
        bold = self.bold_rows | self.shaded_rows
        natural = []
        for index, header in enumerate(self.headers):
            words = str(header).replace("\u00ad", "").split() or [""]
            width = max(head_m.horizontalAdvance(w) for w in words)
            for number, row in enumerate(self.rows):
                metrics = head_m if number in bold else body_m
                if index < len(row):
                    width = max(width, metrics.horizontalAdvance(str(row[index])))
            natural.append(width + 2 * pad + 4 * layout.k)  # slack: rounding must not wrap
        others = sum(w for i, w in enumerate(natural) if i != self.flex)
        room = layout.width - others
        if room < layout.width * 0.22:  # too wide: every column shrinks, the names keep a share
            scale = layout.width * 0.78 / others
            natural = [w * scale for w in natural]
            room = layout.width * 0.22
        natural[self.flex] = room
        return natural

    def place(self, layout: Layout) -> None:
        count = len(self.headers)
        weights = list(self.widths or [1] * count)
        total = sum(weights)
        widths = [layout.width * w / total for w in weights]
        pad = 2.5 * layout.k
        body_font = text_font(self.size)
        head_font = text_font(self.size, bold=True)
        if self.flex is not None:
            widths = self._fitted_widths(layout, body_font, head_font, pad)

        def row_height(cells: Sequence[str], font: QFont) -> float:
            heights = [
                layout.text_height(str(c), font, w - 2 * pad)
                for c, w in zip(cells, widths, strict=False)
            ]
            return max([*heights, QFontMetricsF(font, layout.device).height()]) + 2 * pad

        head_h = row_height(self.headers, head_font)

        def place_row(cells: Sequence[str], font: QFont, fill: str | None, color: str) -> None:
            h = row_height(cells, font)
            page = layout.pages[-1]
            rect = QRectF(0, layout.y, layout.width, h)
            page.append(RectItem(rect, fill, "#b4b4b4", 0.4 * layout.k))
            x = 0.0
            for index, (cell, w) in enumerate(zip(cells, widths, strict=False)):
                align = (
                    Qt.AlignmentFlag.AlignRight
                    if index in self.align_right
                    else Qt.AlignmentFlag.AlignLeft
                )
                rect = QRectF(x + pad, layout.y + pad, w - 2 * pad, h - 2 * pad)
                flags = int(align | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap)
                page.append(TextItem(rect, str(cell), font, color, flags))
                x += w
            layout.y += h

        layout.ensure(head_h + row_height(self.rows[0], body_font) if self.rows else head_h)
        place_row(self.headers, head_font, "#dde4f0", "#000000")
        for index, cells in enumerate(self.rows):
            bold = index in self.bold_rows or index in self.shaded_rows
            font = head_font if bold else body_font
            h = row_height(cells, font)
            if layout.y + h > layout.bottom:
                layout.new_page()
                place_row(self.headers, head_font, "#dde4f0", "#000000")  # repeated header
            fill = "#eef1f7" if index in self.shaded_rows else ("#f6f6f6" if bold else None)
            color = "#6b6b6b" if index in self.muted_rows else "#000000"
            place_row(cells, font, fill, color)
        layout.y += layout.gap


@dataclass
class Chart:
    """A chart as SVG bytes (matplotlib with svg.fonttype 'none', so text stays text), or a
    function giving them: the layout needs only the height, so a preview paints its first page
    before the charts of the others are drawn."""

    svg: bytes | Callable[[], bytes]
    height_mm: float = 90
    caption: str = ""

    def data(self) -> bytes:
        if callable(self.svg):
            self.svg = self.svg()
        return self.svg

    def renderer(self):
        """The parsed SVG, once for every page and device that paints it."""
        from PySide6.QtSvg import QSvgRenderer

        cached = self.__dict__.get("_renderer")
        if cached is None:
            cached = QSvgRenderer(QByteArray(self.data()))
            cached.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
            self.__dict__["_renderer"] = cached
        return cached

    def place(self, layout: Layout) -> None:
        h = self.height_mm * MM * layout.k
        font = text_font(7.5, italic=True)
        caption_h = layout.text_height(self.caption, font, layout.width) if self.caption else 0
        layout.ensure(h + caption_h)
        layout.pages[-1].append(_SvgItem(QRectF(0, layout.y, layout.width, h), self))
        layout.y += h
        if self.caption:
            rect = QRectF(0, layout.y, layout.width, caption_h)
            layout.pages[-1].append(TextItem(rect, self.caption, font, "#444444"))
            layout.y += caption_h
        layout.y += layout.gap


@dataclass
class PageBreak:
    """Start the next block on a new page."""

    def place(self, layout: Layout) -> None:
        if layout.pages[-1]:
            layout.breaks.add(len(layout.pages) - 1)
        layout.new_page()


class Block(Protocol):
    """What a document holds: anything that places itself on the layout's pages (headings,
    paragraphs, tables, charts, page breaks here; the organisation chart in
    reports/directory/org_chart.py)."""

    def place(self, layout: Layout) -> None: ...


@dataclass
class Document:
    title: str
    subtitle: str = ""
    blocks: list[Block] = field(default_factory=list)
    landscape: bool = False
    printed_on: date = field(default_factory=date.today)

    def add(self, *blocks: Block) -> Document:
        self.blocks.extend(blocks)
        return self


def page_layout(landscape: bool) -> QPageLayout:
    orientation = (
        QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    )
    margins = QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM)
    return QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4), orientation, margins, QPageLayout.Unit.Millimeter
    )


def write_pdf(document: Document, path: Path | str) -> int:
    """Write the document as a vector PDF; returns the number of pages."""
    writer = QPdfWriter(str(path))
    writer.setTitle(document.title)
    writer.setCreator("Pilotis")
    writer.setResolution(300)
    writer.setPageLayout(page_layout(document.landscape))
    return render(document, writer)


@dataclass
class Pages:
    """A document laid out for one device: the items of each page, their orientation, how much
    of each page's body they fill and which pages end a section (an explicit page break)."""

    document: Document
    items: list[list]
    landscape: list[bool]
    width: float
    height: float
    k: float
    fill: list[float]
    section_ends: list[bool]

    def __len__(self) -> int:
        return len(self.items)


def paginate(document: Document, device: QPagedPaintDevice) -> Pages:
    """Lay the document out on the device's printable rectangle (A4 already set)."""
    rect = device.pageLayout().paintRectPixels(device.resolution())
    # Layout happens in device pixels; k converts points (1/72 inch) to them. Fonts keep
    # point sizes, which the device's own resolution renders; metrics are the device's.
    k = device.resolution() / 72
    width, height = float(rect.width()), float(rect.height())
    layout = Layout(width, height, k, device, document.landscape)
    items = layout.paginate(document.blocks)
    return Pages(document, items, layout.landscape, width, height, k, layout.fills(),
                 layout.section_ends())  # fmt: skip


def paint_page(painter: QPainter, pages: Pages, number: int) -> None:
    """Paint page `number` (from 1) with its header and footer, in device pixels."""
    landscape = pages.landscape[number - 1]
    portrait = landscape == pages.document.landscape
    w, h = (pages.width, pages.height) if portrait else (pages.height, pages.width)
    _paint_frame(painter, pages.document, w, h, pages.k, number, len(pages))
    for item in pages.items[number - 1]:
        item.paint(painter)


def render(document: Document, device: QPagedPaintDevice, progress=None) -> int:
    """Paint every page on the device (already set to A4); returns the number of pages.
    progress(done, total) is called after each page (a dialog may cancel by raising)."""
    pages = paginate(document, device)
    # An org chart in a portrait document turns its own pages to landscape (margins are the
    # same on every side, so the printable rectangle just swaps its sides).
    original = device.pageLayout().orientation()
    turned = {
        False: QPageLayout.Orientation.Portrait,
        True: QPageLayout.Orientation.Landscape,
    }
    if pages.landscape[0] != document.landscape:
        device.setPageOrientation(turned[pages.landscape[0]])
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("Impossible d'écrire le document (fichier ou imprimante indisponible).")
    try:
        for number in range(1, len(pages) + 1):
            if number > 1:
                if pages.landscape[number - 1] != pages.landscape[number - 2]:
                    device.setPageOrientation(turned[pages.landscape[number - 1]])
                device.newPage()
            paint_page(painter, pages, number)
            if progress is not None:
                progress(number, len(pages))
        return len(pages)
    finally:
        painter.end()
        if device.pageLayout().orientation() != original:
            device.setPageOrientation(original)


def text_font(size: float, *, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont("DejaVu Sans")
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(size)
    font.setBold(bold)
    font.setItalic(italic)
    return font


def _paint_frame(
    painter: QPainter, doc: Document, width: float, height: float, k: float, n: int, total: int
) -> None:
    painter.save()
    painter.setPen(QColor("#1f3864"))
    painter.setFont(text_font(8, bold=True))
    painter.drawText(QRectF(0, 0, width * 0.6, 12 * k), Qt.AlignmentFlag.AlignLeft, ORGANISATION)
    painter.setFont(text_font(8))
    painter.drawText(
        QRectF(width * 0.4, 0, width * 0.6, 12 * k),
        Qt.AlignmentFlag.AlignRight,
        f"Édité le {doc.printed_on.strftime('%d/%m/%Y')}",
    )
    painter.setFont(text_font(11, bold=True))
    title = doc.title + (f" — {doc.subtitle}" if doc.subtitle else "")
    painter.drawText(QRectF(0, 11 * k, width, 16 * k), Qt.AlignmentFlag.AlignLeft, title)
    painter.setPen(QPen(QColor("#1f3864"), 0.8 * k))
    painter.drawLine(QPointF(0, (HEADER_PT - 2) * k), QPointF(width, (HEADER_PT - 2) * k))
    painter.setPen(QColor("#555555"))
    painter.setFont(text_font(7.5))
    footer = QRectF(0, height - 10 * k, width, 10 * k)
    painter.drawText(footer, Qt.AlignmentFlag.AlignLeft, "Pilotis")
    painter.drawText(footer, Qt.AlignmentFlag.AlignRight, f"Page {n} / {total}")
    painter.restore()


class Item(ABC):
    @abstractmethod
    def paint(self, painter: QPainter) -> None: ...


@dataclass
class TextItem(Item):
    rect: QRectF
    text: str
    font: QFont
    color: str = "#000000"
    flags: int = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)

    def paint(self, painter: QPainter) -> None:
        painter.setFont(self.font)
        painter.setPen(QColor(self.color))
        painter.drawText(self.rect, self.flags, self.text)


@dataclass
class RectItem(Item):
    rect: QRectF
    fill: str | None
    line: str | None = None
    line_width: float = 1.0

    def paint(self, painter: QPainter) -> None:
        pen = QPen(QColor(self.line), self.line_width) if self.line else Qt.PenStyle.NoPen
        painter.setPen(pen)
        painter.setBrush(QColor(self.fill) if self.fill else Qt.BrushStyle.NoBrush)
        painter.drawRect(self.rect)


@dataclass
class _SvgItem(Item):
    rect: QRectF
    chart: Chart

    def paint(self, painter: QPainter) -> None:
        # Qt's SVG renderer starts from the painter's font: a bold or italic cell painted
        # just before would otherwise turn every label of the chart bold or italic.
        painter.save()
        painter.setFont(text_font(8))
        self.chart.renderer().render(painter, self.rect)
        painter.restore()


class Layout:
    """Places blocks top to bottom, starting a page when the next piece does not fit."""

    def __init__(
        self,
        width: float,
        height: float,
        k: float,
        device: QPagedPaintDevice,
        landscape: bool = False,
    ) -> None:
        self.width = width
        self.height = height
        self.k = k
        self.device = device
        self.gap = GAP_PT * k
        self.top = (HEADER_PT + GAP_PT) * k
        self.bottom = height - FOOTER_PT * k
        self.pages: list[list[Item]] = [[]]
        self.breaks: set[int] = set()  # pages ended by an explicit break
        self.orientation = landscape
        self.landscape: list[bool] = [landscape]  # per page
        self.y = self.top

    def new_page(self) -> None:
        if self.pages[-1]:
            self.pages.append([])
            self.landscape.append(self.orientation)
        self.y = self.top

    def ensure(self, needed: float) -> None:
        if self.y + needed > self.bottom and self.y > self.top:
            self.new_page()

    def paginate(self, blocks: Sequence[Block]) -> list[list[Item]]:
        for block in blocks:
            block.place(self)
        if len(self.pages) > 1 and not self.pages[-1]:
            self.pages.pop()
            self.landscape.pop()
        return self.pages

    def fills(self) -> list[float]:
        """How much of each page's body (between header and footer) its content covers."""
        body = self.bottom - self.top
        result = []
        for page in self.pages:
            rects = [item.rect for item in page if hasattr(item, "rect")]
            low = max((r.bottom() for r in rects), default=self.top)
            result.append(max(0.0, min(1.0, (low - self.top) / body)))
        return result

    def section_ends(self) -> list[bool]:
        last = len(self.pages) - 1
        return [n in self.breaks or n == last or self.landscape[n] for n in range(len(self.pages))]

    def text_height(self, text: str, font: QFont, width: float) -> float:
        metrics = QFontMetricsF(font, self.device)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
        return metrics.boundingRect(QRectF(0, 0, width, 10_000), flags, text).height()
