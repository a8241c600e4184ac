"""Rows and values of a package as a user names them in a conflict report: « Service DRAJES »,
« Jalon « Lancement » du programme AMI-CMA », 31/12/2023, 1 200 €, a site by its name."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.models import Base
from desktop.services.common.formatting import format_euros
from desktop.services.exchange.wire import Refs, data_columns, link_fields, target_of
from desktop.services.safety.conflicts import CODE_LABELS
from desktop.services.safety.history import TABLE_LABELS, field_label, value_text

# As users name them: a unit by its acronym (or name), a person by first and last name.
_NAME_BY_TABLE = {"unit": (("acronym",), ("name",)), "person": (("first_name", "last_name"),),
                  "establishment": (("name",), ("uai",))}  # fmt: skip
_OWN_NAME = (("code",), ("acronym",), ("first_name", "last_name"), ("title",), ("label",),
             ("name",), ("uai",))  # fmt: skip
# A row without a name of its own is named by the rows it belongs to.
_OWNERS = {
    "milestone": ("programme_id",), "indicator": ("programme_id",),
    "indicator_value": ("indicator_id",), "funding_line": ("programme_id", "funder_id"),
    "declared_total": ("programme_id",), "position": ("unit_id",),
    "unit_link": ("from_unit_id", "to_unit_id"),
    "position_link": ("from_position_id", "to_position_id"),
}  # fmt: skip
_DETAILS = {"funding_line": ("period", "stage"), "indicator_value": ("period", "kind")}


class Names:
    """Names of rows and values in one base (the one receiving the package)."""

    def __init__(self, session: Session, refs: Refs) -> None:
        self._session = session
        self._refs = refs
        self._cache: dict[tuple[str, object], str] = {}

    def of_ref(self, target: str, ref: object) -> str:
        """The row a reference points to, by its name here (or « introuvable ici »)."""
        if ref is None:
            return "(aucun)"
        key = (target, ref)
        if key not in self._cache:
            t = Base.metadata.tables[target]
            row = self._session.execute(
                select(t).where(t.c[self._refs.key_column(target)] == ref)
            ).mappings().first()  # fmt: skip
            self._cache[key] = _own_name(target, dict(row)) if row else "(introuvable ici)"
        return self._cache[key]

    def row(self, name: str, values: dict) -> str:
        """« Service DRAJES », « Ligne de financement (programme X, financeur Y, 2023) »."""
        kind = TABLE_LABELS.get(name, name)
        own = _own_name(name, values) if name not in _OWNERS or name == "position" else ""
        parts = []
        for column in _OWNERS.get(name, ()):
            target = target_of(data_columns_by_name(name)[column])
            if values.get(column) is not None and target:
                label = TABLE_LABELS.get(target, target).lower()
                parts.append(f"{label} {self.of_ref(target, values[column])}")
        parts += [self.value(name, c, values.get(c)) for c in _DETAILS.get(name, ())
                  if values.get(c) is not None]  # fmt: skip
        text = f"{kind} « {own} »" if own else kind
        return f"{text} ({', '.join(parts)})" if parts else text

    def value(self, name: str, field: str, value: object) -> str:
        if value is None or value == "" or value == []:
            return "(vide)"
        links = link_fields(name)
        if field in links:
            return ", ".join(self.of_ref(links[field][3], ref) for ref in value)
        column = data_columns_by_name(name).get(field)
        target = target_of(column) if column is not None else None
        if target:
            return self.of_ref(target, value)
        codes = CODE_LABELS.get((name, field))
        if codes and isinstance(value, str):
            return codes.get(value, value)
        if field.endswith("_cents") and isinstance(value, int):
            return format_euros(value)
        return value_text(json.dumps(value))

    @staticmethod
    def field(name: str, field: str | None) -> str:
        return field_label(name, field) if field else "(toute la ligne)"


def data_columns_by_name(name: str) -> dict:
    return {c.name: c for c in data_columns(name)}


def _own_name(name: str, values: dict) -> str:
    for columns in _NAME_BY_TABLE.get(name, _OWN_NAME):
        parts = [str(values[c]) for c in columns if values.get(c)]
        if parts:
            return " ".join(parts)
    return ""
