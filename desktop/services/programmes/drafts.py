"""What the programme editor shows and sends back: drafts holding the text the user typed, and
their validation into typed values, each problem a French sentence naming the field and reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from desktop.errors import PilotisError
from desktop.services.common.formatting import format_date, format_number, group_thousands
from desktop.services.common.parsing import (
    ParseError,
    parse_date,
    parse_float,
    parse_money_cents,
    parse_period,
)
from desktop.services.common.vocabulary import (
    DATE_PRECISIONS,
    PROGRAMME_FAMILIES,
    PROGRAMME_KINDS,
    PROGRAMME_STATUSES,
    STAGES,
)

VALUE_KINDS = ("baseline", "target", "actual")


@dataclass(frozen=True)
class MilestoneDraft:
    title: str
    due_on: str  # as typed: 31/12/2023 or 2023-12-31
    precision: str = "jour"
    done: bool = False
    note: str = ""
    id: int | None = None
    version: int | None = None


@dataclass(frozen=True)
class PeriodDraft:
    """One period of an indicator: baseline, target and actual as typed (empty = none)."""

    period: str
    baseline: str = ""
    target: str = ""
    actual: str = ""
    # (kind, id, version) of the stored values, so an update knows what it replaces.
    stored: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True)
class IndicatorDraft:
    code: str
    name: str
    unit: str = ""
    periods: tuple[PeriodDraft, ...] = ()
    id: int | None = None
    version: int | None = None


@dataclass(frozen=True)
class FundingDraft:
    funder_code: str
    amount: str  # euros as typed: 1 234,56
    stage: str = "planned"
    period: str = ""
    note: str = ""
    id: int | None = None
    version: int | None = None


@dataclass(frozen=True)
class DeclaredTotalDraft:
    """A total stated by a source (a convention, a report), kept beside the computed sum."""

    label: str
    amount: str  # euros as typed
    source: str
    funder_code: str = ""  # empty: every funder
    stage: str = ""  # empty: every stage
    period: str = ""
    id: int | None = None
    version: int | None = None


@dataclass(frozen=True)
class ProgrammeDraft:
    code: str = ""
    name: str = ""
    family: str = "national"
    kind: str = "programme"
    status: str = "en_cours"
    parent_code: str = ""
    lead_unit_id: int | None = None
    start_on: str = ""
    end_on: str = ""
    description: str = ""
    beneficiary: str = ""
    axis_numbers: tuple[int, ...] = ()
    department_codes: tuple[str, ...] = ()
    partner_codes: tuple[str, ...] = ()
    establishment_uais: tuple[str, ...] = ()  # beneficiary establishments (Annuaire)
    milestones: tuple[MilestoneDraft, ...] = ()
    indicators: tuple[IndicatorDraft, ...] = ()
    funding: tuple[FundingDraft, ...] = ()
    declared: tuple[DeclaredTotalDraft, ...] = ()
    id: int | None = None
    version: int | None = None

    @property
    def is_new(self) -> bool:
        return self.id is None


@dataclass(frozen=True)
class Problem:
    """A validation problem: the editor tab ("general", "milestones", "indicators",
    "funding"), the row in that tab's table (None for a form field), and the French text."""

    tab: str
    message: str
    row: int | None = None


class ProgrammeValidationError(PilotisError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(p.message for p in problems))
        self.problems = problems


class ProgrammeConflictError(PilotisError):
    """Someone saved the programme (or one of its rows) since the editor opened it."""


# --- display of stored values as editable text -----------------------------------------------


def money_text(cents: int) -> str:
    euros, rest = divmod(cents, 100)
    return group_thousands(euros) + (f",{rest:02d}" if rest else "")


