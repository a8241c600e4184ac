"""An organisation chart cut into printed pages: the whole chart when it fits, else an overview
page and one page per direction (recursively), and as a last resort tiles."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from desktop.services.directory.org_chart import ChartUnit
from desktop.services.directory.org_chart_layout import (
    ChartLayout,
    Measure,
    Options,
    approximate_measure,
    children_map,
    layout_chart,
)


@dataclass(frozen=True)
class ChartPage:
    """One printed page of a chart: the layout, the scale it is drawn at, and for a tile the
    window (x, y, width, height) of the layout it shows."""

    root_id: int
    layout: ChartLayout
    scale: float
    caption: str
    window: tuple[float, float, float, float] | None = None


def fit_scale(layout: ChartLayout, width: float, height: float) -> float:
    if layout.width <= 0 or layout.height <= 0:
        return 1.0
    return min(1.0, width / layout.width, height / layout.height)


def paginate(
    units: Sequence[ChartUnit],
    root_id: int | None,
    page_width: float,
    page_height: float,
    *,
    measure: Measure = approximate_measure,
    min_scale: float = 0.85,
    first_page: int = 1,
    options: Options | None = None,
) -> list[ChartPage]:
    """Pages for the chart of root_id (each root in turn when None), in points.

    A subtree that fits at min_scale or more is one page. Otherwise its page shows the unit
    with its sub-units, the small ones drawn in full and the big ones as a box saying « voir
    page N », and each big one gets its own pages (recursively). A block that still cannot
    fit (a unit with hundreds of sub-units) is cut into tiles at min_scale.
    """
    # Rows wrap at the width that fits at min_scale, or at the page width when that gives a
    # taller chart drawn larger (landscape pages have more width than height).
    wide = replace(options or Options(), max_width=page_width / min_scale)
    narrow = replace(wide, max_width=page_width)
    by_id = {u.id: u for u in units}
    roots, children = children_map(units)
    sizes = _subtree_sizes(roots, children)

    def layout(root: int, folded: Iterable[int] = (), notes=None) -> ChartLayout:
        folded = list(folded)
        best = layout_chart(
            units, root, measure=measure, options=wide, collapsed=folded, notes=notes
        )
        if fit_scale(best, page_width, page_height) < 1:
            other = layout_chart(
                units, root, measure=measure, options=narrow, collapsed=folded, notes=notes
            )
            if fit_scale(other, page_width, page_height) > fit_scale(best, page_width, page_height):
                best = other
        return best

    # First the plan: (root, collapsed children) per page, in reading order.
    plan: list[tuple[int, list[int]]] = []

    def plan_for(root: int) -> None:
        full = layout(root)
        if fit_scale(full, page_width, page_height) >= min_scale or not children.get(root):
            plan.append((root, []))
            return
        big = [c for c in children[root] if children.get(c)]
        folded = set(big)
        note = {c: _note(sizes[c] - 1, 999) for c in big}
        if fit_scale(layout(root, folded, note), page_width, page_height) >= min_scale:
            # Draw small sub-units in full on the overview while it still fits.
            for candidate in sorted(big, key=lambda c: sizes[c])[:40]:
                trial = folded - {candidate}
                if fit_scale(layout(root, trial, note), page_width, page_height) >= min_scale:
                    folded = trial
        kept = [c for c in children[root] if c in folded]
        plan.append((root, kept))
        for child in kept:
            plan_for(child)

    for root in [root_id] if root_id is not None else roots:
        plan_for(root)

    # Then the page numbers (a tiled page takes several), and the notes that cite them.
    drawn = []
    for root, kept in plan:
        drawn.append((root, kept, layout(root, kept, {c: _note(sizes[c] - 1, 999) for c in kept})))
    starts: dict[int, int] = {}
    number = first_page
    for root, _kept, trial in drawn:
        starts[root] = number
        number += _tile_count(trial, page_width, page_height, min_scale)
    parents = {child: root for root, kept in plan for child in kept}
    pages: list[ChartPage] = []
    for root, kept, _trial in drawn:
        notes = {c: _note(sizes[c] - 1, starts[c]) for c in kept}
        final = layout(root, kept, notes)
        unit = by_id[root]
        parent = parents.get(root)
        if parent is None:
            caption = unit.label if not unit.acronym else f"{unit.acronym} — {unit.name}"
        else:
            # « rattaché à » would need the parent's gender and article (« au Pôle », « à la
            # DRAJES »): the label names the parent without either.
            caption = (
                f"{unit.label} — service de rattachement : {by_id[parent].label} "
                f"(page {starts[parent]})"
            )
        pages.extend(_pages_of(root, final, caption, page_width, page_height, min_scale))
    return pages


def _note(hidden: int, page: int) -> str:
    return f"▸ {hidden} sous-service{'s' if hidden > 1 else ''} : voir page {page}"


def _subtree_sizes(roots: list[int], children: dict[int, list[int]]) -> dict[int, int]:
    order, stack = [], list(roots)
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(children.get(node, []))
    sizes: dict[int, int] = {}
    for node in reversed(order):
        sizes[node] = 1 + sum(sizes[c] for c in children.get(node, []))
    return sizes


def _tile_count(layout: ChartLayout, width: float, height: float, min_scale: float) -> int:
    if fit_scale(layout, width, height) >= min_scale:
        return 1
    columns = math.ceil(layout.width * min_scale / width)
    rows = math.ceil(layout.height * min_scale / height)
    return columns * rows


def _pages_of(root, layout, caption, width, height, min_scale) -> list[ChartPage]:
    scale = fit_scale(layout, width, height)
    if scale >= min_scale:
        return [ChartPage(root, layout, scale, caption)]
    tile_w, tile_h = width / min_scale, height / min_scale
    columns = math.ceil(layout.width / tile_w)
    rows = math.ceil(layout.height / tile_h)
    pages = []
    for row in range(rows):
        for column in range(columns):
            part = row * columns + column + 1
            window = (column * tile_w, row * tile_h, tile_w, tile_h)
            label = f"{caption} — partie {part} / {rows * columns}"
            pages.append(ChartPage(root, layout, min_scale, label, window))
    return pages
