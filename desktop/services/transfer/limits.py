"""Bounds on what a file may make the reader do, checked before the bytes are inflated or parsed."""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path

from desktop.errors import PilotisError
from desktop.services.common.text_limits import excerpt

# Excel's own limits: a file beyond them was not made by a spreadsheet.
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
# calamine lays a sheet out as a dense grid of 32-byte cells from A1 to the last filled cell:
# 10 million cells (1 048 576 rows × 9 columns) is 320 MB, the most one import may ask for.
MAX_CELLS = 10_000_000
# A grid that large must be mostly filled: two cells at A1 and XFD1048576 would ask calamine
# for 17 billion cells (550 GB: the process aborts). Beyond SPARSE_FROM cells, at least one
# cell in SPARSE_RATIO must hold something.
SPARSE_FROM = 1_000_000
SPARSE_RATIO = 4
# Archives: what the members inflate to, in all and relative to their compressed size. A sheet
# written by Excel or LibreOffice inflates 5-40 times; a deflate bomb about 1 000 times.
MAX_INFLATED = 1 << 30
MAX_RATIO = 200
RATIO_FROM = 1 << 20  # small members (styles, rels) may compress better: not judged
MAX_MEMBERS = 10_000
MAX_DIRECTORY = 16 << 20  # the zip's central directory, read whole by zipfile
# The longest run of XML between two tags: a cell of 32 767 characters written as entities
# (`&amp;`, 5 bytes each) is 164 KB; a run of 384 KB is a value no spreadsheet holds (runs
# under 192 KB always pass, see _has_long_run).
MAX_RUN = 384 << 10
MAX_TEXT_BYTES = 200 << 20  # a CSV file, read whole (1 048 576 rows of 190 bytes)
_CHUNK = 4 << 20

_EOCD = b"PK\x05\x06"
# A cell holding something (not self-closing): its column letters and row number.
_XLSX_CELL = re.compile(rb'<c r="([A-Z]{1,4}[0-9]{1,10})"[^>/]*>')
_XLSX_CELL_ANY = re.compile(rb'<c\s(?:[^>]*?\s)?r="([A-Z]{1,4}[0-9]{1,10})"[^>/]*>')
_LETTERS, _DIGITS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"0123456789"
_XLSX_REF = re.compile(rb'<c\s(?:[^>]*?\s)?r="')
_XLSX_ANY_CELL = re.compile(rb"<c[\s>/]")
_XLSX_ROW = re.compile(rb'<row\b[^>]*?\sr="([0-9]{1,10})"')
_ODS_TAG = re.compile(
    rb"<table:table(?=[\s>])|</table:table-row>|<table:table-row\b([^>]*)>"
    rb"|<table:(?:covered-)?table-cell\b([^>]*?)(/?)>"
)
_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated="([0-9]{1,10})"')
_COLUMNS_REPEATED = re.compile(rb'table:number-columns-repeated="([0-9]{1,10})"')


class FileReadError(PilotisError):
    """The file cannot be read as a table; the message says why and what to do, in French."""


class FileLimitError(FileReadError):
    """The file asks for more than any spreadsheet holds; the message says what and where."""


def summarise(names: list[str], shown: int = 10) -> str:
    """A list for one line of output: the first `shown`, each cut short, then how many more."""
    parts = [excerpt(n, 40) for n in names[:shown]]
    if len(names) > shown:
        parts.append(f"… et {count(len(names) - shown)} autre(s)")
    return ", ".join(parts)


def count(n: int) -> str:
    """An integer as French text: 1 048 576 (narrow no-break spaces)."""
    return f"{n:,}".replace(",", "\u202f")


