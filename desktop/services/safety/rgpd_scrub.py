"""What identifies an erased person (current and former values) and how a text, a history
value or a whole SQLite file is cleared of it, whatever the case and accents."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from desktop.models.directory import SORT_SOURCES, sort_key_for
from desktop.services.common import search_index
from desktop.services.common.folding import fold

ERASED = "[effacé]"
# Person columns that identify someone, blanked in the person's own history snapshots.
IDENTIFYING = ("last_name", "first_name", "email", "phone")
# Shorter values (initials, « Li ») would erase unrelated text.
MIN_NEEDLE = 3


@dataclass(frozen=True)
class PersonTraces:
    """Every value that ever identified one person in the directory — their current record
    and what the history says they were called, reached and held before — and the posts they
    held. Kept in memory only, for the erasure of the database and then of its backups."""

    person_id: int
    last_names: frozenset[str]
    first_names: frozenset[str]
    emails: frozenset[str]
    phones: frozenset[str]
    post_ids: frozenset[int]

    @property
    def full_names(self) -> list[str]:
        return [
            f"{a} {b}"
            for last in self.last_names
            for first in self.first_names
            for a, b in ((first, last), (last, first))
        ]

    @property
    def strong(self) -> list[str]:
        """Values that name this person wherever they appear: full names and e-mails (a last
        name alone, « MARTIN », may be someone else's or a place's)."""
        return _needles([*self.full_names, *self.emails])

    @property
    def surnames(self) -> list[str]:
        """Last names alone, erased outside the person's own rows only where written as a
        whole word in capitals (« Mme BÉJEAN »), the French way of writing a surname: in any
        case they would also erase words (« Petit », « Martin ») that name someone else."""
        return _needles(self.last_names)

    def elsewhere(self, text: str | None) -> str | None:
        """text from a row that is not about the person, cleared of what names them."""
        return scrub(text, self.strong, capitals=self.surnames)

    @property
    def everything(self) -> list[str]:
        """Every value, for the rows that are about this person: their record, their posts."""
        return _needles([*self.full_names, *self.emails, *self.last_names, *self.phones])


def _needles(values: Iterable[str]) -> list[str]:
    """Folded needles, longest first, with the \\u-escaped form JSON may also have stored."""
    found: set[str] = set()
    for value in values:
        value = (value or "").strip()
        if len(value) < MIN_NEEDLE:
            continue
        found.add(fold(value))
        escaped = json.dumps(value)[1:-1]
        if escaped != value:
            found.add(fold(escaped))
    return sorted(found, key=len, reverse=True)


def traces_from_values(person_id: int, values: Iterable[dict], post_ids: Iterable[int]):
    """PersonTraces from person snapshots ({"last_name": …, "email": …}, partial ones too)."""
    sets: dict[str, set[str]] = {key: set() for key in IDENTIFYING}
    for snapshot in values:
        for key in IDENTIFYING:
            value = snapshot.get(key)
            if isinstance(value, str) and value.strip() and value != ERASED:
                sets[key].add(value.strip())
    return PersonTraces(
        person_id,
        frozenset(sets["last_name"]),
        frozenset(sets["first_name"]),
        frozenset(sets["email"]),
        frozenset(sets["phone"]),
        frozenset(post_ids),
    )


def _folded_with_origin(text: str) -> tuple[str, list[int]]:
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for piece in fold(char) or char:
            chars.append(piece)
            origin.append(index)
    return "".join(chars), origin


def scrub(text: str | None, needles: list[str], capitals: list[str] = ()) -> str | None:
    """text with every needle (folded) replaced by « [effacé] », matched whatever the case and
    accents: « Béjean », « BEJEAN » and « béjean » alike; a needle of `capitals` only where
    written as a whole word in capital letters."""
    if not text or not (needles or capitals):
        return text
    haystack, origin = _folded_with_origin(text)
    spans = []
    for needle, strict in [*((n, False) for n in needles), *((n, True) for n in capitals)]:
        start = haystack.find(needle)
        while start != -1:
            end = start + len(needle)
            span = (origin[start], origin[end - 1] + 1)
            word = text[span[0] : span[1]]
            whole = (start == 0 or not haystack[start - 1].isalnum()) and (
                end == len(haystack) or not haystack[end].isalnum()
            )
            if not strict or (whole and word.upper() == word and word.lower() != word):
                spans.append(span)
            start = haystack.find(needle, end)
    if not spans:
        return text
    spans.sort()
    pieces, cursor = [], 0
    for start, end in spans:
        if start < cursor:  # overlaps the previous match, already erased
            cursor = max(cursor, end)
            continue
        pieces += [text[cursor:start], ERASED]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def scrub_value(value: object, clean) -> object:
    """A decoded JSON value with `clean` applied to every string it holds."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {k: scrub_value(v, clean) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_value(v, clean) for v in value]
    return value


