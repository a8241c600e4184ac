"""Text files (.csv, .txt, .tsv) and JSON read whole within their size bound: encoding and
separator found, quoting strict, each csv complaint said in French with its line."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from desktop.services.transfer import limits
from desktop.services.transfer.limits import FileReadError, count, excerpt
from desktop.services.transfer.table import Batches, Table, collect
from desktop.services.transfer.workbook_reader import OLE, ZIP

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def read_csv(path: Path, kind: str | None) -> tuple[Table, Batches]:
    limits.check_text_size(path, path.stat().st_size)
    data = path.read_bytes()
    if not data.strip():
        raise FileReadError(f"« {path.name} » est vide.")
    if data.startswith(ZIP) or data.startswith(OLE):
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
        table, batches = collect(path, reader, 1, kind, "le fichier", separator)
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


def read_json(path: Path, kind: str | None) -> tuple[Table, Batches]:
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
    table, batches = collect(path, rows, 1, None, "le fichier")
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
