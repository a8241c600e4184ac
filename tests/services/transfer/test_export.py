"""Exports open in Excel as users expect: typed cells, French CSV, no formula injection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from desktop.errors import PilotisError
from desktop.services.transfer.export import ExportColumn, export_rows


@dataclass
class Line:
    label: str
    cents: int
    on: date | None


COLUMNS = [
    ExportColumn("Libellé", lambda r: r.label),
    ExportColumn("Montant", lambda r: r.cents, "money"),
    ExportColumn("Date", lambda r: r.on, "date"),
]
ROWS = [
    Line("=1+1", 192515200, date(2023, 12, 31)),
    Line("+33 4 67", 5, None),
    Line("Cordées de la réussite", 123456, date(2022, 9, 1)),
]


def test_xlsx_keeps_numbers_numbers_dates_dates_and_formulas_text(tmp_path):
    """Amounts are numbers in euros, dates are dates, and « =1+1 » or a phone « +33 4 67 » are
    string cells as typed, without a visible ' (read by the independent reader of tests/)."""
    from tests.xlsx_reader import read_cells

    path = export_rows(tmp_path / "export.xlsx", COLUMNS, ROWS)
    sheet = read_cells(path)
    assert sheet[0] == ["Libellé", "Montant", "Date"]
    assert sheet[1][0] == "=1+1"
    assert sheet[1][1] == pytest.approx(1925152.0)
    assert sheet[1][2] == date(2023, 12, 31)
    assert sheet[2][0] == "+33 4 67"
    assert sheet[3][1] == pytest.approx(1234.56)


def test_xlsx_writes_no_formula_at_all(tmp_path):
    """The workbook's XML holds no <f> formula element, whatever the text cells say."""
    import zipfile

    path = export_rows(tmp_path / "export.xlsx", COLUMNS, ROWS)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml


def test_csv_is_semicolon_utf8_with_bom_and_french_numbers(tmp_path):
    """The CSV opens in French Excel: BOM, `;`, decimal comma, JJ/MM/AAAA dates."""
    path = export_rows(tmp_path / "export.csv", COLUMNS, ROWS)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "Libellé;Montant;Date"
    assert lines[1] == "'=1+1;1925152,00;31/12/2023"
    assert lines[3] == "Cordées de la réussite;1234,56;01/09/2022"


def test_unknown_extension_and_unwritable_path_are_explained(tmp_path):
    """A .pdf name or a missing folder gives a French message, not a crash."""
    with pytest.raises(PilotisError, match="xlsx ou .csv"):
        export_rows(tmp_path / "export.pdf", COLUMNS, ROWS)
    with pytest.raises(PilotisError, match="Impossible d'écrire"):
        export_rows(tmp_path / "absent" / "export.csv", COLUMNS, ROWS)
