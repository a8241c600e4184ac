"""The budget test data loads through the import path."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desktop.models import FundingLine
from tests.factories.budgets import CPER_OUTSIDE, CPER_RUBRIC, TEST_CHAIN, load_budget_fixture


@pytest.fixture
def budget_db(database):
    """An empty database with the report's budget figures loaded through the import path."""
    load_budget_fixture(database.session_factory)
    return database


def test_fixture_loads_through_the_import_path(budget_db):
    """The transcribed figures pass the same validation as a user's import."""
    with budget_db.session_factory() as session:
        count = session.scalar(select(func.count()).select_from(FundingLine))
    assert count == 10 + 6 + 7 + len(CPER_RUBRIC) + len(CPER_OUTSIDE) + 2 + len(TEST_CHAIN)
