"""Workbooks (.xlsx, .xlsm, .xls, .ods) opened with calamine once their bounds are checked, with
a French reason for a file that is not the workbook its name says, encrypted, or damaged."""

from __future__ import annotations

from pathlib import Path

from desktop.services.transfer import limits
from desktop.services.transfer.columns import missing_required, propose_mapping
from desktop.services.transfer.limits import FileReadError, excerpt
from desktop.services.transfer.table import Batches, Table, collect

ZIP, OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def open_workbook(path: Path):
    from python_calamine import CalamineWorkbook

    head = _head(path)
    if not head:
        raise FileReadError(f"« {path.name} » est vide (0 octet).")
    expected = OLE if path.suffix.lower() == ".xls" else ZIP
    if not head.startswith(expected) and not (head.startswith(ZIP) or head.startswith(OLE)):
        looks = _looks_like(head)
        raise FileReadError(
            f"« {path.name} » n'est pas un classeur {path.suffix} : son contenu ressemble à "
            f"{looks}. Enregistrez-le de nouveau depuis le tableur au format .xlsx, ou donnez-lui "
            "l'extension qui correspond à son contenu."
        )
    if head.startswith(OLE) and _encrypted_package(path):
        # Excel wraps a workbook saved with a password in an OLE file holding EncryptedPackage.
        raise FileReadError(limits.encrypted_message(path))
    if head.startswith(ZIP):
        limits.check_archive(path)  # sizes, ratios and the sheets' extent, before calamine
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        if type(exc).__name__ == "PasswordError":
            raise FileReadError(limits.encrypted_message(path)) from exc
        raise FileReadError(
            f"« {path.name} » est illisible : le fichier est endommagé ou incomplet (tronqué ?). "
            "Ouvrez-le dans le tableur et enregistrez-le de nouveau."
        ) from exc


def _encrypted_package(path: Path) -> bool:
    """Whether an OLE file's directory names an EncryptedPackage stream (its first directory
    sector, found from the header, and the file's first 64 KB are looked at)."""
    name = "EncryptedPackage".encode("utf-16-le")
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
        if name in head:
            return True
        if len(head) < 0x34:
            return False
        sector = 1 << int.from_bytes(head[0x1E:0x20], "little")
        first = int.from_bytes(head[0x30:0x34], "little")
        if not 7 <= sector.bit_length() - 1 <= 16 or first >= 0xFFFFFFFA:
            return False
        handle.seek((first + 1) * sector)
        return name in handle.read(sector * 4)


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(4096)


def _looks_like(head: bytes) -> str:
    if head.startswith(b"%PDF"):
        return "un document PDF"
    if head.lstrip().lower().startswith((b"<html", b"<!doctype", b"<table")):
        return "une page HTML"
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "des données binaires inconnues"
    return "un fichier texte (CSV)" if any(c in text for c in ";,\t") else "un fichier texte"


def read_workbook(path: Path, sheet: str | None, kind: str | None) -> tuple[Table, Batches]:
    workbook = open_workbook(path)
    names = workbook.sheet_names
    if not names:
        raise FileReadError(f"« {path.name} » ne contient aucune feuille.")
    name = sheet if sheet is not None else names[0]
    if name not in names:
        raise FileReadError(
            f"« {path.name} » n'a pas de feuille « {name} » ; feuilles : {', '.join(names)}."
        )
    try:
        data = workbook.get_sheet_by_name(name)
        rows_iter = data.iter_rows()
        merged = data.merged_cell_ranges or []
    except Exception as exc:
        raise FileReadError(
            f"« {path.name} », feuille « {excerpt(name)} » : illisible, le fichier est peut-être "
            "endommagé ; enregistrez-le de nouveau depuis le tableur."
        ) from exc
    start_row = data.start[0] if data.start else 0
    table, batches = collect(path, rows_iter, start_row + 1, kind, f"la feuille « {name} »")
    table.sheet, table.sheets = name, list(names)
    table.expected_rows = max(0, start_row + data.height - table.header_row)
    header = table.header_row - 1
    # A merged cell in the header, or just above a header that lacks the kind's required
    # columns (the header was split over two rows), means columns without their own title.
    unusable = kind is not None and bool(
        missing_required(kind, propose_mapping(kind, table.headers))
    )
    for (r1, c1), (r2, c2) in merged:
        if c2 > c1 and (r1 <= header <= r2 or (unusable and r1 <= header - 1 <= r2)):
            raise FileReadError(
                f"« {path.name} », feuille « {name} » : la ligne d'en-tête contient des "
                f"cellules fusionnées ({_cell_name(r1, c1)}:{_cell_name(r2, c2)}). "
                "Défusionnez-les pour que chaque colonne ait son propre titre."
            )
    return table, batches


def _cell_name(row: int, column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"
