"""Rows as the ingest path takes them: given whole column by column, arriving batch by batch
while their file is read, or one at a time once converted (`Row`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
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
    by name) each. SQLite's columnar path checks and writes each batch as it comes and keeps
    none; every other path takes the rows all at once with `whole()`.

    `again` reads the rows once more from the start: then only the first KEEP rows seen are
    kept, for a path that gives up early (a file imported again shows known keys in its first
    batch), and `whole()` after a later give-up reads the file again instead of every batch
    having been held (a million rows of text: 330 MB). Without it every batch is kept.
    `expected` is a bound on the count (blank rows included) known before reading."""

    KEEP = 65_536

    def __init__(self, batches: Iterator[tuple[list[int], dict[str, list]]],
                 names: Sequence[str], expected: int | None = None, *,
                 again: Callable[[], Iterator[tuple[list[int], dict[str, list]]]] | None = None,
                 ) -> None:  # fmt: skip
        self._live: Iterator | None = batches
        self._again = again
        self._kept: list[tuple[list[int], dict[str, list]]] | None = []
        self._kept_rows = 0
        self.names = list(names)
        self.columns = {name: [] for name in self.names}  # the rows of whole(), else empty
        self.numbers: list[int] = []
        self.seen = 0
        self.expected = expected
        self._whole: ColumnRows | None = None

    def __len__(self) -> int:  # the rows seen so far (all of them once whole() was called)
        return max(self.seen, len(self.numbers))

    def batches(self) -> Iterator[tuple[list[int], dict[str, list]]]:
        """The batches not read yet, as they are read (once: a second call gives the rest)."""
        if self._live is None:
            return
        for numbers, columns in self._live:
            self.seen += len(numbers)
            if self._kept is not None:
                if self._again is None or self._kept_rows + len(numbers) <= self.KEEP:
                    self._kept.append((numbers, columns))
                    self._kept_rows += len(numbers)
                else:
                    self._kept = None  # whole() will read the file again
            yield numbers, columns

    def whole(self) -> ColumnRows:
        """Every row: those kept and the rest of the file, or the file read again (once: the
        rows are then kept for a second call, the bulk path's give-up on PostgreSQL)."""
        if self._whole is not None:
            return self._whole
        if self._kept is None and self._again is not None:
            self._live = None  # the first reading let go before the second one starts
            parts: list[tuple[list[int], dict[str, list]]] = list(self._again())
        else:
            parts = [*(self._kept or ()), *self.batches()]
        self._kept, self._live = None, None
        self.numbers = [n for numbers, _columns in parts for n in numbers]
        self.columns = {
            name: [v for _numbers, columns in parts for v in columns.get(name, ())]
            for name in self.names
        }
        self._whole = ColumnRows(self.columns, len(self.numbers))
        return self._whole


@dataclass
class Row:
    number: int
    raw: Mapping[str, object]
    values: dict[str, object] = field(default_factory=dict)  # column -> converted value
    lists: dict[str, list[int]] = field(default_factory=dict)
    key: tuple | None = None
    existing_id: int | None = None
    ok: bool = True
