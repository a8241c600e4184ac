"""Read the spreadsheets and CSV files partners send (.xlsx, .xls, .ods, .csv) into header + rows,
with the file's own row numbers and a clear French reason when the file cannot be read."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop.services.common.parsing import fold
from desktop.services.transfer import limits
from desktop.services.transfer.bulk import gc_paused
from desktop.services.transfer.export import FORMULA_STARTS
from desktop.services.transfer.limits import FileReadError, count, excerpt
from desktop.services.transfer.specs import KINDS

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT_FILES = (".csv", ".txt", ".tsv")
SUPPORTED = SPREADSHEETS + TEXT_FILES + (".json",)
_HEADER_SCAN = 30  # rows searched for the header (title lines above it are common)
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_FORMULA = "".join(FORMULA_STARTS)
_NOT_WORD = re.compile(r"[\s_\-.'’/]+")
_PARENTHESES = re.compile(r"\(.*?\)|\*")
_C1 = re.compile("[\x80-\x9f]")
# The 27 code points Windows-1252 gives to 0x80-0x9F (the 5 it leaves undefined stay as they are).
_C1_AS_CP1252 = {
    code: bytes([code]).decode("cp1252")
    for code in range(0x80, 0xA0)
    if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}

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
    repaired: int = 0  # cells whose C1 control characters were read as Windows-1252 (batches)


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
    check_regular_file(path)
    if suffix not in SUPPORTED:
        raise FileReadError(
            f"« {excerpt(path.name)} » : format non pris en charge "
            f"({excerpt(path.suffix, 20) or 'sans extension'}) ; choisissez un fichier .xlsx, "
            ".xls, .ods, .csv ou .json."
        )
    if suffix in SPREADSHEETS:
        return _read_workbook(path, sheet, kind)
    if suffix == ".json":
        return _read_json(path, kind)
    return _read_csv(path, kind)


def check_regular_file(path: Path) -> None:
    """A French reason for a path that is not a file one can import: absent, a folder, a
    device or a pipe (reading /dev/zero would never end)."""
    import stat

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
    if head.startswith(_OLE) and _encrypted_package(path):
        # Excel wraps a workbook saved with a password in an OLE file holding EncryptedPackage.
        raise FileReadError(limits.encrypted_message(path))
    if head.startswith(_ZIP):
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
            f"« {path.name} », feuille « {excerpt(name)} » : illisible, le fichier est peut-être "
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
    limits.check_text_size(path, path.stat().st_size)
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
    # strict: a quote opened and never closed is an error at the end of the file, instead of
    # the rest of the file read as one value.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    try:
        table, batches = _collect(path, reader, 1, kind, "le fichier", separator)
    except csv.Error as exc:
        raise FileReadError(_csv_error(path, reader, exc)) from exc
    table.encoding, table.separator = encoding, separator
    table.expected_rows = max(0, text.count("\n") + 1 - table.header_row)

    def checked() -> Batches:
        try:
            yield from batches
        except csv.Error as exc:
            raise FileReadError(_csv_error(path, reader, exc)) from exc

    return table, checked()


def _read_json(path: Path, kind: str | None) -> tuple[Table, Batches]:
    """An array of records, or an object holding one (the first array of objects found among
    its values): each record a row, nested objects flattened with dotted names (« contact.mel »),
    lists of plain values joined with commas."""
    import json

    limits.check_text_size(path, path.stat().st_size)
    text, _encoding = _decode(path, path.read_bytes())
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileReadError(
            f"« {path.name} » : JSON mal formé ligne {exc.lineno}, colonne {exc.colno}."
        ) from exc
    records = _json_records(data)
    if records is None:
        raise FileReadError(
            f"« {path.name} » : aucun tableau d'objets ([{{…}}, {{…}}]) dans ce JSON ; chaque "
            "objet du tableau est une ligne à importer."
        )
    flat = [_flatten(r) if isinstance(r, dict) else None for r in records]
    bad = next((i for i, r in enumerate(flat) if r is None), None)
    if bad is not None:
        raise FileReadError(
            f"« {path.name} » : l'élément n° {bad + 1} du tableau n'est pas un objet "
            f"(« {excerpt(json.dumps(records[bad], ensure_ascii=False))} »)."
        )
    headers = list(dict.fromkeys(k for r in flat for k in r))
    rows = [headers, *([r.get(h) for h in headers] for r in flat)]
    table, batches = _collect(path, rows, 1, None, "le fichier")
    table.expected_rows = len(flat)
    return table, batches


def _json_records(data: object) -> list | None:
    if isinstance(data, list):
        return data if all(isinstance(r, dict) for r in data[:1]) or not data else None
    if isinstance(data, dict):
        for value in data.values():
            found = _json_records(value) if isinstance(value, list | dict) else None
            if found:
                return found
    return None


def _flatten(record: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            plain = all(not isinstance(v, dict | list) for v in value)
            out[name] = ", ".join(str(v) for v in value) if plain else str(value)
        elif isinstance(value, bool):
            out[name] = "oui" if value else "non"
        else:
            out[name] = value
    return out


def _csv_error(path: Path, reader, exc: csv.Error) -> str:
    """csv's English message as the French reason, with the line where it stopped."""
    line = reader.line_num
    detail = str(exc)
    if "unexpected end of data" in detail or "EOF" in detail:
        return (
            f"« {path.name} » : un guillemet ouvert n'est jamais refermé (lu jusqu'à la ligne "
            f"{line}, la fin du fichier) : tout ce qui le suit serait lu comme une seule valeur. "
            "Fermez le guillemet ou retirez-le, puis importez de nouveau."
        )
    if "expected after" in detail:
        return (
            f"« {path.name} », ligne {line} : du texte suit un guillemet fermant dans le même "
            'champ (exemple : "abc"def) ; mettez tout le champ entre guillemets et doublez '
            'les guillemets qu\'il contient ("abc""def").'
        )
    if "field larger than field limit" in detail:
        return (
            f"« {path.name} », ligne {line} : un champ dépasse {count(csv.field_size_limit())} "
            f"caractères ({count(limits.MAX_CELL_CHARS)} au plus dans une cellule de tableur) ; "
            "un guillemet non refermé ?"
        )
    if "new-line character seen in unquoted field" in detail:
        return (
            f"« {path.name} », ligne {line} : un retour chariot isolé hors guillemets ; "
            "enregistrez le fichier de nouveau en « CSV UTF-8 »."
        )
    if "NUL" in detail or "null byte" in detail:
        return f"« {path.name} », ligne {line} : caractère NUL dans le texte (fichier binaire ?)."
    return f"« {path.name} », ligne {line} : CSV mal formé, la ligne ne se découpe pas en champs."


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
    path: Path, rows, first_number: int, kind: str | None, where: str, separator: str | None = None
) -> tuple[Table, Batches]:
    """Find the header now, then give the non-blank rows with their numbers in batches as they
    are read; blank rows are counted, not stored, so a million of them after the data cost
    nothing but the iteration. `separator`: a CSV file's, whose rows must have the header's
    number of fields (a spreadsheet's rows are padded to the sheet's width by calamine)."""
    scanned: list[tuple[int, list]] = []
    number = first_number - 1
    rows = iter(rows)
    for row in rows:
        number += 1
        if len(row) > limits.MAX_COLUMNS and any(not _blank(c) for c in row[limits.MAX_COLUMNS :]):
            # Before the header is looked for: matching 100 000 titles alone takes seconds.
            raise limits.FileLimitError(
                f"« {path.name} » : {where} a {count(len(row))} colonnes à la ligne {number} "
                f"({count(limits.MAX_COLUMNS)} au plus dans un tableur)."
            )
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
    if width > limits.MAX_COLUMNS:
        raise limits.FileLimitError(
            f"« {path.name} » : {where} a {count(width)} colonnes "
            f"({count(limits.MAX_COLUMNS)} au plus dans un tableur)."
        )
    table = Table(path, headers, [], [], header_row=header_row)
    checks = _RowChecks(path, where, headers, separator, table)

    def batches() -> Batches:
        out_rows = [checks.fit(r, n) for n, r in scanned[header_at + 1 :]]
        numbers = [n for n, _ in scanned[header_at + 1 :]]
        append_row, append_number = out_rows.append, numbers.append
        fit = checks.fit
        for row_number, row in enumerate(rows, number + 1):
            # Most rows have their first cell filled: one test, then the row as it is.
            first = row[0] if row else None
            if (first is None or first == "" or (type(first) is str and first.isspace())) and all(
                c is None or (isinstance(c, str) and not c.strip()) for c in row
            ):
                continue
            append_row(row if type(row) is list and len(row) == width else fit(row, row_number))
            append_number(row_number)
            if len(out_rows) >= STREAM_BATCH:
                checks.rows_seen(row_number)
                yield numbers, out_rows, checks.columns(out_rows, numbers)
                out_rows, numbers = [], []
                append_row, append_number = out_rows.append, numbers.append
        if out_rows:
            checks.rows_seen(numbers[-1])
            yield numbers, out_rows, checks.columns(out_rows, numbers)

    return table, batches()


