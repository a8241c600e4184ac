"""Programme use cases: the programme tree and its identity fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from desktop.models import Programme, Unit
from desktop.services.vocabulary import PROGRAMME_FAMILIES, PROGRAMME_KINDS, PROGRAMME_STATUSES


@dataclass(frozen=True)
class ProgrammeRow:
    id: int
    parent_id: int | None
    code: str
    name: str
    family: str
    kind: str
    status: str
    lead_unit: str | None
    start_on: date | None
    end_on: date | None

    @property
    def family_label(self) -> str:
        return PROGRAMME_FAMILIES.get(self.family, self.family)

    @property
    def kind_label(self) -> str:
        return PROGRAMME_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return PROGRAMME_STATUSES.get(self.status, self.status)


class ProgrammeService:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def programmes(self) -> list[ProgrammeRow]:
        with self._sessions() as session:
            rows = session.execute(
                select(
                    Programme.id,
                    Programme.parent_id,
                    Programme.code,
                    Programme.name,
                    Programme.family,
                    Programme.kind,
                    Programme.status,
                    Unit.acronym,
                    Programme.start_on,
                    Programme.end_on,
                )  # fmt: skip
                .outerjoin(Unit, Programme.lead_unit_id == Unit.id)
                .order_by(Programme.sort_order, Programme.code)
            ).all()
        return [ProgrammeRow(*row) for row in rows]
