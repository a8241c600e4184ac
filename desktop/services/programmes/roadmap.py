"""The regional roadmap 2021-2023: strategic lines, axes and their actions, with the programmes
that serve each axis, their status and how far their indicators have got."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from desktop.models import (
    Axis,
    Indicator,
    IndicatorValue,
    Programme,
    StrategicLine,
    Unit,
    programme_axis,
)
from desktop.services.common.vocabulary import PROGRAMME_STATUSES
from desktop.services.programmes.progress import indicator_progress, mean_ratio


@dataclass(frozen=True)
class AxisRow:
    id: int
    number: int
    line_number: int
    line_title: str
    title: str
    action: str | None
    is_priority: bool
    programme_count: int
    running_count: int  # programmes "en cours"


@dataclass(frozen=True)
class RoadmapProgrammeRow:
    id: int
    code: str
    name: str
    status: str
    lead_unit: str | None
    progress: float | None  # mean ratio of its indicators (1.0 = targets reached)
    indicator_count: int

    @property
    def status_label(self) -> str:
        return PROGRAMME_STATUSES.get(self.status, self.status)


class RoadmapService:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def axes(self) -> list[AxisRow]:
        """Every axis in number order with its line and how many programmes serve it."""
        linked = (
            select(func.count(programme_axis.c.programme_id))
            .where(programme_axis.c.axis_id == Axis.id)
            .scalar_subquery()
        )
        running = (
            select(func.count(programme_axis.c.programme_id))
            .join(Programme, Programme.id == programme_axis.c.programme_id)
            .where(programme_axis.c.axis_id == Axis.id, Programme.status == "en_cours")
            .scalar_subquery()
        )
        with self._sessions() as s:
            rows = s.execute(
                select(
                    Axis.id,
                    Axis.number,
                    StrategicLine.number,
                    StrategicLine.title,
                    Axis.title,
                    Axis.action,
                    Axis.is_priority,
                    linked,
                    running,
                )  # fmt: skip
                .join(StrategicLine, Axis.line_id == StrategicLine.id)
                .order_by(StrategicLine.number, Axis.number)
            ).all()
        return [AxisRow(*r[:6], bool(r[6]), int(r[7] or 0), int(r[8] or 0)) for r in rows]

    def programmes(self, axis_id: int) -> list[RoadmapProgrammeRow]:
        """The programmes linked to an axis, with their indicator progress (two queries)."""
        with self._sessions() as s:
            programmes = s.execute(
                select(
                    Programme.id,
                    Programme.code,
                    Programme.name,
                    Programme.status,
                    func.coalesce(Unit.acronym, Unit.name),
                )  # fmt: skip
                .join(programme_axis, programme_axis.c.programme_id == Programme.id)
                .outerjoin(Unit, Programme.lead_unit_id == Unit.id)
                .where(programme_axis.c.axis_id == axis_id)
                .order_by(Programme.code)
            ).all()
            values = s.execute(
                select(
                    Indicator.programme_id,
                    Indicator.id,
                    IndicatorValue.period,
                    IndicatorValue.kind,
                    IndicatorValue.value,
                )  # fmt: skip
                .join(IndicatorValue, IndicatorValue.indicator_id == Indicator.id)
                .join(programme_axis, programme_axis.c.programme_id == Indicator.programme_id)
                .where(programme_axis.c.axis_id == axis_id)
            ).all()
        by_programme: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
        for programme_id, indicator_id, period, kind, value in values:
            by_programme[programme_id][indicator_id].append((period, kind, value))
        rows = []
        for pid, code, name, status, lead in programmes:
            indicators = by_programme.get(pid, {})
            progress = mean_ratio(indicator_progress(v) for v in indicators.values())
            rows.append(RoadmapProgrammeRow(pid, code, name, status, lead, progress,
                                            len(indicators)))  # fmt: skip
        return rows