def anonymise_change(
    raw: str | None, traces: PersonTraces, *, own_row: bool, about: bool, field: str | None
) -> str | None:
    """A stored history value (JSON) without the person: on their own row every identifying
    field is « [effacé] »; in the rows about them (their posts) every value of theirs is
    erased inside the strings; elsewhere what names them unambiguously."""
    if raw is None:
        return None

    def clean(text: str) -> str:
        return scrub(text, traces.everything) if about else traces.elsewhere(text)

    try:
        value = json.loads(raw)
    except ValueError:  # rows written by older code kept str(value)
        return clean(raw)
    if own_row and isinstance(value, dict):
        value = {k: ERASED if k in IDENTIFYING and v else v for k, v in value.items()}
    elif own_row and field in IDENTIFYING and value is not None:
        value = ERASED
    cleaned = scrub_value(value, clean)
    return raw if cleaned == value and not own_row else json.dumps(cleaned, ensure_ascii=False)


def concerns(raw: str | None, traces: PersonTraces) -> bool:
    """Whether a position's history value says the post was this person's."""
    try:
        value = json.loads(raw or "null")
    except ValueError:
        return False
    if isinstance(value, dict):
        return value.get("person_id") == traces.person_id
    return False


# --- a whole SQLite file (a backup), whatever its schema revision -------------------------------


def _text_columns(con: sqlite3.Connection) -> dict[str, list[str]]:
    """table -> its text columns, for every ordinary table of the file (not FTS shadows)."""
    tables = [
        r[0]
        for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
            " AND name NOT LIKE 'sqlite_%'"
        )
    ]
    fts = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE sql LIKE '%fts5%'")}
    found = {}
    for table in tables:
        if any(table.startswith(f"{name}_") for name in fts) or table == "alembic_version":
            continue
        columns = [
            r[1]
            for r in con.execute(f'PRAGMA table_info("{table}")')
            if any(t in (r[2] or "").upper() for t in ("CHAR", "TEXT", "CLOB"))
        ]
        if columns:
            found[table] = columns
    return found


def register_match(con: sqlite3.Connection, traces: PersonTraces) -> None:
    """pilotis_rgpd(text): 1 when the text holds one of the person's values, folded; one
    Python call per cell, whatever the number of values looked for."""
    needles = traces.everything

    def match(value: object) -> int:
        if value is None:
            return 0
        text = fold(str(value))
        return int(any(n in text for n in needles))

    con.create_function("pilotis_rgpd", 1, match, deterministic=True)


def _person_rows(con: sqlite3.Connection, columns: list[str], traces: PersonTraces) -> list[int]:
    """The person's rows in a file: their id if it still names them (a file may have given
    the id to someone else), and any row with one of their e-mails (them, entered twice)."""
    names = sorted(traces.last_names)
    emails = sorted({e.lower() for e in traces.emails})
    conditions, params = [], []
    if "last_name" in columns and names:
        conditions.append(f"(id = ? AND last_name IN ({', '.join('?' * len(names))}))")
        params += [traces.person_id, *names]
    if "email" in columns and emails:
        marks = ", ".join("?" * len(emails))
        conditions.append(f"(id = ? AND lower(email) IN ({marks})) OR lower(email) IN ({marks})")
        params += [traces.person_id, *emails, *emails]
    if not conditions:
        return []
    query = f"SELECT id FROM person WHERE {' OR '.join(conditions)}"  # noqa: S608
    return [r[0] for r in con.execute(query, params)]


