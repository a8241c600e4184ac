"""The programme sheet's funding chart and the indicator trend: French, round and complete."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.reports.chart_style import STAGE_STYLES, hatch_of
from desktop.reports.programmes.charts import indicator_trend, stages_by_funder
from desktop.services.common.formatting import parse_french_number
from desktop.services.programmes.progress import period_key


@dataclass(frozen=True)
class Funding:
    funder: str
    planned_cents: int
    committed_cents: int
    paid_cents: int


def _ticks(axis) -> list[tuple[float, str]]:
    low, high = sorted(axis.get_view_interval())
    return [(t.get_loc(), t.label1.get_text()) for t in axis.get_major_ticks()
            if low - 1e-9 <= t.get_loc() <= high + 1e-9]  # fmt: skip


def test_the_indicator_trend_reads_in_french_decimals():
    """A trend from 10 to 11 labels its axis with decimal commas (« 10,5 », never « 10.5 »),
    each label the exact value of its tick."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5, 1.8))
    FigureCanvasAgg(figure)
    values = [("2021-2022", "actual", 10.0), ("2022-2023", "actual", 10.5),
              ("2022-2023", "target", 11.0)]  # fmt: skip
    indicator_trend(figure, values, "élèves", period_key)
    figure.draw_without_rendering()
    ticks = _ticks(figure.axes[0].yaxis)
    assert len(ticks) >= 3
    for value, text in ticks:
        assert "." not in text, text
        assert parse_french_number(text) == value
    assert any("," in text for _v, text in ticks)


def test_the_sheet_chart_has_every_stage_in_its_legend_and_round_euro_ticks():
    """Prévu, engagé and versé each have their legend entry and style; the axis reads 0 /
    0,5 M€ / 1 M€ … exactly; long funder names wrap instead of being cut."""
    rows = [Funding("France 2030 — AMI CMA", 1_925_151_00, 0, 0),
            Funding("Région Occitanie", 369_829_00, 200_000_00, 100_000_00),
            Funding("Fonds pour le développement de la vie associative (FDVA) et autres "
                    "crédits", 350_000_00, 0, 0)]  # fmt: skip
    figure = stages_by_funder(rows)
    figure.draw_without_rendering()
    legend = next(ax.get_legend() for ax in figure.axes if ax.get_legend() is not None)
    assert [t.get_text() for t in legend.get_texts()] == ["Prévu", "Engagé", "Versé"]
    styles = {(s.style[0], s.style[1]) for s in figure.pilotis_series}
    assert styles == {STAGE_STYLES[s] for s in ("planned", "committed", "paid")}
    drawn = {hatch_of(p) for p in figure.axes[0].patches}
    assert drawn == {"", "///"}
    value_axis = figure.axes[0].xaxis
    for value, text in _ticks(value_axis):
        assert parse_french_number(text) * 100 == value, text
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert any("\n" in label for label in labels)
    assert all("…" not in label for label in labels)
    assert stages_by_funder([Funding("Rien", 0, 0, 0)]) is None
    grouped = stages_by_funder(rows, limit=2)  # as the table: the smallest summed, counted
    names = [t.get_text().replace("\n", " ") for t in grouped.axes[0].get_yticklabels()]
    assert names == ["Autres financeurs (2)", "France 2030 — AMI CMA"]
    assert grouped.axes[0].patches[0].get_width() == 369_829_00 + 350_000_00
