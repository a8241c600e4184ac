"""A reader of .xlsx cells straight from the workbook's XML, neither calamine nor xlsxwriter: the
independent reader the export round trips are checked with when LibreOffice is not installed.

It reads every cell type a writer may emit (ECMA-376 Part 1, §18.3.1.4 `c`, §18.18.11 `ST_CellType`):
shared strings (`s`), inline strings (`inlineStr`, how xlsxwriter's constant-memory mode writes
every string), formula strings (`str`), numbers (`n` or no type), booleans (`b`), ISO dates (`d`)
and errors (`e`), placed by their column reference so that empty cells keep their place. A
number whose style has a date format (built-in formats 14-22 and 45-47, or a custom format with
day, month or year codes) is a date, counted from 1899-12-30 as Excel's 1900 date system does.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REFERENCE = re.compile(r"([A-Z]+)(\d+)")
_BUILTIN_DATE_FORMATS = set(range(14, 23)) | {45, 46, 47}
_DATE_CODES = re.compile(r"[dmyhs]")
_EPOCH = datetime(1899, 12, 30)

Cell = str | float | int | bool | date | datetime | None


def _text(node) -> str:
    """The text of a string item: plain `t`, or the runs `r/t` of rich text (phonetic runs
    `rPh` are not part of the value)."""
    if node is None:
        return ""
    parts = [t.text or "" for t in node.findall(f"{_NS}t")]
    parts += [t.text or "" for run in node.findall(f"{_NS}r") for t in run.findall(f"{_NS}t")]
    return "".join(parts)


def _column(reference: str) -> int:
    letters = _REFERENCE.fullmatch(reference).group(1)
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _number(raw: str) -> float | int:
    value = float(raw)
    return int(value) if value.is_integer() and "." not in raw and "E" not in raw.upper() else value


def _sheet_path(archive: zipfile.ZipFile, index: int) -> str:
    """The part of the index-th sheet, through workbook.xml and its relationships."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheets = workbook.find(f"{_NS}sheets").findall(f"{_NS}sheet")
    rel_id = sheets[index].get(f"{_REL_NS}id")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError(rel_id)


def sheet_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    return [s.get("name") for s in workbook.find(f"{_NS}sheets").findall(f"{_NS}sheet")]


def read_cells(path: Path, sheet: int = 0) -> list[list[Cell]]:
    """The rows of one sheet as Python values; a missing cell is None, rows keep their place."""
    with zipfile.ZipFile(path) as archive:
        date_styles = _date_styles(archive)
        strings: list[str] = []
        if "xl/sharedStrings.xml" in archive.namelist():
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            strings = [_text(si) for si in root.findall(f"{_NS}si")]
        root = ElementTree.fromstring(archive.read(_sheet_path(archive, sheet)))
    rows: list[list[Cell]] = []
    for row in root.iter(f"{_NS}row"):
        number = int(row.get("r", len(rows) + 1))
        while len(rows) < number - 1:
            rows.append([])
        cells: list[Cell] = []
        for cell in row.findall(f"{_NS}c"):
            reference = cell.get("r")
            column = _column(reference) if reference else len(cells)
            cells.extend([None] * (column - len(cells)))
            cells.append(_value(cell, strings, date_styles))
        rows.append(cells)
    return rows


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell styles (`cellXfs`) whose number format shows a date."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    root = ElementTree.fromstring(archive.read("xl/styles.xml"))
    custom = set()
    formats = root.find(f"{_NS}numFmts")
    for fmt in formats.findall(f"{_NS}numFmt") if formats is not None else ():
        code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", fmt.get("formatCode", "").lower())
        if _DATE_CODES.search(code):
            custom.add(int(fmt.get("numFmtId")))
    styles = root.find(f"{_NS}cellXfs")
    return {
        index
        for index, xf in enumerate(styles.findall(f"{_NS}xf") if styles is not None else ())
        if int(xf.get("numFmtId", 0)) in _BUILTIN_DATE_FORMATS | custom
    }


def _value(cell, strings: list[str], date_styles: set[int]) -> Cell:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return _text(cell.find(f"{_NS}is"))
    node = cell.find(f"{_NS}v")
    raw = node.text if node is not None and node.text is not None else None
    if raw is None:
        return None
    if kind == "s":
        return strings[int(raw)]
    if kind in ("str", "e"):
        return raw
    if kind == "b":
        return raw == "1"
    if kind == "d":
        return datetime.fromisoformat(raw) if "T" in raw else date.fromisoformat(raw)
    if int(cell.get("s", 0)) in date_styles:
        # rounded to the millisecond, as Excel shows it: a serial is a binary fraction of a day
        moment = _EPOCH + timedelta(milliseconds=round(float(raw) * 86_400_000))
        return (
            moment.date()
            if moment == datetime.combine(moment.date(), datetime.min.time())
            else moment
        )
    return _number(raw)
