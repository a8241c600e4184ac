"""The message shown in place of an empty list, tree, chart area or table: what is missing and
the buttons that fill it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

# French typography: the space before : ; ? ! and inside « » does not break, so that no line
# of a wrapped message starts with a colon or a closing guillemet.
_NO_BREAK = ((" :", "\u00a0:"), (" ;", "\u00a0;"), (" ?", "\u00a0?"), (" !", "\u00a0!"),
             ("« ", "«\u00a0"), (" »", "\u00a0»"))  # fmt: skip


def french_spacing(text: str) -> str:
    for plain, kept in _NO_BREAK:
        text = text.replace(plain, kept)
    return text


# The text column's width in average characters: a sentence reads in one or two glances, and
# the same measure holds at 150 % since it follows the font.
TEXT_CHARS = 72


@dataclass(frozen=True)
class EmptyAction:
    """A button of an empty state. `writes`: it changes the data, so it is greyed while the
    base is open read-only (the command would be refused anyway)."""

    text: str
    slot: Callable[[], object]
    tip: str = ""
    writes: bool = False


class EmptyState(QWidget):
    """A title, one or two sentences and action buttons, centred in the space it is given."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._actions: tuple[EmptyAction, ...] = ()
        self.buttons: list[QPushButton] = []
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.title.setFont(font)
        self.text = QLabel(self)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column = QWidget(self)
        self._column = column
        column.setMaximumWidth(self._text_width())
        column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._button_row = QHBoxLayout()
        self._button_row.setSpacing(8)
        inner = QVBoxLayout(column)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(10)
        inner.addWidget(self.title)
        inner.addWidget(self.text)
        inner.addSpacing(4)
        inner.addLayout(self._button_row)
        # Stretches rather than an alignment flag: an aligned widget gets its size hint, and a
        # word-wrapped label then keeps the height of one line and is cut.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column, 100)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        outer.addLayout(row)
        outer.addStretch(3)  # a little above the middle, where the eye lands first

    def set_content(self, title: str, text: str = "", actions: Sequence[EmptyAction] = ()) -> None:
        title, text = french_spacing(title), french_spacing(text)
        self.title.setText(title)
        self.text.setText(text)
        self.text.setVisible(bool(text))
        self.setAccessibleName(title)
        self.setAccessibleDescription(text)
        actions = tuple(actions)
        if actions != self._actions:
            self._actions = actions
            self._rebuild_buttons()
        self._follow_read_only()

    def _rebuild_buttons(self) -> None:
        while self._button_row.count():
            item = self._button_row.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()  # at once: deleteLater waits for the event loop
                item.widget().deleteLater()
        self.buttons = []
        self._button_row.addStretch(1)
        for action in self._actions:
            button = QPushButton(action.text, self)
            button.setAccessibleName(action.text.rstrip("…"))
            if action.tip:
                button.setToolTip(action.tip)
            button.clicked.connect(lambda _=False, slot=action.slot: slot())
            self._button_row.addWidget(button)
            self.buttons.append(button)
        self._button_row.addStretch(1)
        # Never narrower than the buttons, or the column would cut their labels.
        self._column.setMaximumWidth(max(self._text_width(), self._button_row.sizeHint().width()))

    def _text_width(self) -> int:
        return self.fontMetrics().averageCharWidth() * TEXT_CHARS

    def button(self, text: str) -> QPushButton | None:
        """The button labelled text (as shown, with its « … »), or None."""
        return next((b for b in self.buttons if b.text() == text), None)

    def button_texts(self) -> list[str]:
        return [button.text() for button in self.buttons]

    def _follow_read_only(self) -> None:
        read_only = bool(getattr(self.window(), "read_only", False))
        for button, action in zip(self.buttons, self._actions, strict=True):
            button.setEnabled(not (action.writes and read_only))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        self._follow_read_only()  # the base may have been switched to read-only meanwhile
        super().showEvent(event)


class EmptyStack(QStackedWidget):
    """Holds a content widget (a list, a tree, a chart area) and shows either it or, in its
    place, its empty state; the content keeps its size, selection and scroll position."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.content = content
        self.empty = EmptyState(self)
        self.addWidget(content)
        self.addWidget(self.empty)

    def show_empty(self, title: str, text: str = "", actions: Sequence[EmptyAction] = ()) -> None:
        self.empty.set_content(title, text, actions)
        self.setCurrentWidget(self.empty)

    def show_content(self) -> None:
        self.setCurrentWidget(self.content)

    @property
    def showing_empty(self) -> bool:
        return self.currentWidget() is self.empty
