"""Budget use cases: the public-finance chain (prévu → engagé → versé) per programme and funder,
by year and by roadmap axis, under the shared filters; every sum is a GROUP BY in the database.

Stages are cumulative measures of the same money: what is committed is part of what was
planned, what is paid part of what was committed. Stages are therefore never added together.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, case, cast, func, null, or_, select
from sqlalchemy.orm import sessionmaker

from desktop.models import (
    Axis,
    DeclaredTotal,
    Department,
    Funder,
    FundingLine,
    Programme,
    Unit,
    programme_axis,
)
from desktop.models.reference import FUNDER_KINDS as FUNDER_KIND_ORDER
from desktop.services.budgets.declared import TotalCheckRow, declared_totals
from desktop.services.budgets.filters import (
    BudgetFilter,
    conditions,
    line_year,
    lines_source,
)
from desktop.services.budgets.rows import (
    AxisRow,
    BudgetOptions,
    BudgetOverview,
    ChainRow,
    Choice,
    FunderRow,
    FundingRow,
    ProgrammeChain,
    YearRow,
)
from desktop.services.budgets.snapshots import BudgetSnapshotService
from desktop.services.common.parsing import fold
from desktop.services.common.trees import descendants


def _stage_sums():
    def stage_sum(stage: str):
        # BIGINT, not PostgreSQL's NUMERIC sum of a BIGINT: numpy takes the rows as they come.
        amount = case((FundingLine.stage == stage, FundingLine.amount_cents), else_=0)
        return cast(func.coalesce(func.sum(amount), 0), BigInteger)

    return (
        stage_sum("planned").label("planned"),
        stage_sum("committed").label("committed"),
        stage_sum("paid").label("paid"),
    )


def _group_mapper(parents: dict[int, int | None], parent_id: int | None):
    """programme id → the shown-level programme above it (None: outside the shown level).

    The shown level is the top of the tree, or the children of the chosen programme
    (parent_id), whose own lines form a group of their own. Walks the small programme tree,
    memoised, instead of a recursive CTE joined to every line.
    """
    memo: dict[int, int | None] = {}

    def group_of(programme_id: int) -> int | None:
        if programme_id in memo:
            return memo[programme_id]
        path, node, found = [], programme_id, None
        while node is not None:
            if node in memo:
                found = memo[node]
                break
            path.append(node)
            parent = parents.get(node)
            if parent_id is None:
                if parent is None:
                    found = node
                    break
            elif node == parent_id or parent == parent_id:
                found = node
                break
            node = parent
        # Every node on the path below the shown level belongs to the same group.
        for visited in path:
            memo[visited] = found
        return found

    return group_of


def _sum_by(keys, amounts):
    """(distinct keys, int64 sums of the rows of amounts sharing each key), exact in cents."""
    import numpy as np

    distinct, inverse = np.unique(keys, return_inverse=True)
    sums = np.zeros((len(distinct), amounts.shape[1]), dtype=np.int64)
    np.add.at(sums, inverse.reshape(-1), amounts)
    return distinct, sums


def _raw_rows(connection, statement) -> list[tuple]:
    """The rows of a SELECT as the driver returns them: for large grouped results, skipping
    SQLAlchemy's row objects halves the time spent in Python. Only for plain integer or text
    parameters (no type conversion is applied to them)."""
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        return cursor.fetchall()
    finally:
        cursor.close()


class _GroupedSums:
    """Rows (programme id, funder id, year or -1, planned, committed, paid) summed by the
    database per programme × funder × period, re-summed with numpy per shown-level programme ×
    funder, per year × funder and per programme (the programme tree is walked once per
    programme, never per line)."""

    def __init__(self, rows, parents, parent_id, funder_codes) -> None:
        import numpy as np

        self._funder_codes = funder_codes
        table = np.array(rows, dtype=np.int64).reshape(len(rows), 6)
        self.programmes = table[:, 0]
        self.funders = table[:, 1]
        self.years_ = table[:, 2]  # the first year of the period; -1: no period
        self.amounts = table[:, 3:]
        group_of = _group_mapper(parents, parent_id)
        distinct, inverse = np.unique(self.programmes, return_inverse=True)
        groups = np.fromiter(
            (-1 if (g := group_of(int(p))) is None else g for p in distinct.tolist()),
            dtype=np.int64, count=len(distinct),
        )  # fmt: skip
        self.groups = groups[inverse.reshape(-1)]
        self._funder_span = int(self.funders.max()) + 1 if len(rows) else 1

    def chain(self) -> list[tuple]:
        """(shown-level programme id, funder code, planned, committed, paid)."""
        inside = self.groups >= 0
        keys = self.groups[inside] * self._funder_span + self.funders[inside]
        distinct, sums = _sum_by(keys, self.amounts[inside])
        return [
            (int(key) // self._funder_span, self._funder_codes[int(key) % self._funder_span],
             *map(int, row))
            for key, row in zip(distinct, sums, strict=True)
        ]  # fmt: skip

    def years(self) -> list[tuple]:
        """(year or None, funder code, planned, committed, paid): lines without a period
        first, then by year and funder code."""
        keys = (self.years_ + 1) * self._funder_span + self.funders
        distinct, sums = _sum_by(keys, self.amounts)
        rows = []
        for key, row in zip(distinct, sums, strict=True):
            year = int(key) // self._funder_span - 1
            code = self._funder_codes[int(key) % self._funder_span]
            rows.append((None if year < 0 else year, code, *map(int, row)))
        rows.sort(key=lambda r: (r[0] is not None, r[0] or 0, r[1]))
        return rows

    def per_programme(self):
        """(programme ids, their planned / committed / paid sums as an n × 3 array)."""
        return _sum_by(self.programmes, self.amounts)


class BudgetService:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory
        self.snapshots = BudgetSnapshotService(session_factory)  # the frozen situations

    # --- reference lists ---------------------------------------------------------------------

    @staticmethod
    def _funders(session) -> tuple[FunderRow, ...]:
        rows = session.execute(select(Funder.code, Funder.name, Funder.kind)).all()
        order = {kind: i for i, kind in enumerate(FUNDER_KIND_ORDER)}
        rows = sorted(rows, key=lambda r: (order.get(r.kind, len(order)), r.code))
        result, seen = [], {}
        for rank, (code, name, kind) in enumerate(rows):
            seen[kind] = seen.get(kind, -1) + 1
            result.append(FunderRow(code, name, kind, rank, seen[kind]))
        return tuple(result)

    def funders(self) -> tuple[FunderRow, ...]:
        with self._sessions() as session:
            return self._funders(session)

    def options(self) -> BudgetOptions:
        """Funders, programmes (as an indented tree), units, départements and years on file."""
        with self._sessions() as session:
            funders = self._funders(session)
            programmes = session.execute(
                select(Programme.id, Programme.parent_id, Programme.code, Programme.name).order_by(
                    Programme.sort_order, Programme.code
                )
            ).all()
            units = session.execute(
                select(Unit.code, Unit.acronym, Unit.name).order_by(Unit.sort_order, Unit.code)
            ).all()
            departments = session.execute(
                select(Department.code, Department.name).order_by(Department.code)
            ).all()
            years = session.scalars(
                select(line_year()).where(FundingLine.period.is_not(None)).distinct()
            ).all()
        children: dict[int | None, list] = {}
        for row in programmes:
            children.setdefault(row.parent_id, []).append(row)
        ordered: list[Choice] = []
        stack = [(row, 0) for row in reversed(children.get(None, []))]
        while stack:  # depth-first, so each programme follows its parent
            row, depth = stack.pop()
            ordered.append(Choice(row.code, "    " * depth + f"{row.code} — {row.name}"))
            stack.extend((child, depth + 1) for child in reversed(children.get(row.id, [])))
        # Choice lists read in French order (« État » before « Région »); the funders' rank keeps
        # the order of the tables' columns.
        return BudgetOptions(
            funders=tuple(sorted(funders, key=lambda f: fold(f"{f.name} ({f.code})"))),
            programmes=tuple(ordered),
            units=tuple(
                sorted(
                    (
                        Choice(u.code, f"{u.acronym} — {u.name}" if u.acronym else u.name)
                        for u in units
                    ),
                    key=lambda c: fold(c.label),
                )
            ),  # fmt: skip
            departments=tuple(Choice(d.code, f"{d.code} — {d.name}") for d in departments),
            years=tuple(sorted(int(y) for y in years if y is not None)),
        )

    # --- the overview ------------------------------------------------------------------------

    def overview(
        self, flt: BudgetFilter | None = None, snapshot: int | None = None
    ) -> BudgetOverview:
        """The chain per programme × funder with subtotals, by year and by axis, for a filter;
        the figures of a frozen situation when snapshot (its id) is given."""
        flt = flt or BudgetFilter()
        lines = lines_source(snapshot)
        with self._sessions() as session:
            funders = self._funders(session)
            parent_id = None
            if flt.programme:
                parent_id = session.scalar(
                    select(Programme.id).where(Programme.code == flt.programme)
                )
            where = conditions(flt, with_stage=False)
            # One pass over the lines, grouped per programme × funder × period (the order of the
            # covering index ix_funding_line_budget, so no sort); the chain, the years and the
            # axes are then summed from these grouped rows with numpy, never row by row.
            connection = session.connection()
            period = FundingLine.period
            year = func.coalesce(cast(func.substr(period, 1, 4), Integer), -1)
            grouped = _raw_rows(
                connection,
                lines(
                    select(FundingLine.programme_id, FundingLine.funder_id, year, *_stage_sums())
                    .where(*where)
                    .group_by(FundingLine.programme_id, FundingLine.funder_id, period)
                ),
            )
            parents = dict(_raw_rows(connection, select(Programme.id, Programme.parent_id)))
            funder_codes = dict(_raw_rows(connection, select(Funder.id, Funder.code)))
            sums = _GroupedSums(grouped, parents, parent_id, funder_codes)
            chain = sums.chain()
            ids = {group_id for group_id, *_ in chain}
            names = {
                r.id: (r.code, r.name)
                for r in connection.execute(
                    select(Programme.id, Programme.code, Programme.name).where(
                        Programme.id.in_(ids)
                    )
                )
            } if ids else {}  # fmt: skip
            envelopes = self._envelopes(session, ids)
            axes = self._axes(session, parents, sums.per_programme())
        funder_names = {f.code: f.name for f in funders}
        return self._assemble(flt, funders, funder_names, chain, names, envelopes, sums.years(),
                              axes, parent_id)  # fmt: skip

    @staticmethod
    def _group_cte(parent_id: int | None):
        """(programme_id, group_id): each programme mapped to the shown-level programme above it.

        The shown level is the top of the tree, or the children of the chosen programme; the
        chosen programme's own lines form a group of their own.
        """
        if parent_id is None:
            shown = Programme.parent_id.is_(None)
        else:
            shown = or_(Programme.parent_id == parent_id, Programme.id == parent_id)
        return descendants(
            Programme,
            shown,
            name="display_group",
            with_root=True,
            # Below the chosen programme the walk stops: its children are groups of their own.
            descend=None if parent_id is None else (lambda c: c.programme_id != parent_id),
            id_label="programme_id",
            root_label="group_id",
        )

    @staticmethod
    def _envelopes(session, programme_ids: set[int]) -> dict[tuple[int, str | None], int]:
        """Declared planned totals of the shown programmes, per programme and per funder."""
        if not programme_ids:
            return {}
        rows = session.execute(
            select(DeclaredTotal.programme_id, Funder.code, func.max(DeclaredTotal.amount_cents))
            .outerjoin(Funder, Funder.id == DeclaredTotal.funder_id)
            .where(
                DeclaredTotal.programme_id.in_(programme_ids),
                or_(DeclaredTotal.stage.is_(None), DeclaredTotal.stage == "planned"),
                DeclaredTotal.period.is_(None),
            )
            .group_by(DeclaredTotal.programme_id, Funder.code)
        ).all()
        return {(pid, code): int(amount) for pid, code, amount in rows}

    @staticmethod
    def _axes(session, parents: dict[int, int | None], programme_sums) -> list[AxisRow]:
        """Sums per roadmap axis; a programme inherits its ancestors' axes.

        The lines are summed per programme by the database; the small programme tree (not the
        lines) is walked here to find each programme's axes, which measured 4× faster on SQLite
        than a recursive CTE joined to 200 000 lines.
        """
        import numpy as np

        own: dict[int, set[int]] = {}
        connection = session.connection()
        titles = dict(_raw_rows(connection, select(Axis.id, Axis.number)))
        for programme_id, axis_id in _raw_rows(
            connection, select(programme_axis.c.programme_id, programme_axis.c.axis_id)
        ):
            own.setdefault(programme_id, set()).add(titles[axis_id])
        titles = dict(_raw_rows(connection, select(Axis.number, Axis.title)))
        inherited: dict[int | None, frozenset[int]] = {None: frozenset()}

        def axes_of(programme_id: int | None) -> frozenset[int]:
            chain = []
            while programme_id not in inherited:
                chain.append(programme_id)
                programme_id = parents.get(programme_id)
            result = inherited[programme_id]
            for node in reversed(chain):
                result = result | own.get(node, set())
                inherited[node] = result
            return result

        programme_ids, amounts = programme_sums
        rows, numbers = [], []  # (row in amounts, axis number; -1 for « no axis ») pairs
        for row, programme_id in enumerate(programme_ids.tolist()):
            for number in axes_of(programme_id) or (-1,):
                rows.append(row)
                numbers.append(number)
        distinct, inverse = np.unique(np.array(numbers, dtype=np.int64), return_inverse=True)
        totals = np.zeros((len(distinct), 3), dtype=np.int64)
        np.add.at(totals, inverse.reshape(-1), amounts[np.array(rows, dtype=np.int64)])
        sums = {
            (None if n < 0 else int(n)): [int(v) for v in total]
            for n, total in zip(distinct, totals, strict=True)
        }
        result = [AxisRow(n, titles[n], *sums[n]) for n in sorted(k for k in sums if k is not None)]
        if None in sums and any(sums[None]):
            result.append(AxisRow(None, "Sans axe de la feuille de route", *sums[None]))
        return result

    @staticmethod
    def _assemble(flt, funders, funder_names, chain, names, envelopes, years, axes, parent_id):
        stage = flt.stage
        by_group: dict[int, list[ChainRow]] = {}
        funder_sums: dict[str, list[int]] = {}
        for group_id, funder_code, planned, committed, paid in chain:
            code, name = names[group_id]
            if group_id == parent_id:
                name = f"{name} (lignes propres)"
            row = ChainRow("line", code, name, funder_code, funder_names[funder_code],
                           int(planned), int(committed), int(paid),
                           envelopes.get((group_id, funder_code)))  # fmt: skip
            by_group.setdefault(group_id, []).append(row)
            sums = funder_sums.setdefault(funder_code, [0, 0, 0])
            sums[0] += row.planned_cents
            sums[1] += row.committed_cents
            sums[2] += row.paid_cents
        programmes = []
        for group_id, lines in by_group.items():
            code, name = lines[0].programme_code, lines[0].programme_name
            lines.sort(key=lambda r: (-r.stage_cents(stage), r.funder_name or ""))
            subtotal = ChainRow(
                "subtotal", code, name, None, None,
                sum(r.planned_cents for r in lines), sum(r.committed_cents for r in lines),
                sum(r.paid_cents for r in lines), envelopes.get((group_id, None)),
            )  # fmt: skip
            programmes.append(ProgrammeChain(subtotal, tuple(lines)))
        programmes.sort(key=lambda p: (-p.subtotal.stage_cents(stage), p.subtotal.programme_code))
        funder_totals = sorted(
            (
                ChainRow("funder", None, None, code, funder_names[code], *sums)
                for code, sums in funder_sums.items()
            ),
            key=lambda r: (-r.stage_cents(stage), r.funder_name or ""),
        )
        total = ChainRow(
            "total", None, None, None, None,
            sum(r.planned_cents for r in funder_totals),
            sum(r.committed_cents for r in funder_totals),
            sum(r.paid_cents for r in funder_totals),
        )  # fmt: skip
        year_rows = tuple(
            YearRow(None if y is None else int(y), code, int(p), int(c), int(v))
            for y, code, p, c, v in years
        )
        return BudgetOverview(flt, funders, tuple(programmes), tuple(funder_totals), total,
                              year_rows, tuple(axes),
                              None if parent_id is None else flt.programme)  # fmt: skip

    # --- flat lists --------------------------------------------------------------------------

    def cross_rows(
        self, flt: BudgetFilter | None = None, snapshot: int | None = None
    ) -> list[tuple]:
        """(funder name, programme "CODE — name", year or None, cents) of the filter's stage,
        summed per funder × shown-level programme × year: the source of the cross-table."""
        flt = flt or BudgetFilter()
        lines = lines_source(snapshot)
        with self._sessions() as session:
            parent_id = None
            if flt.programme:
                parent_id = session.scalar(
                    select(Programme.id).where(Programme.code == flt.programme)
                )
            groups = self._group_cte(parent_id)
            year = case((FundingLine.period.is_(None), null()), else_=line_year())
            rows = session.execute(
                lines(
                    select(
                        Funder.name,
                        Programme.code,
                        Programme.name,
                        year,
                        func.sum(FundingLine.amount_cents),
                    )  # fmt: skip
                    .select_from(FundingLine)
                    .join(groups, groups.c.programme_id == FundingLine.programme_id)
                    .join(Programme, Programme.id == groups.c.group_id)
                    .join(Funder, Funder.id == FundingLine.funder_id)
                    .where(*conditions(flt))
                    .group_by(Funder.name, Programme.code, Programme.name, year)
                )
            ).all()
        return [(f, f"{c} — {n}", None if y is None else int(y), int(s)) for f, c, n, y, s in rows]

    def funding_by_programme_and_funder(self) -> list[FundingRow]:
        """Sums per programme × funder and stage, computed by the database."""
        with self._sessions() as session:
            rows = session.execute(
                select(Programme.code, Programme.name, Funder.code, Funder.name, *_stage_sums())
                .join(Programme, FundingLine.programme_id == Programme.id)
                .join(Funder, FundingLine.funder_id == Funder.id)
                .group_by(Programme.code, Programme.name, Funder.code, Funder.name)
                .order_by(Programme.code, Funder.code)
            ).all()
        return [FundingRow(*r[:4], int(r[4]), int(r[5]), int(r[6])) for r in rows]

    def discrepancies(
        self,
        flt: BudgetFilter | None = None,
        *,
        only_differences: bool = True,
        snapshot: int | None = None,
    ) -> list[TotalCheckRow]:
        """Declared totals beside the sum of their programme subtree's lines (declared.py's
        rule); with a snapshot, the totals frozen with it and the sums computed that day, or —
        for a situation taken without its totals — today's totals over its frozen lines."""
        flt = flt or BudgetFilter()
        if snapshot is not None:
            frozen = self.snapshots.frozen_totals(snapshot, flt, only_differences)
            if frozen is not None:
                return frozen
        return declared_totals(self._sessions, flt, only_differences, lines_source(snapshot))
