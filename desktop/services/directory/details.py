"""The directory's read queries outside search: units and sites, a person's or a unit's card
(posts, links, programmes led), and the units printed with their posts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import case, func, or_, select, true
from sqlalchemy.orm import Session, aliased, sessionmaker

from desktop.errors import PilotisError
from desktop.models import Person, Position, PositionLink, Programme, Site, Unit, UnitLink
from desktop.services.directory.rows import (
    ROLE_RANK,
    LinkRow,
    PersonDetail,
    PostLinkRow,
    PostRow,
    ProgrammeRef,
    ReportUnit,
    SiteRow,
    UnitDetail,
    UnitRef,
    UnitRow,
)
from desktop.services.directory.search import subtree_cte


class UnknownItemError(PilotisError):
    """The unit or person asked for no longer exists (deleted meanwhile)."""


def current(today: date):
    """A post held on that day (no end, or an end not passed)."""
    return or_(Position.end_on.is_(None), Position.end_on >= today)


def role_rank():
    """Heads first, then deputies, site managers, members, advisors."""
    return case(ROLE_RANK, value=Position.role, else_=9)


class DirectoryDetails:
    """Everything the cards, the tree and the printed directory read."""

    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

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

    def require_unit(self, key: str) -> UnitRow:
        """The unit a command line or a report names (acronym or code), or a French refusal."""
        found = self.find_unit(key)
        if found is None:
            raise UnknownItemError(
                f"Service inconnu : « {key} » (donnez un sigle comme DRAJES ou un code)."
            )
        return found

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
                role_rank(),
                Position.sort_order,
                Person.last_name,
                Position.id,
            )  # fmt: skip
        )
        posts = [PostRow(*r[:8], bool(r[8]), *r[9:]) for r in session.execute(query).all()]
        return self._with_links(session, posts)

    @staticmethod
    def _with_links(session: Session, posts: list[PostRow]) -> list[PostRow]:
        """The posts with their dotted-line links to other posts (one query each way)."""
        if not posts:
            return posts
        ids = [p.id for p in posts]
        # A whole-directory report lists every post: past a few hundred, read all the links
        # (a short table) rather than bind 100 000 ids, beyond SQLite's parameter limit.
        narrow = len(ids) <= 500
        wanted = set(ids)
        other, holder, unit = aliased(Position), aliased(Person), aliased(Unit)
        found: dict[int, list[PostLinkRow]] = {}
        for direction, mine, theirs in (
            ("to", PositionLink.from_position_id, PositionLink.to_position_id),
            ("from", PositionLink.to_position_id, PositionLink.from_position_id),
        ):
            rows = session.execute(
                select(
                    mine,
                    PositionLink.id,
                    PositionLink.version,
                    other.id,
                    other.title,
                    case(
                        (holder.id.is_(None), None),
                        else_=holder.last_name + " " + holder.first_name,
                    ),
                    unit.id,
                    func.coalesce(unit.acronym, unit.name),
                    PositionLink.note,
                )  # fmt: skip
                .join(other, other.id == theirs)
                .join(unit, unit.id == other.unit_id)
                .outerjoin(holder, holder.id == other.person_id)
                .where(mine.in_(ids) if narrow else true())
                .order_by(other.sort_key, PositionLink.id)
            ).all()
            for r in rows:
                if r[0] in wanted:
                    found.setdefault(r[0], []).append(PostLinkRow(r[1], r[2], direction, *r[3:]))
        return [replace(p, links=tuple(found[p.id])) if p.id in found else p for p in posts]

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
            Position.person_id == person_id, Position.role == "head", current(today)
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
            posts = self._posts(session, Position.unit_id == unit_id, current(today))
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
            .where(Position.unit_id == Unit.id, Position.role == "head", current(today))
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
                posts = self._posts(session, current(today))
            else:
                tree = subtree_cte(root_id)
                posts = self._posts(
                    session, current(today), Position.unit_id.in_(select(tree.c.id))
                )
        by_unit: dict[int, list[PostRow]] = {i: [] for i in ids}
        for post in posts:
            by_unit.setdefault(post.unit_id, []).append(post)
        return [ReportUnit(u, d, by_unit.get(u.id, [])) for u, d in ordered]


def _label(acronym: str | None, name: str) -> str:
    return f"{acronym} — {name}" if acronym else name
