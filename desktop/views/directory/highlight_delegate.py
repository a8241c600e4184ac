"""Paints table cells with the words of the current search highlighted."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.services.directory.search import highlight_spans

MARK = "#ffd54f"  # amber: readable under black text, distinct from the selection blue


class HighlightDelegate(QStyledItemDelegate):
    """The cell as the style draws it, then each match on an amber mark in black. Drawn with
    the font's metrics: a QTextDocument per cell cost a quarter of each keystroke's time."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.tokens: list[str] = []
        self._mark = QColor(MARK)
        self._ink = QColor("#000000")

    def set_tokens(self, tokens: list[str]) -> None:
        self.tokens = list(tokens)

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        text = str(index.data() or "")
        spans = highlight_spans(text, self.tokens) if self.tokens and text else []
        if not spans:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        rect = rect.adjusted(margin, 0, -margin, 0)
        metrics = QFontMetrics(opt.font)
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        visible = len(shown) if shown == text else max(0, len(shown) - 1)  # before the «…»
        left = rect.left()
        if opt.displayAlignment & Qt.AlignmentFlag.AlignRight:
            left = rect.right() + 1 - metrics.horizontalAdvance(shown)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        painter.save()
        painter.setFont(opt.font)
        painter.setPen(opt.palette.color(role))
        painter.drawText(QRect(left, rect.top(), rect.right() + 1 - left, rect.height()), flags,
                         shown)  # fmt: skip
        top = rect.top() + (rect.height() - metrics.height()) // 2
        painter.setPen(self._ink)
        for start, end in spans:
            end = min(end, visible)
            if start >= end:
                continue
            x = left + metrics.horizontalAdvance(shown[:start])
            part = shown[start:end]
            mark = QRect(x, top, metrics.horizontalAdvance(part), metrics.height())
            painter.fillRect(mark.intersected(rect), self._mark)
            painter.drawText(mark, flags, part)
        painter.restore()
