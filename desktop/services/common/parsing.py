"""Turn what users type or files hold into typed values; each failure is a French reason."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from desktop.services.common.folding import fold


class ParseError(ValueError):
    """The value cannot be read; str(error) is the French reason shown to the user."""


_SPACES = re.compile(r"[\s\u00a0\u202f']+")
_SCHOOL_YEAR = re.compile(r"^([0-9]{4})\s*[-/]\s*([0-9]{4})$")
_YEAR = re.compile(r"^[0-9]{4}$")


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN from spreadsheets
        return True
    return isinstance(value, str) and not value.strip()


def parse_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def parse_int(value: object) -> int:
    if isinstance(value, bool):
        raise ParseError("nombre entier attendu")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    _check_characters(text)
    if not (_PLAIN_INT.fullmatch(text) or _GROUPED_INT.fullmatch(text)):
        raise ParseError("nombre entier attendu")
    return int(_SPACES.sub("", text))


# One number, French or plain: 1234 / 1234,56 / 1234.56 / 1 234,56 (spaces, no-break spaces or
# apostrophes every three digits) / 1.234,56 / 1,234.56. Digits 0-9 only: str.isdigit and
# Decimal also take Arabic-Indic or full-width digits, and Decimal takes `1_000`.
_SIGN = r"[-+]?"
_PLAIN_INT = re.compile(_SIGN + r"[0-9]+")
_GROUPED_INT = re.compile(_SIGN + r"[0-9]{1,3}(?:[ \u00a0\u202f'][0-9]{3})+")
_NUMBER_FORMS = (
    (re.compile(_SIGN + r"[0-9]+(?:[.,][0-9]+)?"), None, None),
    (re.compile(_SIGN + r"[0-9]{1,3}(?:[ \u00a0\u202f'][0-9]{3})+(?:[.,][0-9]+)?"), None, None),
    (re.compile(_SIGN + r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?"), ".", ","),
    (re.compile(_SIGN + r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?"), ",", "."),
)
_CURRENCY = re.compile(r"^(?:€|EUR)\s*|\s*(?:€|EUR)$", re.IGNORECASE)


def _check_characters(text: str) -> None:
    """The reason a number's text is refused, when one character alone says it."""
    for char in text:
        if char.isdigit() and char not in "0123456789":
            raise ParseError(
                f"chiffre « {char} » non latin : seuls les chiffres 0 à 9 sont acceptés"
            )
    if "_" in text:
        raise ParseError("« _ » n'est pas un séparateur de milliers (une espace, 1 000)")


def _number_text(text: str) -> str:
    """The text of one decimal number, `.` as decimal point; ParseError saying why otherwise."""
    text = text.strip()
    _check_characters(text)
    bare = _CURRENCY.sub("", text, count=1).strip()
    if "€" in bare or "eur" in bare.casefold():
        raise ParseError(
            "le signe € ne peut être qu'au début ou à la fin du montant (exemple : 12,50 €)"
        )
    for pattern, grouping, decimal in _NUMBER_FORMS:
        if pattern.fullmatch(bare):
            if grouping is not None:
                bare = bare.replace(grouping, "").replace(decimal, ".")
            return _SPACES.sub("", bare).replace(",", ".")
    raise ParseError("nombre attendu (exemple : 1 234,56)")


def parse_decimal(value: object) -> Decimal:
    """One French or plain decimal number, `€` or `EUR` allowed at one end: `1 234,56`,
    `1234.56`, `1 234,56 €`, or a spreadsheet number; anything else says why it is refused."""
    if isinstance(value, bool):
        raise ParseError("nombre attendu")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParseError("nombre attendu")
        return Decimal(repr(value))
    try:
        number = Decimal(_number_text(str(value)))
    except InvalidOperation as exc:
        raise ParseError("nombre attendu") from exc
    if not number.is_finite():
        raise ParseError("nombre attendu")
    return number


def parse_float(value: object) -> float:
    return float(parse_decimal(value))


def parse_money_cents(value: object) -> int:
    """Euros to integer cents; refuses negative amounts and fractions of a cent."""
    amount = parse_decimal(value)
    if amount < 0:
        raise ParseError("un montant ne peut pas être négatif")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ParseError("montant au centime près attendu")
    return int(cents)


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = fold(str(value)).strip()
    if text in {"oui", "o", "vrai", "true", "yes", "x", "1"}:
        return True
    if text in {"non", "n", "faux", "false", "no", "0"}:
        return False
    raise ParseError("oui ou non attendu")


def parse_date(value: object) -> date:
    """ISO `2023-12-31`, French `31/12/2023`, or a spreadsheet date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ParseError("date attendue au format JJ/MM/AAAA")


def parse_period(value: object) -> str:
    """A year `2023` or a school year `2022-2023` (consecutive years)."""
    text = parse_text(value)
    if _YEAR.match(text):
        return text
    match = _SCHOOL_YEAR.match(text)
    if match and int(match.group(2)) == int(match.group(1)) + 1:
        return f"{match.group(1)}-{match.group(2)}"
    raise ParseError("période attendue : une année (2023) ou une année scolaire (2022-2023)")
