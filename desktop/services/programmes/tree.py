"""The programme tree, and its list filtered, searched and sorted in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from desktop.models import (
    Axis,
    Department,
    Milestone,
    Programme,
    Unit,
    programme_axis,
    programme_department,
)
from desktop.services.common.parsing import ParseError, fold, parse_period
from desktop.services.common.trees import ancestors, descendants
from desktop.services.common.vocabulary import (
    PROGRAMME_FAMILIES,
    PROGRAMME_STATUSES,
    ProgrammeLabels,
)
from desktop.services.programmes.search import (
    folded,
    folded_name,
    programme_matches,
    programme_words,
)

PAGE_SIZE = 200
SORT_KEYS = ("name", "code", "family", "kind", "status", "lead", "start", "end", "overdue")


@dataclass(frozen=True)
class ProgrammeRow(ProgrammeLabels):
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


@dataclass(frozen=True)
class ProgrammeListRow(ProgrammeRow):
    """A row of the list: the identity plus what a project officer scans for."""

    child_count: int = 0
    overdue_count: int = 0
    parent_code: str | None = None
    path: tuple[str, ...] = ()  # the names above it, root first: filled for search results


@dataclass(frozen=True)
class ProgrammeFilter:
    """What the user asked for; empty fields do not filter."""

    text: str = ""
    family: str | None = None
    status: str | None = None
    lead_unit_id: int | None = None  # the unit and every unit below it
    axis_number: int | None = None
    department_code: str | None = None
    period: str | None = None  # "2023" or "2022-2023": programmes running during it

    @property
    def is_empty(self) -> bool:
        return self == ProgrammeFilter(text=self.text) and not self.text.strip()

    @property
    def is_active(self) -> bool:
        """True when the list must show matches at any depth rather than the tree."""
        return not self.is_empty


@dataclass(frozen=True)
class Choice:
    """An entry of a filter list: the stored key and its French label."""

    key: object
    label: str


@dataclass(frozen=True)
class FilterOptions:
    families: list[Choice] = field(default_factory=list)
    statuses: list[Choice] = field(default_factory=list)
    units: list[Choice] = field(default_factory=list)
    axes: list[Choice] = field(default_factory=list)
    departments: list[Choice] = field(default_factory=list)
    periods: list[Choice] = field(default_factory=list)


def french_order(choices) -> list[Choice]:
    """Choices in French alphabetical order of their label, accents and case ignored."""
    return sorted(choices, key=lambda choice: fold(choice.label))


def period_bounds(period: str) -> tuple[date, date]:
    """A civil year runs January to December; a school year September to August."""
    period = parse_period(period)
    if len(period) == 4:
        year = int(period)
        return date(year, 1, 1), date(year, 12, 31)
    first = int(period[:4])
    return date(first, 9, 1), date(first + 1, 8, 31)


def unit_subtree(unit_id: int):
    """A recursive CTE of the unit's id and the ids of every unit below it."""
    return descendants(Unit, Unit.id == unit_id, name="unit_subtree")


