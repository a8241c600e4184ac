"""Read the spreadsheets and CSV files partners send (.xlsx, .xls, .ods, .csv) into header + rows,
with the file's own row numbers and a clear French reason when the file cannot be read."""

from __future__ import annotations

import stat
from pathlib import Path

from desktop.services.transfer.bulk import gc_paused
from desktop.services.transfer.columns import (
    SYNONYMS,
    Column,
    describe_columns,
    header_key,
    kind_columns,
    missing_required,
    propose_mapping,
)
from desktop.services.transfer.limits import FileReadError, excerpt
from desktop.services.transfer.table import STREAM_BATCH, Batches, Table
from desktop.services.transfer.text_reader import read_csv, read_json
from desktop.services.transfer.workbook_reader import open_workbook, read_workbook

# The reading facade's public names, wherever they are defined.
__all__ = [
    "STREAM_BATCH", "SUPPORTED", "SYNONYMS", "Batches", "Column", "FileReadError", "Table",
    "check_regular_file", "describe_columns", "header_key", "kind_columns", "missing_required",
    "propose_mapping", "read_table", "read_table_stream", "sheet_names",
]  # fmt: skip

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT_FILES = (".csv", ".txt", ".tsv")
SUPPORTED = SPREADSHEETS + TEXT_FILES + (".json",)


def sheet_names(path: Path | str) -> list[str]:
    """The sheets of a workbook ([] for a CSV file)."""
    path = Path(path)
    if path.suffix.lower() not in SPREADSHEETS or not path.is_file():
        return []
    return open_workbook(path).sheet_names


def read_table(path: Path | str, sheet: str | None = None, kind: str | None = None) -> Table:
    """Read one sheet (the first by default) or a CSV file; the header is the first row that
    names the kind's columns (or the first non-blank row), trailing blank rows are dropped."""
    with gc_paused():
        table, batches = read_table_stream(path, sheet=sheet, kind=kind)
        for numbers, rows, _columns in batches:
            table.numbers += numbers
            table.rows += rows
        return table


def read_table_stream(
    path: Path | str, sheet: str | None = None, kind: str | None = None
) -> tuple[Table, Batches]:
    """read_table's header now (a Table without rows yet), its rows as they are read: an
    import can check and write the first thousands while the rest is still being converted.
    A file that turns out unreadable further down raises FileReadError from the batches."""
    path = Path(path)
    suffix = path.suffix.lower()
    check_regular_file(path)
    if suffix not in SUPPORTED:
        raise FileReadError(
            f"« {excerpt(path.name)} » : format non pris en charge "
            f"({excerpt(path.suffix, 20) or 'sans extension'}) ; choisissez un fichier .xlsx, "
            ".xls, .ods, .csv ou .json."
        )
    if suffix in SPREADSHEETS:
        return read_workbook(path, sheet, kind)
    if suffix == ".json":
        return read_json(path, kind)
    return read_csv(path, kind)


def check_regular_file(path: Path) -> None:
    """A French reason for a path that is not a file one can import: absent, a folder, a
    device or a pipe (reading /dev/zero would never end)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise FileReadError(f"Fichier introuvable : {excerpt(path, 200)}.") from None
    except PermissionError:
        raise FileReadError(
            f"« {excerpt(path.name)} » : lecture refusée par le système (droits d'accès)."
        ) from None
    except OSError as exc:
        raise FileReadError(
            f"« {excerpt(path.name)} » n'est pas accessible ({exc.strerror or exc})."
        ) from exc
    if stat.S_ISDIR(mode):
        raise FileReadError(
            f"« {excerpt(path, 200)} » est un dossier : choisissez un fichier à l'intérieur."
        )
    if not stat.S_ISREG(mode):
        raise FileReadError(
            f"« {excerpt(path, 200)} » n'est pas un fichier ordinaire (un périphérique ou un "
            "tube) : il n'est pas lu."
        )
