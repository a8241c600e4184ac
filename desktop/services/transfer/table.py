"""One sheet as an import reads it: its header found among the first rows, then its rows in
batches, each checked for what would otherwise be lost or guessed without a word."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop.services.transfer import limits
from desktop.services.transfer.columns import propose_mapping
from desktop.services.transfer.export import FORMULA_STARTS
from desktop.services.transfer.limits import FileReadError, count, excerpt

_HEADER_SCAN = 30  # rows searched for the header (title lines above it are common)
_FORMULA = "".join(FORMULA_STARTS)
_C1 = re.compile("[\x80-\x9f]")
# The 27 code points Windows-1252 gives to 0x80-0x9F (the 5 it leaves undefined stay as they are).
_C1_AS_CP1252 = {
    code: bytes([code]).decode("cp1252")
    for code in range(0x80, 0xA0)
    if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


@dataclass
class Table:
    """The data of one sheet: header cells, data rows (blank rows dropped) and their numbers in
    the file as a spreadsheet shows them (the header row is usually 1)."""

    path: Path
    headers: list[str]
    rows: list[list[object]]
    numbers: list[int]
    header_row: int = 1
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    encoding: str | None = None
    separator: str | None = None
    expected_rows: int | None = None  # rows after the header, blank ones included (a bound)
    repaired: int = 0  # cells whose C1 control characters were read as Windows-1252 (batches)


# Rows handed over at a time by read_table_stream: a batch is (row numbers, rows, the same
# rows' cells column by column).
Batches = Iterator[tuple[list[int], list[list[object]], list[tuple]]]
STREAM_BATCH = 4096


def blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def collect(
    path: Path, rows, first_number: int, kind: str | None, where: str, separator: str | None = None
) -> tuple[Table, Batches]:
    """Find the header now, then give the non-blank rows with their numbers in batches as they
    are read; blank rows are counted, not stored, so a million of them after the data cost
    nothing but the iteration. `separator`: a CSV file's, whose rows must have the header's
    number of fields (a spreadsheet's rows are padded to the sheet's width by calamine)."""
    scanned: list[tuple[int, list]] = []
    number = first_number - 1
    rows = iter(rows)
    for row in rows:
        number += 1
        if len(row) > limits.MAX_COLUMNS and any(not blank(c) for c in row[limits.MAX_COLUMNS :]):
            # Before the header is looked for: matching 100 000 titles alone takes seconds.
            raise limits.FileLimitError(
                f"« {path.name} » : {where} a {count(len(row))} colonnes à la ligne {number} "
                f"({count(limits.MAX_COLUMNS)} au plus dans un tableur)."
            )
        if any(not blank(c) for c in row):
            scanned.append((number, list(row)))
            if len(scanned) >= _HEADER_SCAN:
                break
    if not scanned:
        raise FileReadError(f"« {path.name} » : {where} est vide (aucune ligne remplie).")
    header_at = _header_index(scanned, kind)
    header_row, header = scanned[header_at]
    headers = [_header_text(c) for c in header]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    if width > limits.MAX_COLUMNS:
        raise limits.FileLimitError(
            f"« {path.name} » : {where} a {count(width)} colonnes "
            f"({count(limits.MAX_COLUMNS)} au plus dans un tableur)."
        )
    table = Table(path, headers, [], [], header_row=header_row)
    checks = _RowChecks(path, where, headers, separator, table)

    def batches() -> Batches:
        out_rows = [checks.fit(r, n) for n, r in scanned[header_at + 1 :]]
        numbers = [n for n, _ in scanned[header_at + 1 :]]
        append_row, append_number = out_rows.append, numbers.append
        fit = checks.fit
        for row_number, row in enumerate(rows, number + 1):
            # Most rows have their first cell filled: one test, then the row as it is.
            first = row[0] if row else None
            if (first is None or first == "" or (type(first) is str and first.isspace())) and all(
                c is None or (isinstance(c, str) and not c.strip()) for c in row
            ):
                continue
            append_row(row if type(row) is list and len(row) == width else fit(row, row_number))
            append_number(row_number)
            if len(out_rows) >= STREAM_BATCH:
                checks.rows_seen(row_number)
                yield numbers, out_rows, checks.columns(out_rows, numbers)
                out_rows, numbers = [], []
                append_row, append_number = out_rows.append, numbers.append
        if out_rows:
            checks.rows_seen(numbers[-1])
            yield numbers, out_rows, checks.columns(out_rows, numbers)

    return table, batches()


class _RowChecks:
    """What a row may not do without the user being told: hold a value in a column without a
    title, have fewer or more fields than the header (CSV), hold a cell longer than a
    spreadsheet's, swallow the next lines through a misplaced quote, or be row 1 048 577."""

    def __init__(self, path: Path, where: str, headers: list[str], separator: str | None,
                 table: Table) -> None:  # fmt: skip
        self.path, self.where, self.headers, self.table = path, where, headers, table
        self.width = len(headers)
        self.separator = separator

    def fit(self, row: Sequence[object], number: int) -> list[object]:
        """Pad or cut a row to the header's width (a new list), refusing what would be lost."""
        width = self.width
        cells = list(row[:width])
        extra = [c for c in row[width:] if not blank(c)]
        if extra:
            index = next(i for i, c in enumerate(row) if i >= width and not blank(c))
            if self.separator is None:
                cell = f"{limits.column_name(index + 1)}{number}"
                raise FileReadError(
                    f"« {self.path.name} », {self.where} : la cellule {cell} contient "
                    f"« {excerpt(extra[0])} » mais sa colonne n'a pas de titre dans la ligne "
                    "d'en-tête. Donnez-lui un titre ou videz-la : sa valeur serait perdue."
                )
            raise FileReadError(
                f"« {self.path.name} », ligne {number} : {len(row)} champs pour {width} "
                f"colonnes d'en-tête ; « {excerpt(extra[0])} » n'aurait pas de colonne "
                "(séparateur en trop dans une valeur ? mettez-la entre guillemets)."
            )
        if len(cells) < width:
            if self.separator is not None:
                raise FileReadError(
                    f"« {self.path.name} », ligne {number} : {len(row)} champ(s) pour {width} "
                    "colonnes d'en-tête : la ligne est incomplète (fichier tronqué, ou "
                    "séparateur manquant) ; rien n'est deviné."
                )
            cells.extend([None] * (width - len(cells)))
        return cells

    def rows_seen(self, last: int) -> None:
        if last > limits.MAX_ROWS:
            raise limits.FileLimitError(
                f"« {self.path.name} » : {self.where} a plus de {count(limits.MAX_ROWS)} lignes, "
                "le maximum d'un tableur : découpez le fichier."
            )

    def columns(self, rows: list[list[object]], numbers: list[int]) -> list[tuple]:
        """The rows' columns, each checked for cells too long and, in a CSV, for values holding
        whole lines; the ' our exports put before formula-like text is undone. One C-level
        transposition, then per column one join tells whether anything needs a closer look."""
        width = self.width
        columns = list(zip(*rows, strict=True)) if rows and width else [() for _ in range(width)]
        for index, column in enumerate(columns):
            try:
                joined = "\x00".join(column)
            except TypeError:  # numbers, dates, empty cells: only text needs a look
                joined = "\x00".join([c for c in column if type(c) is str])
            if len(joined) > limits.MAX_CELL_CHARS:
                self._check_lengths(index, column, numbers)
            if self.separator is not None and "\n" in joined:
                self._check_lines(index, column, numbers)
            if _C1.search(joined):
                self._repair_c1(index, rows)
                columns[index] = tuple(row[index] for row in rows)
                joined = "\x00".join(c for c in columns[index] if type(c) is str)
            if "\x00'" not in "\x00" + joined:
                continue
            for row in rows:
                cell = row[index]
                if isinstance(cell, str) and cell[:1] == "'" and cell[1:2] and cell[1] in _FORMULA:
                    row[index] = cell[1:]
            columns[index] = tuple(row[index] for row in rows)
        return columns

    def _repair_c1(self, index: int, rows: list[list[object]]) -> None:
        """U+0080-U+009F are control characters no one types: text decoded as Latin-1 where it
        was Windows-1252 (U+0092 for ’), which prints as a blank. Read as Windows-1252."""
        for row in rows:
            cell = row[index]
            if type(cell) is str and _C1.search(cell):
                row[index] = cell.translate(_C1_AS_CP1252)
                self.table.repaired += 1

    def _check_lengths(self, index: int, column: tuple, numbers: list[int]) -> None:
        lengths = [len(c) if type(c) is str else 0 for c in column]
        longest = max(lengths)
        if longest <= limits.MAX_CELL_CHARS:
            return
        at = lengths.index(longest)
        raise limits.FileLimitError(
            f"« {self.path.name} », ligne {numbers[at]}, colonne « {excerpt(self.headers[index])} »"
            f" : valeur de {count(longest)} caractères ({count(limits.MAX_CELL_CHARS)} au plus "
            f"dans une cellule) : « {excerpt(column[at])} »."
        )

    def _check_lines(self, index: int, column: tuple, numbers: list[int]) -> None:
        """A quoted value may span lines (an address); one whose next lines hold separators
        enough for half a row is rows swallowed by a quote opened and closed too late (a comma
        is common in text: two at least)."""
        needed = max(1 if self.separator != "," else 2, (self.width - 1) // 2)
        for at, cell in enumerate(column):
            if type(cell) is not str or "\n" not in cell:
                continue
            if any(line.count(self.separator) >= needed for line in cell.split("\n")[1:]):
                raise FileReadError(
                    f"« {self.path.name} », ligne {numbers[at]}, colonne "
                    f"« {excerpt(self.headers[index])} » : la valeur contient une ligne entière "
                    f"(« {excerpt(cell.split(chr(10))[1])} ») : un guillemet mal fermé a fusionné "
                    "des lignes. Corrigez le guillemet et importez de nouveau."
                )


def _header_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return " ".join(str(cell).split())


def _header_index(scanned: list[tuple[int, list]], kind: str | None) -> int:
    """With a kind, the row naming most of its columns; else the first row as wide as the
    widest of the rows scanned (a title line above the header is narrower)."""
    if kind is not None:
        best, best_score = None, 0
        for index, (_, row) in enumerate(scanned):
            score = sum(1 for m in propose_mapping(kind, row) if m is not None)
            if score > best_score:
                best, best_score = index, score
        if best is not None:
            return best
    widths = [sum(1 for c in row if not blank(c)) for _, row in scanned]
    widest = max(widths)
    return next(i for i, w in enumerate(widths) if w >= max(2, widest // 2) or w == widest)
