"""The look shared by every printed and on-screen chart: series styles, vector hatching, round money
axes in French, wrapped labels and legends placed outside the plot.

matplotlib is imported inside the functions: the application starts without it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from desktop.services.common.formatting import format_percent, tick_label

BASE_FONT = 8
# Two sets of ten hues; in each, grey levels (0.299 R + 0.587 G + 0.114 B) are 0.08 apart,
# from 0.18 to 0.90, neighbours far apart. The second set is always hatched, so two series
# never share a grey level and a hatching on a black-and-white print.
PALETTE = (
    "#163258", "#cf873e", "#1f7e1f", "#b0ddeb", "#8c2323", "#d6c25d", "#9e3ecf", "#2aa793",
    "#e189b5", "#dbf1c6",
    "#2e2171", "#d27e62", "#22744b", "#a5e5e0", "#7d2442", "#c3ce55", "#b835b8", "#3996c4",
    "#d89979", "#d6f1d0",
)  # fmt: skip
# Series 0-9 plain, 10-19 the second hues with « /// », then each ten another hatching. Line
# hatches only, drawn as vector lines by _Hatch (a matplotlib hatch becomes an SVG <pattern>,
# which Qt paints as a JPEG tile per use and per page: 6 MB for the synthesis at 300 dpi,
# 34 MB at 1 200 dpi from the print preview).
HATCHES = ("", "///", "\\\\\\", "xxx", "---", "|||")
OTHERS_STYLE = ("#e4e4e4", "+++")  # « Autres »: the one cross of verticals and horizontals
STYLE_COUNT = 10 * len(HATCHES)
STAGE_STYLES = {  # prévu pale, engagé mid and hatched, versé dark: legible without colour
    "planned": ("#c6d5ec", ""),
    "committed": ("#6f93c9", "///"),
    "paid": ("#1f3f7a", ""),
}
_ANGLES = {"/": (45,), "\\": (135,), "x": (45, 135), "-": (0,), "|": (90,), "+": (0, 90)}
HATCH_SPACING_PT = 3.5
LABEL_WIDTH = 30  # characters per line of a category label, wrapped on word boundaries


def grey(colour: str) -> float:
    """The grey level a black-and-white printer gives a colour (0 black, 1 white)."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return 0.299 * r + 0.587 * g + 0.114 * b


