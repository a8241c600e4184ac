"""Write tables to .xlsx or .csv as a French Excel user expects them: typed cells, euros with a
number format, frozen header, set widths, `;`-separated UTF-8 with BOM, no formula injection
(xlsx text written as string cells, CSV text beginning like a formula prefixed with ')."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from desktop.errors import PilotisError
from desktop.services.common.columns import TableColumn

# Text that a spreadsheet would run as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
KINDS = ("text", "int", "number", "money", "date", "percent")


@dataclass(frozen=True)
class ExportColumn:
    header: str
    value: Callable[[object], object]
    kind: str = "text"  # text, int, number, money (cents), date, percent (0..1)
    width: float | None = None  # characters; guessed from the content when None


# A table's column kinds (services/common/columns.py) as the writer's cell kinds.
_CELL_KINDS = {
    "text": "text", "count": "int", "number": "number", "euros": "money", "date": "date",
    "percent": "percent",
}  # fmt: skip


def file_columns(columns: Sequence[ExportColumn | TableColumn]) -> list[ExportColumn]:
    """The columns written: a table's exported columns (its one description, the screen's
    too) under their labels, kinds and widths; ExportColumns as they are."""
    return [
        ExportColumn(c.label, c.value, _CELL_KINDS[c.kind], c.width)
        if isinstance(c, TableColumn)
        else c
        for c in columns
        if not isinstance(c, TableColumn) or c.exported
    ]


def neutralise(text: str) -> str:
    """A text cell beginning like a formula is prefixed with ' so it stays text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_rows(
    path: Path | str,
    columns: Sequence[ExportColumn | TableColumn],
    rows: Sequence[object],
    *,
    sheet: str = "Données",
    title: str | None = None,
) -> Path:
    """Write rows to path; the format follows the extension (.xlsx or .csv)."""
    path = Path(path)
    columns = file_columns(columns)
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            _write_xlsx(path, columns, rows, sheet, title)
        elif suffix == ".csv":
            _write_csv(path, columns, rows)
        else:
            raise PilotisError(
                f"Format d'export inconnu « {path.suffix} » : choisissez .xlsx ou .csv."
            )
    except OSError as exc:
        raise PilotisError(f"Impossible d'écrire {path} : {exc.strerror or exc}.") from exc
    return path


def _cell(column: ExportColumn, row: object, *, csv_text: bool = False) -> object:
    """A cell's value as written. Text is neutralised in CSV only: a CSV cell is whatever the
    spreadsheet makes of it, while an xlsx string cell (write_string, strings_to_formulas off)
    is never a formula, and a ' there would show (a phone « '+33 4 67… » in Excel)."""
    value = column.value(row)
    if value is None or value == "":
        return None
    if column.kind == "money":
        return int(value) / 100
    if column.kind in ("int", "number", "percent"):
        return value
    if column.kind == "date":
        return value
    return neutralise(str(value)) if csv_text else str(value)


def _write_csv(path: Path, columns: Sequence[ExportColumn], rows: Sequence[object]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([c.header for c in columns])
        for row in rows:
            writer.writerow([_csv_text(c, _cell(c, row, csv_text=True)) for c in columns])


def _csv_text(column: ExportColumn, value: object) -> str:
    """French Excel reads `1234,56` and `31/12/2023`; no thousands separator, so it parses."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        if column.kind == "money":
            return f"{value:.2f}".replace(".", ",")
        return repr(value).replace(".", ",")
    return str(value)


def exact_numbers(workbook) -> None:
    """Make a workbook's sheets write numbers as Python's repr (the shortest text that reads
    back the same float, up to 17 significant digits) instead of xlsxwriter's fixed %.16G,
    which rounds the 17th digit of coordinates away."""
    from xlsxwriter.worksheet import Worksheet

    global _EXACT_WORKSHEET
    if _EXACT_WORKSHEET is None:

        class ExactWorksheet(Worksheet):
            def _xml_number_element(self, number, attributes=()) -> None:
                attr = "".join(f' {k}="{self._escape_attributes(v)}"' for k, v in attributes)
                text = number if type(number) is int else repr(float(number))
                self.fh.write(f"<c{attr}><v>{text}</v></c>")

        _EXACT_WORKSHEET = ExactWorksheet
    workbook.worksheet_class = _EXACT_WORKSHEET


_EXACT_WORKSHEET = None


def _write_xlsx(
    path: Path,
    columns: Sequence[ExportColumn],
    rows: Sequence[object],
    sheet: str,
    title: str | None,
) -> None:
    import xlsxwriter

    # strings_to_formulas off: a text cell is never a formula, whatever it starts with.
    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_numbers": False, "constant_memory": True},
    )
    exact_numbers(workbook)
    try:
        worksheet = workbook.add_worksheet(sheet[:31])
        header = workbook.add_format({"bold": True, "bg_color": "#DDE4F0", "border": 1})
        formats = {
            "money": workbook.add_format({"num_format": '#,##0.00 "€"'}),
            "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
            "int": workbook.add_format({"num_format": "0"}),
            "number": workbook.add_format({"num_format": "#,##0.##"}),
            "percent": workbook.add_format({"num_format": "0.0%"}),
        }
        if title:
            workbook.set_properties({"title": title, "author": "Pilotis"})
        widths = [max(len(c.header), 6) for c in columns]
        worksheet.write_row(0, 0, [c.header for c in columns], header)
        worksheet.freeze_panes(1, 0)
        for r, row in enumerate(rows, start=1):
            for c, column in enumerate(columns):
                value = _cell(column, row)
                if value is None:
                    continue
                if column.kind == "date" and isinstance(value, date):
                    worksheet.write_datetime(r, c, datetime.combine(value, datetime.min.time())
                                             if not isinstance(value, datetime) else value,
                                             formats["date"])  # fmt: skip
                    width = 10
                elif column.kind in formats and isinstance(value, int | float):
                    worksheet.write_number(r, c, value, formats[column.kind])
                    width = len(f"{value:,.2f}") + 2
                else:
                    worksheet.write_string(r, c, str(value))
                    width = len(str(value))
                widths[c] = max(widths[c], min(width, 60))
        for c, column in enumerate(columns):
            worksheet.set_column(c, c, (column.width or widths[c]) + 2)
        if rows:
            worksheet.autofilter(0, 0, len(rows), len(columns) - 1)
    finally:
        workbook.close()
