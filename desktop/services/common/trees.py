"""The recursive queries of a tree table (units, programmes), written once for both databases."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.selectable import CTE


def _parent(model, parent: str):
    return getattr(model, parent)


def descendants(
    model,
    roots: ColumnElement,
    *,
    name: str,
    parent: str = "parent_id",
    with_root: bool = False,
    descend: Callable | None = None,
    distinct: bool = False,
    id_label: str = "id",
    root_label: str = "root",
) -> CTE:
    """A recursive CTE, column `id`: the rows of `model` matching `roots` and every row below
    them. with_root adds column `root`, the matching row each one descends from (one batch of
    sheets, one group of a table); descend(columns of the CTE) is a condition that stops the
    walk below the rows failing it; distinct (UNION) walks a row reached twice once — rows
    matching `roots` inside another's subtree. The labels rename the two columns."""
    ident = model.id.label(id_label)
    columns = [model.id.label(root_label), ident] if with_root else [ident]
    tree = select(*columns).where(roots).cte(name, recursive=True)
    child = aliased(model)
    below = child.id.label(id_label)
    step = select(*([tree.c[root_label], below] if with_root else [below])).where(
        _parent(child, parent) == tree.c[id_label]
    )
    if descend is not None:
        step = step.where(descend(tree.c))
    return tree.union(step) if distinct else tree.union_all(step)


def ancestors(model, starts: ColumnElement, *, name: str, parent: str = "parent_id") -> CTE:
    """A recursive CTE, columns `id` and `parent_id`: the rows matching `starts` and every row
    above them, each once (UNION: several starts share their ancestors)."""
    tree = select(model.id, _parent(model, parent).label("parent_id")).where(starts)
    tree = tree.cte(name, recursive=True)
    up = aliased(model)
    return tree.union(select(up.id, _parent(up, parent)).join(tree, up.id == tree.c.parent_id))


def lineage(
    model,
    *,
    name: str,
    parent: str = "parent_id",
    row: str = "row_id",
    ancestor: str = "ancestor_id",
) -> CTE:
    """A recursive CTE, columns `row` and `ancestor`: each row of `model` with itself and every
    row above it (what a total rolled up the tree joins on)."""
    tree = select(model.id.label(row), model.id.label(ancestor)).cte(name, recursive=True)
    up = aliased(model)
    return tree.union_all(
        select(tree.c[row], _parent(up, parent).label(ancestor))
        .join(up, up.id == tree.c[ancestor])
        .where(_parent(up, parent).is_not(None))
    )
