"""Directory use cases: the organisation tree and the posts people hold in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, sessionmaker

from desktop.models import Person, Position, Site, Unit
from desktop.services.vocabulary import POSITION_ROLES, UNIT_KINDS


@dataclass(frozen=True)
class UnitRow:
    id: int
    parent_id: int | None
    code: str
    acronym: str | None
    name: str
    kind: str
    site: str | None
    created_on: date | None

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)

    @property
    def display_name(self) -> str:
        return f"{self.acronym} — {self.name}" if self.acronym else self.name


@dataclass(frozen=True)
class PositionRow:
    id: int
    unit_id: int
    unit_label: str
    last_name: str | None
    first_name: str | None
    title: str
    role: str
    is_interim: bool
    email: str | None
    phone: str | None

    @property
    def is_vacant(self) -> bool:
        return self.last_name is None

    @property
    def person_label(self) -> str:
        return "Poste vacant" if self.is_vacant else f"{self.last_name} {self.first_name}"

    @property
    def role_label(self) -> str:
        label = POSITION_ROLES.get(self.role, self.role)
        return f"{label} (intérim)" if self.is_interim else label


class DirectoryService:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def units(self) -> list[UnitRow]:
        """Every unit, parents' order kept by sort order then name."""
        with self._sessions() as session:
            rows = session.execute(
                select(
                    Unit.id,
                    Unit.parent_id,
                    Unit.code,
                    Unit.acronym,
                    Unit.name,
                    Unit.kind,
                    Site.name,
                    Unit.created_on,
                )  # fmt: skip
                .outerjoin(Site, Unit.site_id == Site.id)
                .order_by(Unit.sort_order, Unit.name)
            ).all()
        return [UnitRow(*row) for row in rows]

    def positions(
        self, unit_ids: set[int] | None = None, *, today: date | None = None
    ) -> list[PositionRow]:
        """Current posts (not ended before today), heads first, of the given units or all."""
        today = today or date.today()
        unit = aliased(Unit)
        query = (
            select(
                Position.id,
                Position.unit_id,
                unit.acronym,
                unit.name,
                Person.last_name,
                Person.first_name,
                Position.title,
                Position.role,
                Position.is_interim,
                Person.email,
                Person.phone,
            )  # fmt: skip
            .join(unit, Position.unit_id == unit.id)
            .outerjoin(Person, Position.person_id == Person.id)
            .where(or_(Position.end_on.is_(None), Position.end_on >= today))
            .order_by(unit.sort_order, unit.name, Position.sort_order, Position.id)
        )
        if unit_ids is not None:
            query = query.where(Position.unit_id.in_(unit_ids))
        with self._sessions() as session:
            rows = session.execute(query).all()
        return [
            PositionRow(r[0], r[1], r[2] or r[3], r[4], r[5], r[6], r[7], bool(r[8]), r[9], r[10])
            for r in rows
        ]

    @staticmethod
    def subtree_ids(units: list[UnitRow], root_id: int) -> set[int]:
        """The unit and every unit below it."""
        children: dict[int | None, list[int]] = {}
        for row in units:
            children.setdefault(row.parent_id, []).append(row.id)
        found, stack = set(), [root_id]
        while stack:
            node = stack.pop()
            if node not in found:
                found.add(node)
                stack.extend(children.get(node, []))
        return found
