"""The one French formatting of rates and short amounts, as every screen and paper shows them."""

from __future__ import annotations

import pytest

from desktop.services.common.formatting import format_percent, format_short_euros


@pytest.mark.parametrize(
    ("rate", "decimals", "signed", "shown"),
    [
        (0.844, 1, False, "84,4\u00a0%"),
        (0.5, 0, False, "50\u00a0%"),
        (0.5432, 0, False, "54\u00a0%"),
        (1.2345, 2, False, "123,45\u00a0%"),
        (12.5, 0, False, "1\u202f250\u00a0%"),
        (0.125, 2, True, "+12,50\u00a0%"),
        (-0.125, 2, True, "-12,50\u00a0%"),
        (0.0, 2, True, "0,00\u00a0%"),
        (None, 1, False, "—"),
    ],
)
def test_a_rate_reads_as_a_french_percentage(rate, decimals, signed, shown):
    """A rate (1 = 100 %) reads « 84,4 % », with a sign for a change, « — » when there is none."""
    assert format_percent(rate, decimals, signed=signed) == shown


@pytest.mark.parametrize(
    ("cents", "shown"),
    [
        (49_374_000_000, "493,74\u00a0M€"),
        (190_000_000, "1,90\u00a0M€"),
        (85_040_000_000, "850,40\u00a0M€"),
        (35_000_000, "350\u00a0k€"),
        (95_000, "950\u00a0€"),
        (-35_000_000, "-350\u00a0k€"),
    ],
)
def test_a_short_amount_keeps_its_unit_precision(cents, shown):
    """M€ always with two decimals (never 850,4 beside 47,11 M€), k€ and € none: chart labels."""
    assert format_short_euros(cents) == shown
