"""A file import checks and writes its first rows while the rest of the file is still being
read (file_reader.read_table_stream → ingest.ColumnStream). What the user sees must not depend
on it: the row numbers of the spreadsheet in the report, nothing written when a row far down is
bad or the file breaks further down, every valid row written when asked. On both databases."""

from __future__ import annotations

import pytest
import xlsxwriter
from sqlalchemy import func, select

from desktop.models import Change, Person
from desktop.services.transfer import service as service_module
from desktop.services.transfer.readers import STREAM_BATCH, FileReadError
from desktop.services.transfer.row_sources import ColumnStream
from desktop.services.transfer.service import TransferService

COUNT = 3 * STREAM_BATCH + 100


def _workbook(path, count=COUNT, *, bad=None, blank_every=None):
    """People from row 2 on; `bad`: a data index whose first name is blank; `blank_every`: an
    empty row after every so many people (numbers shift as in the spreadsheet)."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Personnes")
    sheet.write_row(0, 0, ["Nom", "Prénom", "Courriel"])
    row = 1
    for n in range(count):
        first = "" if n == bad else "Claude"
        sheet.write_row(row, 0, [f"AGENT{n}", first, f"agent{n}@ac-toulouse.fr"])
        row += 1
        if blank_every and (n + 1) % blank_every == 0:
            row += 1  # a blank row
    workbook.close()
    return path, row  # the last data row's number is `row`


def _counts(database) -> tuple[int, int]:
    with database.session_factory() as session:
        return (
            session.scalar(select(func.count()).select_from(Person)),
            session.scalar(select(func.count()).select_from(Change)),
        )


def test_a_bad_row_far_down_is_reported_with_its_spreadsheet_number(database, tmp_path):
    """Blank rows every 1 000 people and a bad row in the last batch: the report gives the row
    number the spreadsheet shows, and nothing is written."""
    path, last = _workbook(tmp_path / "p.xlsx", bad=COUNT - 1, blank_every=1000)
    before = _counts(database)
    result = TransferService(database.session_factory).import_file("people", path)
    assert not result.written
    assert [(e.row, e.column) for e in result.errors] == [(last, "first_name")]
    assert result.rows == COUNT
    assert _counts(database) == before


def test_only_the_valid_rows_of_a_streamed_file_when_asked(database, tmp_path):
    """« Importer seulement les lignes valides »: all the others are written, once."""
    path, _last = _workbook(tmp_path / "p.xlsx", bad=STREAM_BATCH + 5)
    result = TransferService(database.session_factory).import_file("people", path, partial=True)
    assert result.written
    assert (result.report.inserted, len(result.errors)) == (COUNT - 1, 1)
    with database.session_factory() as session:
        names = session.scalars(select(Person.last_name)).all()
    assert len(names) == len(set(names)) == COUNT - 1
    assert f"AGENT{STREAM_BATCH + 5}" not in names


def test_a_clean_streamed_file_is_written_whole_in_file_order(database, tmp_path):
    path, _last = _workbook(tmp_path / "p.xlsx", blank_every=777)
    result = TransferService(database.session_factory).import_file("people", path)
    assert (result.written, result.report.inserted, result.rows) == (True, COUNT, COUNT)
    with database.session_factory() as session:
        names = session.scalars(select(Person.last_name).order_by(Person.id)).all()
    assert names == [f"AGENT{n}" for n in range(COUNT)]


def test_a_csv_that_breaks_further_down_changes_nothing(database, tmp_path):
    """The first batches were already checked (and written, on SQLite) when the CSV turns out
    malformed further down: a French message, and the base as it was."""
    lines = ["Nom;Prénom;Courriel"]
    lines += [f"AGENT{n};Claude;agent{n}@ac.fr" for n in range(COUNT)]
    lines.append('CASSÉ;"' + "x" * 200_000 + '";fin@ac.fr')  # over the csv module's field limit
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = _counts(database)
    with pytest.raises(FileReadError, match="un champ dépasse"):
        TransferService(database.session_factory).import_file("people", path)
    assert _counts(database) == before


def test_a_file_read_again_after_a_late_give_up_reports_as_if_read_once(
    database, tmp_path, monkeypatch
):
    """Past the rows kept for a fallback, a duplicate in the last row makes the import read the
    file again for the row-by-row checks: the same French report, the U+0092 repair counted
    once, and nothing written."""
    monkeypatch.setattr(ColumnStream, "KEEP", STREAM_BATCH)  # a big file's case, at test size
    lines = ["Nom;Prénom;Courriel", "D\u0092ARC;Jeanne;jeanne@ac-toulouse.fr"]
    lines += [f"AGENT{n};Claude;agent{n}@ac-toulouse.fr" for n in range(COUNT)]
    lines.append("AGENT7;Claude;agent7@ac-toulouse.fr")
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = _counts(database)
    result = TransferService(database.session_factory).import_file("people", path)
    assert not result.written
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (len(lines), "last_name", "doublon de la ligne 10")
    ]
    assert [w for w in result.report.warnings if "U+0080" in w][0].startswith("1 valeur(s)")
    assert _counts(database) == before


def test_a_streamed_file_is_read_again_only_where_its_rows_were_let_go(
    database, backend, tmp_path, monkeypatch
):
    """SQLite's bulk path keeps no batch, so a late give-up reads the file a second time; on
    PostgreSQL the rows were gathered whole for COPY and serve the row-by-row checks as they
    are: one reading (a second one was 1 s more for 100 000 rows)."""
    monkeypatch.setattr(ColumnStream, "KEEP", STREAM_BATCH)
    lines = ["Nom;Prénom;Courriel"]
    lines += [f"AGENT{n};Claude;agent{n}@ac-toulouse.fr" for n in range(COUNT)]
    lines.append("AGENT7;Claude;agent7@ac-toulouse.fr")
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    readings = []
    real = service_module.read_table_stream
    monkeypatch.setattr(
        service_module, "read_table_stream", lambda *a, **k: readings.append(1) or real(*a, **k)
    )
    result = TransferService(database.session_factory).import_file("people", path)
    assert [e.reason for e in result.errors] == ["doublon de la ligne 9"]
    assert len(readings) == (2 if backend == "sqlite" else 1)
