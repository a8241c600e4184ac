"""Directory use cases: the organisation tree, searching people and posts, details, printing."""

from __future__ import annotations

import time
from datetime import date
from typing import NamedTuple

from sqlalchemy import (
    Integer,
    String,
    and_,
    cast,
    false,
    func,
    intersect,
    literal,
    null,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased, sessionmaker
from sqlalchemy.sql.selectable import Join, Select

from desktop.models import Person, Position, Site, Unit
from desktop.services.common.folding import register_fold
from desktop.services.directory.details import (
    DirectoryDetails,
    current,
    role_rank,
)
from desktop.services.directory.edits import DirectoryEdits
from desktop.services.directory.org_chart import OrgChartQueries
from desktop.services.directory.rows import (
    EntryRow,
    PostRow,
    UnitRow,
)
from desktop.services.directory.search import (
    MIN_TITLE_TOKEN,
    Matcher,
    SearchFilter,
    fts_available,
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
        role_rank().label("rank"),
    )


def _people_joined(people, named: list, keyed: list, site, today: date, *, walk, held):
    """The people's lines joined to their current posts, units and sites, in the plan that
    suits the search: (query, the keys of the name order, conditions still to apply)."""
    post_on = and_(Position.person_id == Person.id, current(today))
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
            inside = select(Position.person_id).where(below, current(today))
            people = people.where(below, Person.id.in_(inside))
    return people, vacant


class _Parts(NamedTuple):
    people: Select  # people LEFT JOIN their current posts
    vacant: Select  # current posts nobody holds
    name_keys: list  # the order by name of the people's lines


class DirectoryService(DirectoryDetails):
    """The directory's facade: search, lists and details here; edits and the organisation
    chart built beside them (`edits`, `charts`)."""

    def __init__(self, session_factory: sessionmaker, *, use_fts: bool | None = None) -> None:
        """use_fts=None: use the FTS5 index when the database has it; False forces LIKE."""
        super().__init__(session_factory)
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
            .where(Position.person_id.is_(None), current(today))
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
        vacant_keys = [Unit.sort_key, role_rank(), Position.id]
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
                    (held, [Unit.sort_key, role_rank(), Person.sort_key, Position.id]),
                    (vacant, [Unit.sort_key, role_rank(), literal(""), Position.id]),
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
