"""Budget charts as matplotlib Figures (never pyplot), shared by the screen, the printer and the
command line: French amounts on axes and labels, one colour and hatching per funder everywhere,
direct labels so that a black-and-white print stays readable.

matplotlib is imported inside the functions: the application starts without it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.services.budget_service import BudgetOverview, ChainRow, FunderRow
from desktop.services.formatting import NBSP, format_number
from desktop.services.vocabulary import STAGES

# Distinct hues (ColorBrewer/Tableau inspired), dark and light alternating so that
# neighbouring funders also differ in grey level on a black-and-white print.
PALETTE = (
    "#1f4e9c", "#f28e2b", "#59a14f", "#b9cde9", "#e15759", "#f1ce63", "#76b7b2", "#9c6b3c",
    "#b07aa1", "#ff9da7", "#2f7f7a", "#bab0ac", "#8cd17d", "#4e79a7", "#d37295", "#86bcb6",
    "#a0cbe8", "#ffbe7d", "#499894", "#79706e",
)  # fmt: skip
# Line hatches only: dot, circle and star hatches become patterns of hundreds of tiny curves in
# SVG (≈100 KB each), which took ~1.3 s per chart to paint into the printed PDF.
HATCHES = ("", "///", "xxx", "\\\\\\", "+++", "---", "|||", "//", "\\\\", "x")
STAGE_STYLES = {  # prévu plain, engagé hatched, versé dotted: legible without colour
    "planned": ("#c6d5ec", ""),
    "committed": ("#7399d2", "///"),
    "paid": ("#1f3f7a", ""),
}
OTHERS = "Autres"
TOP = 10
BASE_FONT = 8


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    build: Callable[[BudgetOverview], object]  # Figure


def short_euros(cents: int | float) -> str:
    """`493,74 M€`, `1,9 M€`, `249,8 k€`, `950 €`: French, compact, trailing zeros dropped."""
    euros = cents / 100
    magnitude = abs(euros)
    if magnitude >= 1_000_000:
        value, unit, decimals = euros / 1_000_000, "M€", 2
    elif magnitude >= 1_000:
        value, unit, decimals = euros / 1_000, "k€", 1
    else:
        value, unit, decimals = euros, "€", 0
    text = format_number(value, decimals)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return f"{text}{NBSP}{unit}"


def percent(rate: float | None, decimals: int = 0) -> str:
    if rate is None:
        return "—"
    return f"{format_number(rate * 100, decimals)}{NBSP}%"


def funder_style(funder: FunderRow | None) -> tuple[str, str]:
    """(colour, hatch) of a funder, fixed by its rank among all funders; grey for « Autres »."""
    if funder is None:
        return "#d9d9d9", ""
    return PALETTE[funder.rank % len(PALETTE)], HATCHES[funder.rank % len(HATCHES)]


def _figure(width: float = 7.2, height: float = 3.6):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    figure.set_layout_engine("constrained", h_pad=0.06, w_pad=0.06)
    return figure


def _style_axes(ax, *, value_axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    formatter = FuncFormatter(lambda value, _pos: short_euros(value))
    axis = ax.xaxis if value_axis == "x" else ax.yaxis
    axis.set_major_formatter(formatter)
    axis.set_major_locator(MaxNLocator(nbins=5, min_n_ticks=3))
    ax.tick_params(labelsize=BASE_FONT - 0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis=value_axis, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _title(figure, text: str, overview: BudgetOverview) -> None:
    stage = STAGES[overview.filter.stage].lower()
    figure.suptitle(f"{text} — {stage}", fontsize=BASE_FONT + 2, fontweight="bold", x=0.01,
                    ha="left")  # fmt: skip


def _empty(figure, ax) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, "Aucun financement pour ces filtres", ha="center", va="center",
            fontsize=BASE_FONT + 1, color="#666666", transform=ax.transAxes)  # fmt: skip


def _shorten(text: str, length: int = 38) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _bar(ax, y, width, *, left=0, color, hatch, gid: str | None, height=0.7, label=None):
    bars = ax.barh(y, width, left=left, color=color, hatch=hatch, edgecolor="#333333",
                   linewidth=0.4, height=height, label=label)  # fmt: skip
    for bar in bars:
        bar.set_picker(True)
        if gid:
            bar.set_gid(gid)
    return bars


def _end_label(ax, x: float, y: float, text: str, size: float = BASE_FONT - 0.5) -> None:
    """A value just after a bar's end; an offset in points, since SVG renderers drop the
    leading space a label would otherwise use."""
    ax.annotate(text, (x, y), xytext=(3, 0), textcoords="offset points", va="center",
                fontsize=size)  # fmt: skip


def _top_funders(overview: BudgetOverview) -> list[ChainRow]:
    stage = overview.filter.stage
    rows = [r for r in overview.funder_totals if r.stage_cents(stage)]
    return sorted(rows, key=lambda r: -r.stage_cents(stage))


def by_funder_bar(overview: BudgetOverview):
    """Horizontal bars, one per funder (the largest first), amount written at the bar's end."""
    stage = overview.filter.stage
    figure = _figure(7.2, 3.8)
    ax = figure.add_subplot()
    _title(figure, "Financements par financeur", overview)
    rows = _top_funders(overview)
    if not rows:
        _empty(figure, ax)
        return figure
    shown, rest = rows[: TOP + 2], rows[TOP + 2 :]
    labels, values, styles, gids = [], [], [], []
    for row in shown:
        labels.append(_shorten(row.funder_name or ""))
        values.append(row.stage_cents(stage))
        styles.append(funder_style(overview.funder(row.funder_code)))
        gids.append(f"funder:{row.funder_code}")
    if rest:
        labels.append(f"{OTHERS} ({len(rest)})")
        values.append(sum(r.stage_cents(stage) for r in rest))
        styles.append(funder_style(None))
        gids.append(None)
    y = list(range(len(labels)))[::-1]
    for yi, value, (color, hatch), gid in zip(y, values, styles, gids, strict=True):
        _bar(ax, yi, value, color=color, hatch=hatch, gid=gid)
        _end_label(ax, value, yi, short_euros(value))
    ax.set_yticks(y, labels, fontsize=BASE_FONT - 0.5)
    ax.set_xlim(0, max(values) * 1.22)
    _style_axes(ax)
    return figure


