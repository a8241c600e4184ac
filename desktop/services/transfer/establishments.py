"""Establishments from the Ministry's « Annuaire de l'éducation » export: its 72 columns mapped
to the establishments reference, re-importable to update, with added / changed / closed listed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from desktop.errors import PilotisError
from desktop.services.common.parsing import fold
from desktop.services.transfer.ingest import ImportRejected, ImportReport, IngestService
from desktop.services.transfer.kind_export import kind_rows
from desktop.services.transfer.limits import count, excerpt
from desktop.services.transfer.readers import Table, read_table

CLOSED = "FERME"
# The Annuaire's columns this import reads (it ignores the 60 others).
UAI, NAME, TYPE, SECTOR = (
    "Identifiant_de_l_etablissement", "Nom_etablissement", "Type_etablissement",
    "Statut_public_prive",
)  # fmt: skip
ADDRESS = ("Adresse_1", "Adresse_2", "Adresse_3")
POSTAL_CODE, COMMUNE, DEPARTMENT, ACADEMIE = (
    "Code_postal", "Nom_commune", "Code_departement", "Libelle_academie",
)  # fmt: skip
PHONE, MAIL, LATITUDE, LONGITUDE, POSITION, STATUS = (
    "Telephone", "Mail", "latitude", "longitude", "position", "etat",
)  # fmt: skip
REQUIRED = (UAI, NAME, DEPARTMENT, ACADEMIE)
# The establishments fields each column read feeds (shown by the import wizard).
FIELDS: dict[str, tuple[str, ...]] = {
    UAI: ("uai",), NAME: ("name",), TYPE: ("kind",), SECTOR: ("sector",),
    **dict.fromkeys(ADDRESS, ("address",)), POSTAL_CODE: ("postal_code",),
    COMMUNE: ("commune",), DEPARTMENT: ("department",), ACADEMIE: ("academie",),
    PHONE: ("phone",), MAIL: ("email",), LATITUDE: ("latitude",), LONGITUDE: ("longitude",),
    POSITION: ("latitude", "longitude"), STATUS: ("status",),
}  # fmt: skip
_DIGITS = re.compile(r"\D")
# Closing more than this share of the establishments a file covers (and more than a handful)
# is not a yearly update: a cut file, or an extract of a few communes. It takes an explicit
# choice (--close-missing, or the wizard's confirmation).
CLOSE_SHARE = 0.05
CLOSE_FREE = 5


class MassClosureError(PilotisError):
    """The file would mark many known establishments FERME; nothing was written. `closing` is
    [(uai, name)], `known` how many open establishments its départements hold."""

    def __init__(self, path_name: str, closing: list[tuple[str, str]], known: int) -> None:
        self.closing = closing
        self.known = known
        shown = ", ".join(f"{uai} {excerpt(name, 40)}" for uai, name in closing[:5])
        more = f" et {count(len(closing) - 5)} autre(s)" if len(closing) > 5 else ""
        share = round(100 * len(closing) / max(known, 1))
        self.summary = (
            f"« {path_name} » ne liste plus {count(len(closing))} des {count(known)} "
            f"établissements ouverts de ses départements ({share} %) : l'import les marquerait "
            f"FERME ({shown}{more}). Un fichier tronqué ou un extrait fait cela."
        )
        super().__init__(
            f"{self.summary} Si ces fermetures sont voulues, relancez avec --close-missing (ou "
            "confirmez dans l'assistant). Rien n'a été modifié."
        )


@dataclass(frozen=True)
class EstablishmentChange:
    uai: str
    name: str
    detail: str = ""


@dataclass
class AnnuaireImportResult:
    """What a (re-)import of the Annuaire did; `report` is the ingest report (errors, counts)."""

    report: ImportReport
    written: bool
    rows: int
    added: list[EstablishmentChange] = field(default_factory=list)
    changed: list[EstablishmentChange] = field(default_factory=list)
    closed: list[EstablishmentChange] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # French notes on the skipped rows


def normalise_phone(text: object) -> str | None:
    """`0561000000`, `05 61 00 00 00` and `05.61.00.00.00` all become `05 61 00 00 00`."""
    if text is None or not str(text).strip():
        return None
    digits = _DIGITS.sub("", str(text))
    if len(digits) == 9:  # a spreadsheet dropped the leading zero
        digits = "0" + digits
    if len(digits) == 10 and digits.startswith("0"):
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return " ".join(str(text).split())


def _coordinates(cells: dict[str, object]) -> tuple[object, object]:
    """The latitude/longitude columns, else the `position` field « lat, lon »."""
    lat, lon = cells.get(LATITUDE), cells.get(LONGITUDE)
    if (lat in (None, "") or lon in (None, "")) and cells.get(POSITION):
        parts = [p.strip() for p in str(cells[POSITION]).split(",")]
        if len(parts) == 2:
            lat, lon = parts
    return (lat or None), (lon or None)


def annuaire_rows(table: Table) -> tuple[list[dict], list[int], list[str]]:
    """The file's rows in the establishments import's columns, their row numbers, and notes on
    the rows left out (a UAI listed twice: the first row is kept, as the Annuaire lists a cité
    scolaire once per school it groups)."""
    index = {h: i for i, h in enumerate(table.headers)}
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        raise PilotisError(
            f"« {table.path.name} » n'a pas les colonnes de l'Annuaire de l'éducation : "
            f"{', '.join(missing)} manquante(s)."
        )
    wanted = [UAI, NAME, TYPE, SECTOR, *ADDRESS, POSTAL_CODE, COMMUNE, DEPARTMENT, ACADEMIE,
              PHONE, MAIL, LATITUDE, LONGITUDE, POSITION, STATUS]  # fmt: skip
    rows, numbers, notes, seen = [], [], [], {}
    for number, row in zip(table.numbers, table.rows, strict=True):
        cells = {c: row[index[c]] for c in wanted if c in index}
        uai = str(cells.get(UAI) or "").strip().upper()
        if uai in seen:
            notes.append(
                f"ligne {number} : UAI {uai} déjà présent ligne {seen[uai]} "
                f"(« {cells.get(NAME)} » non repris)"
            )
            continue
        seen[uai] = number
        lat, lon = _coordinates(cells)
        address = ", ".join(str(cells[c]).strip() for c in ADDRESS if cells.get(c))
        rows.append({
            "uai": uai, "name": cells.get(NAME), "kind": cells.get(TYPE),
            "sector": cells.get(SECTOR), "address": address[:300] or None,
            "postal_code": cells.get(POSTAL_CODE), "commune": cells.get(COMMUNE),
            "department": cells.get(DEPARTMENT), "academie": cells.get(ACADEMIE),
            "phone": normalise_phone(cells.get(PHONE)), "email": cells.get(MAIL),
            "latitude": lat, "longitude": lon, "status": cells.get(STATUS),
        })  # fmt: skip
        numbers.append(number)
    return rows, numbers, notes


class AnnuaireImporter:
    """Loads the Annuaire into the establishments reference in one transaction."""

    def __init__(self, session_factory: sessionmaker, login: str | None = None) -> None:
        self._sessions = session_factory
        self._ingest = IngestService(session_factory, login=login)

    def import_file(
        self, path: Path | str, *, partial: bool = False, dry_run: bool = False,
        close_missing: bool = False,
    ) -> AnnuaireImportResult:  # fmt: skip
        """New UAIs are added, known ones updated; an establishment of the file's départements
        that the new file no longer lists is marked closed (FERME), never deleted, because
        programmes may name it. Closing more than a small share of them raises
        MassClosureError unless close_missing."""
        return self.import_table(
            read_table(path), partial=partial, dry_run=dry_run, close_missing=close_missing
        )

    def import_table(
        self, table: Table, *, partial: bool = False, dry_run: bool = False,
        close_missing: bool = False,
    ) -> AnnuaireImportResult:  # fmt: skip
        """The same, from a file already read (the import wizard reads it for its preview)."""
        rows, numbers, notes = annuaire_rows(table)
        with self._sessions() as session:
            before = {r["uai"]: r for r in kind_rows(session, "establishments")}
        in_file = {r["uai"] for r in rows}
        covered = {fold(str(r["department"] or "")).lstrip("0") for r in rows}
        absent = [
            r for uai, r in before.items()
            if uai not in in_file and str(r["department"] or "").lstrip("0") in covered
            and r["status"] != CLOSED
        ]  # fmt: skip
        known = sum(
            1 for r in before.values()
            if str(r["department"] or "").lstrip("0") in covered and r["status"] != CLOSED
        )  # fmt: skip
        if not close_missing and len(absent) > max(CLOSE_FREE, CLOSE_SHARE * known):
            raise MassClosureError(
                table.path.name, [(r["uai"], str(r["name"])) for r in absent], known
            )
        closing = [{**r, "status": CLOSED} for r in absent]
        all_rows = rows + closing
        all_numbers = numbers + [0] * len(closing)  # 0: not a row of the file
        try:
            report = self._ingest.import_rows(
                "establishments", all_rows, update=True, partial=partial, dry_run=dry_run,
                first_row=all_numbers,
            )  # fmt: skip
            written = not dry_run
        except ImportRejected as rejected:
            report, written = rejected.report, False
        result = AnnuaireImportResult(report, written, len(rows), duplicates=notes)
        rejected_rows = {e.row for e in report.errors}
        for row, number in zip(rows, numbers, strict=True):
            if number in rejected_rows:
                continue
            old = before.get(row["uai"])
            change = EstablishmentChange(row["uai"], str(row["name"]))
            if old is None:
                result.added.append(change)
            elif _differs(old, row):
                result.changed.append(
                    EstablishmentChange(row["uai"], str(row["name"]), _what(old, row))
                )
            if fold(str(row["status"] or "")) == fold(CLOSED) and (
                old is None or old["status"] != CLOSED
            ):
                result.closed.append(change)
        for row in absent:
            result.closed.append(
                EstablishmentChange(row["uai"], str(row["name"]), "absent du nouveau fichier")
            )
        return result


_COMPARED = ("name", "kind", "address", "postal_code", "commune", "phone", "email", "status")


def _differs(old: dict, new: dict) -> bool:
    return bool(_what(old, new))


def _what(old: dict, new: dict) -> str:
    """The compared fields that differ, by name (coordinates and codes compared as text)."""
    changed = []
    for name in _COMPARED:
        a = " ".join(str(old.get(name) or "").split())
        b = " ".join(str(new.get(name) or "").split())
        if a != b:
            changed.append(name)
    for name in ("latitude", "longitude"):
        a, b = old.get(name), new.get(name)
        try:
            if (a is None) != (b in (None, "")) or (a is not None and abs(a - float(b)) > 1e-9):
                changed.append(name)
        except (TypeError, ValueError):
            changed.append(name)
    return ", ".join(changed)
