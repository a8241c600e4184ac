"""Conflicts between two sessions: what the other person saved beside what this user typed, field
by field, and the merge the user chooses (kept theirs, took the other's, or field by field)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from desktop.models import Change
from desktop.services.formatting import format_date
from desktop.services.history import _model_for

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


class ConflictService:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def compare(self, table_name: str, row_id: int, mine: dict[str, object]) -> ConflictReport:
        """This user's values `mine` against the record as stored now, and who changed it last."""
        model = _model_for(table_name)
        labels = FIELD_LABELS.get(table_name, {})
        with self._sessions() as session:
            obj = session.get(model, row_id)
            last = session.execute(
                select(Change.login, Change.at)
                .where(Change.table_name == table_name, Change.row_id == row_id)
                .order_by(Change.id.desc())
                .limit(1)
            ).first()
            fields = tuple(
                FieldConflict(
                    name,
                    labels.get(name, name),
                    value,
                    getattr(obj, name) if obj is not None else None,
                )  # fmt: skip
                for name, value in mine.items()
            )
            return ConflictReport(
                table_name,
                row_id,
                obj.version if obj is not None else None,
                fields,
                last[0] if last else None,
                last[1] if last else None,
            )
