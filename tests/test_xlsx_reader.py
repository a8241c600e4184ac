"""The independent .xlsx reader used by the export round trips reads every cell type a writer
emits, the same as calamine does."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from tests.xlsx_reader import read_cells, sheet_names

ROWS = [
    ["Nom", "Montant", "Actif", "Le", "À", "Note"],
    ["Œuvrard", 1250.5, True, date(2023, 9, 1), datetime(2023, 9, 1, 14, 30), "=pas une formule"],
    ["BÉJEAN", 3, False, date(1999, 12, 31), datetime(2024, 2, 29, 8, 0), ""],
]


@pytest.mark.parametrize("constant_memory", [False, True], ids=["shared", "inline"])
def test_every_cell_type_reads_as_calamine_reads_it(tmp_path, constant_memory):
    """Shared strings (default) and inline strings (constant-memory mode), numbers, booleans,
    dates and date-times, a gap left by an empty cell: the same values as calamine's."""
    path = tmp_path / "types.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    sheet = workbook.add_worksheet("Données")
    day, moment = (
        workbook.add_format({"num_format": "dd/mm/yyyy"}),
        workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
    )
    for r, row in enumerate(ROWS):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, moment)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, datetime.combine(value, datetime.min.time()), day)
            elif isinstance(value, str) and value:
                sheet.write_string(r, c, value)
            elif value != "":
                sheet.write(r, c, value)
    sheet.write_formula(3, 0, '="calculé"', None, "calculé")
    workbook.close()

    ours = read_cells(path)
    theirs = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert sheet_names(path) == ["Données"]
    assert ours[0] == ROWS[0]
    assert ours[1] == ROWS[1]
    assert ours[2][:5] == ROWS[2][:5]  # the empty last cell is simply absent
    assert ours[3] == ["calculé"]
    for mine, calamine in zip(ours, theirs, strict=False):
        assert [v for v in mine if v not in (None, "")] == [v for v in calamine if v != ""]
