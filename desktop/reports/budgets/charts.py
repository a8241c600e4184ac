"""Budget charts as matplotlib Figures (never pyplot), shared by the screen, the printer and the
command line: complete legends, one style per funder everywhere, round French axes.

Each Figure carries what it draws: `figure.pilotis_series` (the legend's entries) and
`figure.pilotis_others` (what « Autres » groups, for the text beside the chart).
matplotlib is imported inside the functions: the application starts without it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.reports.chart_style import (
    BASE_FONT,
    OTHERS_STYLE,
    STAGE_STYLES,
    Series,
    keep_distinct,
    line_count,
    outside_legend,
    percent_axis,
    style_at,
    style_axes,
    vector_hatches,
    wrap,
)
from desktop.services.budgets.service import BudgetOverview, ChainRow, FunderRow
from desktop.services.common.formatting import (
    coded_name,
    format_percent,
    format_short_euros,
)
from desktop.services.common.vocabulary import STAGES

OTHERS = "Autres"
TOP = 10  # categories (programmes) per chart: the largest
LEGEND = 10  # series per legend, « Autres » included
ROW_IN = 0.125  # height of one line of a category label, in inches
PROGRAMME_WIDTH = 36  # characters per line of a programme's label
MAX_PLOT_IN = 3.6  # the rows of a chart: with title and axis, two charts fit an A4 page


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    build: Callable[[BudgetOverview], object]  # Figure


def funder_style(funder: FunderRow | None) -> tuple[str, str]:
    """(colour, hatch) of a funder, fixed by its rank in the one order of all funders (kind,
    code): the same in every chart, on screen and on paper; « Autres » has its own."""
    if funder is None:
        return OTHERS_STYLE
    return style_at(funder.rank)


def _figure(rows_lines: list[int] | None = None, *, width: float = 7.2, extra: float = 0.9,
            minimum: float = 2.6, row_min: float = 0.26):  # fmt: skip
    """A figure whose height follows its category labels (wrapped, never cut)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height = minimum
    if rows_lines is not None:
        height = max(minimum, extra + sum(max(row_min, ROW_IN * n + 0.1) for n in rows_lines))
    figure = Figure(figsize=(width, height), layout="constrained")
    figure.set_layout_engine("constrained", h_pad=0.06, w_pad=0.06)
    FigureCanvasAgg(figure)  # measured before it is shown (labels fitted, checks in tests)
    figure.pilotis_series = []
    figure.pilotis_others = []
    figure.pilotis_note = ""
    return figure


def _axes(figure, *, legend: bool = True):
    """The plot and, beside it, the area of its legend (its own axes: the layout keeps both
    inside the figure and apart)."""
    if not legend:
        return figure.add_subplot(), None
    grid = figure.add_gridspec(1, 2, width_ratios=[3.3, 1.3])
    return figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[0, 1])


def _stage_word(overview: BudgetOverview) -> str:
    return STAGES[overview.filter.stage].lower()


def _title(figure, text: str) -> None:
    figure.suptitle(text, fontsize=BASE_FONT + 2, fontweight="bold", x=0.01, ha="left")


def _empty(figure, ax, side=None) -> object:
    ax.set_axis_off()
    if side is not None:
        side.set_axis_off()
    ax.text(0.5, 0.5, "Aucun financement pour ces filtres", ha="center", va="center",
            fontsize=BASE_FONT + 1, color="#666666", transform=ax.transAxes)  # fmt: skip
    return figure


def _bar(ax, y, width, *, left=0, style, gid: str | None, height=0.7, vertical=False):
    color, hatch = style
    draw = ax.bar if vertical else ax.barh
    options = {"bottom": left, "width": height} if vertical else {"left": left, "height": height}
    bars = draw(y, width, color=color, hatch=hatch, edgecolor="#333333", linewidth=0.4,
                **options)  # fmt: skip
    for bar in bars:
        bar.set_picker(True)
        if gid:
            bar.set_gid(gid)
    return bars


