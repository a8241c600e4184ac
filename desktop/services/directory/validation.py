"""Checks of what users type in the directory forms, each failure a French reason per field."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from desktop.errors import PilotisError
from desktop.models import Person, Site, Unit
from desktop.services.common.text_limits import excerpt
from desktop.services.common.vocabulary import POSITION_ROLES
from desktop.services.directory.inputs import PersonInput, PositionInput

_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
_PHONE_SEPARATORS = re.compile(r"[\s.\-/()\u00a0\u202f]")
# What check_email accepts as it is, and what normalise_phone returns: an import's column
# already in these forms is checked with one C-level match per cell.
EMAIL_AS_IS = _EMAIL
PHONE_AS_IS = re.compile(r"0[1-9](?: [0-9]{2}){4}")


class DirectoryValidationError(PilotisError):
    """One or more fields are wrong; `problems` is [(field key, French reason)], in form order.

    str(error) names each field and its reason, e.g. « Courriel : adresse invalide … ».
    """

    LABELS = {
        "last_name": "Nom",
        "first_name": "Prénom",
        "person": "Titulaire",  # a post's holder, not a person's « Nom »
        "email": "Courriel",
        "phone": "Téléphone",
        "name": "Nom du service",
        "acronym": "Sigle",
        "kind": "Type",
        "parent": "Service de rattachement",
        "title": "Fonction",
        "role": "Rôle",
        "unit": "Service",
        "start_on": "Début",
        "end_on": "Fin",
        "site": "Site",
        "target": "Service lié",
        "target_post": "Poste lié",
        "note": "Note",
    }

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__(
            "\n".join(f"{self.LABELS.get(key, key)} : {reason}" for key, reason in problems)
        )

    @property
    def first_field(self) -> str:
        return self.problems[0][0]


class EditConflictError(PilotisError):
    """The row changed (or vanished) since the user opened it: saving would overwrite work."""


class UnitNotEmptyError(PilotisError):
    """A unit to delete still has sub-units or posts; the caller must say what to do with them."""

    def __init__(self, label: str, sub_units: int, posts: int) -> None:
        self.sub_units = sub_units
        self.posts = posts
        parts = []
        if sub_units:
            parts.append(f"{sub_units} sous-service(s)")
        if posts:
            parts.append(f"{posts} poste(s)")
        super().__init__(
            f"« {label} » contient encore {' et '.join(parts)} : "
            "choisissez de les rattacher au service parent ou de tout supprimer."
        )


def clean(value: str | None) -> str | None:
    """Spaces collapsed; empty text is None."""
    if value is None:
        return None
    text = " ".join(value.split())
    return text or None


def normalise_phone(value: str | None) -> str | None:
    """A French number as `04 67 91 47 00`; accepts +33, 0033, dots, dashes and spaces.

    Raises ValueError with the French reason when it is not a French 10-digit number.
    """
    text = clean(value)
    if text is None:
        return None
    digits = _PHONE_SEPARATORS.sub("", text)
    for prefix in ("+33", "0033"):
        if digits.startswith(prefix):
            rest = digits[len(prefix) :]
            # « +33 (0)4 67… »: the bracketed trunk 0 is written by habit, not dialled.
            digits = "0" + (rest[1:] if rest.startswith("0") else rest)
            break
    if not digits.isdigit() or len(digits) != 10 or not digits.startswith("0") or digits[1] == "0":
        raise ValueError(
            f"« {excerpt(text)} » n'est pas un numéro français à 10 chiffres "
            "(exemple : 04 67 91 47 00)."
        )
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def check_email(value: str | None) -> str | None:
    """The address, trimmed, or ValueError with the French reason."""
    text = clean(value)
    if text is None:
        return None
    if " " in text or not _EMAIL.match(text):
        raise ValueError(
            f"« {excerpt(text)} » n'est pas une adresse valide "
            "(exemple : prenom.nom@ac-montpellier.fr)."
        )
    return text


# --- a form's values, checked against the base (the units, people and sites it names) ----------


def person_values(session: Session, data: PersonInput) -> dict:
    """A person's columns as stored, or every wrong field at once (DirectoryValidationError)."""
    problems: list[tuple[str, str]] = []
    last, first = clean(data.last_name), clean(data.first_name)
    if not last:
        problems.append(("last_name", "obligatoire."))
    if not first:
        problems.append(("first_name", "obligatoire."))
    values: dict = {}
    try:
        values["email"] = check_email(data.email)
    except ValueError as exc:
        problems.append(("email", str(exc)))
    try:
        values["phone"] = normalise_phone(data.phone)
    except ValueError as exc:
        problems.append(("phone", str(exc)))
    if data.site_id is not None and session.get(Site, data.site_id) is None:
        problems.append(("site", "ce site n'existe plus."))
    if problems:
        raise DirectoryValidationError(problems)
    values.update(last_name=last, first_name=first, site_id=data.site_id)
    return values


def position_values(session: Session, data: PositionInput) -> dict:
    """A post's columns as stored, or every wrong field at once (DirectoryValidationError)."""
    problems: list[tuple[str, str]] = []
    title = clean(data.title)
    if data.unit_id is None or session.get(Unit, data.unit_id) is None:
        problems.append(("unit", "choisissez le service du poste."))
    if not title:
        problems.append(("title", "obligatoire (par exemple « Chef de service »)."))
    if data.role not in POSITION_ROLES:
        problems.append(("role", "choisissez un rôle dans la liste."))
    if data.person_id is not None and session.get(Person, data.person_id) is None:
        problems.append(("person", "cette personne n'existe plus."))
    if data.start_on and data.end_on and data.end_on < data.start_on:
        problems.append(("end_on", "la fin ne peut pas précéder le début."))
    if problems:
        raise DirectoryValidationError(problems)
    return {
        "unit_id": data.unit_id, "person_id": data.person_id, "title": title,
        "role": data.role, "is_interim": bool(data.is_interim and data.person_id),
        "start_on": data.start_on, "end_on": data.end_on,
    }  # fmt: skip