def number_text(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return group_thousands(int(value))
    return format_number(value, 2).rstrip("0").rstrip(",")


def date_text(value: date | None) -> str:
    return format_date(value)


# --- validation -----------------------------------------------------------------------------


@dataclass
class Parsed:
    """A draft's typed values, once valid."""

    start_on: date | None = None
    end_on: date | None = None
    milestones: list[tuple[MilestoneDraft, date]] = field(default_factory=list)
    # (indicator, [(period, kind, value, stored id or None, stored version)])
    values: list[tuple[IndicatorDraft, list[tuple[str, str, float]]]] = field(default_factory=list)
    funding: list[tuple[FundingDraft, int, str | None]] = field(default_factory=list)
    declared: list[tuple[DeclaredTotalDraft, int, str | None]] = field(default_factory=list)


def _date(text: str, label: str, tab: str, problems: list[Problem], row=None) -> date | None:
    if not text.strip():
        return None
    try:
        return parse_date(text)
    except ParseError as error:
        problems.append(Problem(tab, f"{label} : {error} (« {text.strip()} »).", row))
        return None


def validate(draft: ProgrammeDraft) -> tuple[Parsed, list[Problem]]:
    """Check every field a user can type; references to the database are checked on save."""
    problems: list[Problem] = []
    parsed = Parsed()
    general = "general"
    if not draft.code.strip():
        problems.append(Problem(general, "Code : obligatoire (par exemple AMI-CMA-11)."))
    elif len(draft.code.strip()) > 60:
        problems.append(Problem(general, "Code : 60 caractères au plus."))
    if not draft.name.strip():
        problems.append(Problem(general, "Intitulé : obligatoire."))
    elif len(draft.name.strip()) > 300:
        problems.append(Problem(general, "Intitulé : 300 caractères au plus."))
    for value, choices, label in (
        (draft.family, PROGRAMME_FAMILIES, "Famille"),
        (draft.kind, PROGRAMME_KINDS, "Nature"),
        (draft.status, PROGRAMME_STATUSES, "Statut"),
    ):
        if value not in choices:
            problems.append(Problem(general, f"{label} : valeur inconnue « {value} »."))
    parsed.start_on = _date(draft.start_on, "Début", general, problems)
    parsed.end_on = _date(draft.end_on, "Fin", general, problems)
    if parsed.start_on and parsed.end_on and parsed.end_on < parsed.start_on:
        problems.append(
            Problem(
                general,
                f"Fin : le {format_date(parsed.end_on)} est avant le début "
                f"({format_date(parsed.start_on)}).",
            )
        )
    _validate_milestones(draft, parsed, problems)
    _validate_indicators(draft, parsed, problems)
    _validate_funding(draft, parsed, problems)
    _validate_declared(draft, parsed, problems)
    return parsed, problems


def _validate_milestones(draft: ProgrammeDraft, parsed: Parsed, problems: list[Problem]) -> None:
    tab = "milestones"
    for row, milestone in enumerate(draft.milestones):
        label = f"Jalon {row + 1}" + (f" « {milestone.title.strip()} »" if milestone.title else "")
        if not milestone.title.strip():
            problems.append(Problem(tab, f"{label} : intitulé obligatoire.", row))
        if milestone.precision not in DATE_PRECISIONS:
            problems.append(Problem(tab, f"{label} : précision inconnue.", row))
        if not milestone.due_on.strip():
            problems.append(Problem(tab, f"{label} : échéance obligatoire (JJ/MM/AAAA).", row))
            continue
        due = _date(milestone.due_on, f"{label}, échéance", tab, problems, row)
        if due is not None:
            parsed.milestones.append((milestone, due))


def _validate_indicators(draft: ProgrammeDraft, parsed: Parsed, problems: list[Problem]) -> None:
    tab = "indicators"
    codes: set[str] = set()
    for row, indicator in enumerate(draft.indicators):
        code = indicator.code.strip()
        label = f"Indicateur « {code or indicator.name.strip() or row + 1} »"
        if not code:
            problems.append(Problem(tab, f"Indicateur {row + 1} : code obligatoire.", row))
        elif code.upper() in codes:
            problems.append(Problem(tab, f"{label} : ce code est déjà utilisé.", row))
        codes.add(code.upper())
        if not indicator.name.strip():
            problems.append(Problem(tab, f"{label} : intitulé obligatoire.", row))
        values: list[tuple[str, str, float]] = []
        periods: set[str] = set()
        for period_draft in indicator.periods:
            typed = {
                "baseline": period_draft.baseline,
                "target": period_draft.target,
                "actual": period_draft.actual,
            }
            filled = {k: v for k, v in typed.items() if v.strip()}
            if not period_draft.period.strip():
                if filled:
                    what = {"baseline": "la valeur de référence", "target": "la cible",
                            "actual": "le réalisé"}  # fmt: skip
                    first = next(iter(filled))
                    problems.append(
                        Problem(
                            tab,
                            f"{label} : {what[first]} {filled[first].strip()} n'a pas de "
                            "période (une année 2023 ou une année scolaire 2022-2023).",
                            row,
                        )
                    )
                continue
            try:
                period = parse_period(period_draft.period)
            except ParseError as error:
                problems.append(
                    Problem(
                        tab, f"{label}, période « {period_draft.period.strip()} » : {error}.", row
                    )  # fmt: skip
                )
                continue
            if period in periods:
                problems.append(Problem(tab, f"{label} : la période {period} figure deux fois.",
                                        row))  # fmt: skip
            periods.add(period)
            for kind, text in filled.items():
                try:
                    values.append((period, kind, parse_float(text)))
                except ParseError:
                    names = {"baseline": "référence", "target": "cible", "actual": "réalisé"}
                    problems.append(
                        Problem(
                            tab,
                            f"{label}, {period}, {names[kind]} : nombre attendu "
                            f"(« {text.strip()} »).",
                            row,
                        )
                    )
        parsed.values.append((indicator, values))


def _validate_funding(draft: ProgrammeDraft, parsed: Parsed, problems: list[Problem]) -> None:
    tab = "funding"
    for row, line in enumerate(draft.funding):
        label = f"Financement, ligne {row + 1}"
        ok = True
        if not line.funder_code:
            problems.append(Problem(tab, f"{label} : financeur obligatoire.", row))
            ok = False
        if line.stage not in STAGES:
            problems.append(Problem(tab, f"{label} : étape inconnue « {line.stage} ».", row))
            ok = False
        cents = 0
        if not line.amount.strip():
            problems.append(Problem(tab, f"{label} : montant obligatoire.", row))
            ok = False
        else:
            try:
                cents = parse_money_cents(line.amount)
            except ParseError as error:
                problems.append(Problem(tab, f"{label} : {error} (« {line.amount.strip()} »).",
                                        row))  # fmt: skip
                ok = False
        period = None
        if line.period.strip():
            try:
                period = parse_period(line.period)
            except ParseError as error:
                problems.append(Problem(tab, f"{label}, période : {error}.", row))
                ok = False
        if ok:
            parsed.funding.append((line, cents, period))


def _validate_declared(draft: ProgrammeDraft, parsed: Parsed, problems: list[Problem]) -> None:
    # row stays None: the Financement page selects rows of its funding lines, not of this table.
    tab = "funding"
    for row, total in enumerate(draft.declared):
        label = f"Total déclaré, ligne {row + 1}"
        ok = True
        if not total.label.strip():
            problems.append(Problem(tab, f"{label} : libellé obligatoire (ex. Total CPER)."))
            ok = False
        elif len(total.label.strip()) > 300:
            problems.append(Problem(tab, f"{label} : libellé de 300 caractères au plus."))
            ok = False
        if not total.source.strip():
            problems.append(
                Problem(tab, f"{label} : source obligatoire (le document qui annonce ce total).")
            )
            ok = False
        if total.stage and total.stage not in STAGES:
            problems.append(Problem(tab, f"{label} : étape inconnue « {total.stage} »."))
            ok = False
        cents = 0
        if not total.amount.strip():
            problems.append(Problem(tab, f"{label} : montant obligatoire."))
            ok = False
        else:
            try:
                cents = parse_money_cents(total.amount)
            except ParseError as error:
                problems.append(
                    Problem(tab, f"{label}, montant : {error} (« {total.amount.strip()} »).")
                )
                ok = False
        period = None
        if total.period.strip():
            try:
                period = parse_period(total.period)
            except ParseError as error:
                problems.append(
                    Problem(tab, f"{label}, période « {total.period.strip()} » : {error}.")
                )
                ok = False
        if ok:
            parsed.declared.append((total, cents, period))
