"""Untrusted SQLite files: a view of them that cannot change them, and their schema checked
against what Pilotis's migrations create at their revision."""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from desktop.errors import (
    LockedDatabaseError,
    NotADatabaseError,
    PilotisError,
)
from desktop.paths import resource_path

T = TypeVar("T")

SCHEMA_FILE = ("resources", "schema", "sqlite-schemas.json")
FORMAT = 1
# SQLite's own bookkeeping: AUTOINCREMENT counters and ANALYZE statistics hold no code.
SQLITE_TABLES = {"sqlite_sequence", "sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4"}
# FTS5 makes these tables for each full-text index; their layout belongs to the SQLite version's
# FTS5, not to Pilotis, so only their presence and kind (a table) are checked.
FTS5_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")
# Each kind of object as the messages name it: (noun, article, feminine).
KINDS = {
    "table": ("table", "la", True),
    "virtual": ("index plein texte", "l'", False),
    "shadow": ("table d'index plein texte", "la", True),
    "index": ("index", "l'", False),
    "view": ("vue", "la", True),
}


class SchemaMismatchError(NotADatabaseError):
    """The file's schema differs from what Pilotis creates (planted SQL, a hand-made change):
    not a Pilotis base as it stands, so the way out offered is that of a damaged file (restore
    the latest sound backup, the file itself set aside)."""

    def __init__(self, message: str, path: str | None, problems: list[str]) -> None:
        super().__init__(message, path)
        self.problems = problems


# --- a view that cannot change the file -------------------------------------------------------

SIDE_FILES = ("-wal", "-journal")
ATTEMPTS = 3


def _signature(path: Path) -> tuple:
    """Size, time and inode of the file and its -wal/-journal: what says "it was written"."""
    found = []
    for suffix in ("", *SIDE_FILES):
        try:
            stat = os.stat(f"{path}{suffix}")
        except FileNotFoundError:
            found.append(None)
        else:
            found.append((stat.st_size, stat.st_mtime_ns, stat.st_ino))
    return tuple(found)


def inspect_untouched(path: Path, check: Callable[[sqlite3.Connection], T]) -> T:
    """check(connection) on a read-only view of path's committed data that writes nothing to
    path, its -wal or its -journal (checkpoint, rollback, WAL switch are all read-write acts).

    - Alone, the file is read with SQLite's `immutable=1`: no lock, no -shm, nothing created.
    - With a -wal and its -shm (a program has it open, or had it when it stopped), a `mode=ro`
      connection reads the WAL's commits under SQLite's own locks, consistent however much
      another program writes meanwhile; a reader writes neither the file nor the -wal (only the
      shared index, -shm, that every reader uses).
    - A hot -journal, or a -wal without its -shm: immutable would ignore them (a WAL's last
      commits, maybe a new revision or planted triggers, unseen; a crashed transaction's
      half-written pages seen), a `mode=ro` connection cannot roll a journal back (« attempt to
      write a readonly database ») and would leave a new -shm behind. So the file and its side
      files are copied into a private temporary folder where SQLite replays the WAL or rolls the
      journal back on the copy only: memory stays that of a stream copy, time that of copying the
      file (~0.35 s for 88 MB here), paid only in that rare state.

    Without SQLite's locks (immutable, copy), a result counts only if the file did not change
    meanwhile (another program writing): otherwise the check runs again, up to ATTEMPTS times."""
    for _attempt in range(ATTEMPTS):
        before = _signature(path)
        wal, journal = before[1] is not None, before[2] is not None
        if wal and not journal and Path(f"{path}-shm").exists():
            with _in_french(path):
                return _on_read_only(path, check)
        view = _on_immutable if not wal and not journal else _on_private_copy
        try:
            outcome = (True, view(path, check))
        except (PilotisError, sqlite3.DatabaseError) as exc:
            outcome = (False, exc)
        if _signature(path) == before:
            with _in_french(path):
                return _replay(outcome)
    raise LockedDatabaseError(
        f"Le fichier {path} change sans cesse pendant son contrôle : un autre programme est en "
        "train d'y écrire. Réessayez dans un instant.",
        str(path),
    )


def _replay(outcome: tuple[bool, object]):
    if outcome[0]:
        return outcome[1]
    raise outcome[1]