class _RowChecks:
    """What a row may not do without the user being told: hold a value in a column without a
    title, have fewer or more fields than the header (CSV), hold a cell longer than a
    spreadsheet's, swallow the next lines through a misplaced quote, or be row 1 048 577."""

    def __init__(self, path: Path, where: str, headers: list[str], separator: str | None,
                 table: Table) -> None:  # fmt: skip
        self.path, self.where, self.headers, self.table = path, where, headers, table
        self.width = len(headers)
        self.separator = separator

    def fit(self, row: Sequence[object], number: int) -> list[object]:
        """Pad or cut a row to the header's width (a new list), refusing what would be lost."""
        width = self.width
        cells = list(row[:width])
        extra = [c for c in row[width:] if not _blank(c)]
        if extra:
            index = next(i for i, c in enumerate(row) if i >= width and not _blank(c))
            if self.separator is None:
                cell = f"{limits.column_name(index + 1)}{number}"
                raise FileReadError(
                    f"« {self.path.name} », {self.where} : la cellule {cell} contient "
                    f"« {excerpt(extra[0])} » mais sa colonne n'a pas de titre dans la ligne "
                    "d'en-tête. Donnez-lui un titre ou videz-la : sa valeur serait perdue."
                )
            raise FileReadError(
                f"« {self.path.name} », ligne {number} : {len(row)} champs pour {width} "
                f"colonnes d'en-tête ; « {excerpt(extra[0])} » n'aurait pas de colonne "
                "(séparateur en trop dans une valeur ? mettez-la entre guillemets)."
            )
        if len(cells) < width:
            if self.separator is not None:
                raise FileReadError(
                    f"« {self.path.name} », ligne {number} : {len(row)} champ(s) pour {width} "
                    "colonnes d'en-tête : la ligne est incomplète (fichier tronqué, ou "
                    "séparateur manquant) ; rien n'est deviné."
                )
            cells.extend([None] * (width - len(cells)))
        return cells

    def rows_seen(self, last: int) -> None:
        if last > limits.MAX_ROWS:
            raise limits.FileLimitError(
                f"« {self.path.name} » : {self.where} a plus de {count(limits.MAX_ROWS)} lignes, "
                "le maximum d'un tableur : découpez le fichier."
            )

    def columns(self, rows: list[list[object]], numbers: list[int]) -> list[tuple]:
        """The rows' columns, each checked for cells too long and, in a CSV, for values holding
        whole lines; the ' our exports put before formula-like text is undone. One C-level
        transposition, then per column one join tells whether anything needs a closer look."""
        width = self.width
        columns = list(zip(*rows, strict=True)) if rows and width else [() for _ in range(width)]
        for index, column in enumerate(columns):
            try:
                joined = "\x00".join(column)
            except TypeError:  # numbers, dates, empty cells: only text needs a look
                joined = "\x00".join([c for c in column if type(c) is str])
            if len(joined) > limits.MAX_CELL_CHARS:
                self._check_lengths(index, column, numbers)
            if self.separator is not None and "\n" in joined:
                self._check_lines(index, column, numbers)
            if _C1.search(joined):
                self._repair_c1(index, rows)
                columns[index] = tuple(row[index] for row in rows)
                joined = "\x00".join(c for c in columns[index] if type(c) is str)
            if "\x00'" not in "\x00" + joined:
                continue
            for row in rows:
                cell = row[index]
                if isinstance(cell, str) and cell[:1] == "'" and cell[1:2] and cell[1] in _FORMULA:
                    row[index] = cell[1:]
            columns[index] = tuple(row[index] for row in rows)
        return columns

    def _repair_c1(self, index: int, rows: list[list[object]]) -> None:
        """U+0080-U+009F are control characters no one types: text decoded as Latin-1 where it
        was Windows-1252 (U+0092 for ’), which prints as a blank. Read as Windows-1252."""
        for row in rows:
            cell = row[index]
            if type(cell) is str and _C1.search(cell):
                row[index] = cell.translate(_C1_AS_CP1252)
                self.table.repaired += 1

    def _check_lengths(self, index: int, column: tuple, numbers: list[int]) -> None:
        lengths = [len(c) if type(c) is str else 0 for c in column]
        longest = max(lengths)
        if longest <= limits.MAX_CELL_CHARS:
            return
        at = lengths.index(longest)
        raise limits.FileLimitError(
            f"« {self.path.name} », ligne {numbers[at]}, colonne « {excerpt(self.headers[index])} »"
            f" : valeur de {count(longest)} caractères ({count(limits.MAX_CELL_CHARS)} au plus "
            f"dans une cellule) : « {excerpt(column[at])} »."
        )

    def _check_lines(self, index: int, column: tuple, numbers: list[int]) -> None:
        """A quoted value may span lines (an address); one whose next lines hold separators
        enough for half a row is rows swallowed by a quote opened and closed too late (a comma
        is common in text: two at least)."""
        needed = max(1 if self.separator != "," else 2, (self.width - 1) // 2)
        for at, cell in enumerate(column):
            if type(cell) is not str or "\n" not in cell:
                continue
            if any(line.count(self.separator) >= needed for line in cell.split("\n")[1:]):
                raise FileReadError(
                    f"« {self.path.name} », ligne {numbers[at]}, colonne "
                    f"« {excerpt(self.headers[index])} » : la valeur contient une ligne entière "
                    f"(« {excerpt(cell.split(chr(10))[1])} ») : un guillemet mal fermé a fusionné "
                    "des lignes. Corrigez le guillemet et importez de nouveau."
                )


def _header_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return " ".join(str(cell).split())


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