class ProgrammeQueries:
    """The tree and list queries, which the sheets also use for a batch."""

    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def programmes(self) -> list[ProgrammeRow]:
        """Every programme, siblings in their sort order (small databases, reports)."""
        with self._sessions() as session:
            rows = session.execute(
                select(*_row_columns())
                .outerjoin(Unit, Programme.lead_unit_id == Unit.id)
                .order_by(Programme.sort_order, Programme.code)
            ).all()
        return [ProgrammeRow(*row) for row in rows]

    # --- the list -----------------------------------------------------------------------------

    def children(
        self,
        parent_id: int | None,
        *,
        sort: str = "name",
        descending: bool = False,
        offset: int = 0,
        limit: int = PAGE_SIZE,
        today: date | None = None,
    ) -> list[ProgrammeListRow]:
        """One page of the programmes directly under parent_id (roots when None)."""
        today = today or date.today()
        with self._sessions() as session:
            parent = (
                Programme.parent_id.is_(None)
                if parent_id is None
                else Programme.parent_id == parent_id
            )
            ids = self._sorted(session, _ids().where(parent), today, sort, descending, True)
            return self._details(session, ids.offset(offset).limit(limit), today)

    def child_count(self, parent_id: int | None) -> int:
        with self._sessions() as session:
            parent = (
                Programme.parent_id.is_(None)
                if parent_id is None
                else Programme.parent_id == parent_id
            )
            return int(session.scalar(select(func.count(Programme.id)).where(parent)))

    def search(
        self,
        criteria: ProgrammeFilter,
        *,
        sort: str = "name",
        descending: bool = False,
        offset: int = 0,
        limit: int | None = PAGE_SIZE,
        today: date | None = None,
    ) -> list[ProgrammeListRow]:
        """One page of the programmes matching the filter, at any depth of the tree."""
        today = today or date.today()
        with self._sessions() as session:
            ids = self._filtered(session, _ids(), criteria)
            ids = self._sorted(session, ids, today, sort, descending).offset(offset)
            rows = self._details(session, ids if limit is None else ids.limit(limit), today)
            return self._with_paths(session, rows)

    def count(self, criteria: ProgrammeFilter) -> int:
        with self._sessions() as session:
            query = select(func.count()).select_from(
                self._filtered(session, _ids(), criteria).subquery()
            )
            return int(session.scalar(query))

    def ancestors(self, code: str) -> list[int] | None:
        """Ids from the root down to the programme with this code; None if it does not exist."""
        with self._sessions() as session:
            found = session.execute(
                select(Programme.id, Programme.parent_id).where(Programme.code == code)
            ).first()
            if found is None:
                return None
            chain = [found.id]
            parent = found.parent_id
            while parent is not None and parent not in chain:  # a cycle would loop forever
                chain.insert(0, parent)
                parent = session.scalar(select(Programme.parent_id).where(Programme.id == parent))
            return chain

    def filter_options(self) -> FilterOptions:
        """The choices of the filter lists, from what the database holds."""
        with self._sessions() as session:
            leading = select(Programme.lead_unit_id).where(Programme.lead_unit_id.is_not(None))
            # Units that lead a programme, and the units above them (filtering on a pôle
            # includes its services).
            tree = ancestors(Unit, Unit.id.in_(leading), name="leading_units")
            units = session.execute(
                select(Unit.id, Unit.acronym, Unit.name)
                .where(Unit.id.in_(select(tree.c.id)))
                .order_by(func.coalesce(Unit.acronym, Unit.name))
            ).all()
            axes = session.execute(select(Axis.number, Axis.title).order_by(Axis.number)).all()
            departments = session.execute(
                select(Department.code, Department.name).order_by(Department.code)
            ).all()
            first, last = session.execute(
                select(
                    func.min(func.coalesce(Programme.start_on, Programme.end_on)),
                    func.max(func.coalesce(Programme.end_on, Programme.start_on)),
                )
            ).one()
        periods: list[Choice] = []
        if first is not None and last is not None:
            for year in range(max(first.year, last.year - 30), last.year + 1):
                periods.append(Choice(str(year), str(year)))
                if year < last.year:
                    school = f"{year}-{year + 1}"
                    periods.append(Choice(school, f"année scolaire {school}"))
        return FilterOptions(
            families=[Choice(k, v) for k, v in PROGRAMME_FAMILIES.items()],
            statuses=[Choice(k, v) for k, v in PROGRAMME_STATUSES.items()],
            units=french_order(Choice(i, f"{a} — {n}" if a else n) for i, a, n in units),
            axes=[Choice(n, f"Axe {n} — {t}") for n, t in axes],
            departments=[Choice(c, f"{c} — {n}") for c, n in departments],
            periods=periods,
        )

    # --- query building -----------------------------------------------------------------------

    @staticmethod
    def _details(session: Session, ids_query, today: date) -> list[ProgrammeListRow]:
        """The displayed columns of one page, fetched for its ids only: computing the counts
        for every match before sorting cost more than the search itself at 10 000 rows."""
        ids = session.scalars(ids_query).all()
        if not ids:
            return []
        child = aliased(Programme)
        parent = aliased(Programme)
        children = (
            select(func.count(child.id)).where(child.parent_id == Programme.id).scalar_subquery()
        )
        query = (
            select(
                *_row_columns(),
                children,
                _overdue(today),
                parent.code,
            )  # fmt: skip
            .outerjoin(Unit, Programme.lead_unit_id == Unit.id)
            .outerjoin(parent, Programme.parent_id == parent.id)
            .where(Programme.id.in_(ids))
        )
        found = {
            row[0]: ProgrammeListRow(*row[:10], int(row[10] or 0), int(row[11] or 0), row[12])
            for row in session.execute(query)
        }
        return [found[i] for i in ids if i in found]

    @staticmethod
    def _with_paths(session: Session, rows: list[ProgrammeListRow]) -> list[ProgrammeListRow]:
        """Each row with the names above it (France 2030 › AMI-CMA), for a page in one query:
        a flat list of matches must say where each one sits in the tree."""
        parents = {row.parent_id for row in rows if row.parent_id is not None}
        if not parents:
            return rows
        above = ancestors(Programme, Programme.id.in_(parents), name="result_paths")
        nodes = {
            node.id: (node.parent_id, node.name)
            for node in session.execute(
                select(above.c.id, above.c.parent_id, Programme.name).join(
                    Programme, Programme.id == above.c.id
                )
            )
        }
        paths = []
        for row in rows:
            names: list[str] = []
            seen: set[int] = set()
            node = row.parent_id
            while node in nodes and node not in seen:  # a cycle would loop forever
                seen.add(node)
                node, name = nodes[node]
                names.insert(0, name)
            paths.append(replace(row, path=tuple(names)))
        return paths

    def _filtered(self, session: Session, query, criteria: ProgrammeFilter):
        if criteria.family:
            query = query.where(Programme.family == criteria.family)
        if criteria.status:
            query = query.where(Programme.status == criteria.status)
        if criteria.lead_unit_id is not None:
            subtree = unit_subtree(criteria.lead_unit_id)
            query = query.where(Programme.lead_unit_id.in_(select(subtree.c.id)))
        if criteria.axis_number is not None:
            query = query.where(
                exists()
                .where(programme_axis.c.programme_id == Programme.id)
                .where(programme_axis.c.axis_id == Axis.id)
                .where(Axis.number == criteria.axis_number)
            )
        if criteria.department_code:
            query = query.where(
                exists()
                .where(programme_department.c.programme_id == Programme.id)
                .where(programme_department.c.department_id == Department.id)
                .where(Department.code == criteria.department_code)
            )
        if criteria.period:
            try:
                low, high = period_bounds(criteria.period)
            except ParseError:
                low = high = None
            if low is not None:
                query = query.where(
                    or_(Programme.start_on.is_(None), Programme.start_on <= high),
                    or_(Programme.end_on.is_(None), Programme.end_on >= low),
                )
        words = programme_words(criteria.text)
        if words:
            query = query.where(and_(*(programme_matches(session, w) for w in words)))
        return query

    @staticmethod
    def _sorted(session: Session, query, today: date, sort: str, descending: bool, sibling=False):
        lead = func.coalesce(Unit.acronym, Unit.name)
        keys = {
            "name": lambda: folded_name(session),
            "code": lambda: Programme.code,
            "family": lambda: Programme.family,
            "kind": lambda: Programme.kind,
            "status": lambda: Programme.status,
            "lead": lambda: folded(session, lead),
            "start": lambda: Programme.start_on,
            "end": lambda: Programme.end_on,
            "overdue": lambda: _overdue(today),
        }
        key = keys.get(sort, keys["name"])()
        # Empty values go last whatever the direction, as in a spreadsheet.
        ordered = [key.is_(None), key.desc() if descending else key.asc()]
        if sibling and sort == "name":
            # The report's order of siblings (AMI-CMA actions 1 to 10) wins over the name.
            ordered = [Programme.sort_order.desc() if descending else Programme.sort_order.asc(),
                       *ordered]  # fmt: skip
        return query.order_by(*ordered, Programme.code)


def _row_columns() -> tuple:
    """The columns of a ProgrammeRow, in its field order (lead unit: acronym, else name)."""
    return (
        Programme.id, Programme.parent_id, Programme.code, Programme.name, Programme.family,
        Programme.kind, Programme.status, func.coalesce(Unit.acronym, Unit.name),
        Programme.start_on, Programme.end_on,
    )  # fmt: skip


def _ids():
    """The ids of programmes, with the lead unit joined for searching and sorting."""
    return (
        select(Programme.id)
        .select_from(Programme)
        .outerjoin(Unit, Programme.lead_unit_id == Unit.id)
    )


def _overdue(today: date):
    """How many milestones of the programme are past due and not done."""
    return (
        select(func.count(Milestone.id))
        .where(
            Milestone.programme_id == Programme.id,
            Milestone.done.is_(False),
            Milestone.due_on < today,
        )
        .scalar_subquery()
    )
