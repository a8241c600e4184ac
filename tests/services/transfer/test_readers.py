"""Reading what partners send: French CSVs, workbooks, and clear French errors on bad files."""

from __future__ import annotations

import re
import zipfile

import pytest
import xlsxwriter
from sqlalchemy import func, select

from desktop.models import FundingLine, Person
from desktop.services.transfer.readers import FileReadError, propose_mapping, read_table
from desktop.services.transfer.service import MissingColumnsError, TransferService


def _xlsx(path, rows, sheet="Feuille1"):
    workbook = xlsxwriter.Workbook(str(path))
    worksheet = workbook.add_worksheet(sheet)
    for r, row in enumerate(rows):
        worksheet.write_row(r, 0, row)
    workbook.close()
    return path


def _count(database, model):
    with database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_french_csv_in_windows_1252_with_euros_and_dates_imports(tmp_path, filled_database):
    """A CSV saved by French Excel (Windows-1252, `;`, `1 234,56 €`) imports with exact cents."""
    path = tmp_path / "lignes.csv"
    text = (
        "Programme;Financeur;Montant;Étape;Période;Note\r\n"
        "AMI-CMA;REGION-OCC;1 234,56 €;Prévu;2023;réunion du 31/12/2023\r\n"
        "AMI-CMA;REGION-OCC;2\u00a0000;engagé;2022-2023;\r\n"
    )
    path.write_bytes(text.encode("cp1252"))
    before = _count(filled_database, FundingLine)
    result = TransferService(filled_database.session_factory).import_file("funding_lines", path)
    assert result.errors == []
    assert result.written
    assert _count(filled_database, FundingLine) == before + 2
    with filled_database.session_factory() as session:
        amounts = session.scalars(
            select(FundingLine.amount_cents).order_by(FundingLine.id.desc()).limit(2)
        ).all()
    assert sorted(amounts) == [123456, 200000]


@pytest.mark.parametrize(
    ("separator", "encoding"), [(",", "utf-8"), ("\t", "utf-8-sig"), (";", "utf-8-sig")]
)
def test_separator_and_encoding_are_detected(tmp_path, separator, encoding):
    """Comma, tab or semicolon, with or without BOM: the columns come out the same."""
    path = tmp_path / "personnes.csv"
    lines = [["Nom", "Prénom", "Courriel"], ["BÉJEAN", "Sophie", "s.b@ac.fr"]]
    path.write_bytes("\n".join(separator.join(r) for r in lines).encode(encoding))
    table = read_table(path, kind="people")
    assert table.headers == ["Nom", "Prénom", "Courriel"]
    assert table.rows == [["BÉJEAN", "Sophie", "s.b@ac.fr"]]
    assert table.separator == separator


def test_title_lines_above_the_header_are_skipped_and_rows_keep_file_numbers(tmp_path, database):
    """A title above the header and a blank row in the data: errors cite the spreadsheet's row."""
    path = _xlsx(tmp_path / "p.xlsx", [
        ["Liste des agents au 01/09/2023"], [],
        ["NOM", "prenom", "E-mail"],
        ["DUPONT", "Anne", "a@x.fr"], [], ["", "Paul", "p@x.fr"],
    ])  # fmt: skip
    table = read_table(path, kind="people")
    assert (table.header_row, table.numbers) == (3, [4, 6])
    result = TransferService(database.session_factory).import_file("people", path)
    assert [(e.row, e.column) for e in result.errors] == [(6, "last_name")]
    assert result.header_of(result.errors[0]) == "NOM"
    assert not result.written
    assert _count(database, Person) == 0


def test_headers_match_names_labels_accents_case_and_synonyms():
    """« PRÉNOM », « Adresse électronique », « Tél. » and « last_name » are all recognised."""
    headers = ["Nom de famille", "PRÉNOM", "Adresse électronique", "Tél.", "Remarque"]
    assert propose_mapping("people", headers) == [
        "last_name", "first_name", "email", "phone", None,
    ]  # fmt: skip
    assert propose_mapping("units", ["Code", "Service parent", "TYPE", "nom"]) == [
        "code", "parent", "kind", "name",
    ]  # fmt: skip


