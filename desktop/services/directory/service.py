"""Directory use cases: the organisation tree, searching people and posts, details, printing."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from typing import NamedTuple

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    false,
    func,
    intersect,
    literal,
    null,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased, sessionmaker
from sqlalchemy.sql.selectable import Join, Select

from desktop.errors import PilotisError
from desktop.models import Person, Position, PositionLink, Programme, Site, Unit, UnitLink
from desktop.services.directory.edits import DirectoryEdits
from desktop.services.directory.org_chart import OrgChartQueries
from desktop.services.directory.rows import (
    ROLE_RANK,
    EntryRow,
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
from desktop.services.directory.search import (
    MIN_TITLE_TOKEN,
    Matcher,
    SearchFilter,
    fts_available,
    register_fold,
    subtree_cte,
)

__all__ = ["DirectoryService", "EntryRow", "SearchFilter", "UnitRow", "PostRow"]

SORT_KEYS = ("name", "title", "unit", "site", "email", "phone")
# Past this many people matching a word, the name-sorted page walks the name index (it meets
# 200 matches soon) instead of sorting every match.
DENSE_MATCHES = 5000
# A capped count up to this cap reads the first page itself (cap + 1 lines, in the order the
# table last asked for) and keeps it for the page request that follows it: one query per
# keystroke instead of a count and then the page. Kept a short while only.
FUSED_COUNT_CAP = 200
FUSED_PAGE_SECONDS = 2.0


class UnknownItemError(PilotisError):
    """The unit or person asked for no longer exists (deleted meanwhile)."""


def _current(today: date):
    return or_(Position.end_on.is_(None), Position.end_on >= today)


def _role_rank():
    return case(ROLE_RANK, value=Position.role, else_=9)


class _WrittenOrder(Join):
    """An inner join that SQLite runs in the order written (its CROSS JOIN): without table
    statistics it would rather scan every post and sort them than walk the unit index."""

    inherit_cache = True


@compiles(_WrittenOrder, "sqlite")
def _written_order_sqlite(join, compiler, **kw) -> str:
    kw["asfrom"] = True
    left = compiler.process(join.left, **kw)
    right = compiler.process(join.right, **kw)
    return f"{left} CROSS JOIN {right} ON {compiler.process(join.onclause, **kw)}"


@compiles(_WrittenOrder)
def _written_order_default(join, compiler, **kw) -> str:
    return compiler.visit_join(join, **kw)


def _walk(start: str, post_on):
    """Units, their current posts, the holders (start="unit"); or posts, holders, units."""
    unit, post, person = Unit.__table__, Position.__table__, Person.__table__
    on_unit = Position.unit_id == Unit.id
    if start == "unit":
        return _WrittenOrder(_WrittenOrder(unit, post, on_unit), person, post_on)
    return _WrittenOrder(_WrittenOrder(post, person, post_on), unit, on_unit)


def _ordered(arms: list, descending: bool):
    """Arms (select, sort keys) of one segment as one query ordered by those keys, built for
    a page: ordered(top) with top=None for the plain merge (SQLite merges the arms' index
    walks itself: MERGE UNION ALL), or top=N to sort each arm and keep its first N lines
    before merging (PostgreSQL would otherwise join and sort every post of the arms)."""
    labelled = [
        query.add_columns(*[key.label(f"k{i}") for i, key in enumerate(keys)])
        for query, keys in arms
    ]
    names = [f"k{i}" for i in range(len(arms[0][1]))]

    def order(selectable) -> list:
        keys = [selectable.selected_columns[n] for n in names]
        return [k.desc() if descending else k.asc() for k in keys]

    def ordered(top: int | None = None):
        if len(labelled) == 1:
            return labelled[0].order_by(*order(labelled[0]))
        parts = labelled
        if top is not None:
            tops = [q.order_by(*order(q)).limit(top).subquery() for q in labelled]
            parts = [select(*t.c) for t in tops]
        compound = union_all(*parts)
        return compound.order_by(*order(compound))

    return ordered


def _line_select(site, *, vacant: bool) -> Select:
    """The columns of a line of the list: a person and their post, or a post nobody holds (the
    person's columns typed NULLs, so that both kinds of line make one UNION)."""

    def person(column, kind):
        return cast(null(), kind) if vacant else column

    return select(
        Position.id.label("position_id"),
        person(Person.id, Integer).label("person_id"),
        Unit.id.label("unit_id"),
        person(Person.last_name, String).label("last_name"),
        person(Person.first_name, String).label("first_name"),
        Position.title.label("title"),
        Position.role.label("role"),
        Position.is_interim.label("is_interim"),
        func.coalesce(Unit.acronym, Unit.name).label("unit_label"),
        site.name.label("site"),
        person(Person.email, String).label("email"),
        person(Person.phone, String).label("phone"),
        _role_rank().label("rank"),
    )


def _people_joined(people, named: list, keyed: list, site, today: date, *, walk, held):
    """The people's lines joined to their current posts, units and sites, in the plan that
    suits the search: (query, the keys of the name order, conditions still to apply)."""
    post_on = and_(Position.person_id == Person.id, _current(today))
    on_site = site.id == func.coalesce(Person.site_id, Unit.site_id)
    if walk:  # a Core join, which the ORM keeps as written
        joined = _walk(walk, post_on).outerjoin(sa_inspect(site).selectable, on_site)
        return people.select_from(joined), [Person.sort_key, Person.id, Position.id], named
    if keyed:
        # PostgreSQL, the page in name order: the people who may match (every token), read
        # with their sort key from the index hits and sorted on their own (OFFSET 0 keeps
        # the planner from undoing it), then their posts joined in that order until the
        # page is full. Walking the name index instead reads from `a` up to where a name
        # prefix sits (`du`: 28 000 people for 200 lines, 50 ms), and joining every match
        # to its posts before sorting costs as much for common words (`mar`: 60 ms).
        found = (keyed[0] if len(keyed) == 1 else intersect(*keyed)).subquery("found")
        hits = (
            select(found.c.id, found.c.sort_key)
            .order_by(found.c.sort_key, found.c.id)
            .offset(0)
            .subquery("hits")
        )
        people = (
            people.select_from(hits)
            .join(Person, Person.id == hits.c.id)
            .join(Position, post_on, isouter=held is None)
            .join(Unit, Position.unit_id == Unit.id, isouter=held is None)
            .outerjoin(site, on_site)
        )
        return people, [hits.c.sort_key, hits.c.id, Position.id], []
    people = (
        people.select_from(Person)
        .join(Position, post_on, isouter=held is None)
        .join(Unit, Position.unit_id == Unit.id, isouter=held is None)
        .outerjoin(site, on_site)
    )
    return people, [Person.sort_key, Person.id, Position.id], named


def _in_scope(session: Session, flt: SearchFilter, people, vacant, today: date):
    """Both kinds of line restricted to the filter's site, kind of unit and unit subtree."""
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
        parent = session.execute(select(Unit.parent_id).where(Unit.id == flt.under_unit_id))
        if parent.scalar() is None:
            people = people.where(or_(below, Position.id.is_(None)))
        else:
            # Start from the unit's posts rather than walking every person in name order.
            inside = select(Position.person_id).where(below, _current(today))
            people = people.where(below, Person.id.in_(inside))
    return people, vacant


class _Parts(NamedTuple):
    people: Select  # people LEFT JOIN their current posts
    vacant: Select  # current posts nobody holds
    name_keys: list  # the order by name of the people's lines


class DirectoryService:
    """The directory's facade: search, lists and details here; edits and the organisation
    chart built beside them (`edits`, `charts`)."""

    def __init__(self, session_factory: sessionmaker, *, use_fts: bool | None = None) -> None:
        """use_fts=None: use the FTS5 index when the database has it; False forces LIKE."""
        self._sessions = session_factory
        self._use_fts = use_fts
        self._last_sort = ("name", False)  # the order the table last asked a page in
        self._counted_page: tuple | None = None  # (key, lines, complete, when): FUSED_COUNT_CAP
        self.edits = DirectoryEdits(session_factory, on_edit=self._forget_counted_page)
        self.charts = OrgChartQueries(session_factory)

    def _forget_counted_page(self) -> None:
        self._counted_page = None  # a page read by a count is not shown after a change

    # --- search plumbing --------------------------------------------------------------------

    def _matcher(self, session: Session) -> Matcher:
        if self._use_fts is None:
            self._use_fts = fts_available(session)  # the schema does not change while it runs
        elif self._use_fts and session.connection().dialect.name != "sqlite":
            self._use_fts = False  # FTS5 asked for on PostgreSQL: the LIKE path is the only one
        use_fts = self._use_fts
        if not use_fts:
            register_fold(session)
        postgresql = session.connection().dialect.name == "postgresql"
        return Matcher(use_fts, short_prefix=postgresql, stored=postgresql)

    def _parts(
        self,
        session: Session,
        flt: SearchFilter,
        today: date,
        *,
        held: str | None = None,
        dense_over: int | None = None,
        presort: bool = False,
    ) -> _Parts:
        """(people, vacant posts): people LEFT JOIN their current posts (so someone without
        a post is one line), and current posts nobody holds. Both carry the same columns.
        held="unit" or "post": only people with a post, in inner joins; when nothing narrows
        the list, the database walks the units or the posts in their sort order.
        dense_over=N: a word matching more than N people is looked up while walking them in
        name order rather than the reverse (see _match).
        presort: the matching people are sorted by name before their posts are joined (for
        the name-sorted page on PostgreSQL; name_keys then orders by that sort)."""
        matcher = self._matcher(session)
        site = aliased(Site)
        presort = presort and matcher.stored and any(len(token) > 1 for token in flt.tokens)
        vacant = (
            _line_select(site, vacant=True)
            .select_from(Position)
            .join(Unit, Position.unit_id == Unit.id)
            .outerjoin(site, site.id == Unit.site_id)
            .where(Position.person_id.is_(None), _current(today))
        )
        people, vacant, named, keyed = self._match(
            session, matcher, flt.tokens, _line_select(site, vacant=False), vacant,
            dense_over=dense_over, presort=presort,
        )  # fmt: skip
        walk = held if not flt.tokens and flt.under_unit_id is None else None
        people, name_keys, named = _people_joined(
            people, named, keyed if presort else [], site, today, walk=walk, held=held
        )
        people = people.where(*named)
        people, vacant = _in_scope(session, flt, people, vacant, today)
        return _Parts(people, vacant, name_keys)

    def _match(self, session: Session, matcher: Matcher, tokens, people, vacant, *,
               dense_over: int | None, presort: bool):  # fmt: skip
        """Each typed word narrows the lines: (people, vacant, conditions on the person alone,
        presort: (id, sort_key) of the people each word may match)."""
        sqlite = session.connection().dialect.name == "sqlite"
        named: list = []  # conditions on the person alone
        keyed: list = []  # presort: (id, sort_key) of the people each token may match
        for token in tokens:
            if len(token) < MIN_TITLE_TOKEN:  # people's names only (see Matcher)
                # A letter or two matches thousands of people: `id + 0` keeps SQLite from
                # starting at the hits and sorting them all; it walks the people in the order
                # asked for and stops at the page's end (`m`: 150 → 20 ms at 100 000 people).
                # PostgreSQL's planner finds that plan itself (with a hashed subquery).
                walked = Person.id + 0 if sqlite else Person.id
                # With the folded name stored (PostgreSQL), each person walked is checked on its
                # own row, not looked up again by id (`d`: 54 → 20 ms).
                stored = matcher.person_match(token) if matcher.stored else None
                named.append(walked.in_(matcher.person_ids(token)) if stored is None else stored)
                keyed.append(matcher.person_keys(token) if presort else None)
                vacant = vacant.where(false())
                continue
            # Who can match at all (named so, or holding a matching post or a post in a matching
            # unit): lets the database start from the index hits instead of every person.
            holders = union(
                matcher.person_ids(token),
                select(Position.person_id).where(Position.id.in_(matcher.position_ids(token))),
                select(Position.person_id).where(Position.unit_id.in_(matcher.unit_ids(token))),
            )
            # Thousands of holders (`dra`, `res`: every DRA… unit, every « responsable »): walk
            # the people in name order and stop at the page's end, as for a letter or two.
            dense = dense_over is not None and self._more_than(
                session, union_all(*holders.selects), dense_over
            )
            named.append((Person.id + 0).in_(holders) if dense else Person.id.in_(holders))
            if presort:
                keyed.append(union(matcher.person_keys(token), *matcher.holder_keys(token).selects))
            if matcher.stored:  # checked on the line's own person and post (see above)
                named_so = matcher.person_match(token)
                titled = matcher.title_match(token)
            else:
                named_so = Person.id.in_(matcher.person_ids(token))
                titled = Position.id.in_(matcher.position_ids(token))
            people = people.where(
                or_(named_so, titled, Position.unit_id.in_(matcher.unit_ids(token)))
            )
            vacant = vacant.where(
                or_(
                    Position.id.in_(matcher.position_ids(token)),
                    Position.unit_id.in_(matcher.unit_ids(token)),
                )
            )
        return people, vacant, named, keyed

    @staticmethod
    def _more_than(session: Session, ids, n: int) -> bool:
        """Whether the id query returns more than n ids (reads n + 1 at most; UNION ALL, so an
        id found twice counts twice: good enough to choose a plan)."""
        capped = select(func.count()).select_from(ids.limit(n + 1).subquery())
        return session.execute(capped).scalar_one() > n

    # --- public queries ---------------------------------------------------------------------

    def count_entries(
        self, flt: SearchFilter, *, cap: int | None = None, today: date | None = None
    ) -> int:
        """How many lines the table has; with a cap, counting stops past it (returns cap + 1),
        so a one-letter search on 100 000 people does not count them all."""
        if cap is not None and 0 < cap <= FUSED_COUNT_CAP:
            today = today or date.today()
            sort, descending = self._last_sort
            lines = self._entries(flt, sort, descending, 0, cap + 1, today)
            key = (flt, sort, descending, today)
            self._counted_page = (key, lines[:cap], len(lines) <= cap, time.monotonic())
            return len(lines)
        self._counted_page = None
        with self._sessions.begin() as session:
            total = 0
            parts = self._parts(session, flt, today or date.today())
            for part in (parts.people, parts.vacant):
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
        """One page of the people table, sorted in SQL through indexes (ORDER BY … LIMIT walks
        an index of folded keys instead of sorting 100 000 lines for every page)."""
        if sort not in SORT_KEYS:
            raise ValueError(f"unknown sort key {sort!r}")
        today = today or date.today()
        counted, self._counted_page = self._counted_page, None
        if counted is not None and offset == 0 and limit is not None:
            key, lines, complete, when = counted
            fresh = time.monotonic() - when < FUSED_PAGE_SECONDS
            enough = complete or limit <= len(lines)
            if fresh and enough and key == (flt, sort, descending, today):
                return lines[:limit]  # read a moment ago by the capped count
        self._last_sort = (sort, descending)
        return self._entries(flt, sort, descending, offset, limit, today)

    def _entries(self, flt: SearchFilter, sort: str, descending: bool, offset: int,
                 limit: int | None, today: date) -> list[EntryRow]:  # fmt: skip
        with self._sessions.begin() as session:
            sqlite = session.connection().dialect.name == "sqlite"
            # (PostgreSQL's planner, which has statistics, chooses well without the hint.)
            dense = DENSE_MATCHES if sort == "name" and sqlite else None
            parts = self._parts(
                session, flt, today, dense_over=dense, presort=sort == "name" and not sqlite
            )
            walk = "unit" if sort == "unit" else "post"
            held = self._parts(session, flt, today, held=walk).people if sort != "name" else None
            segments = self._segments(session, parts, held, sort, descending)
            top_each = not sqlite
            rows = self._page(session, segments, offset, limit, top_each=top_each)
        return [EntryRow(*r[:7], bool(r[7]), *r[8:12]) for r in rows]

    @staticmethod
    def _segments(session, parts: _Parts, held, sort: str, descending: bool) -> list:
        """The table as consecutive ordered queries: lines with a value in the sorted column
        (in the direction asked), then the empty cells and the vacant posts (always last, in
        their natural order). Each is one index walk, or a merge of a few (UNION ALL)."""
        people, vacant, name = parts
        vacant_keys = [Unit.sort_key, _role_rank(), Position.id]
        unheld = people.where(Position.id.is_(None))
        if sort == "name":
            main = [[(people, name)]]
            rest = [[(vacant, vacant_keys)]]
        elif sort == "title":
            main = [
                [
                    (held, [Position.sort_key, Person.sort_key, Position.id]),
                    (vacant, [Position.sort_key, literal(""), Position.id]),
                ]
            ]
            rest = [[(unheld, name)]]
        elif sort == "unit":
            main = [
                [
                    (held, [Unit.sort_key, _role_rank(), Person.sort_key, Position.id]),
                    (vacant, [Unit.sort_key, _role_rank(), literal(""), Position.id]),
                ]
            ]
            rest = [[(unheld, name)]]
        elif sort == "site":
            sites = session.scalars(select(Site.id).order_by(Site.name, Site.id)).all()
            if descending:
                sites.reverse()
            main = []
            for site_id in sites:
                main.append(
                    [
                        (people.where(Person.site_id == site_id), name),
                        (people.where(Person.site_id.is_(None), Unit.site_id == site_id), name),
                    ]
                )
                main.append([(vacant.where(Unit.site_id == site_id), vacant_keys)])
            no_site = people.where(Person.site_id.is_(None), Unit.site_id.is_(None))
            rest = [[(no_site, name)], [(vacant.where(Unit.site_id.is_(None)), vacant_keys)]]
        else:  # email, phone: a person's own columns
            column = Person.email if sort == "email" else Person.phone
            main = [[(people.where(column.is_not(None)), [column, *name])]]
            rest = [[(people.where(column.is_(None)), name)], [(vacant, vacant_keys)]]
        return [_ordered(arms, descending) for arms in main] + [
            _ordered(arms, False) for arms in rest
        ]

    @staticmethod
    def _page(
        session, segments: list, offset: int, limit: int | None, *, top_each: bool = False
    ) -> list:
        """Rows offset … offset + limit of the segments read one after the other; a segment is
        counted only when the page starts past its end."""
        rows: list = []
        for segment in segments:
            wanted = None if limit is None else limit - len(rows)
            if wanted == 0:
                break
            query = segment()
            if top_each and wanted is not None:
                query = segment(offset + wanted)
            page = query.offset(offset) if offset else query
            got = session.execute(page if wanted is None else page.limit(wanted)).all()
            rows += got
            if got or not offset:
                offset = 0
            else:
                counted = select(func.count()).select_from(segment().order_by(None).subquery())
                offset = max(0, offset - session.execute(counted).scalar_one())
        return rows

    def matching_units(self, flt: SearchFilter, limit: int = 30) -> list[UnitRow]:
        """Units whose acronym or name contains every word typed (for the "Services" list)."""
        tokens = flt.tokens
        if not tokens or any(len(token) < MIN_TITLE_TOKEN for token in tokens):
            return []  # a word of a letter or two matches people's names only (see Matcher)
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
                .order_by(Person.sort_key, Person.id)
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
                _role_rank(),
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

    def find_posts(self, text: str, *, exclude: int | None = None, limit: int = 20):
        """Current posts matching the words typed (holder, title or unit), for choosing the
        other end of a link: (position id, « Fonction — NOM Prénom (SIGLE) »)."""
        if len(SearchFilter(text).tokens) == 0:
            return []
        found = []
        for row in self.entries(SearchFilter(text), limit=limit + 1):
            if row.position_id is None or row.position_id == exclude:
                continue
            holder = row.person_label if row.person_id is not None else "poste vacant"
            found.append((row.position_id, f"{row.title} — {holder} ({row.unit_label})"))
        return found[:limit]

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
