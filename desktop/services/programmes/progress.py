"""Progress of an indicator towards its target, and of a programme as the mean of its
indicators: the one rule shared by the editor, the roadmap and the printed sheet."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    period: str  # the period measured (latest with both a target and an actual)
    baseline: float | None
    target: float
    actual: float
    ratio: float  # 1.0 = target reached; may exceed 1 or be negative

    @property
    def percent(self) -> int:
        return round(self.ratio * 100)


def period_key(period: str) -> tuple[int, int]:
    """Order "2022", "2022-2023", "2023": a school year sorts after the year it starts."""
    return (int(period[:4]), 1 if len(period) > 4 else 0)


def indicator_progress(values: Iterable[tuple[str, str, float]]) -> Progress | None:
    """From (period, kind, value) rows: actual of the latest period that has a target and an
    actual, measured from the earliest baseline when there is one (else from zero)."""
    table: dict[str, dict[str, float]] = {}
    for period, kind, value in values:
        table.setdefault(period, {})[kind] = value
    measured = [p for p in table if "target" in table[p] and "actual" in table[p]]
    if not measured:
        return None
    period = max(measured, key=period_key)
    baselines = sorted((p for p in table if "baseline" in table[p]), key=period_key)
    baseline = table[baselines[0]]["baseline"] if baselines else None
    target, actual = table[period]["target"], table[period]["actual"]
    start = baseline if baseline is not None and baseline != target else 0.0
    if target == start:
        return None
    return Progress(period, baseline, target, actual, (actual - start) / (target - start))


def mean_ratio(progresses: Iterable[Progress | None]) -> float | None:
    ratios = [p.ratio for p in progresses if p is not None]
    return sum(ratios) / len(ratios) if ratios else None
