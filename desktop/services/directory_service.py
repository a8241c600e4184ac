"""Directory use cases: the organisation tree, searching people and posts, details, printing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session, aliased, sessionmaker

from desktop.errors import PilotisError
from desktop.models import Person, Position, Programme, Site, Unit, UnitLink
from desktop.services.directory_edits import DirectoryEdits
from desktop.services.directory_rows import (
    ROLE_RANK,
    EntryRow,
    LinkRow,
    PersonDetail,
    PostRow,
    ProgrammeRef,
    ReportUnit,
    SiteRow,
    UnitDetail,
    UnitRef,
    UnitRow,
)
from desktop.services.directory_search import (
    Matcher,
    SearchFilter,
    fts_available,
    register_fold,
    subtree_cte,
)
from desktop.services.org_chart_service import OrgChartQueries

__all__ = ["DirectoryService", "EntryRow", "SearchFilter", "UnitRow", "PostRow"]

SORT_KEYS = ("name", "title", "unit", "site", "email", "phone")
ENTRY_COLUMNS = (
    "position_id", "person_id", "unit_id", "last_name", "first_name", "title", "role",
    "is_interim", "unit_label", "site", "email", "phone",
)  # fmt: skip


class UnknownItemError(PilotisError):
    """The unit or person asked for no longer exists (deleted meanwhile)."""


def _current(today: date):
    return or_(Position.end_on.is_(None), Position.end_on >= today)


def _role_rank():
    return case(ROLE_RANK, value=Position.role, else_=9)


class DirectoryService(DirectoryEdits, OrgChartQueries):
    def __init__(self, session_factory: sessionmaker, *, use_fts: bool | None = None) -> None:
        """use_fts=None: use the FTS5 index when the database has it; False forces LIKE."""
        self._sessions = session_factory
        self._use_fts = use_fts

    # --- search plumbing --------------------------------------------------------------------

    def _matcher(self, session: Session) -> Matcher:
        if self._use_fts is None:
            self._use_fts = fts_available(session)  # the schema does not change while it runs
        elif self._use_fts and session.connection().dialect.name != "sqlite":
            self._use_fts = False  # FTS5 asked for on PostgreSQL: the LIKE path is the only one
        use_fts = self._use_fts
        if not use_fts:
            register_fold(session)
        return Matcher(use_fts)

    def _parts(self, session: Session, flt: SearchFilter, today: date):
        """(people, vacant posts): people LEFT JOIN their current posts (so someone without
        a post is one line), and current posts nobody holds. Both carry the same columns."""
        matcher = self._matcher(session)
        site = aliased(Site)
        post_on = and_(Position.person_id == Person.id, _current(today))
        people = (
            select(
                Position.id.label("position_id"),
                Person.id.label("person_id"),
                Unit.id.label("unit_id"),
                Person.last_name.label("last_name"),
                Person.first_name.label("first_name"),
                Position.title.label("title"),
                Position.role.label("role"),
                Position.is_interim.label("is_interim"),
                func.coalesce(Unit.acronym, Unit.name).label("unit_label"),
                site.name.label("site"),
                Person.email.label("email"),
                Person.phone.label("phone"),
                _role_rank().label("rank"),
            )  # fmt: skip
            .select_from(Person)
            .outerjoin(Position, post_on)
            .outerjoin(Unit, Position.unit_id == Unit.id)
            .outerjoin(site, site.id == func.coalesce(Person.site_id, Unit.site_id))
        )
        vacant = (
            select(
                Position.id.label("position_id"),
                null().label("person_id"),
                Unit.id.label("unit_id"),
                null().label("last_name"),
                null().label("first_name"),
                Position.title.label("title"),
                Position.role.label("role"),
                Position.is_interim.label("is_interim"),
                func.coalesce(Unit.acronym, Unit.name).label("unit_label"),
                site.name.label("site"),
                null().label("email"),
                null().label("phone"),
                _role_rank().label("rank"),
            )  # fmt: skip
            .select_from(Position)
            .join(Unit, Position.unit_id == Unit.id)
            .outerjoin(site, site.id == Unit.site_id)
            .where(Position.person_id.is_(None), _current(today))
        )
        for token in flt.tokens:
            # Who can match at all (named so, or holding a matching post or a post in a matching
            # unit): lets the database start from the index hits instead of every person.
            holders = union(
                matcher.person_ids(token),
                select(Position.person_id).where(Position.id.in_(matcher.position_ids(token))),
                select(Position.person_id).where(Position.unit_id.in_(matcher.unit_ids(token))),
            )
            people = people.where(
                Person.id.in_(holders),
                or_(
                    Person.id.in_(matcher.person_ids(token)),
                    Position.id.in_(matcher.position_ids(token)),
                    Position.unit_id.in_(matcher.unit_ids(token)),
                ),
            )
            vacant = vacant.where(
                or_(
                    Position.id.in_(matcher.position_ids(token)),
                    Position.unit_id.in_(matcher.unit_ids(token)),
                )
            )
        if flt.site_id is not None:
            people = people.where(func.coalesce(Person.site_id, Unit.site_id) == flt.site_id)
            vacant = vacant.where(Unit.site_id == flt.site_id)
        if flt.unit_kind is not None:
            people = people.where(Unit.kind == flt.unit_kind)
            vacant = vacant.where(Unit.kind == flt.unit_kind)
        if flt.under_unit_id is not None:
            below = Position.unit_id.in_(select(subtree_cte(flt.under_unit_id).c.id))
            vacant = vacant.where(below)
            # A person without a post belongs to no unit but to the whole organisation: kept
            # when the scope is a top unit, so someone just added is found before any post.
            top = (
                session.execute(select(Unit.parent_id).where(Unit.id == flt.under_unit_id)).scalar()
                is None
            )
            if top:
                people = people.where(or_(below, Position.id.is_(None)))
            else:
                # Start from the unit's posts rather than walking every person in name order.
                inside = select(Position.person_id).where(below, _current(today))
                people = people.where(below, Person.id.in_(inside))
        return people, vacant

    @staticmethod
    def _order(entry, sort: str, descending: bool) -> list:
        name = [entry.c.last_name, entry.c.first_name]
        keys = {
            "name": [*name, entry.c.person_id],
            "title": [entry.c.title, *name],
            "unit": [entry.c.unit_label, entry.c.rank, *name],
            "site": [entry.c.site, *name],
            "email": [entry.c.email],
            "phone": [entry.c.phone],
        }[sort]
        # Vacant posts and empty cells go last whichever the direction.
        ordered = [(k.desc() if descending else k.asc()).nulls_last() for k in keys]
        return [*ordered, entry.c.position_id.asc().nulls_last(), entry.c.person_id]

    # --- public queries ---------------------------------------------------------------------

    def count_entries(
        self, flt: SearchFilter, *, cap: int | None = None, today: date | None = None
    ) -> int:
        """How many lines the table has; with a cap, counting stops past it (returns cap + 1),
        so a one-letter search on 100 000 people does not count them all."""
        with self._sessions.begin() as session:
            total = 0
            for part in self._parts(session, flt, today or date.today()):
                part = part.with_only_columns(literal(1))
                if cap is not None:
                    part = part.limit(cap + 1 - total)
                total += session.execute(
                    select(func.count()).select_from(part.subquery())
                ).scalar_one()
                if cap is not None and total > cap:
                    break
            return total

    def entries(
        self,
        flt: SearchFilter,
        *,
        sort: str = "name",
        descending: bool = False,
        offset: int = 0,
        limit: int | None = 200,
        today: date | None = None,
    ) -> list[EntryRow]:
        """One page of the people table, sorted in SQL."""
        if sort not in SORT_KEYS:
            raise ValueError(f"unknown sort key {sort!r}")
        with self._sessions.begin() as session:
            people, vacant = self._parts(session, flt, today or date.today())
            if sort == "name":
                rows = self._name_page(session, people, vacant, descending, offset, limit)
            else:
                entry = union_all(people, vacant).subquery("entry")
                query = (
                    select(*[entry.c[c] for c in ENTRY_COLUMNS])
                    .order_by(*self._order(entry, sort, descending))
                    .offset(offset)
                )
                rows = session.execute(query if limit is None else query.limit(limit)).all()
        return [EntryRow(*r[:7], bool(r[7]), *r[8:]) for r in rows]

    def _name_page(self, session, people, vacant, descending, offset, limit) -> list:
        """By name: people in name order (the person index walks them, no full sort), then
        the vacant posts, which have no name and always come last."""
        people = people.subquery("people")
        order = self._order(people, "name", descending)
        query = select(*[people.c[c] for c in ENTRY_COLUMNS]).order_by(*order).offset(offset)
        rows = list(session.execute(query if limit is None else query.limit(limit)).all())
        if limit is not None and len(rows) == limit:
            return rows
        if rows or offset == 0:
            skip = 0
        else:  # the page starts inside the vacant posts: how many people came before?
            counted = select(func.count()).select_from(people)
            skip = offset - session.execute(counted).scalar_one()
        vacant = vacant.subquery("vacant")
        query = (
            select(*[vacant.c[c] for c in ENTRY_COLUMNS])
            .order_by(vacant.c.unit_label, vacant.c.rank, vacant.c.position_id)
            .offset(max(skip, 0))
        )
        if limit is not None:
            query = query.limit(limit - len(rows))
        return rows + list(session.execute(query).all())

    def matching_units(self, flt: SearchFilter, limit: int = 30) -> list[UnitRow]:
        """Units whose acronym or name contains every word typed (for the "Services" list)."""
        tokens = flt.tokens
        if not tokens:
            return []
        with self._sessions.begin() as session:
            matcher = self._matcher(session)
            query = self._unit_select()
            for token in tokens:
                query = query.where(Unit.id.in_(matcher.unit_ids(token)))
            if flt.site_id is not None:
                query = query.where(Unit.site_id == flt.site_id)
            if flt.unit_kind is not None:
                query = query.where(Unit.kind == flt.unit_kind)
            if flt.under_unit_id is not None:
                query = query.where(Unit.id.in_(select(subtree_cte(flt.under_unit_id).c.id)))
            rows = session.execute(query.limit(limit)).all()
        return [UnitRow(*row) for row in rows]

    def find_people(self, text: str, limit: int = 20) -> list[tuple[int, str]]:
        """People whose names contain every word typed: (id, « NOM Prénom — site »)."""
        tokens = SearchFilter(text).tokens
        if not tokens:
            return []
        with self._sessions.begin() as session:
            matcher = self._matcher(session)
            query = (
                select(Person.id, Person.last_name, Person.first_name, Site.name)
                .outerjoin(Site, Person.site_id == Site.id)
                .order_by(Person.last_name, Person.first_name, Person.id)
                .limit(limit)
            )
            for token in tokens:
                query = query.where(Person.id.in_(matcher.person_ids(token)))
            rows = session.execute(query).all()
        return [(r[0], f"{r[1]} {r[2]}" + (f" — {r[3]}" if r[3] else "")) for r in rows]

    @staticmethod
    def _unit_select():
        return (
            select(
                Unit.id,
                Unit.parent_id,
                Unit.code,
                Unit.acronym,
                Unit.name,
                Unit.kind,
                Site.name,
                Unit.created_on,
                Unit.version,
            )  # fmt: skip
            .outerjoin(Site, Unit.site_id == Site.id)
            .order_by(Unit.sort_order, Unit.name, Unit.id)
        )

    def units(self) -> list[UnitRow]:
        """Every unit, siblings in sort order then by name (the tree is built from parent_id)."""
        with self._sessions.begin() as session:
            rows = session.execute(self._unit_select()).all()
        return [UnitRow(*row) for row in rows]

    def sites(self) -> list[SiteRow]:
        with self._sessions.begin() as session:
            rows = session.execute(select(Site.id, Site.code, Site.name).order_by(Site.name))
            return [SiteRow(*r) for r in rows]

    def find_unit(self, key: str) -> UnitRow | None:
        """A unit by acronym or code, case-insensitive (`drajes`, `DSI-DEV`)."""
        wanted = key.strip().upper()
        with self._sessions.begin() as session:
            query = self._unit_select().where(
                or_(func.upper(Unit.acronym) == wanted, func.upper(Unit.code) == wanted)
            )
            row = session.execute(query.limit(1)).first()
        return UnitRow(*row) if row else None

    @staticmethod
    def subtree_ids(units: list[UnitRow], root_id: int) -> set[int]:
        """The unit and every unit below it, from an already loaded list."""
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

    # --- details ----------------------------------------------------------------------------

    def _posts(self, session: Session, *conditions) -> list[PostRow]:
        site = aliased(Site)
        query = (
            select(
                Position.id,
                Position.version,
                Position.unit_id,
                func.coalesce(Unit.acronym, Unit.name),
                Position.person_id,
                case(
                    (Person.id.is_(None), None),
                    else_=Person.last_name + " " + Person.first_name,
                ),
                Position.title,
                Position.role,
                Position.is_interim,
                Position.start_on,
                Position.end_on,
                Person.email,
                Person.phone,
                site.name,
            )  # fmt: skip
            .join(Unit, Position.unit_id == Unit.id)
            .outerjoin(Person, Position.person_id == Person.id)
            .outerjoin(site, site.id == func.coalesce(Person.site_id, Unit.site_id))
            .where(*conditions)
            .order_by(
                Unit.sort_order,
                Unit.name,
                _role_rank(),
                Position.sort_order,
                Person.last_name,
                Position.id,
            )  # fmt: skip
        )
        return [PostRow(*r[:8], bool(r[8]), *r[9:]) for r in session.execute(query).all()]

    def person_detail(self, person_id: int, *, today: date | None = None) -> PersonDetail:
        today = today or date.today()
        with self._sessions.begin() as session:
            row = session.execute(
                select(
                    Person.id,
                    Person.version,
                    Person.last_name,
                    Person.first_name,
                    Person.email,
                    Person.phone,
                    Person.site_id,
                    Site.name,
                )  # fmt: skip
                .outerjoin(Site, Person.site_id == Site.id)
                .where(Person.id == person_id)
            ).first()
            if row is None:
                raise UnknownItemError("Cette personne n'existe plus (supprimée entre-temps).")
            posts = self._posts(session, Position.person_id == person_id)
            programmes = self._led_programmes(session, person_id, today)
        current = [p for p in posts if p.end_on is None or p.end_on >= today]
        past = sorted(
            (p for p in posts if p.end_on is not None and p.end_on < today),
            key=lambda p: p.end_on,
            reverse=True,
        )
        return PersonDetail(*row, posts=current, past_posts=past, programmes=programmes)

    @staticmethod
    def _programmes_led_by(session: Session, *conditions) -> list[ProgrammeRef]:
        """The programmes whose lead unit matches the conditions, by code: one query."""
        return [
            ProgrammeRef(code, name)
            for code, name in session.execute(
                select(Programme.code, Programme.name).where(*conditions).order_by(Programme.code)
            )
        ]

    def _led_programmes(self, session: Session, person_id: int, today: date) -> list[ProgrammeRef]:
        headed = select(Position.unit_id).where(
            Position.person_id == person_id, Position.role == "head", _current(today)
        )
        return self._programmes_led_by(session, Programme.lead_unit_id.in_(headed))

    def unit_detail(self, unit_id: int, *, today: date | None = None) -> UnitDetail:
        today = today or date.today()
        parent = aliased(Unit)
        with self._sessions.begin() as session:
            row = session.execute(
                select(
                    Unit.id,
                    Unit.version,
                    Unit.code,
                    Unit.acronym,
                    Unit.name,
                    Unit.kind,
                    parent.id,
                    parent.acronym,
                    parent.name,
                    Unit.site_id,
                    Site.name,
                    Unit.created_on,
                    Unit.email,
                    Unit.phone,
                    Unit.address,
                    Unit.description,
                    Unit.sort_order,
                )  # fmt: skip
                .outerjoin(parent, Unit.parent_id == parent.id)
                .outerjoin(Site, Unit.site_id == Site.id)
                .where(Unit.id == unit_id)
            ).first()
            if row is None:
                raise UnknownItemError("Ce service n'existe plus (supprimé entre-temps).")
            posts = self._posts(session, Position.unit_id == unit_id, _current(today))
            sub_units = self._sub_units(session, unit_id, today)
            links = self._links(session, unit_id)
            programmes = self._programmes_led_by(session, Programme.lead_unit_id == unit_id)
        parent_ref = UnitRef(row[6], _label(row[7], row[8])) if row[6] is not None else None
        return UnitDetail(
            id=row[0], version=row[1], code=row[2], acronym=row[3], name=row[4], kind=row[5],
            parent=parent_ref, parent_id=row[6], site_id=row[9], site=row[10],
            created_on=row[11], email=row[12], phone=row[13], address=row[14],
            description=row[15], sort_order=row[16], posts=posts, sub_units=sub_units,
            links=links, programmes=programmes,
        )  # fmt: skip

    def _sub_units(self, session: Session, unit_id: int, today: date) -> list[UnitRef]:
        head = (
            select(Person.last_name + " " + Person.first_name)
            .select_from(Position)
            .join(Person, Position.person_id == Person.id)
            .where(Position.unit_id == Unit.id, Position.role == "head", _current(today))
            .order_by(Position.sort_order, Position.id)
            .limit(1)
            .scalar_subquery()
        )
        rows = session.execute(
            select(Unit.id, Unit.acronym, Unit.name, head)
            .where(Unit.parent_id == unit_id)
            .order_by(Unit.sort_order, Unit.name)
        ).all()
        return [UnitRef(r[0], _label(r[1], r[2]), r[3]) for r in rows]

    def _links(self, session: Session, unit_id: int) -> list[LinkRow]:
        other = aliased(Unit)
        result = []
        for direction, mine, theirs in (
            ("to", UnitLink.from_unit_id, UnitLink.to_unit_id),
            ("from", UnitLink.to_unit_id, UnitLink.from_unit_id),
        ):
            rows = session.execute(
                select(
                    UnitLink.id,
                    other.id,
                    other.acronym,
                    other.name,
                    UnitLink.note,
                    UnitLink.version,
                )  # fmt: skip
                .join(other, other.id == theirs)
                .where(mine == unit_id)
                .order_by(other.sort_order, other.name)
            ).all()
            result += [
                LinkRow(r[0], direction, UnitRef(r[1], _label(r[2], r[3])), r[4], r[5])
                for r in rows
            ]
        return result

    # --- printing ---------------------------------------------------------------------------

    def report_units(self, root_id: int | None, *, today: date | None = None) -> list[ReportUnit]:
        """The unit (or every root) and all below it, depth first in tree order, with posts."""
        today = today or date.today()
        units = self.units()
        children: dict[int | None, list[UnitRow]] = {}
        for unit in units:
            children.setdefault(unit.parent_id, []).append(unit)
        known = {u.id for u in units}
        if root_id is None:
            roots = [u for u in units if u.parent_id is None or u.parent_id not in known]
        else:
            roots = [u for u in units if u.id == root_id]
            if not roots:
                raise UnknownItemError("Ce service n'existe plus (supprimé entre-temps).")
        ordered: list[tuple[UnitRow, int]] = []
        stack = [(u, 0) for u in reversed(roots)]
        while stack:
            unit, depth = stack.pop()
            ordered.append((unit, depth))
            stack.extend((c, depth + 1) for c in reversed(children.get(unit.id, [])))
        ids = [u.id for u, _ in ordered]
        with self._sessions.begin() as session:
            if root_id is None:
                posts = self._posts(session, _current(today))
            else:
                tree = subtree_cte(root_id)
                posts = self._posts(
                    session, _current(today), Position.unit_id.in_(select(tree.c.id))
                )
        by_unit: dict[int, list[PostRow]] = {i: [] for i in ids}
        for post in posts:
            by_unit.setdefault(post.unit_id, []).append(post)
        return [ReportUnit(u, d, by_unit.get(u.id, [])) for u, d in ordered]


def _label(acronym: str | None, name: str) -> str:
    return f"{acronym} — {name}" if acronym else name