def _like_any(columns: list[str]) -> str:
    return " OR ".join(f'pilotis_rgpd("{c}")' for c in columns) or "0"


def _planned(con: sqlite3.Connection, traces: PersonTraces):
    """(table, row id, {column: new value}) of every row whose text names the person."""
    for table, cols in _text_columns(con).items():
        if table == "person":
            continue
        if table == "change":
            yield from _planned_changes(con, traces)
            continue
        where, params = _like_any(cols), []
        rows = con.execute(f'SELECT id, {", ".join(cols)} FROM "{table}" WHERE {where}', params)  # noqa: S608
        for row_id, *values in rows.fetchall():
            about = table == "position" and row_id in traces.post_ids
            new = [
                (scrub(v, traces.everything) if about else traces.elsewhere(v))
                if isinstance(v, str) else v
                for v in values
            ]  # fmt: skip
            if new == values:
                continue
            updates = dict(zip(cols, new, strict=True))
            if table in SORT_SOURCES and "sort_key" in updates:
                updates["sort_key"] = sort_key_for(table, updates)
            yield table, row_id, updates


def _planned_changes(con: sqlite3.Connection, traces: PersonTraces):
    where, params = _like_any(["old_value", "new_value"]), []
    marks = ", ".join("?" * len(traces.post_ids)) or "NULL"
    rows = con.execute(
        "SELECT id, table_name, row_id, field, old_value, new_value FROM change WHERE "  # noqa: S608
        f"({where}) OR (table_name = 'person' AND row_id = ?) "
        f"OR (table_name = 'position' AND row_id IN ({marks}))",
        [*params, traces.person_id, *sorted(traces.post_ids)],
    ).fetchall()
    for change_id, table, row_id, field, old, new in rows:
        own = table == "person" and row_id == traces.person_id
        about = own or (table == "position" and row_id in traces.post_ids)
        values = [
            anonymise_change(v, traces, own_row=own, about=about, field=field) for v in (old, new)
        ]
        if values != [old, new]:
            yield "change", change_id, {"old_value": values[0], "new_value": values[1]}


def file_findings(con: sqlite3.Connection, traces: PersonTraces) -> dict[str, int]:
    """What a SQLite file (opened read-only) still holds on the person: rows by table, the
    record itself under "person"."""
    register_match(con, traces)
    found: dict[str, int] = {}
    tables = _text_columns(con)
    if "person" in tables and (ids := _person_rows(con, tables["person"], traces)):
        found["person"] = len(ids)
    for table, _row_id, _updates in _planned(con, traces):
        found[table] = found.get(table, 0) + 1
    return found


def erase_in_file(con: sqlite3.Connection, traces: PersonTraces) -> None:
    """Erase the person from an open SQLite file (a copy of a backup), in one transaction: the
    record goes, their posts become vacant, every text naming them is scrubbed, the full-text
    indexes are rebuilt. Plain SQL read from the file's own schema, so that it works on a
    file of any revision (an « avant-migration » backup is older than the application)."""
    register_match(con, traces)
    con.execute("PRAGMA secure_delete = ON")
    tables = _text_columns(con)
    with con:
        ids = _person_rows(con, tables["person"], traces) if "person" in tables else []
        if ids:
            marks = ", ".join("?" * len(ids))
            if "position" in tables:  # their posts stay, vacant
                con.execute(
                    f"UPDATE position SET person_id = NULL WHERE person_id IN ({marks})",  # noqa: S608
                    ids,
                )
            con.execute(f"DELETE FROM person WHERE id IN ({marks})", ids)  # noqa: S608
        for table, row_id, updates in list(_planned(con, traces)):
            assignments = ", ".join(f'"{c}" = ?' for c in updates)
            con.execute(
                f'UPDATE "{table}" SET {assignments} WHERE id = ?',  # noqa: S608
                [*updates.values(), row_id],
            )
        search_index.rebuild(con)  # from the scrubbed rows, old segments dropped
