"""The columns an import kind reads, and which of a file's headers name which of them (exact
names, French labels, then the words partners use)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from desktop.services.common.parsing import fold
from desktop.services.transfer.specs import KINDS

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


@dataclass(frozen=True)
class Column:
    """One column an import kind reads: its name in files and how to fill it."""

    name: str
    label: str
    kind: str
    required: bool
    choices: tuple[str, ...] = ()
    ref: str | None = None


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
