"""Read the spreadsheets and CSV files partners send (.xlsx, .xls, .ods, .csv) into header + rows,
with the file's own row numbers and a clear French reason when the file cannot be read."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop.errors import PilotisError
from desktop.services.bulk import gc_paused
from desktop.services.export import FORMULA_STARTS
from desktop.services.ingest_specs import KINDS
from desktop.services.parsing import fold

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT_FILES = (".csv", ".txt", ".tsv")
SUPPORTED = SPREADSHEETS + TEXT_FILES
_HEADER_SCAN = 30  # rows searched for the header (title lines above it are common)
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_FORMULA = "".join(FORMULA_STARTS)
_NOT_WORD = re.compile(r"[\s_\-.'’/]+")
_PARENTHESES = re.compile(r"\(.*?\)|\*")

# Header words partners use for our columns, beside the column's name and French label.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "last_name": ("nom de famille", "nom d usage", "nom agent", "last name", "surname", "nom"),
    "first_name": ("prenom", "first name", "prenom agent"),
    "email": ("courriel", "e mail", "email", "mail", "mel", "adresse electronique", "adresse mail"),
    "phone": ("telephone", "tel", "numero de telephone", "phone", "tel fixe"),
    "uai": ("code uai", "rne", "code rne", "identifiant de l etablissement", "uai"),
    "postal_code": ("cp", "code postal"),
    "commune": ("ville", "nom commune", "nom de la commune"),
    "department": ("departement", "dept", "code departement", "code dept"),
    "academie": ("academie", "code academie"),
    "amount": ("montant", "montant en euros", "somme"),
    "funder": ("financeur", "code financeur"),
    "programme": ("programme", "code programme", "dispositif"),
    "unit": ("service", "code service", "unite"),
    "title": ("intitule", "titre", "fonction"),
    "name": ("nom", "libelle", "intitule"),
    "site": ("site", "code site", "lieu"),
    "due_on": ("echeance", "date", "date d echeance"),
    "period": ("periode", "annee", "annee scolaire", "exercice"),
    "start_on": ("debut", "date de debut"),
    "end_on": ("fin", "date de fin"),
}


class FileReadError(PilotisError):
    """The file cannot be read as a table; the message says why and what to do, in French."""


@dataclass(frozen=True)
class Column:
    """One column an import kind reads: its name in files and how to fill it."""

    name: str
    label: str
    kind: str
    required: bool
    choices: tuple[str, ...] = ()
    ref: str | None = None


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


# Rows handed over at a time by read_table_stream: a batch is (row numbers, rows, the same
# rows' cells column by column).
Batches = Iterator[tuple[list[int], list[list[object]], list[tuple]]]
STREAM_BATCH = 4096


def kind_columns(kind_name: str) -> list[Column]:
    """The columns a file of this kind may have, in the order of the import's fields."""
    kind = KINDS[kind_name]
    columns = []
    for f in kind.fields:
        if f.kind == "person":
            columns += [
                Column("last_name", "nom", "text", False),
                Column("first_name", "prénom", "text", False),
                Column("email", "courriel", "text", False),
            ]
            continue
        columns.append(
            Column(f.column, f.label, f.kind, f.required, tuple(f.choices.values()), f.ref)
        )
    return columns


def header_key(text: object) -> str:
    """A header as compared: no accents, case, units in parentheses, underscores or dashes."""
    folded = fold(_PARENTHESES.sub(" ", str(text)))
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def propose_mapping(kind_name: str, headers: Sequence[object]) -> list[str | None]:
    """For each file column, the import column it most likely is (None: not imported).
    Exact names win over labels, labels over synonyms; a column is never proposed twice."""
    columns = kind_columns(kind_name)
    mapping: list[str | None] = [None] * len(headers)
    taken: set[str] = set()
    keys = [header_key(h) if h not in (None, "") else "" for h in headers]
    passes = [
        lambda c: {c.name},
        lambda c: {header_key(c.name)},
        lambda c: {header_key(c.label)},
        lambda c: {header_key(s) for s in SYNONYMS.get(c.name, ())},
    ]
    for candidates_of in passes:
        for index, header in enumerate(headers):
            if mapping[index] is not None or not keys[index]:
                continue
            for column in columns:
                if column.name in taken:
                    continue
                candidates = candidates_of(column)
                if str(header).strip() in candidates or keys[index] in candidates:
                    mapping[index] = column.name
                    taken.add(column.name)
                    break
    return mapping


