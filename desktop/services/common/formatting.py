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


# One precision per unit, wherever a short amount is printed (chart labels, headlines).
SHORT_UNITS = ((1_000_000_00, "M€", 2), (1_000_00, "k€", 0), (100, "€", 0))  # cents per unit


def format_short_euros(cents: int | float) -> str:
    """`493,74 M€`, `1,90 M€`, `250 k€`, `950 €`: M€ always with two decimals, k€ and € none."""
    for divisor, unit, decimals in SHORT_UNITS:
        if abs(cents) >= divisor or unit == "€":
            return f"{format_number(cents / divisor, decimals)}{NBSP}{unit}"
    raise AssertionError("unreachable")  # the last unit takes every amount


def format_percent(rate: float | None, decimals: int = 0, *, signed: bool = False) -> str:
    """`84,4 %` for 0.844 (a rate, 1 = 100 %); `—` when there is none (nothing to divide by);
    signed: `+12,50 %` for a rise, as a change is read."""
    if rate is None:
        return "—"
    sign = "+" if signed and rate > 0 else ""
    return f"{sign}{format_number(rate * 100, decimals)}{NBSP}%"


def format_headline_euros(cents: int) -> str:
    """A key figure: cents only below one million euros (« 1 567 897 429 € »)."""
    if abs(cents) >= 1_000_000_00:
        return format_euros(round(cents / 100) * 100)
    return format_euros(cents)


def step_decimals(step: float) -> int:
    """Decimals needed to write a tick step exactly: 1 → 0, 0,5 → 1, 0,25 → 2."""
    for decimals in range(7):
        scaled = abs(step) * 10**decimals
        if abs(scaled - round(scaled)) < 1e-6 * max(1.0, scaled):
            return decimals
    return 6


def tick_label(cents: float, ticks: list[float]) -> str:
    """An axis label in the unit of the axis's largest tick, with the decimals its step needs
    (trailing zeros dropped): `0`, `0,5 M€`, `1 M€`, `1,5 M€`."""
    if abs(cents) < 1e-9:
        return "0"
    peak = max([abs(t) for t in ticks] or [abs(cents)])
    divisor, unit = next((d, u) for d, u, _n in SHORT_UNITS if peak >= d or u == "€")
    values = sorted(t / divisor for t in ticks)
    steps = [b - a for a, b in zip(values, values[1:], strict=False) if b - a > 1e-12]
    decimals = step_decimals(min(steps)) if steps else step_decimals(cents / divisor)
    text = format_number(cents / divisor, decimals)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return f"{text}{NBSP}{unit}"


def parse_french_number(text: str) -> float:
    """The number a French label shows (`1 234,5 M€` → 1234.5 × 1 000 000 €, in euros)."""
    body = text.replace(NARROW_NBSP, "").replace(NBSP, " ").strip()
    factor = 1.0
    for suffix, scale in (("M€", 1e6), ("k€", 1e3), ("€", 1.0), ("%", 0.01)):
        if body.endswith(suffix):
            body, factor = body[: -len(suffix)].strip(), scale
            break
    return float(body.replace(" ", "").replace(",", ".").replace("\u2212", "-")) * factor


def coded_name(code: str | None, name: str | None) -> str:
    """« CODE — Name », the way lists, tables, charts and sheets title a programme; a name that
    already starts with its code (« SESAME — Sésame vers l'emploi… ») is not prefixed again,
    while « Pix et Pix+Édu » does not count as starting with « PIX »."""
    name = name or ""
    if not code or name.startswith(f"{code} "):
        return name or (code or "")
    return f"{code} — {name}" if name else code
