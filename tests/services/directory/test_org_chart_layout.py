"""The organisation chart layout: boxes never overlap, children sit below, links join them."""

from __future__ import annotations

import random

import pytest

from desktop.services.directory.org_chart import ChartPost, ChartUnit
from desktop.services.directory.org_chart_layout import (
    STYLES,
    ChartLayout,
    Options,
    approximate_measure,
    layout_chart,
    wrap,
)
from desktop.services.directory.org_chart_pages import paginate
from desktop.services.directory.service import DirectoryService


def unit(uid, parent=None, name=None, acronym=None, posts=(), kind="service") -> ChartUnit:
    return ChartUnit(uid, parent, acronym, name or f"Service numéro {uid}", kind, tuple(posts))


def generated_tree(count: int, seed: int = 3) -> list[ChartUnit]:
    """A random organisation: each unit under an earlier one, wide and deep places alike."""
    rng = random.Random(seed)
    units = [unit(1, None, "Racine", posts=[ChartPost("head", "Anne DUPONT")])]
    for uid in range(2, count + 1):
        parent = rng.randint(max(1, uid - 40), uid - 1) if rng.random() < 0.7 else rng.randint(1, 8)
        parent = min(parent, uid - 1)
        posts = [ChartPost("head", f"Prénom NOM{uid}")] if rng.random() < 0.8 else []
        if rng.random() < 0.3:
            posts.append(ChartPost("deputy", None))
        units.append(unit(uid, parent, f"Service {uid} de la direction", posts=posts))
    return units


def overlaps(layout: ChartLayout) -> list[tuple[int, int]]:
    found = []
    boxes = sorted(layout.boxes, key=lambda b: b.x)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if b.x >= a.x + a.width:
                break
            if a.y < b.bottom and b.y < a.bottom:
                found.append((a.unit_id, b.unit_id))
    return found


def on_bottom_edge(point, box) -> bool:
    x, y = point
    return y == pytest.approx(box.bottom) and box.x <= x <= box.x + box.width


def on_top_or_left_edge(point, box) -> bool:
    x, y = point
    top = y == pytest.approx(box.y) and box.x <= x <= box.x + box.width
    left = x == pytest.approx(box.x) and box.y <= y <= box.bottom
    return top or left


def check_layout(units: list[ChartUnit], layout: ChartLayout) -> None:
    assert len(layout.boxes) == len(units)
    assert overlaps(layout) == []
    parents = {u.id: u.parent_id for u in units}
    for box in layout.boxes:
        parent = parents[box.unit_id]
        if parent is not None:
            assert box.y > layout.box(parent).bottom
    assert len(layout.connectors) == len(units) - sum(1 for u in units if u.parent_id is None)
    for link in layout.connectors:
        assert parents[link.child_id] == link.parent_id
        assert on_bottom_edge(link.points[0], layout.box(link.parent_id))
        assert on_top_or_left_edge(link.points[-1], layout.box(link.child_id))
        for (x0, y0), (x1, y1) in zip(link.points, link.points[1:], strict=False):
            assert x0 == pytest.approx(x1) or y0 == pytest.approx(y1)  # square links


def test_small_tree_has_no_overlap_and_links_join_parents_to_children():
    """A direction with departments and a pôle with sub-units: tidy, linked, top-down."""
    units = [
        unit(1, None, "Région", kind="region", posts=[ChartPost("head", "Sophie BÉJEAN")]),
        unit(2, 1, "Direction A", "DA", [ChartPost("head", "Jean MARTIN"),
                                         ChartPost("deputy", "Paul ROUX")]),
        *[unit(10 + i, 2, f"Département {i}") for i in range(10)],
        unit(3, 1, "Pôle B"),
        unit(4, 3, "Service B1"),
        unit(5, 3, "Service B2"),
        unit(6, 5, "Mission B2a"),
    ]  # fmt: skip
    layout = layout_chart(units, 1)
    check_layout(units, layout)


def test_many_leaves_are_stacked_in_columns_not_one_long_row():
    """Ten departments under a direction make two columns of five, not a row of ten."""
    units = [unit(1, None), *[unit(10 + i, 1) for i in range(10)]]
    layout = layout_chart(units, 1)
    columns = {layout.box(10 + i).x for i in range(10)}
    assert len(columns) == 2
    assert layout.width < 4 * Options().box_width


