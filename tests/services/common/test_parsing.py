"""Reading what users type: amounts, dates, periods, yes/no — and saying why when it fails."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.services.common.formatting import format_euros, format_millions, format_number
from desktop.services.common.parsing import (
    ParseError,
    fold,
    parse_bool,
    parse_date,
    parse_money_cents,
    parse_period,
)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1 925 152 €", 192515200),
        ("1\u202f925\u202f152\u00a0€", 192515200),
        ("1234,56", 123456),
        ("1 234,56 €", 123456),
        ("1.234,56", 123456),
        ("1,234.56", 123456),
        (357344, 35734400),
        (0.1, 10),
        ("0", 0),
    ],
)
def test_french_and_spreadsheet_amounts_become_cents(text, cents):
    """Amounts as French users and spreadsheets write them are read to the exact cent."""
    assert parse_money_cents(text) == cents


@pytest.mark.parametrize(("text", "reason"), [("-3", "négatif"), ("12,345", "centime"),
                                              ("douze", "nombre")])  # fmt: skip
def test_bad_amounts_say_why(text, reason):
    """A negative amount, a fraction of a cent or a word is refused with its reason."""
    with pytest.raises(ParseError, match=reason):
        parse_money_cents(text)


@given(st.integers(min_value=0, max_value=10**13))
def test_displayed_amounts_read_back_to_the_same_cents(cents):
    """Whatever Pilotis displays as an amount, it reads back as the same amount."""
    assert parse_money_cents(format_euros(cents, with_cents=True)) == cents


def test_amounts_display_in_french_format():
    """`1 925 152 €` with a narrow space every three digits, `493,74 M€` for millions."""
    assert format_euros(192515200) == "1\u202f925\u202f152\u00a0€"
    assert format_euros(123456) == "1\u202f234,56\u00a0€"
    assert format_euros(-76550) == "-765,50\u00a0€"
    assert format_millions(49374000000) == "493,74\u00a0M€"
    assert format_number(1234.5, 1) == "1\u202f234,5"


@pytest.mark.parametrize("text", ["31/12/2023", "2023-12-31", "31.12.2023", "31-12-2023"])
def test_dates_in_french_and_iso_forms(text):
    """A date typed the French way or the ISO way is the same day."""
    assert parse_date(text) == date(2023, 12, 31)


def test_impossible_dates_are_refused():
    """30 February is not a date."""
    with pytest.raises(ParseError, match="JJ/MM/AAAA"):
        parse_date("30/02/2023")


@pytest.mark.parametrize(("text", "period"), [("2023", "2023"), ("2022-2023", "2022-2023"),
                                              ("2022 / 2023", "2022-2023"), (2021.0, "2021")])  # fmt: skip
def test_periods_are_years_or_school_years(text, period):
    """Periods are a year or a school year, in one normal form."""
    assert parse_period(text) == period


@pytest.mark.parametrize("text", ["2022-2024", "23", "2022-23", "année"])
def test_bad_periods_are_refused(text):
    """A school year spans two consecutive years; anything else is refused."""
    with pytest.raises(ParseError, match="année scolaire"):
        parse_period(text)


def test_yes_no_in_french():
    """oui/non, x and 1/0 are understood; « peut-être » is not."""
    assert parse_bool("Oui")
    assert parse_bool("x")
    assert not parse_bool("non")
    with pytest.raises(ParseError):
        parse_bool("peut-être")


def test_fold_ignores_accents_and_case():
    """« BÉJEAN » and « bejean » match, as « Béziers » and « beziers »."""
    assert fold("BÉJEAN") == fold("bejean")
    assert fold("Béziers") == "beziers"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12 €50", "au début ou à la fin"),
        ("€12€", "au début ou à la fin"),
        ("1_000", "« _ » n'est pas un séparateur"),
        ("\u0661\u0662\u0663", "non latin"),
        ("\uff11\uff12", "non latin"),
        ("1 23", "nombre attendu"),
        ("12.50.3", "nombre attendu"),
        ("1e3", "nombre attendu"),
    ],
)
def test_an_amount_is_one_number_with_at_most_one_euro_sign_at_one_end(text, reason):
    """« 12 €50 », `1_000` or Arabic-Indic digits are refused with the reason, never guessed."""
    with pytest.raises(ParseError, match=reason):
        parse_money_cents(text)


@pytest.mark.parametrize(("text", "cents"), [("EUR 12", 1200), ("12 EUR", 1200),
                                             ("€ 1 000", 100000), ("+5,5", 550)])  # fmt: skip
def test_the_euro_sign_may_open_or_close_an_amount(text, cents):
    """`€` or `EUR` before or after the number, with or without a space, is read."""
    assert parse_money_cents(text) == cents
