"""The charts of the programme sheets and of the indicators page, drawn with the shared look
(chart_style): stages by funder, and an indicator's trend with French decimals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop.reports.chart_style import (
    BASE_FONT,
    STAGE_STYLES,
    Series,
    line_count,
    outside_legend,
    style_axes,
    vector_hatches,
    wrap,
)
from desktop.services.common.formatting import format_number
from desktop.services.common.vocabulary import STAGES

STAGE_ORDER = tuple(STAGES)  # prévu, engagé, versé: the order vocabulary gives


@dataclass(frozen=True)
class _Others:
    funder: str
    planned_cents: int
    committed_cents: int
    paid_cents: int


def stages_by_funder(rows: Sequence, limit: int = 6):
    """Planned, committed and paid per funder (rows with funder and *_cents), the largest
    first, as horizontal bars with the legend beside them, `limit` bars at most (the smallest
    funders summed in the last); None when nothing is funded."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    funded = [r for r in rows if r.planned_cents or r.committed_cents or r.paid_cents]
    if not funded:
        return None
    cut = limit if len(funded) <= limit else limit - 1  # « Autres » is one of the `limit` bars
    rows, rest = funded[:cut], funded[cut:]
    if rest:  # as the table above it: the smallest summed in one bar, named there
        sums = [sum(getattr(r, f"{stage}_cents") for r in rest) for stage in STAGE_ORDER]
        rows.append(_Others(f"Autres financeurs ({len(rest)})", *sums))
    lines = [line_count(r.funder, 32) for r in rows]
    height = 0.35 + sum(max(0.3, 0.12 * n + 0.08) for n in lines)
    figure = Figure(figsize=(7.2, max(1.3, height)), layout="constrained")
    figure.set_layout_engine("constrained", h_pad=0.04, w_pad=0.04)
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(1, 2, width_ratios=[4.2, 1])
    ax, side = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[0, 1])
    figure.pilotis_series = [Series(s, STAGES[s], 0, STAGE_STYLES[s]) for s in STAGE_ORDER]
    figure.pilotis_others = []
    figure.pilotis_note = ""
    rows = list(reversed(rows))
    bar = 0.26
    handles = []
    for offset, stage in zip((bar, 0, -bar), STAGE_ORDER, strict=True):
        colour, hatch = STAGE_STYLES[stage]
        values = [getattr(r, f"{stage}_cents") for r in rows]
        bars = ax.barh([i + offset for i in range(len(rows))], values, bar, color=colour,
                       hatch=hatch, edgecolor="#1f3f7a", linewidth=0.4)  # fmt: skip
        for patch in bars:
            patch.set_picker(True)
        handles.append(bars[0])
    ax.set_yticks(range(len(rows)), [wrap(r.funder, 32) for r in rows], fontsize=BASE_FONT - 1)
    ax.set_ylim(-0.55, len(rows) - 0.45)
    style_axes(ax)
    ax.set_xlim(0, max(max(r.planned_cents, r.committed_cents, r.paid_cents) for r in rows) * 1.04)
    outside_legend(ax, handles, [STAGES[s] for s in STAGE_ORDER], place=side)
    vector_hatches(figure)
    return figure


def indicator_trend(figure, values: Sequence[tuple[str, str, float]], unit: str | None,
                    period_key) -> None:  # fmt: skip
    """Draw target, actual and baseline per period on the figure (cleared first), the value
    axis in French decimals (« 12,5 », never « 12.5 »)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from desktop.services.common.formatting import step_decimals

    figure.clear()
    axes = figure.add_subplot(111)
    periods = sorted({p for p, _, _ in values}, key=period_key)
    for kind, label, style in (("target", "Cible", "--"), ("actual", "Réalisé", "-"),
                               ("baseline", "Référence", ":")):  # fmt: skip
        points = [(periods.index(p), v) for p, k, v in values if k == kind]
        if points:
            xs, ys = zip(*sorted(points), strict=True)
            axes.plot(xs, ys, style, marker="o", label=label)
    axes.set_xticks(range(len(periods)), periods, fontsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))

    def label(value: float, _pos) -> str:
        ticks = sorted(axes.yaxis.get_majorticklocs())
        steps = [b - a for a, b in zip(ticks, ticks[1:], strict=False) if b > a]
        return format_number(value, step_decimals(min(steps)) if steps else 0)

    axes.yaxis.set_major_formatter(FuncFormatter(label))
    axes.tick_params(axis="y", labelsize=8)
    if values:
        axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    else:
        axes.text(0.5, 0.5, "Aucune valeur", ha="center", va="center", transform=axes.transAxes)
    if unit:
        axes.set_ylabel(unit, fontsize=8)
    figure.tight_layout()
