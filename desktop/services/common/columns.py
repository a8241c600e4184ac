"""Each table described once: the columns a screen shows and a file export writes, read by both.

A `TableColumn` names a field of a row (key), its French label, its kind (text, count, number,
euros in cents, date, percent as a rate) and a width hint in characters. The screen's Qt model
(views/shell/rows_table_model.py and the tab models) and the exporter (services/transfer/
export.py) read the same list, so a header renamed or a column added changes both. A column
may stay off the screen (`on_screen=False`: an export-only detail such as a code the screen
shows as a tooltip) or out of the file (`exported=False`: a screen-only hint).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from desktop.services.common.formatting import format_date, format_euros, format_percent

KINDS = ("text", "count", "number", "euros", "date", "percent")
# The kinds written as numbers (right-aligned on screen).
NUMERIC = frozenset({"count", "number", "euros", "percent"})


@dataclass(frozen=True)
class TableColumn:
    key: str
    label: str
    value: Callable[[Any], object]  # the cell: exported, sorted and copied
    kind: str = "text"
    width: float | None = None  # characters; guessed from the content when None
    text: Callable[[Any], str] | None = None  # the screen's text, when not the kind's
    sort: Callable[[Any], object] | None = None  # the screen's sort key, when not the value
    tooltip: Callable[[Any], str | None] | None = None  # on screen
    on_screen: bool = True
    exported: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Type de colonne inconnu « {self.kind} » pour « {self.label} ».")

    def shown(self, row: Any) -> str:
        """The text a screen shows: the column's own, else the kind's French format."""
        if self.text is not None:
            return self.text(row)
        value = self.value(row)
        if self.kind == "percent":
            return format_percent(value, 1)  # « — » when there is no rate
        if value is None:
            return ""
        if self.kind == "euros":
            return format_euros(value)
        if self.kind == "date":
            return format_date(value)
        return str(value)

    def sort_key(self, row: Any) -> object:
        return self.sort(row) if self.sort is not None else self.value(row)

    @property
    def align_right(self) -> bool:
        return self.kind in NUMERIC


def on_screen(columns: Sequence[TableColumn]) -> list[TableColumn]:
    return [c for c in columns if c.on_screen]


def exported(columns: Sequence[TableColumn]) -> list[TableColumn]:
    return [c for c in columns if c.exported]