def column_name(number: int) -> str:
    """1 -> A, 16384 -> XFD."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: bytes) -> int:
    number = 0
    for code in letters:
        number = number * 26 + code - 64
    return number


def check_text_size(path: Path, size: int) -> None:
    if size > MAX_TEXT_BYTES:
        raise FileLimitError(
            f"« {path.name} » fait {count(size // (1 << 20))} Mo : un fichier texte de plus de "
            f"{MAX_TEXT_BYTES >> 20} Mo n'est pas importé (au-delà de ce qu'un tableur ouvre). "
            "Découpez-le en plusieurs fichiers."
        )


def check_archive(path: Path) -> None:
    """Refuse an .xlsx/.ods whose zip structure, inflated sizes or XML content exceed the bounds,
    reading the members as a stream (a few megabytes at a time) before calamine sees them."""
    _check_directory(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileLimitError(_damaged(path)) from exc
    with archive:
        members = archive.infolist()
        if any(m.flag_bits & 0x1 for m in members):
            raise FileLimitError(_encrypted(path))
        total = sum(m.file_size for m in members)
        if total > MAX_INFLATED:
            raise FileLimitError(
                f"« {path.name} » se décompresse en {count(total >> 20)} Mo (au plus "
                f"{MAX_INFLATED >> 20} Mo) : il n'est pas lu. Enregistrez-le en plusieurs "
                "fichiers plus petits."
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > RATIO_FROM and ratio > MAX_RATIO:
                raise FileLimitError(
                    f"« {path.name} » : l'élément « {excerpt(member.filename, 60)} » se "
                    f"décompresse {int(ratio)} fois (au plus {MAX_RATIO} pour un classeur) : "
                    "ce n'est pas un classeur ordinaire, il n'est pas lu."
                )
        ods = any(m.filename == "content.xml" for m in members)
        for member in members:
            if member.filename.endswith((".xml", ".rels")) and not member.is_dir():
                _scan_member(path, archive, member, ods)


def _check_directory(path: Path) -> None:
    """The end record says how many entries the central directory holds and how big it is:
    checked before zipfile reads it whole (a million entries would cost gigabytes)."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 65_557))
        tail = handle.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise FileLimitError(_damaged(path))
    entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries == 0xFFFF or directory == 0xFFFFFFFF or entries > MAX_MEMBERS:
        raise FileLimitError(
            f"« {path.name} » contient trop d'éléments ({count(entries)} ou plus) pour un "
            "classeur : il n'est pas lu."
        )
    if directory > MAX_DIRECTORY:
        raise FileLimitError(f"« {path.name} » : répertoire de l'archive démesuré, non lu.")


def _damaged(path: Path) -> str:
    return (
        f"« {path.name} » est illisible : le classeur est endommagé ou incomplet (tronqué, "
        "ou copié avant la fin de son enregistrement ?). Ouvrez-le dans le tableur et "
        "enregistrez-le de nouveau."
    )


def _encrypted(path: Path) -> str:
    return (
        f"« {path.name} » est protégé par un mot de passe : Pilotis ne lit pas les classeurs "
        "chiffrés. Ouvrez-le dans le tableur, retirez le mot de passe (Fichier → Informations → "
        "Protéger le classeur) et enregistrez-le de nouveau."
    )


def encrypted_message(path: Path) -> str:
    return _encrypted(path)


class _Extent:
    """The grid a sheet asks for: its last filled row and column, and how many cells it fills."""

    def __init__(self) -> None:
        self.rows = 0
        self.columns = 0
        self.cells = 0

    def check(self, path: Path, where: str) -> None:
        if self.rows > MAX_ROWS:
            raise FileLimitError(
                f"« {path.name} », {where} : des cellules remplies jusqu'à la ligne "
                f"{count(self.rows)} ({count(MAX_ROWS)} lignes au plus dans un tableur)."
            )
        if self.columns > MAX_COLUMNS:
            raise FileLimitError(
                f"« {path.name} », {where} : des cellules remplies jusqu'à la colonne "
                f"{count(self.columns)} ({count(MAX_COLUMNS)} colonnes au plus, XFD)."
            )
        area = self.rows * self.columns
        last = f"{column_name(self.columns)}{self.rows}"
        if area > MAX_CELLS:
            raise FileLimitError(
                f"« {path.name} », {where} : la feuille s'étend de A1 à {last}, soit "
                f"{count(area)} cellules ({count(MAX_CELLS)} au plus en un import). Supprimez "
                "les lignes et colonnes inutiles, ou découpez le fichier."
            )
        if area > SPARSE_FROM and area > SPARSE_RATIO * self.cells:
            raise FileLimitError(
                f"« {path.name} », {where} : la feuille s'étend de A1 à {last} mais ne remplit "
                f"que {count(self.cells)} cellules. Effacez les cellules isolées loin des "
                "données (Ctrl+Fin dans le tableur montre la dernière) et enregistrez de nouveau."
            )


def _scan_member(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo, ods: bool):
    """Inflate one member a chunk at a time: no run of text between tags longer than MAX_RUN,
    and for a sheet, the grid its filled cells ask for within the bounds."""
    where = f"élément « {excerpt(member.filename, 60)} »"
    sheet = _OdsExtent(path) if ods and member.filename == "content.xml" else _XlsxExtent()
    carry = b""
    try:
        with archive.open(member) as stream:
            while True:
                block = stream.read(_CHUNK)
                data = carry + block
                if not block:
                    break
                cut = max(data.rfind(b"<"), data.rfind(b">"))
                if cut <= 0:
                    cut = len(data)
                    if len(data) > MAX_RUN:
                        raise FileLimitError(_long_run(path, where))
                data, carry = data[:cut], data[cut:]
                if len(carry) > MAX_RUN or _has_long_run(data):
                    raise FileLimitError(_long_run(path, where))
                sheet.feed(data)
                sheet.check(path, where)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        # zipfile checks each member's CRC and size: a member that inflates to more than its
        # entry says, or to other bytes, ends here instead of in calamine.
        raise FileLimitError(_damaged(path)) from exc
    except NotImplementedError as exc:  # an unknown compression method
        raise FileLimitError(_damaged(path)) from exc
    sheet.feed(carry)
    sheet.check(path, where)


