"""Printing a list of programmes reads all their sheets at once (one query per kind of data)."""

from __future__ import annotations

import pytest

from desktop.errors import PilotisError
from desktop.services.programmes.service import ProgrammeService
from tests.factories.programmes import TODAY, load_world


@pytest.fixture
def service(database) -> ProgrammeService:
    load_world(database.session_factory)
    return ProgrammeService(database.session_factory)


def test_a_batch_of_sheets_matches_the_sheets_one_by_one_in_the_asked_order(service):
    """A programme and its sub-programmes printed together each get their own figures (the
    parent's funding and declared total count the children's lines), in the list's order."""
    codes = ["SNU", "AMI-CMA-01", "AMI-CMA", "ETE-CULT", "AMI-CMA-02"]
    batch = service.sheets.sheets(codes, today=TODAY)
    assert [s.code for s in batch] == codes
    assert batch == [service.sheets.sheet(c, today=TODAY) for c in codes]
    parent, first, second = batch[2], batch[1], batch[4]
    assert parent.totals[0].computed_cents == 55_734_400
    planned = [sum(f.planned_cents for f in s.funding) for s in (parent, first, second)]
    assert planned[0] == planned[1] + planned[2]
    assert planned[1] > 0
    assert first.parent.startswith("AMI-CMA — ")
    assert first.totals == ()
    assert [c[0] for c in parent.children] == ["AMI-CMA-01", "AMI-CMA-02"]


def test_an_unknown_code_in_a_batch_is_named(service):
    with pytest.raises(PilotisError, match="Programme inconnu : « NOPE »"):
        service.sheets.sheets(["SNU", "NOPE"])
