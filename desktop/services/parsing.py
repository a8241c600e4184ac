"""Turn what users type or files hold into typed values; each failure is a French reason."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache


class ParseError(ValueError):
    """The value cannot be read; str(error) is the French reason shown to the user."""


_SPACES = re.compile(r"[\s\u00a0\u202f']+")
_SCHOOL_YEAR = re.compile(r"^(\d{4})\s*[-/]\s*(\d{4})$")
_YEAR = re.compile(r"^\d{4}$")


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
    text = _SPACES.sub("", str(value))
    if not re.fullmatch(r"[-+]?\d+", text):
        raise ParseError("nombre entier attendu")
    return int(text)


def parse_decimal(value: object) -> Decimal:
    """French or English decimal: `1 234,56`, `1234.56`, `1 234,56 €`, a spreadsheet number."""
    if isinstance(value, bool):
        raise ParseError("nombre attendu")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = _SPACES.sub("", str(value)).replace("€", "").replace("EUR", "")
    if "," in text and "." in text:  # 1.234,56 (French thousands dots) or 1,234.56
        text = (
            text.replace(".", "").replace(",", ".")
            if text.rfind(",") > text.rfind(".")
            else text.replace(",", "")
        )
    else:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
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
    text = fold(str(value))
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


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case without accents, for matching headers, codes and searches (cached: imports
    fold the same names and codes over and over)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()