def _has_long_run(data: bytes) -> bool:
    """Whether some window of MAX_RUN / 2 bytes holds no tag delimiter: any run of MAX_RUN
    bytes covers such a window, a run shorter than MAX_RUN / 2 never does. A couple of
    memchr per window instead of a regular expression over every byte."""
    step = MAX_RUN // 2
    find = data.find
    for start in range(0, len(data) - step + 1, step):
        end = start + step
        if find(b"<", start, end) < 0 and find(b">", start, end) < 0:
            return True
    return False


def _long_run(path: Path, where: str) -> str:
    return (
        f"« {path.name} », {where} : une valeur de plus de {MAX_RUN >> 10} Ko d'un seul tenant "
        f"(une cellule de tableur tient en {count(MAX_CELL_CHARS)} caractères) : le fichier "
        "n'est pas lu."
    )


class _XlsxExtent(_Extent):
    def __init__(self) -> None:
        super().__init__()
        self.row_elements = 0
        self.last_row_element = 0
        self.unplaced = 0

    def feed(self, data: bytes) -> None:
        starts = data.count(b"<c")
        if not starts:
            return
        # Every writer seen (Excel, LibreOffice, xlsxwriter, openpyxl) puts r first: one
        # scan reads those cells' references; any other tag starting with <c (a cell with its
        # attributes in another order or none, or <col>, <cfRule>…) sends the chunk to the
        # careful scan.
        if starts == data.count(b'<c r="'):
            refs = _XLSX_CELL.findall(data)
        else:
            refs = _XLSX_CELL_ANY.findall(data)
            self._unplaced(data)
        if refs:
            self.cells += len(refs)
            joined = b" ".join(refs)
            numbers = set(joined.translate(None, _LETTERS).split())  # each row once, not 4×
            longest = max(map(len, numbers))
            self.rows = max(self.rows, int(max(n for n in numbers if len(n) == longest)))
            letters = set(joined.translate(None, _DIGITS).split())
            widest = max(map(len, letters))
            self.columns = max(
                self.columns, max(_column_number(c) for c in letters if len(c) == widest)
            )

    def _unplaced(self, data: bytes) -> None:
        """Cells without r="": calamine places them one after the other. Bound them by the
        row elements' numbers and count, and by every such cell being in one row."""
        unplaced = len(_XLSX_ANY_CELL.findall(data)) - len(_XLSX_REF.findall(data))
        if unplaced <= 0:
            return
        row_numbers = _XLSX_ROW.findall(data)
        self.row_elements += data.count(b"<row")
        if row_numbers:
            self.last_row_element = max(self.last_row_element, max(map(int, row_numbers)))
        self.cells += unplaced
        self.unplaced += unplaced
        self.rows = max(self.rows, self.last_row_element, self.row_elements)
        self.columns = max(self.columns, min(self.unplaced, MAX_COLUMNS + 1))


class _OdsExtent(_Extent):
    """content.xml holds every table: each is measured on its own, repeats counted as calamine
    expands them (`number-columns-repeated="16384"` on a filled cell is 16 384 cells)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._row = 0
        self._repeat = 1
        self._column = 0
        self._filled_to = 0
        self._filled = 0

    def feed(self, data: bytes) -> None:
        for match in _ODS_TAG.finditer(data):
            text = match.group(0)
            if text == b"<table:table":
                self.check(self.path, "feuille")
                self.rows = self.columns = self.cells = self._row = 0
            elif text == b"</table:table-row>":
                self._end_row()
            elif text.startswith(b"<table:table-row"):
                repeat = _ROWS_REPEATED.search(match.group(1))
                self._repeat = int(repeat.group(1)) if repeat else 1
                self._column = self._filled_to = self._filled = 0
                if match.group(1).endswith(b"/"):
                    self._end_row()
            else:
                attributes = match.group(2)
                repeat = _COLUMNS_REPEATED.search(attributes)
                count = int(repeat.group(1)) if repeat else 1
                self._column += count
                if b"value-type" in attributes or not match.group(3):
                    self._filled_to = self._column
                    self._filled += count
                if self._column > MAX_COLUMNS * 64:  # an empty run this wide is not a sheet
                    self.columns = self._column
                    self.check(self.path, "feuille")

    def _end_row(self) -> None:
        if self._filled_to:
            self.rows = self._row + self._repeat
            self.columns = max(self.columns, self._filled_to)
            self.cells += self._filled * self._repeat
        self._row += self._repeat
        self._repeat = 1
        self._column = self._filled_to = self._filled = 0