def test_missing_required_columns_are_named(tmp_path, database):
    """A file without the « Prénom » column is refused with that column named."""
    path = _xlsx(tmp_path / "p.xlsx", [["Nom", "Courriel"], ["DUPONT", "a@x.fr"]])
    with pytest.raises(MissingColumnsError, match="« prénom » \\(first_name\\)"):
        TransferService(database.session_factory).import_file("people", path)


def test_empty_file_and_empty_sheet_are_refused_clearly(tmp_path):
    """An empty CSV and a workbook whose sheet has no row get a message saying so."""
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    with pytest.raises(FileReadError, match="est vide"):
        read_table(empty)
    blank_sheet = _xlsx(tmp_path / "vide.xlsx", [])
    with pytest.raises(FileReadError, match="feuille « Feuille1 » est vide"):
        read_table(blank_sheet)
    only_blanks = tmp_path / "blancs.csv"
    only_blanks.write_text(";;;\n;;;\n", encoding="utf-8")
    with pytest.raises(FileReadError, match="vide"):
        read_table(only_blanks)


def test_merged_header_cells_are_refused(tmp_path):
    """A header « Nom et prénom » merged over two columns is reported with its cells."""
    path = tmp_path / "fusion.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.merge_range(0, 0, 0, 1, "Nom et prénom")
    sheet.write_row(1, 0, ["DUPONT", "Anne"])
    workbook.close()
    with pytest.raises(FileReadError, match=r"cellules fusionnées \(A1:B1\)"):
        read_table(path, kind="people")


def test_non_excel_bytes_with_an_xlsx_name_are_refused(tmp_path):
    """A CSV renamed .xlsx, and a PDF renamed .xlsx, are named for what they are."""
    fake = tmp_path / "faux.xlsx"
    fake.write_text("Nom;Prénom\nDUPONT;Anne\n", encoding="utf-8")
    with pytest.raises(FileReadError, match="pas un classeur .xlsx.*texte \\(CSV\\)"):
        read_table(fake)
    pdf = tmp_path / "rapport.xlsx"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    with pytest.raises(FileReadError, match="document PDF"):
        read_table(pdf)


def test_truncated_workbook_is_refused(tmp_path):
    """A download cut in the middle gives « endommagé ou incomplet », not a crash."""
    whole = _xlsx(tmp_path / "entier.xlsx", [["Nom", "Prénom"]] + [["A", "B"]] * 200)
    cut = tmp_path / "coupe.xlsx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(FileReadError, match="endommagé ou incomplet"):
        read_table(cut)


def test_a_million_trailing_blank_rows_are_skipped(tmp_path):
    """A sheet and a CSV with 1 000 000 blank rows after the data read as their 2 rows."""
    csv_path = tmp_path / "blancs.csv"
    csv_path.write_text("Nom;Prénom\nDUPONT;Anne\nMARTIN;Paul\n" + ";\n" * 1_000_000)
    table = read_table(csv_path, kind="people")
    assert table.rows == [["DUPONT", "Anne"], ["MARTIN", "Paul"]]

    source = _xlsx(tmp_path / "petit.xlsx", [["Nom", "Prénom"], ["DUPONT", "Anne"]])
    big = tmp_path / "blancs.xlsx"
    blank_rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t></t></is></c></row>'
        for r in range(3, 1_000_003)
    )
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as out:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<dimension[^>]*/>", b"", data)
                data = data.replace(b"</sheetData>", blank_rows.encode() + b"</sheetData>")
            out.writestr(item, data)
    table = read_table(big, kind="people")
    assert table.rows == [["DUPONT", "Anne"]]
    assert table.numbers == [2]


def test_mixed_encodings_are_refused_with_the_line(tmp_path):
    """UTF-8 lines followed by a Windows-1252 line: refused, naming the line, nothing guessed."""
    path = tmp_path / "mixte.csv"
    path.write_bytes("Nom;Prénom\nBÉJEAN;Sophie\n".encode() + "GÉRARD;Hélène\n".encode("cp1252"))
    with pytest.raises(FileReadError, match="mélange deux encodages.*ligne 3"):
        read_table(path)


def test_exported_formula_guard_is_undone_on_import(tmp_path):
    """Text exported as '=1+1 (guarded against formulas) reads back as =1+1."""
    path = _xlsx(tmp_path / "f.xlsx", [["Nom", "Prénom"], ["'=1+1", "'+33"], ["'Aujourd'hui", "x"]])
    assert read_table(path).rows == [["=1+1", "+33"], ["'Aujourd'hui", "x"]]
