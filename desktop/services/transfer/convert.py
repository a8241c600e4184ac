"""One cell converted as a field reads it (the form's rules for e-mails and phones), and the
column-wide shortcuts the bulk path uses to find a whole column already clean."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from sqlalchemy.exc import IntegrityError

from desktop.services.common.parsing import (
    ParseError,
    fold,
    is_blank,
    parse_bool,
    parse_date,
    parse_float,
    parse_int,
    parse_money_cents,
    parse_period,
    parse_text,
)
from desktop.services.directory.validation import (
    EMAIL_AS_IS,
    PHONE_AS_IS,
    check_email,
    normalise_phone,
)
from desktop.services.transfer.limits import excerpt
from desktop.services.transfer.specs import Field

_UAI = re.compile(r"^\d{7}[A-Z]$")
LIST_SEPARATOR = re.compile(r"\s*[,;]\s*")
_MAX_CENTS = 10**14  # 1 000 milliards d'euros
_MAX_INT = 2**31 - 1


def constraint_reason(exc: IntegrityError) -> str:
    """The constraint a database refused, in French (SQLite and PostgreSQL say it in English)."""
    detail = str(exc.orig)
    if "UNIQUE" in detail or "unique" in detail:
        where = detail.split(":", 1)[-1].strip() if "UNIQUE" in detail else ""
        return f"valeur déjà présente{f' : {excerpt(where, 60)}' if where else ''}"
    if "FOREIGN KEY" in detail or "foreign key" in detail:
        return "référence à un élément qui n'existe pas ou plus"
    if "NOT NULL" in detail or "null value" in detail:
        return "valeur obligatoire manquante"
    if "CHECK" in detail or "check constraint" in detail:
        return "valeur hors des limites admises"
    return "contrainte non respectée"


class NotClean(Exception):
    """A column needs the row-by-row path (which reports the problem)."""


def text_cell(f: Field, raw: object) -> str:
    """A text cell that is not a str (a number, None): "" when blank, else as convert reads it."""
    return "" if is_blank(raw) else convert(f, raw)


def contacts_as_is(f: Field, column: list) -> bool:
    """Whether every e-mail or phone of a column is already as the form's rule leaves it
    (checked by one match per cell, not the rule's Python per cell: 100 000 people)."""
    present = [c for c in column if c is not None] if None in column else column
    if tidy_text_column(present) is None:
        return False
    pattern = EMAIL_AS_IS if f.kind == "email" else PHONE_AS_IS
    if not all(map(pattern.fullmatch, present)):
        return False
    return not f.max_length or max(map(len, present), default=0) <= f.max_length


def tidy_text_column(column: list) -> list | None:
    """The column itself when every cell is text that needs no whitespace tidying, found by a
    few C-level scans of the joined column instead of a split and a join per cell; else None.
    Every whitespace character but the space is unprintable, so is NUL (the separator)."""
    try:
        joined = "\x00".join(column)
    except TypeError:  # a number, a date, an empty cell (None)
        return None
    if (
        not "".join(column).isprintable()  # a tab, a line break, another space, a NUL
        or "  " in joined
        or " \x00" in joined
        or "\x00 " in joined
        or joined[:1] == " "
        or joined[-1:] == " "
    ):
        return None
    return column


def norm_column(values: list) -> list:
    """norm of each value; text already converted (stripped), so ASCII needs casefold only:
    a column of ASCII text (e-mails, codes) is folded in one pass over the joined column."""
    if values and None not in values:
        try:
            joined = "\x00".join(values)
        except TypeError:  # not all text
            joined = ""
        if joined.isascii() and joined:
            folded = joined.casefold().split("\x00")
            if len(folded) == len(values):
                return folded
    memo = {v: norm(v) for v in set(values)}  # names repeat: each folded once
    return [memo[v] for v in values]


def normalise_columns(raw: Mapping[str, object]) -> dict[str, object]:
    if all(type(k) is str and k == k.strip() for k in raw):  # already clean: no copy
        return raw if isinstance(raw, dict) else dict(raw)
    return {str(k).strip(): v for k, v in raw.items()}


def norm(value: object) -> object:
    """Form of a key part used for matching: accents and case folded for text. ASCII text
    (most codes and e-mails) skips Unicode normalisation, which is the same fold, faster."""
    if isinstance(value, str):
        return value.casefold().strip() if value.isascii() else fold(value).strip()
    return value


class Underived:
    """A value a mapping could not derive from its cell (a split whose pattern does not match
    it): the field refuses it with `reason`, as it refuses a value typed wrong."""

    __slots__ = ("cell", "reason")

    def __init__(self, reason: str, cell: object) -> None:
        self.reason = reason
        self.cell = cell

    def __str__(self) -> str:
        return str(self.cell)


def convert(f: Field, raw: object) -> object:
    if type(raw) is Underived:
        raise ParseError(raw.reason)
    kind = f.kind
    if kind in ("text", "ref"):
        value = parse_text(raw)
        if f.max_length and len(value) > f.max_length:
            raise ParseError(f"texte trop long ({len(value)} caractères, {f.max_length} au plus)")
        return value
    if kind in ("email", "phone"):
        # The person and service forms' own checks, with their French reasons.
        if kind == "phone" and isinstance(raw, int | float) and not isinstance(raw, bool):
            # A spreadsheet number cannot keep the leading 0 (04 67… typed becomes 467…).
            raw = str(int(raw)).zfill(10) if raw == int(raw) and raw < 10**9 else raw
        try:
            value = (check_email if kind == "email" else normalise_phone)(parse_text(raw))
        except ValueError as exc:
            raise ParseError(str(exc)) from exc
        if value is not None and f.max_length and len(value) > f.max_length:
            raise ParseError(f"texte trop long ({len(value)} caractères, {f.max_length} au plus)")
        return value
    if kind == "uai":
        value = parse_text(raw).upper()
        if not _UAI.match(value):
            raise ParseError("code UAI attendu : 7 chiffres et une lettre (0310000A)")
        return value
    if kind == "department_code":
        value = parse_text(raw).upper()
        if value.isdigit():
            value = str(int(value)).zfill(2)
        if not 2 <= len(value) <= 3:
            raise ParseError("code de département attendu (09, 31, 971…)")
        return value
    if kind == "enum":
        wanted = fold(parse_text(raw))
        for code, label in f.choices.items():
            if wanted in (fold(code), fold(label)):
                return code
        allowed = ", ".join(f.choices.values())
        raise ParseError(f"valeur inconnue ; valeurs possibles : {allowed}")
    if kind == "money":
        cents = parse_money_cents(raw)
        if cents > _MAX_CENTS:  # a BIGINT column: refuse, never overflow at commit
            raise ParseError("montant trop grand (1 000 milliards d'euros au plus)")
        return cents
    if kind == "int":
        number = parse_int(raw)
        if abs(number) > _MAX_INT:  # INTEGER is 32 bits on PostgreSQL
            raise ParseError("nombre trop grand")
        return number
    if kind == "float":
        number = parse_float(raw)
        if not math.isfinite(number):
            raise ParseError("nombre trop grand")
        return number
    converters = {
        "int": parse_int,
        "float": parse_float,
        "bool": parse_bool,
        "date": parse_date,
        "money": parse_money_cents,
        "period": parse_period,
    }
    return converters[kind](raw)
