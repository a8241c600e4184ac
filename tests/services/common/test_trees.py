"""The tree queries written once: subtrees, ancestors and lineages, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desktop.models import Unit
from desktop.services.common.trees import ancestors, descendants, lineage

# id -> parent: 1 → 2 → 3 → 4, 1 → 5, and 6 alone
PARENTS = {1: None, 2: 1, 3: 2, 4: 3, 5: 1, 6: None}


@pytest.fixture
def session(database):
    with database.session_factory.begin() as s:
        for uid, parent in PARENTS.items():
            s.add(Unit(id=uid, parent_id=parent, code=f"U{uid}", name=f"Unité {uid}",
                       kind="service"))  # fmt: skip
            s.flush()
    with database.session_factory() as s:
        yield s


def test_descendants_are_the_unit_and_everything_below(session):
    """The subtree of 2 is 2, 3, 4; of 1 every unit but the lone 6."""
    tree = descendants(Unit, Unit.id == 2, name="t")
    assert sorted(session.scalars(select(tree.c.id))) == [2, 3, 4]
    tree = descendants(Unit, Unit.code == "U1", name="t")
    assert sorted(session.scalars(select(tree.c.id))) == [1, 2, 3, 4, 5]


def test_descendants_with_their_root_stop_where_told_and_once_each(session):
    """with_root pairs each unit with the root it comes from; descend stops below a unit;
    distinct walks a unit reached from two roots once."""
    tree = descendants(Unit, Unit.id.in_([2, 6]), name="t", with_root=True)
    pairs = sorted(session.execute(select(tree.c.root, tree.c.id)).all())
    assert pairs == [(2, 2), (2, 3), (2, 4), (6, 6)]
    tree = descendants(Unit, Unit.id == 1, name="t", descend=lambda c: c.id != 2)
    assert sorted(session.scalars(select(tree.c.id))) == [1, 2, 5]
    tree = descendants(Unit, Unit.id.in_([1, 3]), name="t", distinct=True)
    assert sorted(session.scalars(select(tree.c.id))) == [1, 2, 3, 4, 5]


def test_ancestors_and_lineage_walk_up(session):
    """The ancestors of 4 and 5 are 1, 2, 3 (and themselves), each once; the lineage pairs each
    unit with itself and every unit above it."""
    tree = ancestors(Unit, Unit.id.in_([4, 5]), name="t")
    assert sorted(session.scalars(select(tree.c.id))) == [1, 2, 3, 4, 5]
    tree = lineage(Unit, name="t", row="unit_id", ancestor="above_id")
    pairs = session.execute(select(tree.c.unit_id, tree.c.above_id)).all()
    assert sorted(a for u, a in pairs if u == 4) == [1, 2, 3, 4]
    assert sorted(a for u, a in pairs if u == 6) == [6]