def by_funder_donut(overview: BudgetOverview):
    """Donut of funders' shares, percentages on the wedges, total in the middle."""
    stage = overview.filter.stage
    figure = _figure(7.2, 3.6)
    ax = figure.add_subplot()
    _title(figure, "Part de chaque financeur", overview)
    rows = _top_funders(overview)
    total = sum(r.stage_cents(stage) for r in rows)
    if not total:
        _empty(figure, ax)
        return figure
    shown = [r for r in rows if r.stage_cents(stage) / total >= 0.02][:TOP]
    rest = [r for r in rows if r not in shown]
    values = [r.stage_cents(stage) for r in shown]
    labels = [r.funder_name or "" for r in shown]
    styles = [funder_style(overview.funder(r.funder_code)) for r in shown]
    gids = [f"funder:{r.funder_code}" for r in shown]
    if rest:
        values.append(sum(r.stage_cents(stage) for r in rest))
        labels.append(f"{OTHERS} ({len(rest)})")
        styles.append(funder_style(None))
        gids.append(None)
    wedges, _texts, autotexts = ax.pie(
        values,
        colors=[c for c, _h in styles],
        hatch=[h for _c, h in styles],
        startangle=90,
        counterclock=False,
        wedgeprops={"width": 0.42, "edgecolor": "#333333", "linewidth": 0.4},
        autopct=lambda p: percent(p / 100) if p >= 4 else "",
        pctdistance=0.79,
        textprops={"fontsize": BASE_FONT - 0.5},
    )
    for wedge, gid in zip(wedges, gids, strict=True):
        wedge.set_picker(True)
        if gid:
            wedge.set_gid(gid)
    for text in autotexts:
        text.set_bbox({"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                       "alpha": 0.85})  # fmt: skip
    ax.text(0, 0, f"Total\n{short_euros(total)}", ha="center", va="center",
            fontsize=BASE_FONT + 1, fontweight="bold")  # fmt: skip
    legend = [f"{_shorten(label, 30)} — {percent(v / total, 1)}"
              for label, v in zip(labels, values, strict=True)]  # fmt: skip
    ax.legend(wedges, legend, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False,
              fontsize=BASE_FONT - 0.5)  # fmt: skip
    ax.set_aspect("equal")
    return figure


def _programme_label(row: ChainRow) -> str:
    return _shorten(f"{row.programme_code} — {row.programme_name}", 40)


def by_programme_stacked(overview: BudgetOverview):
    """One bar per programme of the shown level, split by funder, total at the end."""
    stage = overview.filter.stage
    figure = _figure(7.2, 4.0)
    ax = figure.add_subplot()
    _title(figure, "Financements par programme et financeur", overview)
    chains = [c for c in overview.programmes if c.subtotal.stage_cents(stage)][:TOP]
    if not chains:
        _empty(figure, ax)
        return figure
    y = list(range(len(chains)))[::-1]
    legend, ends = _stacked_by_funder(ax, overview, chains, y, shares=False)
    for yi, end in zip(y, ends, strict=True):
        _end_label(ax, end, yi, short_euros(end))
    ax.set_xlim(0, max(c.subtotal.stage_cents(stage) for c in chains) * 1.2)
    _style_axes(ax)
    _funder_legend(ax, legend)
    return figure


def _stacked_by_funder(ax, overview: BudgetOverview, chains, y, *, shares: bool):
    """One horizontal bar per programme, split by funder in each funder's colour and hatching:
    amounts, or shares of the programme's total (labelled in % when wide enough). Returns the
    legend handles per funder name and where each bar ends."""
    stage = overview.filter.stage
    legend: dict[str, object] = {}
    ends = []
    for yi, chain in zip(y, chains, strict=True):
        total = chain.subtotal.stage_cents(stage)
        left = 0
        for line in chain.lines:
            value = line.stage_cents(stage) / total if shares else line.stage_cents(stage)
            if not value:
                continue
            color, hatch = funder_style(overview.funder(line.funder_code))
            bars = _bar(ax, yi, value, left=left, color=color, hatch=hatch,
                        gid=f"programme:{chain.subtotal.programme_code}")  # fmt: skip
            legend.setdefault(line.funder_name or "", bars[0])
            if shares and value >= 0.09:
                ax.text(left + value / 2, yi, percent(value), ha="center", va="center",
                        fontsize=BASE_FONT - 1.5,
                        bbox={"boxstyle": "round,pad=0.12", "facecolor": "white",
                              "edgecolor": "none", "alpha": 0.85})  # fmt: skip
            left += value
        ends.append(left)
    ax.set_yticks(y, [_programme_label(c.subtotal) for c in chains], fontsize=BASE_FONT - 0.5)
    return legend, ends


def _funder_legend(ax, handles: dict[str, object]) -> None:
    items = list(handles.items())[:12]
    ax.legend(
        [h for _l, h in items],
        [_shorten(label, 30) for label, _h in items],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        fontsize=BASE_FONT - 1,
        title="Financeurs",
        title_fontsize=BASE_FONT - 0.5,
    )


def by_axis(overview: BudgetOverview):
    """Amounts per roadmap axis (a programme serving two axes counts in both)."""
    stage = overview.filter.stage
    figure = _figure(7.2, 3.8)
    ax = figure.add_subplot()
    _title(figure, "Financements par axe de la feuille de route", overview)
    rows = [r for r in overview.axes if r.stage_cents(stage)]
    if not rows:
        _empty(figure, ax)
        return figure
    y = list(range(len(rows)))[::-1]
    for yi, row in zip(y, rows, strict=True):
        value = row.stage_cents(stage)
        gid = f"axis:{row.number}" if row.number is not None else None
        color = "#1f4e9c" if row.number is not None else "#bdbdbd"
        _bar(ax, yi, value, color=color, hatch="" if row.number else "///", gid=gid)
        _end_label(ax, value, yi, short_euros(value))
    labels = [
        _shorten(f"Axe {r.number} — {r.title}" if r.number is not None else r.title, 44)
        for r in rows
    ]
    ax.set_yticks(y, labels, fontsize=BASE_FONT - 0.5)
    ax.set_xlim(0, max(r.stage_cents(stage) for r in rows) * 1.22)
    _style_axes(ax)
    return figure


def by_year(overview: BudgetOverview):
    """Vertical bars per year (first year of the period), stacked by funder."""
    stage = overview.filter.stage
    figure = _figure(7.2, 3.6)
    ax = figure.add_subplot()
    _title(figure, "Financements par année", overview)
    rows = [r for r in overview.years if r.stage_cents(stage)]
    if not rows:
        _empty(figure, ax)
        return figure
    years = sorted({r.year for r in rows}, key=lambda y: (y is None, y or 0))
    labels = ["Sans année" if y is None else str(y) for y in years]
    x = {year: i for i, year in enumerate(years)}
    bottoms = [0] * len(years)
    order = [f.funder_code for f in _top_funders(overview)]
    legend: dict[str, object] = {}
    for code in order:
        funder = overview.funder(code)
        color, hatch = funder_style(funder)
        for row in (r for r in rows if r.funder_code == code):
            i = x[row.year]
            value = row.stage_cents(stage)
            bars = ax.bar(i, value, bottom=bottoms[i], color=color, hatch=hatch, width=0.62,
                          edgecolor="#333333", linewidth=0.4)  # fmt: skip
            bars[0].set_picker(True)
            if row.year is not None:
                bars[0].set_gid(f"year:{row.year}")
            legend.setdefault(funder.name if funder else code, bars[0])
            bottoms[i] += value
    for i, total in enumerate(bottoms):
        ax.text(i, total, short_euros(total), ha="center", va="bottom", fontsize=BASE_FONT - 0.5)
    ax.set_xticks(range(len(years)), labels, fontsize=BASE_FONT - 0.5)
    ax.set_ylim(0, max(bottoms) * 1.15)
    _style_axes(ax, value_axis="y")
    _funder_legend(ax, legend)
    return figure


def chain_per_programme(overview: BudgetOverview):
    """Prévu, engagé and versé side by side per programme, with the commitment rate."""
    figure = _figure(7.2, 4.2)
    ax = figure.add_subplot()
    figure.suptitle("Prévu, engagé et versé par programme", fontsize=BASE_FONT + 2,
                    fontweight="bold", x=0.01, ha="left")  # fmt: skip
    chains = [c for c in overview.programmes if c.subtotal.planned_cents][:TOP]
    if not chains:
        _empty(figure, ax)
        return figure
    height = 0.26
    y = list(range(len(chains)))[::-1]
    handles = {}
    peak = max(max(c.subtotal.planned_cents, c.subtotal.committed_cents) for c in chains)
    for yi, chain in zip(y, chains, strict=True):
        row = chain.subtotal
        for offset, stage in zip((height, 0, -height), ("planned", "committed", "paid"),
                                 strict=True):  # fmt: skip
            value = row.stage_cents(stage)
            color, hatch = STAGE_STYLES[stage]
            bars = _bar(ax, yi + offset, value, color=color, hatch=hatch, height=height,
                        gid=f"programme:{row.programme_code}")  # fmt: skip
            handles.setdefault(STAGES[stage], bars[0])
            if not value:
                continue
            text = short_euros(value)
            if stage == "committed" and row.commitment_rate is not None:
                text += f" ({percent(row.commitment_rate)})"
            if stage == "paid" and row.payment_rate is not None:
                text += f" ({percent(row.payment_rate)} de l'engagé)"
            _end_label(ax, value, yi + offset, text, BASE_FONT - 1.5)
    ax.set_yticks(y, [_programme_label(c.subtotal) for c in chains], fontsize=BASE_FONT - 0.5)
    ax.set_xlim(0, peak * 1.45)
    _style_axes(ax)
    ax.legend(list(handles.values()), list(handles), loc="lower right", frameon=True,
              fontsize=BASE_FONT - 1)  # fmt: skip
    return figure


def cofinancing(overview: BudgetOverview):
    """Each programme's funding split by funder, in % of its total (100 % bars)."""
    stage = overview.filter.stage
    figure = _figure(7.2, 4.0)
    ax = figure.add_subplot()
    _title(figure, "Taux de cofinancement par programme", overview)
    chains = [c for c in overview.programmes if c.subtotal.stage_cents(stage)][:TOP]
    if not chains:
        _empty(figure, ax)
        return figure
    y = list(range(len(chains)))[::-1]
    legend, _ends = _stacked_by_funder(ax, overview, chains, y, shares=True)
    ax.set_xlim(0, 1)
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: percent(v)))
    ax.tick_params(labelsize=BASE_FONT - 0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _funder_legend(ax, legend)
    return figure


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
