"""Write the corpus of hostile and malformed files the import must refuse (or report), into a folder.

Nothing here is committed but this script: the large files are made in a second or two, into
the tests' tmp_path or, from the command line, `python tests/data/hostile/make_corpus.py DIR`.
Each case names the phrase its refusal must contain (HOSTILE) or what must be reported.
"""

from __future__ import annotations

import random
import string
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Personnes" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"
_HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Nom</t></is></c><c r="B1" t="inlineStr"><is><t>'
    "Prénom</t></is></c></row>"
)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _xlsx(path: Path, rows: str | Callable[[zipfile.ZipFile], None]) -> Path:
    """A minimal workbook with one sheet « Personnes »; rows: the sheetData XML, or a function
    that writes the sheet member itself (to stream a big one)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        if callable(rows):
            rows(archive)
        else:
            archive.writestr("xl/worksheets/sheet1.xml", _SHEET_HEAD + rows + _SHEET_TAIL)
    return path


def _stream_sheet(cells: Callable[[], object], size: int) -> Callable[[zipfile.ZipFile], None]:
    """A sheet member written by pieces: `cells()` yields XML strings up to about `size` bytes."""

    def write(archive: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=False) as member:
            member.write((_SHEET_HEAD + _HEADER_ROW).encode())
            written = 0
            for piece in cells():
                data = piece.encode()
                member.write(data)
                written += len(data)
                if written >= size:
                    break
            member.write(_SHEET_TAIL.encode())

    return write


def _deflate_bomb(path: Path) -> Path:
    """A 0.3 MB workbook whose one cell inflates to 256 MB (a ratio of about 1 000)."""

    def cells():
        yield '<row r="2"><c r="A2" t="inlineStr"><is><t>'
        block = "A" * (1 << 20)
        while True:
            yield block

    return _xlsx(path, _stream_sheet(cells, 256 << 20))


def _lying_sizes(path: Path) -> Path:
    """A small workbook whose central directory says its sheet inflates to 3 GiB."""
    _xlsx(path, _HEADER_ROW + f'<row r="2">{_cell("A2", "DUPONT")}{_cell("B2", "Jean")}</row>')
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if bytes(data[at + 46 : at + 46 + length]) == name:
            data[at + 24 : at + 28] = struct.pack("<I", 0xC0000000)  # uncompressed size
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    return path


def _long_cell(path: Path) -> Path:
    """A 1 MB cell of random letters (it hardly compresses: the ratio check lets it through)."""
    rng = random.Random(24)
    text = "".join(rng.choices(string.ascii_letters, k=1 << 20))
    return _xlsx(path, _HEADER_ROW + f'<row r="2">{_cell("A2", text)}{_cell("B2", "x")}</row>')


def _cell_over_excel(path: Path) -> Path:
    """A 40 000-character cell: readable, but longer than any Excel cell."""
    text = "Z" * 40_000
    return _xlsx(path, _HEADER_ROW + f'<row r="2">{_cell("A2", text)}{_cell("B2", "x")}</row>')


def _far_cell(path: Path) -> Path:
    """Two cells, A1 and XFD1048576: calamine would lay out 17 billion cells (550 GB)."""
    return _xlsx(path, _HEADER_ROW + f'<row r="1048576">{_cell("XFD1048576", "x")}</row>')


def _far_cell_attributes_first(path: Path) -> Path:
    """The same with r written after the other attributes (the careful scan's case)."""
    cell = '<c t="inlineStr" s="0" r="XFD1048576"><is><t>x</t></is></c>'
    return _xlsx(path, _HEADER_ROW + f'<row r="1048576">{cell}</row>')


def _beyond_last_row(path: Path) -> Path:
    """A filled cell on row 2 000 000 (a sheet has 1 048 576)."""
    return _xlsx(path, _HEADER_ROW + f'<row r="2000000">{_cell("A2000000", "x")}</row>')


def _sparse(path: Path) -> Path:
    """A1:B1 and a lone cell at Z100000: 2.6 million cells laid out for five."""
    return _xlsx(path, _HEADER_ROW + f'<row r="100000">{_cell("Z100000", "x")}</row>')


def _many_members(path: Path) -> Path:
    """A workbook with 12 000 empty members: a central directory no spreadsheet writes."""
    _xlsx(path, _HEADER_ROW)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as archive:
        for index in range(12_000):
            archive.writestr(f"x/{index}", b"")
    return path


def _encrypted_member(path: Path) -> Path:
    """A zip whose members are flagged encrypted (a zip password, not Excel's)."""
    _xlsx(path, _HEADER_ROW)
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at >= 0:
            data[at + offset] |= 0x01
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


def _excel_password(path: Path) -> Path:
    """What Excel writes for a workbook with a password: an OLE file whose directory names an
    EncryptedPackage stream (the header and directory only; the package bytes do not matter)."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x1E:0x20] = struct.pack("<H", 9)  # 512-byte sectors
    header[0x30:0x34] = struct.pack("<I", 0)  # the directory starts at sector 0
    directory = bytearray(512)
    for index, name in enumerate(("Root Entry", "EncryptionInfo", "EncryptedPackage")):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        directory[index * 128 : index * 128 + len(encoded)] = encoded
    path.write_bytes(bytes(header) + bytes(directory) + b"\x00" * 2048)
    return path


def _truncated_xlsx(path: Path) -> Path:
    """A real workbook cut in the middle (a copy stopped halfway)."""
    _xlsx(path, _HEADER_ROW + "".join(
        f'<row r="{n}">{_cell(f"A{n}", f"NOM{n}")}{_cell(f"B{n}", "Jean")}</row>'
        for n in range(2, 2000)
    ))  # fmt: skip
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _ods(path: Path, table: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/'
            'xml"/></manifest:manifest>',
            zipfile.ZIP_DEFLATED,
        )
        archive.writestr(
            "content.xml",
            '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:'
            'opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:'
            'table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
            'office:version="1.2"><office:body><office:spreadsheet><table:table table:name='
            f'"Personnes">{table}</table:table></office:spreadsheet></office:body>'
            "</office:document-content>",
            zipfile.ZIP_DEFLATED,
        )
    return path


_ODS_CELL = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
_ODS_HEADER = (
    f"<table:table-row>{_ODS_CELL.format('Nom')}{_ODS_CELL.format('Prénom')}</table:table-row>"
)


def _ods_repeated(path: Path) -> Path:
    """100 000 rows × 1 000 columns of « x », described in 300 bytes by repeat counts."""
    return _ods(path, _ODS_HEADER + (
        '<table:table-row table:number-rows-repeated="100000"><table:table-cell '
        'table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p>'
        "</table:table-cell></table:table-row>"
    ))  # fmt: skip


def _ods_far_cell(path: Path) -> Path:
    """Empty repeated rows and columns, then one filled cell at XFD1048576."""
    return _ods(path, _ODS_HEADER + (
        '<table:table-row table:number-rows-repeated="1048574"><table:table-cell/>'
        '</table:table-row><table:table-row><table:table-cell table:number-columns-repeated='
        f'"16383"/>{_ODS_CELL.format("x")}</table:table-row>'
    ))  # fmt: skip


def _csv(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def _csv_wide(path: Path) -> Path:
    """A header of 100 000 columns."""
    return _csv(path, ";".join(f"c{n}" for n in range(100_000)) + "\nDUPONT\n")


def _csv_too_many_rows(path: Path) -> Path:
    """1 048 577 data rows: one more than a spreadsheet holds."""
    return _csv(path, "Nom;Prénom\n" + "A;B\n" * 1_048_577)


def _csv_too_big(path: Path) -> Path:
    """201 MB (a sparse file: made at once, never read)."""
    with path.open("wb") as handle:
        handle.write(b"Nom;Pr\xc3\xa9nom\n")
        handle.truncate(201 << 20)
    return path


# name -> (builder, phrase the French refusal contains)
HOSTILE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "bombe.xlsx": (_deflate_bomb, "fois (au plus 200"),
    "tailles-mensongeres.xlsx": (_lying_sizes, "se décompresse en"),
    "cellule-1-mo.xlsx": (_long_cell, "d'un seul tenant"),
    "cellule-40000.xlsx": (_cell_over_excel, "valeur de 40\u202f000 caractères"),
    "cellule-lointaine.xlsx": (_far_cell, "de A1 à XFD1048576"),
    "cellule-lointaine-attributs.xlsx": (_far_cell_attributes_first, "de A1 à XFD1048576"),
    "ligne-2000000.xlsx": (_beyond_last_row, "jusqu'à la ligne 2\u202f000\u202f000"),
    "clairsemee.xlsx": (_sparse, "ne remplit que"),
    "12000-elements.xlsx": (_many_members, "trop d'éléments"),
    "zip-chiffre.xlsx": (_encrypted_member, "protégé par un mot de passe"),
    "mot-de-passe.xlsx": (_excel_password, "protégé par un mot de passe"),
    "tronque.xlsx": (_truncated_xlsx, "endommagé ou incomplet"),
    "repetitions.ods": (_ods_repeated, "cellules (10\u202f000\u202f000 au plus"),
    "cellule-lointaine.ods": (_ods_far_cell, "de A1 à XFD1048576"),
    "100000-colonnes.csv": (_csv_wide, "100\u202f000 colonnes"),
    "1048577-lignes.csv": (_csv_too_many_rows, "plus de 1\u202f048\u202f576 lignes"),
    "201-mo.csv": (_csv_too_big, "plus de 200 Mo"),
}

# Malformed CSV files a partner may really send: each refused, its line named.
MALFORMED: dict[str, tuple[str, str]] = {
    "guillemet-ouvert.csv": (
        'Nom;Prénom;Courriel\nDUPONT;"Jean;jean@ac-montpellier.fr\nMARTIN;Paul;p@ac-toulouse.fr\n',
        "guillemet ouvert n'est jamais refermé",
    ),
    "guillemet-fusion.csv": (
        'Nom;Prénom;Courriel\nDUPONT;"Jean;jean@ac-montpellier.fr\nMARTIN;Paul";p@ac.fr\n',
        "un guillemet mal fermé a fusionné des lignes",
    ),
    "champs-en-trop.csv": (
        "Nom;Prénom;Courriel\nDUPONT;Jean;j@ac-montpellier.fr;en trop\n",
        "ligne 2 : 4 champs pour 3 colonnes",
    ),
    "derniere-ligne-coupee.csv": (
        "Nom;Prénom;Courriel\nDUPONT;Jean;j@ac-montpellier.fr\nMARTIN;Pa",
        "ligne 3 : 2 champ(s) pour 3 colonnes",
    ),
    "texte-apres-guillemet.csv": (
        'Nom;Prénom;Courriel\n"DUPONT"X;Jean;j@ac-montpellier.fr\n',
        "du texte suit un guillemet fermant",
    ),
}


def build(folder: Path) -> dict[str, tuple[Path, str]]:
    """Every file of the corpus in `folder`: name -> (path, phrase of its refusal)."""
    folder.mkdir(parents=True, exist_ok=True)
    built = {name: (make(folder / name), phrase) for name, (make, phrase) in HOSTILE.items()}
    for name, (text, phrase) in MALFORMED.items():
        built[name] = (_csv(folder / name, text), phrase)
    return built


if __name__ == "__main__":
    for name, (path, phrase) in build(Path(sys.argv[1])).items():
        print(f"{path.stat().st_size:>12}  {name:<36} « {phrase} »")