def missing_required(kind_name: str, mapping: Sequence[str | None]) -> list[Column]:
    mapped = set(mapping)
    return [c for c in kind_columns(kind_name) if c.required and c.name not in mapped]


def describe_columns(columns: Sequence[Column]) -> str:
    return ", ".join(f"« {c.label} » ({c.name})" for c in columns)


def sheet_names(path: Path | str) -> list[str]:
    """The sheets of a workbook ([] for a CSV file)."""
    path = Path(path)
    if path.suffix.lower() not in SPREADSHEETS or not path.is_file():
        return []
    return _open_workbook(path).sheet_names


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
    if suffix not in SUPPORTED:
        raise FileReadError(
            f"« {path.name} » : format non pris en charge ({path.suffix or 'sans extension'}) ; "
            "choisissez un fichier .xlsx, .xls, .ods ou .csv."
        )
    if not path.is_file():
        raise FileReadError(f"Fichier introuvable : {path}.")
    if suffix in SPREADSHEETS:
        return _read_workbook(path, sheet, kind)
    return _read_csv(path, kind)


# --- spreadsheets -----------------------------------------------------------------------------


def _open_workbook(path: Path):
    from python_calamine import CalamineWorkbook

    head = _head(path)
    if not head:
        raise FileReadError(f"« {path.name} » est vide (0 octet).")
    expected = _OLE if path.suffix.lower() == ".xls" else _ZIP
    if not head.startswith(expected) and not (head.startswith(_ZIP) or head.startswith(_OLE)):
        looks = _looks_like(head)
        raise FileReadError(
            f"« {path.name} » n'est pas un classeur {path.suffix} : son contenu ressemble à "
            f"{looks}. Enregistrez-le de nouveau depuis le tableur au format .xlsx, ou donnez-lui "
            "l'extension qui correspond à son contenu."
        )
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise FileReadError(
            f"« {path.name} » est illisible : le fichier est endommagé ou incomplet (tronqué ?). "
            f"Ouvrez-le dans le tableur et enregistrez-le de nouveau. Détail : {exc}"
        ) from exc


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


def _read_workbook(path: Path, sheet: str | None, kind: str | None) -> tuple[Table, Batches]:
    workbook = _open_workbook(path)
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
            f"« {path.name} », feuille « {name} » : illisible ({exc}). Le fichier est peut-être "
            "endommagé ; enregistrez-le de nouveau depuis le tableur."
        ) from exc
    start_row = data.start[0] if data.start else 0
    table, batches = _collect(path, rows_iter, start_row + 1, kind, f"la feuille « {name} »")
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


# --- CSV --------------------------------------------------------------------------------------


def _read_csv(path: Path, kind: str | None) -> tuple[Table, Batches]:
    data = path.read_bytes()
    if not data.strip():
        raise FileReadError(f"« {path.name} » est vide.")
    if data.startswith(_ZIP) or data.startswith(_OLE):
        raise FileReadError(
            f"« {path.name} » est un classeur Excel ou OpenDocument, pas un CSV : "
            "donnez-lui l'extension .xlsx (ou .xls, .ods)."
        )
    text, encoding = _decode(path, data)
    # Trailing blank lines (";;;;" repeated a million times by some exports) are cut in one
    # C-level pass: strip the blank tail, then keep the rest of the last line that has data.
    stripped = text.rstrip(" \t\r\n;,")
    cut = text.find("\n", len(stripped))
    text = text[:cut] if cut != -1 else text
    separator = _separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        table, batches = _collect(path, reader, 1, kind, "le fichier")
    except csv.Error as exc:
        raise FileReadError(f"« {path.name} » : CSV mal formé ({exc}).") from exc
    table.encoding, table.separator = encoding, separator
    table.expected_rows = max(0, text.count("\n") + 1 - table.header_row)

    def checked() -> Batches:
        try:
            yield from batches
        except csv.Error as exc:
            raise FileReadError(f"« {path.name} » : CSV mal formé ({exc}).") from exc

    return table, checked()


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's « Texte Unicode »
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise FileReadError(f"« {path.name} » : texte UTF-16 endommagé.") from exc
    if b"\x00" in data[:4096]:
        raise FileReadError(
            f"« {path.name} » n'est pas un fichier texte CSV (il contient des données binaires)."
        )
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        if _UTF8_MULTIBYTE.search(data[: exc.start]):
            raise FileReadError(
                f"« {path.name} » mélange deux encodages : il commence en UTF-8 mais la ligne "
                f"{line} est dans un autre encodage (Windows-1252 ?). Les accents seraient mal "
                "lus : enregistrez-le de nouveau en « CSV UTF-8 » depuis le tableur."
            ) from exc
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileReadError(
            f"« {path.name} » : encodage non reconnu (ni UTF-8 ni Windows-1252). Enregistrez-le "
            "de nouveau en « CSV UTF-8 »."
        ) from exc
    return text, "Windows-1252"