def _end_label(ax, x: float, y: float, text: str, size: float = BASE_FONT - 0.5):
    """A value just after a bar's end; an offset in points, since SVG renderers drop the
    leading space a label would otherwise use."""
    return ax.annotate(text, (x, y), xytext=(3, 0), textcoords="offset points", va="center",
                       fontsize=size, annotation_clip=False)  # fmt: skip


def _fit_labels(figure, ax, labels, peak: float) -> None:
    """Widen the value axis so that every end label ends inside the plot, from the labels'
    measured widths and the axes' share of the figure, without a layout pass (one costs about
    0,1 s a chart, which the print preview would wait for); the chart tests check the result."""
    renderer = figure.canvas.get_renderer()

    def width(text) -> float:
        return max(
            renderer.get_text_width_height_descent(line, text.get_fontproperties(), False)[0]
            for line in (text.get_text().split("\n") or [""])
        )

    # The layout gives the legend what it needs and the plot the rest.
    legends = [a.get_legend() for a in figure.axes if a is not ax and a.get_legend()]
    legend = max((width(t) for lg in legends for t in lg.get_texts()), default=None)
    side = 0 if legend is None else legend + renderer.points_to_pixels(BASE_FONT * 2.6 + 16)
    categories = max((width(t) for t in ax.get_yticklabels()), default=0)
    plot = max(figure.bbox.width - side - categories - renderer.points_to_pixels(34), 1)
    # A label at x ends at plot·x/high + its width (and 3-point offset): at most plot.
    high = peak * 1.04
    for text in labels:
        room = 1 - (width(text) + renderer.points_to_pixels(8)) / plot
        high = max(high, text.xy[0] / max(room, 0.25))
    ax.set_xlim(0, high)


def _funder_series(overview: BudgetOverview, amounts: dict[str, int]) -> tuple[list, list]:
    """Legend series of funders, largest first; what does not fit is summed in « Autres »."""
    names = {f.code: f.name for f in overview.funders}
    ordered = sorted((c for c, v in amounts.items() if v), key=lambda c: -amounts[c])
    series = [
        Series(code, names.get(code, code), amounts[code], funder_style(overview.funder(code)))
        for code in ordered
    ]
    return keep_distinct(series, LEGEND)


def _others_series(rest: list[Series]) -> Series:
    return Series("others", f"{OTHERS} ({len(rest)})", sum(s.cents for s in rest), OTHERS_STYLE)


def _record(figure, kept: list[Series], rest: list[Series]) -> None:
    figure.pilotis_series = kept + ([_others_series(rest)] if rest else [])
    figure.pilotis_others = [(s.label, s.cents) for s in rest]


def _finish(figure):
    vector_hatches(figure)
    return figure


def _top_funders(overview: BudgetOverview) -> list[ChainRow]:
    stage = overview.filter.stage
    rows = [r for r in overview.funder_totals if r.stage_cents(stage)]
    return sorted(rows, key=lambda r: -r.stage_cents(stage))


def by_funder_bar(overview: BudgetOverview):
    """Horizontal bars, one per funder (the largest first), amount written at the bar's end."""
    stage = overview.filter.stage
    rows = _top_funders(overview)
    kept, rest = _funder_series(overview, {r.funder_code: r.stage_cents(stage) for r in rows})
    shown = kept + ([_others_series(rest)] if rest else [])
    figure = _figure([line_count(s.label) for s in shown])
    ax = figure.add_subplot()
    _title(figure, f"Financements par financeur — montants {_stage_word(overview)}s")
    if not rows:
        return _empty(figure, ax)
    _record(figure, kept, rest)
    y = list(range(len(shown)))[::-1]
    labels = []
    for yi, item in zip(y, shown, strict=True):
        gid = f"funder:{item.key}" if item.key != "others" else None
        _bar(ax, yi, item.cents, style=item.style, gid=gid)
        labels.append(_end_label(ax, item.cents, yi, format_short_euros(item.cents)))
    ax.set_yticks(y, [wrap(s.label) for s in shown], fontsize=BASE_FONT - 0.5)
    ax.set_ylim(-0.6, len(shown) - 0.4)
    style_axes(ax)
    _fit_labels(figure, ax, labels, max(s.cents for s in shown))
    return _finish(figure)


