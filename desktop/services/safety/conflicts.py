"""Conflicts between two sessions: what the other person saved beside what this user typed, field
by field, and the merge the user chooses (kept theirs, took the other's, or field by field)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from desktop.models import Change, Person, Site, Unit
from desktop.services.common.formatting import format_date
from desktop.services.common.history import _model_for
from desktop.services.common.vocabulary import (
    POSITION_ROLES,
    PROGRAMME_FAMILIES,
    PROGRAMME_KINDS,
    PROGRAMME_STATUSES,
    UNIT_KINDS,
)
from desktop.services.directory.validation import check_email, clean, normalise_phone
from desktop.services.programmes.drafts import ProgrammeDraft

FIELD_LABELS = {
    "person": {"last_name": "Nom", "first_name": "Prénom", "email": "Courriel",
               "phone": "Téléphone", "site_id": "Site"},
    "unit": {"name": "Nom", "acronym": "Sigle", "kind": "Type", "parent_id": "Service parent",
             "site_id": "Site", "created_on": "Date de création", "email": "Courriel",
             "phone": "Téléphone", "address": "Adresse", "description": "Description"},
    "position": {"title": "Intitulé", "role": "Rôle", "person_id": "Personne",
                 "unit_id": "Service", "is_interim": "Intérim", "start_on": "Début",
                 "end_on": "Fin"},
    "programme": {"code": "Code", "name": "Nom", "family": "Famille", "kind": "Nature",
                  "status": "État", "lead_unit_id": "Service pilote", "start_on": "Début",
                  "end_on": "Fin", "description": "Description", "beneficiary": "Bénéficiaire"},
}  # fmt: skip
MINE, THEIRS = "mine", "theirs"
# Codes shown with their French label, and ids shown with the name of what they point to.
CODE_LABELS = {("unit", "kind"): UNIT_KINDS, ("position", "role"): POSITION_ROLES,
          ("programme", "family"): PROGRAMME_FAMILIES, ("programme", "kind"): PROGRAMME_KINDS,
          ("programme", "status"): PROGRAMME_STATUSES}  # fmt: skip
_REFERENCES = {"site_id": Site, "parent_id": Unit, "unit_id": Unit, "person_id": Person}


def _named(session, table_name: str, name: str, value: object) -> str | None:
    """The readable text of a code or an id; None when the raw value reads well."""
    if value is None:
        return None
    codes = CODE_LABELS.get((table_name, name))
    if codes is not None:
        return codes.get(value, str(value))
    model = _REFERENCES.get(name)
    if model is None:
        return None
    obj = session.get(model, value)
    if obj is None:
        return f"n° {value} (supprimé)"
    if model is Person:
        return f"{obj.last_name} {obj.first_name}"
    return obj.name


# Free-text fields the directory stores cleaned (spaces collapsed, empty = none).
_CLEANED = {"last_name", "first_name", "name", "acronym", "title", "address"}


def as_stored(values: dict[str, object]) -> dict[str, object]:
    """A form's values written the way the directory stores them (phone `04 67 …`, trimmed
    text, empty = none), so a field the user did not really change does not look changed;
    a value that is not valid stays as typed (the save will say why)."""
    out = dict(values)
    for name, value in values.items():
        try:
            if name == "phone":
                out[name] = normalise_phone(value)
            elif name == "email":
                out[name] = check_email(value)
            elif name in _CLEANED or (name == "description" and isinstance(value, str)):
                out[name] = clean(value) if name != "description" else value.strip() or None
        except ValueError:
            continue
    if isinstance(out.get("acronym"), str):
        out["acronym"] = out["acronym"].upper()
    return out


def shown(value: object) -> str:
    if value is None or value == "":
        return "(vide)"
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, date | datetime):
        return format_date(value)
    return str(value)


@dataclass(frozen=True)
class FieldConflict:
    field: str
    label: str
    mine: object
    theirs: object

    # What the dialog prints for each side when the raw value is not readable (lists of rows).
    mine_text: str | None = None
    theirs_text: str | None = None
    # False when this user left the field as loaded: the dialog then proposes the other's value,
    # so the other person's change is not undone unnoticed.
    mine_changed: bool = True

    @property
    def differs(self) -> bool:
        return self.mine != self.theirs


@dataclass(frozen=True)
class ConflictReport:
    """The record as saved by someone else now, beside this user's version."""

    table_name: str
    row_id: int
    their_version: int | None  # None: the record was deleted meanwhile
    fields: tuple[FieldConflict, ...]
    their_login: str | None = None
    their_at: datetime | None = None

    @property
    def deleted(self) -> bool:
        return self.their_version is None

    @property
    def differing(self) -> list[FieldConflict]:
        return [f for f in self.fields if f.differs]

    def merge(self, choices: dict[str, str] | None = None, default: str = MINE) -> dict:
        """The values to save: for each field, this user's or the other's version."""
        choices = choices or {}
        return {
            f.field: (f.theirs if choices.get(f.field, default) == THEIRS else f.mine)
            for f in self.fields
        }


# The programme editor's fields, in the order of its form; the three lists of rows (milestones,
# indicators, funding) are compared and chosen whole.
PROGRAMME_FIELDS = (
    ("code", "Code"), ("name", "Intitulé"), ("family", "Famille"), ("kind", "Nature"),
    ("status", "Statut"), ("parent_code", "Programme parent"), ("lead_unit_id", "Service pilote"),
    ("start_on", "Début"), ("end_on", "Fin"), ("description", "Objectif"),
    ("beneficiary", "Bénéficiaires"), ("axis_numbers", "Axes"),
    ("department_codes", "Départements"), ("partner_codes", "Partenaires"),
    ("milestones", "Jalons"), ("indicators", "Indicateurs"), ("funding", "Financement"),
)  # fmt: skip
_ROWS = {"milestones": "jalon(s)", "indicators": "indicateur(s)", "funding": "ligne(s)"}


