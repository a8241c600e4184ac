"""Every built budget chart inspected as a committee reads it: complete legends, styles apart in
colour and in grey, exact round axes, and no text over another or off the figure."""

from __future__ import annotations

import itertools

import pytest

from desktop.reports.budgets import charts
from desktop.reports.chart_style import distinct, grey, hatch_of
from desktop.services.budgets.filters import BudgetFilter
from desktop.services.budgets.service import BudgetService
from desktop.services.common.formatting import parse_french_number, tick_label

FILTERS = {
    "tout": BudgetFilter(),
    "engagé": BudgetFilter(stage="committed"),
    "AMI-CMA 2023": BudgetFilter(programme="AMI-CMA", year_from=2023, year_to=2023),
}


@pytest.fixture(scope="module")
def overviews(tmp_path_factory):
    """The embedded 2023 dataset (19 funders, long names) under three filters, and a generated
    base with hundreds of programmes and every generated funder."""
    from desktop.db import open_database
    from desktop.devtools.generator import generate
    from desktop.services.transfer.dataset import load_default_dataset

    db = open_database(str(tmp_path_factory.mktemp("charts") / "base.sqlite"))
    load_default_dataset(db.session_factory)
    service = BudgetService(db.session_factory)
    result = {name: service.overview(flt) for name, flt in FILTERS.items()}
    db.dispose()
    db = open_database(str(tmp_path_factory.mktemp("charts") / "generated.sqlite"))
    generate(db.engine, people=50, units=20, programmes=400, milestones=50, funding_lines=4000)
    result["généré"] = BudgetService(db.session_factory).overview(BudgetFilter())
    db.dispose()
    return result


def _rgb(colour) -> tuple:
    from matplotlib.colors import to_hex

    return to_hex(colour)


def _data_patches(figure):
    """The bars and wedges drawn (not legend keys, not text boxes)."""
    from matplotlib.patches import Rectangle, Wedge

    legend_axes = {ax for ax in figure.axes if not ax.axison and ax.get_legend() is not None}
    found = []
    for ax in figure.axes:
        if ax in legend_axes:
            continue
        found += [p for p in ax.patches if isinstance(p, (Rectangle, Wedge)) and p.get_picker()]
    return found


def _legend_labels(figure) -> list[str]:
    labels = []
    for ax in figure.axes:
        legend = ax.get_legend()
        if legend is not None:
            labels += [t.get_text().replace("\n", " ") for t in legend.get_texts()]
        labels += [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    return labels


def _texts(figure):
    """Every text drawn: titles, tick labels in view, legends, value labels."""
    from matplotlib.text import Text

    drawn = []
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not ax.axison:
                continue
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if low - 1e-9 <= tick.get_loc() <= high + 1e-9 and tick.label1.get_text():
                    drawn.append(tick.label1)
    tick_labels = {id(t) for ax in figure.axes for t in ax.get_xticklabels() + ax.get_yticklabels()}
    for text in figure.findobj(Text):
        if id(text) in tick_labels or not text.get_visible() or not text.get_text().strip():
            continue
        drawn.append(text)
    return drawn


def _overlap(a, b, tolerance: float = 0.5) -> bool:
    return (
        min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance
        and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance
    )


def _built():
    for name in [*FILTERS, "généré"]:
        for spec in charts.CHARTS:
            yield name, spec


@pytest.mark.parametrize(("name", "spec"), list(_built()), ids=lambda v: getattr(v, "key", v))
def test_a_built_chart_is_complete_distinct_exact_and_uncluttered(overviews, name, spec):
    """Each chart, as built for the screen and the paper: every drawn series has its legend
    entry, styles differ in colour and in grey, tick labels read back as the tick values, and
    no text crosses another text, a legend crosses a bar, or anything leaves the figure."""
    figure = spec.build(overviews[name])
    figure.draw_without_rendering()
    renderer = figure.canvas.get_renderer()
    series = figure.pilotis_series
    styles = {(s.style[0].lower(), s.style[1]) for s in series}
    for patch in _data_patches(figure):
        assert (_rgb(patch.get_facecolor()), hatch_of(patch)) in styles, (spec.key, patch)
    labels = _legend_labels(figure)
    for item in series:
        if item.key in ("axis",):
            continue  # one colour for every axis: the bars are named on the y axis
        assert any(label.startswith(item.label) for label in labels), (spec.key, item.label)
    for a, b in itertools.combinations(series, 2):
        assert distinct(a.style, b.style), (spec.key, a.label, b.label)
        if a.style[1] == b.style[1]:
            assert abs(grey(a.style[0]) - grey(b.style[0])) >= 0.06, (spec.key, a, b)

    for ax in figure.axes:
        if not ax.axison:
            continue
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                text = tick.label1.get_text()
                if not (low - 1e-9 <= tick.get_loc() <= high + 1e-9) or not text:
                    continue
                if "€" in text or text == "0" or text.endswith("%"):
                    value = parse_french_number(text) * (100 if "€" in text else 1)
                    assert value == pytest.approx(tick.get_loc(), abs=1e-6), (spec.key, text)

    area = figure.bbox
    boxes = [(t, t.get_window_extent(renderer)) for t in _texts(figure)]
    for text, box in boxes:
        inside = area.x0 - 0.5 <= box.x0 and box.x1 <= area.x1 + 0.5
        inside = inside and area.y0 - 0.5 <= box.y0 and box.y1 <= area.y1 + 0.5
        assert inside, (spec.key, text.get_text())
        assert "…" not in text.get_text(), (spec.key, text.get_text())
    for (ta, a), (tb, b) in itertools.combinations(boxes, 2):
        assert not _overlap(a, b), (spec.key, ta.get_text(), tb.get_text())
    for ax in figure.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent(renderer)
        for patch in _data_patches(figure):
            assert not _overlap(box, patch.get_window_extent(renderer)), (spec.key, "légende")


def test_tick_labels_follow_the_step_not_a_rounded_default():
    """0,25 M€ steps print 0,25 / 0,5 / 0,75, never « 0,2 / 0,8 »; 250 M€ steps need no decimal."""
    million = 1_000_000_00  # cents
    halves = [0, million // 2, million, million * 3 // 2]
    assert [tick_label(t, halves) for t in halves] == [
        "0", "0,5\u00a0M€", "1\u00a0M€", "1,5\u00a0M€",
    ]  # fmt: skip
    quarters = [k * million // 4 for k in range(6)]
    assert [tick_label(t, quarters) for t in quarters[1:4]] == [
        "0,25\u00a0M€", "0,5\u00a0M€", "0,75\u00a0M€",
    ]  # fmt: skip
    big = [0, 250_000_000_00, 500_000_000_00, 1_000_000_000_00]
    assert tick_label(250_000_000_00, big) == "250\u00a0M€"
    assert tick_label(1_000_000_000_00, big) == "1\u202f000\u00a0M€"
    assert tick_label(2_500_00, [0, 2_500_00, 5_000_00]) == "2,5\u00a0k€"


def test_a_funder_has_one_style_in_every_chart(overviews):
    """Région Occitanie is drawn in the same colour and hatching in every chart that shows it."""
    overview = overviews["tout"]
    region = overview.funder("REGION-OCC")
    expected = charts.funder_style(region)
    seen = set()
    for spec in charts.CHARTS:
        figure = spec.build(overview)
        for item in figure.pilotis_series:
            if item.key == "REGION-OCC":
                seen.add(item.style)
    assert seen == {expected}