def _separator(text: str) -> str:
    """The separator is the one the header line uses most (outside quotes); `;` on a tie."""
    first = text.split("\n", 1)[0]
    first = re.sub(r'"[^"]*"', "", first)
    counts = {sep: first.count(sep) for sep in (";", "\t", ",")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ";"


# --- both -------------------------------------------------------------------------------------


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _collect(
    path: Path, rows, first_number: int, kind: str | None, where: str
) -> tuple[Table, Batches]:
    """Find the header now, then give the non-blank rows with their numbers in batches as they
    are read; blank rows are counted, not stored, so a million of them after the data cost
    nothing but the iteration."""
    scanned: list[tuple[int, list]] = []
    number = first_number - 1
    rows = iter(rows)
    for row in rows:
        number += 1
        if any(not _blank(c) for c in row):
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
    table = Table(path, headers, [], [], header_row=header_row)

    def batches() -> Batches:
        out_rows = [_fit(r, width) for _, r in scanned[header_at + 1 :]]
        numbers = [n for n, _ in scanned[header_at + 1 :]]
        append_row, append_number = out_rows.append, numbers.append
        for row_number, row in enumerate(rows, number + 1):
            # Most rows have their first cell filled: one test, then the row as it is.
            first = row[0] if row else None
            if (first is None or first == "" or (type(first) is str and first.isspace())) and all(
                c is None or (isinstance(c, str) and not c.strip()) for c in row
            ):
                continue
            append_row(row if type(row) is list and len(row) == width else _fit(row, width))
            append_number(row_number)
            if len(out_rows) >= STREAM_BATCH:
                yield numbers, out_rows, _unquote(out_rows, width)
                out_rows, numbers = [], []
                append_row, append_number = out_rows.append, numbers.append
        if out_rows:
            yield numbers, out_rows, _unquote(out_rows, width)

    return table, batches()


def _header_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return " ".join(str(cell).split())


def _fit(row: Sequence[object], width: int) -> list[object]:
    """Pad or cut a row to the header's width (a new list)."""
    cells = list(row[:width])
    if len(cells) < width:
        cells.extend([None] * (width - len(cells)))
    return cells


def _unquote(rows: list[list[object]], width: int) -> list[tuple]:
    """Undo the ' our exports put before formula-like text, and return the rows' columns. One
    C-level transposition, then per column one join and search tells whether any cell starts
    with ' at all (almost never)."""
    columns = list(zip(*rows, strict=True)) if rows and width else [() for _ in range(width)]
    for index, column in enumerate(columns):
        try:
            joined = "\x00".join(column)
        except TypeError:  # numbers, dates, empty cells: only text can start with '
            joined = "\x00".join([c for c in column if type(c) is str])
        if "\x00'" not in "\x00" + joined:
            continue
        for row in rows:
            cell = row[index]
            if isinstance(cell, str) and cell[:1] == "'" and cell[1:2] and cell[1] in _FORMULA:
                row[index] = cell[1:]
        columns[index] = tuple(row[index] for row in rows)
    return columns


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
    widths = [sum(1 for c in row if not _blank(c)) for _, row in scanned]
    widest = max(widths)
    return next(i for i, w in enumerate(widths) if w >= max(2, widest // 2) or w == widest)