def _content(rows: tuple) -> tuple:
    """Rows without their ids and versions: what a user typed, comparable between sessions."""
    out = []
    for row in rows:
        values = {f.name: getattr(row, f.name) for f in fields(row)}
        for key in ("id", "version"):
            values.pop(key, None)
        if "periods" in values:
            values["periods"] = tuple(replace(p, stored=()) for p in values["periods"])
        out.append(tuple(values.items()))
    return tuple(out)


def _rows_text(name: str, rows: tuple) -> str:
    heads = [getattr(r, "title", None) or getattr(r, "code", None) or getattr(r, "funder_code", "")
             for r in rows]  # fmt: skip
    listed = ", ".join(str(h) for h in heads[:4]) + (", …" if len(heads) > 4 else "")
    return f"{len(rows)} {_ROWS[name]}" + (f" : {listed}" if listed else "")


def _rebased(mine: tuple, theirs: tuple) -> tuple:
    """This user's rows, carrying the versions now stored, so saving them replaces the other's;
    a row the other person deleted is created again."""
    stored = {row.id: row for row in theirs if row.id is not None}
    out = []
    for row in mine:
        fresh = stored.get(row.id)
        if fresh is None:
            row = replace(row, id=None, version=None)
        else:
            row = replace(row, version=fresh.version)
        if hasattr(row, "periods"):
            periods = {p.period: p.stored for p in fresh.periods} if fresh else {}
            row = replace(
                row,
                periods=tuple(replace(p, stored=periods.get(p.period, ())) for p in row.periods),
            )
        out.append(row)
    return tuple(out)


def merged_programme(mine: ProgrammeDraft, theirs: ProgrammeDraft, values: dict) -> ProgrammeDraft:
    """The draft to save after a conflict: the stored draft (its versions) with each field set
    to the chosen side; a list of rows chosen from this user is rebased on the stored versions."""
    changes = {}
    for name, _label in PROGRAMME_FIELDS:
        if name in _ROWS:
            chosen_theirs = values[name] == _content(getattr(theirs, name))
            if not chosen_theirs:
                changes[name] = _rebased(getattr(mine, name), getattr(theirs, name))
        else:
            changes[name] = values[name]
    return replace(theirs, **changes)


class ConflictService:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def _last_change(self, session, table_name: str, row_id: int):
        return session.execute(
            select(Change.login, Change.at)
            .where(Change.table_name == table_name, Change.row_id == row_id)
            .order_by(Change.id.desc())
            .limit(1)
        ).first()

    def compare_programme(
        self,
        mine: ProgrammeDraft,
        theirs: ProgrammeDraft | None,
        unit_labels: dict[int, str] | None = None,
        base: ProgrammeDraft | None = None,
    ) -> ConflictReport:
        """The programme editor's draft against the one stored now (None: deleted meanwhile);
        `base` is the draft the editor loaded (to tell which fields this user changed)."""
        unit_labels = unit_labels or {}
        found = []
        for name, label in PROGRAMME_FIELDS:
            left = getattr(mine, name)
            right = getattr(theirs, name) if theirs is not None else None
            loaded = getattr(base, name) if base is not None else None
            texts: tuple = (None, None)
            if name in _ROWS:
                texts = (_rows_text(name, left), _rows_text(name, right) if theirs else None)
                left, right = _content(left), _content(right) if theirs else None
                loaded = _content(loaded) if base is not None else None
            elif name == "partner_codes":  # the editor lists partners in its own order
                left, right = tuple(sorted(left)), tuple(sorted(right)) if theirs else None
                loaded = tuple(sorted(loaded)) if base is not None else None
            elif name == "lead_unit_id":
                texts = (unit_labels.get(left), unit_labels.get(right))
            elif ("programme", name) in CODE_LABELS:
                codes = CODE_LABELS["programme", name]
                texts = (codes.get(left, left), codes.get(right, right) if theirs else None)
            if name in ("axis_numbers", "department_codes", "partner_codes"):
                texts = tuple(", ".join(map(str, v)) or "(aucun)" for v in (left, right or ()))
            changed = base is None or loaded != left
            found.append(FieldConflict(name, label, left, right, *texts, mine_changed=changed))
        with self._sessions() as session:
            last = self._last_change(session, "programme", mine.id)
        return ConflictReport(
            "programme", mine.id, theirs.version if theirs is not None else None, tuple(found),
            last[0] if last else None, last[1] if last else None,
        )  # fmt: skip

    def compare(
        self,
        table_name: str,
        row_id: int,
        mine: dict[str, object],
        base: dict[str, object] | None = None,
    ) -> ConflictReport:
        """This user's values `mine` against the record as stored now, and who changed it last;
        `base` holds the values this user loaded (to tell which fields they changed)."""
        model = _model_for(table_name)
        labels = FIELD_LABELS.get(table_name, {})
        with self._sessions() as session:
            obj = session.get(model, row_id)
            last = self._last_change(session, table_name, row_id)
            fields = tuple(
                FieldConflict(
                    name,
                    labels.get(name, name),
                    value,
                    theirs,
                    _named(session, table_name, name, value),
                    _named(session, table_name, name, theirs),
                    mine_changed=base is None or base.get(name) != value,
                )  # fmt: skip
                for name, value in mine.items()
                for theirs in [getattr(obj, name) if obj is not None else None]
            )
            return ConflictReport(
                table_name,
                row_id,
                obj.version if obj is not None else None,
                fields,
                last[0] if last else None,
                last[1] if last else None,
            )