@contextmanager
def _in_french(path: Path) -> Iterator[None]:
    """SQLite's own errors told in French (never its English text)."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise LockedDatabaseError(
                f"Le fichier {path} est verrouillé par un autre programme. Fermez-le puis "
                "réessayez.",
                str(path),
            ) from exc
        raise NotADatabaseError(
            f"{path} est endommagé ou n'est pas une base SQLite lisible ; il n'a pas été modifié.",
            str(path),
        ) from exc


def _on_read_only(path: Path, check: Callable[[sqlite3.Connection], T]) -> T:
    con = _connect(f"file:{quote(path.as_posix())}?mode=ro", uri=True)
    try:
        con.execute("BEGIN")  # one snapshot for every check, whatever is committed meanwhile
        return check(con)
    finally:
        con.close()


def _connect(target: str, *, uri: bool) -> sqlite3.Connection:
    con = sqlite3.connect(target, uri=uri, isolation_level=None)
    # No function of the file's schema may run with side effects while it is looked at.
    con.execute("PRAGMA trusted_schema = OFF")
    return con


def _on_immutable(path: Path, check: Callable[[sqlite3.Connection], T]) -> T:
    con = _connect(f"file:{quote(path.as_posix())}?mode=ro&immutable=1", uri=True)
    try:
        return check(con)
    finally:
        con.close()


def _on_private_copy(path: Path, check: Callable[[sqlite3.Connection], T]) -> T:
    with tempfile.TemporaryDirectory(prefix="pilotis-controle-") as folder:  # 0700
        copy = Path(folder) / "copie.sqlite"
        shutil.copyfile(path, copy)
        for suffix in SIDE_FILES:
            try:
                shutil.copyfile(f"{path}{suffix}", f"{copy}{suffix}")
            except FileNotFoundError:
                continue  # gone since the signature was taken: the signature check retries
        con = _connect(str(copy), uri=False)
        try:
            # The first read replays the WAL or rolls the journal back (in the copy); nothing
            # after it may write, even there.
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            con.execute("PRAGMA query_only = ON")
            return check(con)
        finally:
            con.close()


# --- the schema -------------------------------------------------------------------------------


def _norm(sql: str | None) -> str:
    """SQL text with its white space folded: the migrations' layout is not part of the check."""
    return re.sub(r"\s+", " ", sql or "").strip()


def describe(con: sqlite3.Connection) -> dict:
    """The schema as plain data: {"objects": {name: …}, "triggers": {name: …}, "duplicates"}.

    Tables, views and indexes share one namespace in SQLite, triggers have their own. Tables and
    indexes are described by what SQLite reports of them (columns, keys, foreign keys), not by
    their SQL text, which ALTER TABLE rewrites differently across SQLite versions; triggers, views
    and full-text tables, which hold code, are compared by their SQL."""
    rows = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    virtual = {
        name
        for kind, name, _, sql in rows
        if kind == "table" and _norm(sql).upper().startswith("CREATE VIRTUAL TABLE")
    }
    shadows = {f"{name}{suffix}" for name in virtual for suffix in FTS5_SHADOWS}
    objects: dict[str, dict] = {}
    triggers: dict[str, dict] = {}
    duplicates: list[str] = []
    for kind, name, table, sql in rows:
        if kind == "table" and name in SQLITE_TABLES:
            continue
        if kind == "trigger":
            entry, target = {"type": "trigger", "table": table, "sql": _norm(sql)}, triggers
        elif kind == "table" and name in virtual:
            entry, target = {"type": "virtual", "sql": _norm(sql)}, objects
        elif kind == "table" and name in shadows:
            entry, target = {"type": "shadow"}, objects
        elif kind == "table":
            entry, target = {"type": "table", **_table(con, name)}, objects
        elif kind == "index":
            entry, target = {"type": "index", "table": table, **_index(con, table, name)}, objects
        elif kind == "view":
            entry, target = {"type": "view", "sql": _norm(sql)}, objects
        else:
            entry, target = {"type": kind}, objects
        if name in target:
            duplicates.append(name)
        target[name] = entry
    return {"objects": objects, "triggers": triggers, "duplicates": duplicates}


def _table(con: sqlite3.Connection, name: str) -> dict:
    columns = [
        [col, (kind or "").upper(), notnull, default, pk, hidden]
        for col, kind, notnull, default, pk, hidden in con.execute(
            'SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?)',
            (name,),
        )
    ]
    keys = sorted(
        [source, parent, str(to), on_update, on_delete]
        for parent, source, to, on_update, on_delete in con.execute(
            'SELECT "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?)',
            (name,),
        )
    )
    return {"columns": columns, "foreign_keys": keys}


def _index(con: sqlite3.Connection, table: str, name: str) -> dict:
    listed = con.execute(
        'SELECT "unique", partial FROM pragma_index_list(?) WHERE name = ?',
        (table, name),
    ).fetchone()
    columns = [
        [col if col is not None else "<expression>", desc, coll]
        for col, desc, coll in con.execute(
            "SELECT name, desc, coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno",
            (name,),
        )
    ]
    unique, partial = listed if listed else (None, None)
    return {"unique": unique, "partial": partial, "columns": columns}


@lru_cache(maxsize=1)
def expected_schemas() -> dict[str, dict]:
    """{revision: description} of the committed resource, made by scripts/sqlite_schemas.py."""
    text = resource_path(*SCHEMA_FILE).read_text(encoding="utf-8")
    # Its ~10 000 small lists would each count toward a garbage collection that walks every
    # object the process holds (SQLAlchemy's, at start): 17-26 ms to load instead of 1.7 ms.
    collecting = gc.isenabled()
    gc.disable()
    try:
        data = json.loads(text)
    finally:
        if collecting:
            gc.enable()
    return data["revisions"]