def style_at(index: int) -> tuple[str, str]:
    """(colour, hatch) of the index-th series of the fixed order; repeats after STYLE_COUNT."""
    index %= STYLE_COUNT
    return PALETTE[index % 20], HATCHES[index // 10]


def distinct(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Two styles a reader tells apart in colour and on a greyscale print."""
    if a[1] != b[1]:
        return True
    return a[0].lower() != b[0].lower() and abs(grey(a[0]) - grey(b[0])) >= 0.06


def wrap(text: str, width: int = LABEL_WIDTH) -> str:
    """Lines of at most width characters, cut between words only (a long word stays whole)."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False))


def line_count(text: str, width: int = LABEL_WIDTH) -> int:
    return max(1, wrap(text, width).count("\n") + 1)


@dataclass(frozen=True)
class Series:
    """One legend entry: what a reader looks for in the chart."""

    key: str  # funder code, stage, or "others"
    label: str
    cents: int
    style: tuple[str, str]


def keep_distinct(series: Sequence[Series], limit: int) -> tuple[list[Series], list[Series]]:
    """The largest series (already sorted) that fit in a legend of `limit` entries with pairwise
    distinct styles; the others go to « Autres »."""
    kept: list[Series] = []
    rest: list[Series] = []
    for item in series:
        room = len(kept) < (limit if len(series) <= limit else limit - 1)
        if room and all(distinct(item.style, k.style) for k in kept):
            kept.append(item)
        else:
            rest.append(item)
    return kept, rest


# --- vector hatching ------------------------------------------------------------------------


def _hatch_class():
    from matplotlib.artist import Artist

    class _Hatch(Artist):
        """Hatch lines over one patch, clipped to its outline by computation (Qt's SVG
        renderer ignores clip paths), so every backend gets the same few vector lines."""

        def __init__(self, patch, pattern: str, colour: str) -> None:
            super().__init__()
            self.patch = patch
            self.pattern = pattern
            self.colour = colour
            self.set_zorder(patch.get_zorder() + 0.001)
            self.set_in_layout(False)

        def draw(self, renderer) -> None:
            from matplotlib.path import Path
            from matplotlib.transforms import IdentityTransform

            if not self.patch.get_visible():
                return
            outline = self.patch.get_path().transformed(self.patch.get_transform())
            polygons = outline.to_polygons(closed_only=True)
            spacing = renderer.points_to_pixels(HATCH_SPACING_PT)
            angles = {a for ch in self.pattern for a in _ANGLES.get(ch, ())}
            vertices, codes = [], []
            for angle in sorted(angles):
                for start, end in hatch_segments(polygons, angle, spacing):
                    vertices += [start, end]
                    codes += [Path.MOVETO, Path.LINETO]
            if not vertices:
                return
            gc = renderer.new_gc()
            gc.set_foreground(self.colour)
            gc.set_linewidth(0.45)
            gc.set_antialiased(True)
            renderer.draw_path(gc, Path(vertices, codes), IdentityTransform())
            gc.restore()

    return _Hatch


def hatch_segments(polygons, angle: float, spacing: float) -> list[tuple[tuple, tuple]]:
    """Segments of parallel lines (angle in degrees, spacing in display units, anchored at the
    origin so neighbouring shapes line up) inside the polygons, even-odd rule."""
    theta = math.radians(angle)
    d = (math.cos(theta), math.sin(theta))
    n = (-d[1], d[0])
    edges = []
    for polygon in polygons:
        points = [tuple(p) for p in polygon]
        for p, q in zip(points, points[1:] + points[:1], strict=True):
            if p != q:
                edges.append((p, q))
    if not edges or spacing <= 0:
        return []
    offsets = [p[0] * n[0] + p[1] * n[1] for p, _q in edges]
    first, last = math.ceil(min(offsets) / spacing), math.floor(max(offsets) / spacing)
    segments = []
    for k in range(first, last + 1):
        s = k * spacing
        hits = []
        for p, q in edges:
            sp, sq = p[0] * n[0] + p[1] * n[1], q[0] * n[0] + q[1] * n[1]
            if (sp <= s < sq) or (sq <= s < sp):
                f = (s - sp) / (sq - sp)
                x, y = p[0] + f * (q[0] - p[0]), p[1] + f * (q[1] - p[1])
                hits.append((x * d[0] + y * d[1], (x, y)))
        hits.sort()
        for (_ta, a), (_tb, b) in zip(hits[0::2], hits[1::2], strict=False):
            segments.append((a, b))
    return segments


def vector_hatches(figure) -> None:
    """Replace every matplotlib hatch of the figure (bars, wedges, legend keys) by vector lines;
    the pattern stays readable as `hatch_of(patch)`."""
    from matplotlib.patches import Patch

    hatch = _hatch_class()
    for ax in figure.axes:
        legend = ax.get_legend()
        keys = set(legend.findobj(Patch)) if legend is not None else set()
        for patch in ax.findobj(Patch):
            pattern = patch.get_hatch()
            if not pattern:
                continue
            patch.set_hatch(None)
            patch.pilotis_hatch = pattern
            face = patch.get_facecolor()
            lines = (
                "#ffffff"
                if 0.299 * face[0] + 0.587 * face[1] + 0.114 * face[2] < 0.45
                else ("#333333")
            )
            artist = hatch(patch, pattern, lines)
            if patch in keys:  # drawn with the legend, after its keys, not under them
                artist.set_zorder(legend.get_zorder() + 0.001)
            ax.add_artist(artist)


def hatch_of(patch) -> str:
    return getattr(patch, "pilotis_hatch", None) or patch.get_hatch() or ""


# --- axes -----------------------------------------------------------------------------------


def money_axis(axis) -> None:
    """Round ticks (1, 2, 2,5, 5 × 10ⁿ) labelled in French at exactly the step's precision."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], min_n_ticks=3))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: tick_label(value, _ticks(axis))))


def percent_axis(axis) -> None:
    """0 to 100 % in round steps."""
    from matplotlib.ticker import FixedLocator, FuncFormatter

    axis.set_major_locator(FixedLocator([0, 0.25, 0.5, 0.75, 1]))
    axis.set_major_formatter(FuncFormatter(lambda v, _p: format_percent(v)))


def _ticks(axis) -> list[float]:
    low, high = sorted(axis.get_view_interval())
    span = (high - low) or 1
    return [t for t in axis.get_majorticklocs() if low - span * 1e-9 <= t <= high + span * 1e-9]


def style_axes(ax, *, value_axis: str = "x") -> None:
    money_axis(ax.xaxis if value_axis == "x" else ax.yaxis)
    ax.tick_params(labelsize=BASE_FONT - 0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis=value_axis, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def outside_legend(ax, handles, labels, *, title: str | None = None, place=None):
    """A legend in its own area beside the plot (`place`, an axes with nothing else), so it
    never covers a bar; labels wrapped on word boundaries, never cut."""
    options = {"frameon": False, "fontsize": BASE_FONT - 1, "handlelength": 1.6,
               "handleheight": 1.1, "title": title, "title_fontsize": BASE_FONT - 0.5,
               "alignment": "left", "borderaxespad": 0}  # fmt: skip
    texts = [wrap(label, 32) for label in labels]
    if place is None:
        return ax.legend(handles, texts, loc="upper left", bbox_to_anchor=(1.01, 1.0), **options)
    place.set_axis_off()
    return place.legend(handles, texts, loc="upper left", bbox_to_anchor=(0, 1), **options)