def test_wide_levels_wrap_past_the_maximum_width():
    """Twelve directions with sub-units wrap onto several rows under max_width."""
    units = [unit(1, None)]
    for d in range(12):
        units.append(unit(100 + d, 1))
        units.append(unit(200 + d, 100 + d))
    layout = layout_chart(units, 1, options=Options(max_width=900))
    check_layout(units, layout)
    assert layout.width <= 900 + Options().h_gap
    assert len({layout.box(100 + d).y for d in range(12)}) > 1


def test_five_thousand_units_lay_out_without_overlap():
    """A generated 5 000-unit organisation lays out completely (every box, every link)."""
    units = generated_tree(5000)
    layout = layout_chart(units, 1, options=Options(max_width=2000))
    check_layout(units, layout)


def test_box_names_heads_deputies_vacant_and_interim_posts():
    """A box reads: unit, full name, head (intérim), deputy, « Poste vacant »."""
    posts = [ChartPost("head", "Pascal ETIENNE", is_interim=True), ChartPost("deputy", None)]
    units = [ChartUnit(1, None, "DRAJES", "Direction jeunesse et sports", "direction",
                       tuple(posts), other_vacant=2)]  # fmt: skip
    box = layout_chart(units, 1).box(1)
    texts = [line.text for line in box.lines]
    assert texts[0] == "DRAJES"
    assert "Pascal ETIENNE (intérim)" in texts
    assert "Adj. : Poste vacant" in texts
    assert "2 autres postes vacants" in texts
    assert not box.vacant
    vacant_head = ChartUnit(2, None, None, "Pôle", "pole", (ChartPost("head", None),))
    assert layout_chart([vacant_head], 2).box(2).vacant


def test_wrapped_lines_fit_the_box_and_long_names_end_with_an_ellipsis():
    """No line is wider than the box; a name past three lines is cut with « … »."""
    style = STYLES["name"]
    long = "Direction de région académique " * 8
    lines = wrap(long, 140, style, approximate_measure, max_lines=3)
    assert len(lines) == 3
    assert lines[-1].endswith("…")
    assert all(approximate_measure(x, style.size, style.bold) <= 140 for x in lines)


def test_a_chart_that_fits_is_one_page_else_one_page_per_direction():
    """A small chart is one page; a wide one gets an overview citing the other pages."""
    small = [unit(1, None), unit(2, 1), unit(3, 1)]
    assert len(paginate(small, 1, 750, 450)) == 1
    units = [unit(1, None, "Région")]
    for d in range(8):
        units.append(unit(100 + d, 1, f"Direction {d}"))
        units += [unit(1000 + 10 * d + i, 100 + d, f"Département {d}.{i}") for i in range(9)]
        units += [unit(5000 + 10 * d + i, 1000 + 10 * d, f"Bureau {d}.{i}") for i in range(3)]
    pages = paginate(units, 1, 750, 450)
    assert len(pages) > 1
    assert all(p.scale >= 0.85 for p in pages)
    overview = pages[0].layout
    notes = [line.text for box in overview.boxes for line in box.lines if "voir page" in line.text]
    assert notes
    drawn = {b.unit_id for p in pages for b in p.layout.boxes}
    assert drawn == {u.id for u in units}


def test_a_unit_with_hundreds_of_sub_units_is_tiled_at_a_legible_scale():
    """Four hundred departments under one unit print as tiles, never below the minimum."""
    units = [unit(1, None), *[unit(10 + i, 1) for i in range(400)]]
    pages = paginate(units, 1, 750, 450)
    assert len(pages) > 1
    assert all(p.scale >= 0.85 and p.window is not None for p in pages)
    assert pages[-1].caption.endswith(f"partie {len(pages)} / {len(pages)}")


def test_chart_units_of_the_dataset_name_heads_and_deputies(filled_database):
    """DRAJES's chart: the director, his deputy, and the pôles below it."""
    service = DirectoryService(filled_database.session_factory)
    drajes = service.find_unit("DRAJES")
    units = service.charts.chart_units(drajes.id)
    assert units[0].id == drajes.id
    assert units[0].parent_id is None
    assert units[0].posts[:2] == (
        ChartPost("head", "Pascal ETIENNE"),
        ChartPost("deputy", "Sélim KANCAL"),
    )
    assert {u.name for u in units[1:]} >= {
        "Pôle politiques sportives",
        "Pôle formations, certifications",
    }
    check_layout(units, layout_chart(units, drajes.id))