def _noun(entry: dict) -> tuple[str, str, str]:
    """(the noun, the noun with its article, the agreement ending) of an object."""
    noun, article, feminine = KINDS.get(entry["type"], (entry["type"], "l'", False))
    space = "" if article.endswith("'") else " "
    return noun, f"{article}{space}{noun}", "e" if feminine else ""


def differences(actual: dict, expected: dict, *, allow_missing: bool = False) -> list[str]:
    """What differs, in French, naming each object; the gravest first (SQL that would run,
    objects of another kind, unknown objects), what is only missing last."""
    planted, changed, missing = [], [], []
    planted += [f"l'objet « {name} » est déclaré deux fois" for name in actual["duplicates"]]
    for name, trigger in actual["triggers"].items():
        known = expected["triggers"].get(name)
        if known is None:
            planted.append(f"déclencheur inconnu « {name} » sur la table « {trigger['table']} »")
        elif known != trigger:
            planted.append(f"le déclencheur « {name} » a été modifié")
    missing += [
        f"déclencheur « {name} » manquant"
        for name in expected["triggers"]
        if name not in actual["triggers"]
    ]
    found, wanted = actual["objects"], expected["objects"]
    for name, entry in found.items():
        known = wanted.get(name)
        if known is None:
            noun, _, ending = _noun(entry)
            where = f" sur la table « {entry['table']} »" if entry.get("table") else ""
            planted.append(f"{noun} inconnu{ending} « {name} »{where}")
        elif known["type"] != entry["type"]:
            one = "une" if _noun(entry)[2] else "un"
            _, expected_named, ending = _noun(known)
            planted.append(
                f"« {name} » est {one} {_noun(entry)[0]} à la place de {expected_named} "
                f"attendu{ending}"
            )
        elif entry["type"] == "table":
            changed += _table_differences(name, entry, known)
        elif known != entry:
            _, named, ending = _noun(entry)
            changed.append(f"{named} « {name} » a été modifié{ending}")
    missing += [
        f"{_noun(entry)[1]} « {name} » manque"
        for name, entry in wanted.items()
        if name not in found
    ]
    return planted + changed + ([] if allow_missing else missing)


def _table_differences(name: str, entry: dict, known: dict) -> list[str]:
    have = {column[0]: column for column in entry["columns"]}
    want = {column[0]: column for column in known["columns"]}
    problems = [f"colonne « {c} » en trop dans la table « {name} »" for c in have if c not in want]
    problems += [f"colonne « {c} » absente de la table « {name} »" for c in want if c not in have]
    problems += [
        f"colonne « {c} » de la table « {name} » modifiée"
        for c in have
        if c in want and have[c] != want[c]
    ]
    if not problems and entry["columns"] != known["columns"]:
        problems.append(f"colonnes de la table « {name} » dans un autre ordre")
    if entry["foreign_keys"] != known["foreign_keys"]:
        problems.append(f"références (clés étrangères) de la table « {name} » modifiées")
    return problems


def verify_schema(con: sqlite3.Connection, revision: str | None, where: str) -> None:
    """Refuse (SchemaMismatchError) a file whose schema is not what our migrations create.

    revision None is a file Pilotis has not initialised yet: it may hold at most an empty
    alembic_version table, nothing else (no trigger, no view), since migrating it writes there."""
    schemas = expected_schemas()
    if revision is None:
        first = schemas[min(schemas)]
        expected = {
            "objects": {
                name: entry
                for name, entry in first["objects"].items()
                if name == "alembic_version" or entry.get("table") == "alembic_version"
            },
            "triggers": {},
        }
        problems = differences(describe(con), expected, allow_missing=True)
    elif revision not in schemas:
        problems = [f"schéma {revision} sans description connue"]
    else:
        problems = differences(describe(con), schemas[revision])
    if problems:
        more = f" (et {len(problems) - 1} autre(s) différence(s))" if len(problems) > 1 else ""
        raise SchemaMismatchError(
            f"La base {where} n'a pas la structure que crée Pilotis (schéma "
            f"{revision or 'vide'}) : {problems[0]}{more}. Elle a pu être modifiée par un autre "
            "programme, ou contenir des instructions cachées : Pilotis ne l'ouvre pas, et elle n'a "
            "pas été modifiée.",
            where,
            problems,
        )


def schema_document(schemas: dict[str, dict]) -> str:
    """The resource file's text (scripts/sqlite_schemas.py writes it, a test compares it)."""
    lines = []
    for revision, description in schemas.items():
        parts = []
        for group in ("objects", "triggers"):
            entries = ",\n".join(
                f"    {json.dumps(name)}: {json.dumps(entry, ensure_ascii=False)}"
                for name, entry in sorted(description[group].items())
            )
            parts.append(f'   "{group}": {{\n{entries}\n   }}')
        lines.append(f'  "{revision}": {{\n' + ",\n".join(parts) + "\n  }")
    body = ",\n".join(lines)
    return f'{{"format": {FORMAT}, "revisions": {{\n{body}\n}}}}\n'
