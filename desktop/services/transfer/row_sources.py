"""Rows as the ingest path takes them: given whole column by column, arriving batch by batch
while their file is read, or one at a time once converted (`Row`)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field


class ColumnRows(Sequence[Mapping[str, object]]):
    """Rows given column by column (a file's mapped columns, all of the same length): the
    columnar path reads the lists as they are; the row-by-row path sees one dict per row."""

    def __init__(self, columns: Mapping[str, Sequence[object]], count: int) -> None:
        self.columns = dict(columns)
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        return {name: column[index] for name, column in self.columns.items()}

    def __iter__(self):
        names = list(self.columns)
        for values in zip(*self.columns.values(), strict=True):
            yield dict(zip(names, values, strict=True))

    def column(self, name: str) -> list[object]:
        """A column's values (the list itself: do not modify it)."""
        values = self.columns.get(name)
        if values is None:
            return [None] * self._count
        return values if isinstance(values, list) else list(values)


class ColumnStream:
    """Rows arriving batch by batch while their file is still being read: (row numbers, columns
    by name) each. SQLite's columnar path checks and writes each batch as it comes; every
    other path takes the rows all at once with `whole()`, which keeps the batches already
    seen. `expected` is a bound on the count (blank rows included) known before reading."""

    def __init__(self, batches: Iterator[tuple[list[int], dict[str, list]]],
                 names: Sequence[str], expected: int | None = None) -> None:  # fmt: skip
        self._batches = batches
        self.columns: dict[str, list] = {name: [] for name in names}
        self.numbers: list[int] = []
        self.expected = expected

    def __len__(self) -> int:  # the rows seen so far (all of them once whole() was called)
        return len(self.numbers)

    def batches(self) -> Iterator[tuple[list[int], dict[str, list]]]:
        for numbers, columns in self._batches:
            self.numbers += numbers
            for name, values in columns.items():
                self.columns[name] += values
            yield numbers, columns

    def whole(self) -> ColumnRows:
        """Every row: the batches not seen yet are read now (batches() keeps each one)."""
        deque(self.batches(), maxlen=0)
        return ColumnRows(self.columns, len(self.numbers))


@dataclass
class Row:
    number: int
    raw: Mapping[str, object]
    values: dict[str, object] = field(default_factory=dict)  # column -> converted value
    lists: dict[str, list[int]] = field(default_factory=dict)
    key: tuple | None = None
    existing_id: int | None = None
    ok: bool = True
