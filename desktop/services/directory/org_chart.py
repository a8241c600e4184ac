"""The organisation chart's data: a unit's subtree with heads, deputies and site managers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from desktop.errors import PilotisError
from desktop.models import Person, Position, Unit
from desktop.services.directory.search import subtree_cte

# The posts a chart box names, in this order; other posts only count when vacant.
CHART_ROLES = ("head", "deputy", "site_manager")


@dataclass(frozen=True)
class ChartPost:
    """A post named in a chart box; holder None means the post is vacant."""

    role: str
    holder: str | None  # « Prénom NOM »
    is_interim: bool = False

    @property
    def is_vacant(self) -> bool:
        return self.holder is None


@dataclass(frozen=True)
class ChartUnit:
    """One box of the chart: the unit, its named posts and how many other posts are vacant."""

    id: int
    parent_id: int | None
    acronym: str | None
    name: str
    kind: str
    posts: tuple[ChartPost, ...] = ()
    other_vacant: int = 0

    @property
    def label(self) -> str:
        return self.acronym or self.name

    @property
    def head_vacant(self) -> bool:
        """Every head post of the unit is vacant (a unit without head posts is not)."""
        heads = [p for p in self.posts if p.role == "head"]
        return bool(heads) and all(p.is_vacant for p in heads)


class UnknownChartUnitError(PilotisError):
    """The unit asked for does not exist (deleted meanwhile, or a mistyped acronym)."""


class OrgChartQueries:
    """The organisation chart's queries (DirectoryService.charts)."""

    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def chart_units(self, root_id: int | None = None, *, today: date | None = None):
        """The unit and everything below it (every root when None), siblings in tree order,
        each with its current heads, deputies and site managers: three queries in all."""
        today = today or date.today()
        current = or_(Position.end_on.is_(None), Position.end_on >= today)
        with self._sessions.begin() as session:
            units = self._chart_unit_rows(session, root_id)
            if root_id is not None and not units:
                raise UnknownChartUnitError("Ce service n'existe plus (supprimé entre-temps).")
            inside = self._inside(root_id)
            rank = case({r: i for i, r in enumerate(CHART_ROLES)}, value=Position.role)
            posts = session.execute(
                select(
                    Position.unit_id,
                    Position.role,
                    Person.first_name,
                    Person.last_name,
                    Position.is_interim,
                    Position.person_id,
                )
                .outerjoin(Person, Position.person_id == Person.id)
                .where(Position.role.in_(CHART_ROLES), current, *inside)
                .order_by(Position.unit_id, rank, Position.sort_order, Position.id)
            ).all()
            vacant = session.execute(
                select(Position.unit_id, func.count())
                .where(
                    Position.person_id.is_(None),
                    Position.role.not_in(CHART_ROLES),
                    current,
                    *inside,
                )
                .group_by(Position.unit_id)
            ).all()
        named: dict[int, list[ChartPost]] = {}
        for unit_id, role, first, last, interim, person_id in posts:
            holder = f"{first} {last}".strip() if person_id is not None else None
            named.setdefault(unit_id, []).append(ChartPost(role, holder, bool(interim)))
        others = dict(vacant)
        return [
            ChartUnit(
                uid, parent, acronym, name, kind, tuple(named.get(uid, ())), others.get(uid, 0)
            )
            for uid, parent, acronym, name, kind in units
        ]

    @staticmethod
    def _inside(root_id: int | None) -> list:
        if root_id is None:
            return []
        return [Position.unit_id.in_(select(subtree_cte(root_id).c.id))]

    @staticmethod
    def _chart_unit_rows(session: Session, root_id: int | None) -> list:
        query = select(Unit.id, Unit.parent_id, Unit.acronym, Unit.name, Unit.kind).order_by(
            Unit.sort_order, Unit.name, Unit.id
        )
        if root_id is not None:
            query = query.where(Unit.id.in_(select(subtree_cte(root_id).c.id)))
        rows = [tuple(r) for r in session.execute(query).all()]
        if root_id is not None:
            # The root's own parent lies outside the chart: it is drawn as a root.
            rows = [(r[0], None, *r[2:]) if r[0] == root_id else r for r in rows]
        return rows