def by_funder_donut(overview: BudgetOverview):
    """Donut of funders' shares, percentages on the large wedges, total in the middle; every
    wedge named with its share in the legend beside it."""
    stage = overview.filter.stage
    rows = _top_funders(overview)
    total = sum(r.stage_cents(stage) for r in rows)
    kept, rest = _funder_series(overview, {r.funder_code: r.stage_cents(stage) for r in rows})
    shown = kept + ([_others_series(rest)] if rest else [])
    figure = _figure([line_count(s.label, 34) for s in shown], extra=0.6, minimum=3.2)
    ax, side = _axes(figure)
    _title(figure, f"Part de chaque financeur — montants {_stage_word(overview)}s")
    if not total:
        return _empty(figure, ax, side)
    _record(figure, kept, rest)
    wedges, _texts, autotexts = ax.pie(
        [s.cents for s in shown],
        colors=[s.style[0] for s in shown],
        hatch=[s.style[1] for s in shown],
        startangle=90,
        counterclock=False,
        wedgeprops={"width": 0.42, "edgecolor": "#333333", "linewidth": 0.4},
        # Only wedges wide enough for their label: narrower ones are read in the legend.
        autopct=lambda p: format_percent(p / 100) if p >= 6 else "",
        pctdistance=0.79,
        textprops={"fontsize": BASE_FONT - 0.5},
    )
    for wedge, item in zip(wedges, shown, strict=True):
        wedge.set_picker(True)
        if item.key != "others":
            wedge.set_gid(f"funder:{item.key}")
    for text in autotexts:
        text.set_bbox({"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                       "alpha": 0.9})  # fmt: skip
    ax.text(0, 0, f"Total\n{format_short_euros(total)}", ha="center", va="center",
            fontsize=BASE_FONT + 1, fontweight="bold")  # fmt: skip
    labels = [f"{s.label} — {format_percent(s.cents / total, 1)}" for s in shown]
    outside_legend(ax, wedges, labels, place=side)
    ax.set_aspect("equal")
    return _finish(figure)


def _programme_label(row: ChainRow) -> str:
    return coded_name(row.programme_code, row.programme_name)


def _fitting(items: list, lines, per_row: int = 1) -> list:
    """The first items whose wrapped labels fit the tallest chart printed two per page."""
    kept, height = [], 0.0
    for item in items[:TOP]:
        height += max(0.23 * per_row, ROW_IN * lines(item) + 0.1)
        if kept and height > MAX_PLOT_IN:
            break
        kept.append(item)
    return kept


def _chains(overview: BudgetOverview, stage: str):
    chains = [c for c in overview.programmes if c.subtotal.stage_cents(stage)]
    return _fitting(
        chains, lambda c: line_count(_programme_label(c.subtotal), PROGRAMME_WIDTH)
    ), len(chains)


def _programme_note(figure, shown: int, count: int) -> None:
    if count > shown:
        figure.pilotis_note = f"Les {shown} programmes les plus financés sur {count}."


def by_programme_stacked(overview: BudgetOverview):
    """One bar per programme of the shown level, split by funder, total at the end."""
    stage = overview.filter.stage
    chains, count = _chains(overview, stage)
    figure = _figure([line_count(_programme_label(c.subtotal), PROGRAMME_WIDTH) for c in chains])
    ax, side = _axes(figure)
    _title(figure, f"Financements par programme et financeur — montants {_stage_word(overview)}s")
    if not chains:
        return _empty(figure, ax, side)
    _programme_note(figure, len(chains), count)
    y = list(range(len(chains)))[::-1]
    series = _stacked_by_funder(ax, figure, overview, chains, y, shares=False)
    labels = [_end_label(ax, c.subtotal.stage_cents(stage), yi,
                         format_short_euros(c.subtotal.stage_cents(stage)))
              for yi, c in zip(y, chains, strict=True)]  # fmt: skip
    style_axes(ax)
    outside_legend(ax, *series, title="Financeurs", place=side)
    _fit_labels(figure, ax, labels, max(c.subtotal.stage_cents(stage) for c in chains))
    return _finish(figure)


def _stacked_by_funder(ax, figure, overview: BudgetOverview, chains, y, *, shares: bool):
    """One horizontal bar per programme, split by funder in each funder's style (the funders
    beyond the legend summed as « Autres » at the bar's end): amounts, or shares of the
    programme's total labelled in % when wide enough. Returns the legend's handles and labels."""
    stage = overview.filter.stage
    amounts: dict[str, int] = {}
    for chain in chains:
        for line in chain.lines:
            amounts[line.funder_code] = amounts.get(line.funder_code, 0) + line.stage_cents(stage)
    kept, rest = _funder_series(overview, amounts)
    _record(figure, kept, rest)
    styles = {s.key: s.style for s in kept}
    handles: dict[str, object] = {}
    for yi, chain in zip(y, chains, strict=True):
        total = chain.subtotal.stage_cents(stage)
        gid = f"programme:{chain.subtotal.programme_code}"
        parts = [(s.key, s.style) for s in kept]
        values = {line.funder_code: line.stage_cents(stage) for line in chain.lines}
        others = sum(v for code, v in values.items() if code not in styles)
        left = 0.0
        for key, style in [*parts, ("others", OTHERS_STYLE)]:
            cents = others if key == "others" else values.get(key, 0)
            if not cents:
                continue
            value = cents / total if shares else cents
            bars = _bar(ax, yi, value, left=left, style=style, gid=gid)
            handles.setdefault(key, bars[0])
            if shares and value >= 0.12:
                ax.text(left + value / 2, yi, format_percent(value), ha="center", va="center",
                        fontsize=BASE_FONT - 1.5,
                        bbox={"boxstyle": "round,pad=0.12", "facecolor": "white",
                              "edgecolor": "none", "alpha": 0.9})  # fmt: skip
            left += value
    ax.set_yticks(y, [wrap(_programme_label(c.subtotal), PROGRAMME_WIDTH) for c in chains],
                  fontsize=BASE_FONT - 0.5)  # fmt: skip
    ax.set_ylim(-0.6, len(chains) - 0.4)
    legend = [s for s in figure.pilotis_series if s.key in handles]
    return [handles[s.key] for s in legend], [s.label for s in legend]


def by_axis(overview: BudgetOverview):
    """Amounts per roadmap axis (a programme serving two axes counts in both)."""
    stage = overview.filter.stage
    rows = [r for r in overview.axes if r.stage_cents(stage)]

    def label(r) -> str:
        return f"Axe {r.number} — {r.title}" if r.number is not None else r.title

    figure = _figure([line_count(label(r), 44) for r in rows])
    ax = figure.add_subplot()
    _title(figure, f"Financements par axe de la feuille de route — montants "
                   f"{_stage_word(overview)}s")  # fmt: skip
    if not rows:
        return _empty(figure, ax)
    axis_style, none_style = (STAGE_STYLES["paid"][0], ""), ("#bdbdbd", "///")
    figure.pilotis_series = [Series("axis", "Axe de la feuille de route", 0, axis_style)]
    if any(r.number is None for r in rows):
        figure.pilotis_series.append(Series("none", "Sans axe", 0, none_style))
    y = list(range(len(rows)))[::-1]
    labels = []
    for yi, row in zip(y, rows, strict=True):
        value = row.stage_cents(stage)
        gid = f"axis:{row.number}" if row.number is not None else None
        _bar(ax, yi, value, style=axis_style if row.number is not None else none_style, gid=gid)
        labels.append(_end_label(ax, value, yi, format_short_euros(value)))
    ax.set_yticks(y, [wrap(label(r), 44) for r in rows], fontsize=BASE_FONT - 0.5)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    style_axes(ax)
    _fit_labels(figure, ax, labels, max(r.stage_cents(stage) for r in rows))
    return _finish(figure)


def by_year(overview: BudgetOverview):
    """Vertical bars per year (first year of the period), stacked by funder."""
    stage = overview.filter.stage
    rows = [r for r in overview.years if r.stage_cents(stage)]
    amounts: dict[str, int] = {}
    for row in rows:
        amounts[row.funder_code] = amounts.get(row.funder_code, 0) + row.stage_cents(stage)
    kept, rest = _funder_series(overview, amounts)
    figure = _figure([line_count(s.label, 34) for s in kept] + [1], extra=0.4, minimum=3.0)
    ax, side = _axes(figure)
    _title(figure, f"Financements par année — montants {_stage_word(overview)}s")
    if not rows:
        return _empty(figure, ax, side)
    _record(figure, kept, rest)
    years = sorted({r.year for r in rows}, key=lambda y: (y is None, y or 0))
    x = {year: i for i, year in enumerate(years)}
    bottoms = [0] * len(years)
    styles = {s.key: s.style for s in kept}
    handles: dict[str, object] = {}
    for key in [*styles, "others"]:
        style = styles.get(key, OTHERS_STYLE)
        for year in years:
            value = sum(
                r.stage_cents(stage)
                for r in rows
                if r.year == year
                and (r.funder_code if r.funder_code in styles else "others") == key
            )
            if not value:
                continue
            i = x[year]
            bars = _bar(ax, i, value, left=bottoms[i], style=style, height=0.62, vertical=True,
                        gid=f"year:{year}" if year is not None else None)  # fmt: skip
            handles.setdefault(key, bars[0])
            bottoms[i] += value
    for i, total in enumerate(bottoms):
        ax.annotate(format_short_euros(total), (i, total), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom",
                    fontsize=BASE_FONT - 0.5)  # fmt: skip
    labels = ["Sans année" if y is None else str(y) for y in years]
    ax.set_xticks(range(len(years)), labels, fontsize=BASE_FONT - 0.5)
    ax.set_ylim(0, max(bottoms) * 1.12)
    style_axes(ax, value_axis="y")
    legend = [s for s in figure.pilotis_series if s.key in handles]
    outside_legend(ax, [handles[s.key] for s in legend], [s.label for s in legend],
                   title="Financeurs", place=side)  # fmt: skip
    return _finish(figure)


def _rate(rate: float | None, marked: bool = True) -> str:
    """A rate, marked « ¹ » above 100 % (the footnote of the synthesis says why)."""
    if rate is None:
        return ""
    return f" ({format_percent(rate)}{' ¹' if marked and rate > 1 else ''})"


def chain_per_programme(overview: BudgetOverview):
    """Prévu, engagé and versé side by side per programme, with the commitment rate."""
    every = [c for c in overview.programmes
             if c.subtotal.planned_cents or c.subtotal.committed_cents]  # fmt: skip
    chains = _fitting(
        every, lambda c: line_count(_programme_label(c.subtotal), PROGRAMME_WIDTH), per_row=2
    )
    count = len(every)
    figure = _figure(
        [line_count(_programme_label(c.subtotal), PROGRAMME_WIDTH) for c in chains],
        extra=0.9,
        row_min=0.46,
    )
    ax, side = _axes(figure)
    _title(figure, "Prévu, engagé et versé par programme")
    if not chains:
        return _empty(figure, ax, side)
    _programme_note(figure, len(chains), count)
    figure.pilotis_series = [Series(stage, STAGES[stage], 0, STAGE_STYLES[stage])
                             for stage in STAGES]  # fmt: skip
    height = 0.27
    y = list(range(len(chains)))[::-1]
    handles = {}
    labels = []
    for yi, chain in zip(y, chains, strict=True):
        row = chain.subtotal
        for offset, stage in zip((height, 0, -height), STAGES, strict=True):
            value = row.stage_cents(stage)
            bars = _bar(ax, yi + offset, value, style=STAGE_STYLES[stage], height=height,
                        gid=f"programme:{row.programme_code}")  # fmt: skip
            handles.setdefault(STAGES[stage], bars[0])
            if not value:
                continue
            text = format_short_euros(value)
            if stage == "committed":
                text += _rate(row.commitment_rate)
            if stage == "paid":
                text += _rate(row.payment_rate)
            labels.append(_end_label(ax, value, yi + offset, text, BASE_FONT - 1.5))
    ax.set_yticks(y, [wrap(_programme_label(c.subtotal), PROGRAMME_WIDTH) for c in chains],
                  fontsize=BASE_FONT - 0.5)  # fmt: skip
    ax.set_ylim(-0.6, len(chains) - 0.4)
    style_axes(ax)
    outside_legend(ax, list(handles.values()), list(handles), title="Étape", place=side)
    peak = max(max(c.subtotal.planned_cents, c.subtotal.committed_cents, c.subtotal.paid_cents)
               for c in chains)  # fmt: skip
    _fit_labels(figure, ax, labels, peak)
    return _finish(figure)


def cofinancing(overview: BudgetOverview):
    """Each programme's funding split by funder, in % of its total (100 % bars)."""
    stage = overview.filter.stage
    chains, count = _chains(overview, stage)
    figure = _figure([line_count(_programme_label(c.subtotal), PROGRAMME_WIDTH) for c in chains])
    ax, side = _axes(figure)
    _title(figure, f"Taux de cofinancement par programme — montants {_stage_word(overview)}s")
    if not chains:
        return _empty(figure, ax, side)
    _programme_note(figure, len(chains), count)
    y = list(range(len(chains)))[::-1]
    series = _stacked_by_funder(ax, figure, overview, chains, y, shares=True)
    ax.set_xlim(0, 1)
    percent_axis(ax.xaxis)
    ax.tick_params(labelsize=BASE_FONT - 0.5)
    for edge in ("top", "right"):
        ax.spines[edge].set_visible(False)
    outside_legend(ax, *series, title="Financeurs", place=side)
    return _finish(figure)


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("funder_bar", "Par financeur", by_funder_bar),
    ChartSpec("funder_donut", "Parts des financeurs", by_funder_donut),
    ChartSpec("programme", "Par programme", by_programme_stacked),
    ChartSpec("chain", "Prévu / engagé / versé", chain_per_programme),
    ChartSpec("cofinancing", "Cofinancement", cofinancing),
    ChartSpec("axis", "Par axe", by_axis),
    ChartSpec("year", "Par année", by_year),
)


def chart(key: str) -> ChartSpec:
    return next(spec for spec in CHARTS if spec.key == key)


def figure_svg(figure) -> bytes:
    """SVG with text kept as text (the print layout renders it as vectors)."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "font.family": "DejaVu Sans"}):
        figure.savefig(buffer, format="svg")
    return buffer.getvalue()


def save_figure(figure, path: Path | str) -> Path:
    """Write one chart to PNG (200 dpi), SVG or PDF, by the file's extension."""
    import matplotlib

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg", ".pdf"):
        raise ValueError(f"Format inconnu « {path.suffix} » : choisissez .png, .svg ou .pdf.")
    with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        figure.savefig(path, dpi=200 if suffix == ".png" else None)
    return path
