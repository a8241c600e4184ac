"""French display of money, numbers and dates (the same characters Qt's French locale uses)."""

from __future__ import annotations

from datetime import date

NARROW_NBSP = "\u202f"  # thousands separator
NBSP = "\u00a0"  # before the unit


def group_thousands(integer: int) -> str:
    sign = "-" if integer < 0 else ""
    digits = str(abs(integer))
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return sign + NARROW_NBSP.join(groups or ["0"])


def format_number(value: float, decimals: int = 0) -> str:
    """`1 234,5` — French grouping and decimal comma."""
    rounded = round(value, decimals)
    integer = int(abs(rounded))
    sign = "-" if rounded < 0 else ""
    text = sign + group_thousands(integer)
    if decimals:
        fraction = f"{abs(rounded):.{decimals}f}".split(".")[1]
        text += "," + fraction
    return text


def format_euros(cents: int, *, with_cents: bool = False) -> str:
    """`1 925 152 €`; cents are shown only when asked or when the amount has some."""
    euros, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    text = sign + group_thousands(euros)
    if with_cents or rest:
        text += f",{rest:02d}"
    return f"{text}{NBSP}€"


def format_millions(cents: int, decimals: int = 2) -> str:
    """`493,74 M€`."""
    return f"{format_number(cents / 100 / 1_000_000, decimals)}{NBSP}M€"


def format_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""
