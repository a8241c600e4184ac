"""A page of programme search results carries each result's path, read in one query."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from desktop.services.programmes.service import ProgrammeService
from desktop.services.programmes.tree import ProgrammeFilter
from tests.factories.programmes import load_world


@pytest.fixture
def service(database) -> ProgrammeService:
    load_world(database.session_factory)
    return ProgrammeService(database.session_factory)


def test_each_result_carries_the_names_above_it(service):
    """An action two levels down reads France 2030 › AMI-CMA; a root has no path."""
    rows = {row.code: row.path for row in service.search(ProgrammeFilter(text=" a "))}
    assert rows["AMI-CMA-02"] == ("France 2030", "AMI Compétences et métiers d'avenir")
    assert rows["AMI-CMA"] == ("France 2030",)
    assert rows["F2030"] == ()


def test_the_paths_of_a_page_take_one_query(service, database):
    """However many results a page holds, their paths are one recursive query, not one each."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        rows = service.search(ProgrammeFilter(text="a"))
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    assert sum(1 for row in rows if row.path) >= 3
    assert sum("result_paths" in statement for statement in statements) == 1
