"""The échéancier: milestones not done yet across programmes, overdue first, by lead unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from desktop.models import Milestone, Programme, Unit
from desktop.services.common.history import current_batch
from desktop.services.common.vocabulary import DATE_PRECISIONS
from desktop.services.programmes.drafts import ProgrammeConflictError
from desktop.services.programmes.tree import unit_subtree


@dataclass(frozen=True)
class ScheduleRow:
    id: int
    version: int
    due_on: date
    precision: str
    title: str
    done: bool
    note: str | None
    programme_id: int
    programme_code: str
    programme_name: str
    lead_unit: str | None
    days: int  # due_on - today: negative when overdue

    @property
    def is_overdue(self) -> bool:
        return not self.done and self.days < 0

    @property
    def due_label(self) -> str:
        """The date as precise as it is known: 31/03/2024, mars 2024, 2024."""
        if self.precision == "annee":
            return str(self.due_on.year)
        if self.precision == "mois":
            return f"{MONTHS[self.due_on.month - 1]} {self.due_on.year}"
        return self.due_on.strftime("%d/%m/%Y")

    @property
    def state_label(self) -> str:
        if self.done:
            return "Fait"
        if self.days < 0:
            return f"En retard de {-self.days} j"
        if self.days == 0:
            return "Aujourd'hui"
        return f"Dans {self.days} j"

    @property
    def precision_label(self) -> str:
        return DATE_PRECISIONS.get(self.precision, self.precision)


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")  # fmt: skip


class ScheduleService:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def milestones(
        self,
        *,
        unit_id: int | None = None,
        horizon_days: int | None = 90,
        overdue: bool = True,
        today: date | None = None,
        limit: int | None = None,
    ) -> list[ScheduleRow]:
        """Milestones not done: overdue ones (if asked) and those due within the horizon
        (None: all to come), soonest first; of the unit's programmes and its sub-units'."""
        today = today or date.today()
        query = (
            select(
                Milestone.id,
                Milestone.version,
                Milestone.due_on,
                Milestone.precision,
                Milestone.title,
                Milestone.done,
                Milestone.note,
                Programme.id,
                Programme.code,
                Programme.name,
                func.coalesce(Unit.acronym, Unit.name),
            )  # fmt: skip
            .join(Programme, Milestone.programme_id == Programme.id)
            .outerjoin(Unit, Programme.lead_unit_id == Unit.id)
            .where(Milestone.done.is_(False))
            .order_by(Milestone.due_on, Programme.code, Milestone.id)
        )
        if not overdue:
            query = query.where(Milestone.due_on >= today)
        if horizon_days is not None:
            query = query.where(Milestone.due_on <= today + timedelta(days=horizon_days))
        if unit_id is not None:
            query = query.where(Programme.lead_unit_id.in_(select(unit_subtree(unit_id).c.id)))
        if limit is not None:
            query = query.limit(limit)
        with self._sessions() as s:
            rows = s.execute(query).all()
        return [ScheduleRow(*r[:5], bool(r[5]), *r[6:], (r[2] - today).days) for r in rows]

    def set_done(self, milestone_id: int, version: int, done: bool = True) -> str:
        """Mark a milestone done (or not); returns the history batch for undo."""
        try:
            with self._sessions.begin() as s:
                milestone = s.get(Milestone, milestone_id)
                if milestone is None or milestone.version != version:
                    raise ProgrammeConflictError(
                        "Ce jalon a été modifié ou supprimé entre-temps ; actualisez (F5)."
                    )
                milestone.done = done
                s.flush()
                return current_batch(s)
        except StaleDataError as exc:
            raise ProgrammeConflictError(
                "Ce jalon a été modifié entre-temps ; actualisez (F5)."
            ) from exc
