"""Paints table cells with the words of the current search highlighted."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QModelIndex, QPointF, QRectF
from PySide6.QtGui import QAbstractTextDocumentLayout, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.services.directory_search import highlight_spans

MARK = "#ffd54f"  # amber: readable under black text, distinct from the selection blue


def highlighted_html(text: str, tokens: list[str]) -> str | None:
    """The text as HTML with the matches marked, or None when nothing matches."""
    spans = highlight_spans(text, tokens)
    if not spans:
        return None
    parts, last = [], 0
    for start, end in spans:
        parts.append(escape(text[last:start]))
        parts.append(f'<span style="background-color:{MARK}; color:#000000">')
        parts.append(escape(text[start:end]) + "</span>")
        last = end
    parts.append(escape(text[last:]))
    return "".join(parts)


class HighlightDelegate(QStyledItemDelegate):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.tokens: list[str] = []

    def set_tokens(self, tokens: list[str]) -> None:
        self.tokens = list(tokens)

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        text = index.data() or ""
        html = highlighted_html(str(text), self.tokens) if self.tokens else None
        if html is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(opt.font)
        doc.setHtml(html)
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, opt.palette.color(group))
        painter.save()
        top = rect.top() + max(0.0, (rect.height() - doc.size().height()) / 2)
        painter.translate(QPointF(rect.left() + 2, top))
        painter.setClipRect(QRectF(0, 0, rect.width() - 2, rect.height()))
        doc.documentLayout().draw(painter, context)
        painter.restore()
