"""What each import kind holds: its columns, their types, references and natural key."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Table

from desktop import models as m
from desktop.services.common import vocabulary as voc


@dataclass(frozen=True)
class Field:
    """One import column: how to read it and where it goes.

    kind: text, int, float, bool, date, money, period, enum, ref (one row of another kind, by its
    key), refs (a list of them, stored in a link table), person (last_name + first_name columns),
    email and phone (the directory forms' own rules, directory_validation: one rule per field).
    """

    column: str
    label: str
    kind: str = "text"
    attr: str | None = None
    required: bool = False
    choices: dict[str, str] = field(default_factory=dict)
    ref: str | None = None
    scope: str | None = (
        None  # a ref column whose row scopes this ref's key (indicator in programme)
    )
    max_length: int | None = None
    link: tuple[Table, str, str] | None = None  # refs: table, own column, referenced column
    store: bool = True  # False: read only to scope another column (indicator values' programme)

    @property
    def target(self) -> str:
        if self.attr:
            return self.attr
        return f"{self.column}_id" if self.kind == "ref" else self.column


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # French plural, "services"
    model: type
    fields: tuple[Field, ...]
    key: tuple[str, ...] | None  # columns of the natural key; None: rows are always added
    parent: str | None = None  # column naming a row of the same kind (tree)
    # A kind without a key whose rows may repeat (funding lines): a file row equal to a row
    # already stored in `same` + `value` is that row, unchanged; with update, a row matching
    # one stored row on `same` alone gets its `value` updated. Importing a file twice then
    # adds nothing.
    same: tuple[str, ...] = ()
    value: str | None = None

    def field(self, column: str) -> Field:
        return next(f for f in self.fields if f.column == column)


def _code(label: str = "code", length: int = 60) -> Field:
    return Field("code", label, required=True, max_length=length)


def _name(length: int = 300) -> Field:
    return Field("name", "nom", required=True, max_length=length)


_DEPT = Field("department", "département", "ref", ref="departments")
_PROG = Field("programme", "programme", "ref", required=True, ref="programmes")
_PERIOD = Field("period", "période", "period")
_NOTE = Field("note", "note")

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("academies", "académies", m.Academie, (_code(length=40), _name(200)), ("code",)),
        Kind(
            "departments",
            "départements",
            m.Department,
            (
                Field("code", "code", "department_code", required=True),
                _name(200),
                Field("academie", "académie", "ref", required=True, ref="academies"),
            ),
            ("code",),
        ),
        Kind(
            "sites",
            "sites",
            m.Site,
            (_code(length=40), _name(200), Field("city", "ville", max_length=200), _DEPT),
            ("code",),
        ),
        Kind(
            "funders",
            "financeurs",
            m.Funder,
            (
                _code(length=40),
                _name(200),
                Field("kind", "type", "enum", required=True, choices=voc.FUNDER_KINDS),
                Field("description", "description"),
            ),
            ("code",),
        ),
        Kind(
            "organisations",
            "organismes",
            m.Organisation,
            (
                _code(),
                _name(),
                Field("kind", "type", "enum", required=True, choices=voc.ORGANISATION_KINDS),
                Field("city", "ville", max_length=200),
                _DEPT,
                Field("description", "description"),
            ),
            ("code",),
        ),
        Kind(
            "establishments",
            "établissements",
            m.Establishment,
            (
                Field("uai", "UAI", "uai", required=True),
                _name(),
                Field("kind", "type", max_length=100),
                Field("sector", "secteur", "enum", choices=voc.SECTORS),
                Field("address", "adresse", max_length=300),
                Field("postal_code", "code postal", max_length=10),
                Field("commune", "commune", max_length=200),
                _DEPT,
                Field("academie", "académie", "ref", ref="academies"),
                Field("phone", "téléphone", max_length=30),
                Field("email", "courriel", max_length=200),
                Field("latitude", "latitude", "float"),
                Field("longitude", "longitude", "float"),
                Field("status", "état", max_length=40),
            ),
            ("uai",),
        ),
        Kind(
            "units",
            "services",
            m.Unit,
            (
                _code(),
                Field("acronym", "sigle", max_length=40),
                _name(),
                Field("kind", "type", "enum", required=True, choices=voc.UNIT_KINDS),
                Field("parent", "service parent", "ref", ref="units"),
                Field("site", "site", "ref", ref="sites"),
                Field("created_on", "date de création", "date"),
                Field("email", "courriel", "email", max_length=200),
                Field("phone", "téléphone", "phone", max_length=30),
                Field("address", "adresse", max_length=300),
                Field("sort_order", "ordre", "int"),
                Field("description", "description"),
            ),
            ("code",),
            parent="parent",
        ),
        Kind(
            "people",
            "personnes",
            m.Person,
            (
                Field("last_name", "nom", required=True, max_length=120),
                Field("first_name", "prénom", required=True, max_length=120),
                Field("email", "courriel", "email", max_length=200),
                Field("phone", "téléphone", "phone", max_length=30),
                Field("site", "site", "ref", ref="sites"),
            ),
            ("last_name", "first_name", "email"),
        ),
        Kind(
            "positions",
            "postes",
            m.Position,
            (
                Field("unit", "service", "ref", required=True, ref="units"),
                Field("title", "intitulé", required=True, max_length=300),
                Field("role", "rôle", "enum", required=True, choices=voc.POSITION_ROLES),
                Field("person", "personne", "person", ref="people", attr="person_id"),
                Field("interim", "intérim", "bool", attr="is_interim"),
                Field("start_on", "début", "date"),
                Field("end_on", "fin", "date"),
                Field("sort_order", "ordre", "int"),
            ),
            None,
        ),
        Kind(
            "unit_links",
            "liens fonctionnels",
            m.UnitLink,
            (
                Field("from_unit", "service d'origine", "ref", required=True, ref="units"),
                Field("to_unit", "service lié", "ref", required=True, ref="units"),
                Field("kind", "type", "enum", required=True, choices=voc.LINK_KINDS),
                _NOTE,
            ),
            ("from_unit", "to_unit", "kind"),
        ),
        Kind(
            "strategic_lines",
            "lignes directrices",
            m.StrategicLine,
            (
                Field("number", "numéro", "int", required=True),
                Field("title", "titre", required=True),
            ),
            ("number",),
        ),
        Kind(
            "axes",
            "axes",
            m.Axis,
            (
                Field("number", "numéro", "int", required=True),
                Field("line", "ligne directrice", "ref", required=True, ref="strategic_lines"),
                Field("title", "titre", required=True),
                Field("action", "action"),
                Field("priority", "prioritaire", "bool", attr="is_priority"),
            ),
            ("number",),
        ),
        Kind(
            "programmes",
            "programmes",
            m.Programme,
            (
                _code(),
                _name(),
                Field("family", "famille", "enum", required=True, choices=voc.PROGRAMME_FAMILIES),
                Field("kind", "nature", "enum", required=True, choices=voc.PROGRAMME_KINDS),
                Field("parent", "programme parent", "ref", ref="programmes"),
                Field("status", "statut", "enum", choices=voc.PROGRAMME_STATUSES),
                Field("lead_unit", "service pilote", "ref", ref="units"),
                Field("start_on", "début", "date"),
                Field("end_on", "fin", "date"),
                Field("description", "description"),
                Field("beneficiary", "bénéficiaire"),
                Field("sort_order", "ordre", "int"),
                Field(
                    "axes",
                    "axes",
                    "refs",
                    ref="axes",
                    link=(m.programme_axis, "programme_id", "axis_id"),
                ),
                Field(
                    "departments",
                    "départements",
                    "refs",
                    ref="departments",
                    link=(m.programme_department, "programme_id", "department_id"),
                ),
                Field(
                    "partners",
                    "partenaires",
                    "refs",
                    ref="organisations",
                    link=(m.programme_partner, "programme_id", "organisation_id"),
                ),
                Field(
                    "establishments",
                    "établissements",
                    "refs",
                    ref="establishments",
                    link=(m.programme_establishment, "programme_id", "establishment_id"),
                ),
            ),
            ("code",),
            parent="parent",
        ),
        Kind(
            "milestones",
            "jalons",
            m.Milestone,
            (
                _PROG,
                Field("title", "intitulé", required=True, max_length=300),
                Field("due_on", "échéance", "date", required=True),
                Field("precision", "précision", "enum", choices=voc.DATE_PRECISIONS),
                Field("done", "fait", "bool"),
                _NOTE,
            ),
            ("programme", "title", "due_on"),
        ),
        Kind(
            "indicators",
            "indicateurs",
            m.Indicator,
            (
                _PROG,
                _code(),
                _name(),
                Field("unit", "unité", max_length=40),
            ),
            ("programme", "code"),
        ),
        Kind(
            "indicator_values",
            "valeurs d'indicateurs",
            m.IndicatorValue,
            (
                Field(
                    "programme", "programme", "ref", required=True, ref="programmes", store=False
                ),
                Field(
                    "indicator",
                    "indicateur",
                    "ref",
                    required=True,
                    ref="indicators",
                    scope="programme",
                ),
                Field("period", "période", "period", required=True),
                Field("kind", "nature", "enum", required=True, choices=voc.VALUE_KINDS),
                Field("value", "valeur", "float", required=True),
                _NOTE,
            ),
            ("indicator", "period", "kind"),
        ),
        Kind(
            "funding_lines",
            "lignes de financement",
            m.FundingLine,
            (
                _PROG,
                Field("funder", "financeur", "ref", required=True, ref="funders"),
                Field("amount", "montant", "money", required=True, attr="amount_cents"),
                Field("stage", "étape", "enum", required=True, choices=voc.STAGES),
                _PERIOD,
                _NOTE,
                Field("source", "source"),
            ),
            None,
            same=("programme", "funder", "stage", "period", "note", "source"),
            value="amount",
        ),
        Kind(
            "declared_totals",
            "totaux déclarés",
            m.DeclaredTotal,
            (
                _PROG,
                Field("label", "libellé", required=True, max_length=300),
                Field("amount", "montant", "money", required=True, attr="amount_cents"),
                Field("source", "source", required=True),
                Field("funder", "financeur", "ref", ref="funders"),
                Field("stage", "étape", "enum", choices=voc.STAGES),
                _PERIOD,
            ),
            ("programme", "label"),
        ),
    )
}

# The order in which kinds can load: each refers only to kinds before it.
LOAD_ORDER = tuple(KINDS)
