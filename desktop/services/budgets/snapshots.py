"""Frozen situations: « Arrêter la situation au … » copies the funding figures at a date, and
compares a frozen situation with today's figures per programme and funder."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import and_, delete, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from desktop.errors import PilotisError
from desktop.models import Funder, FundingLine, Programme
from desktop.models.budget import BudgetSnapshot, BudgetSnapshotLine, BudgetSnapshotTotal
from desktop.services.budgets.declared import (
    TotalCheckRow,
    declared_query,
    declared_totals,
    in_scope,
)
from desktop.services.budgets.filters import BudgetFilter, conditions, programme_conditions
from desktop.services.common.formatting import format_date
from desktop.services.common.history import current_batch, os_login

LABEL_MAX = 200


class SnapshotError(PilotisError):
    """A situation that cannot be frozen, found or deleted; the message is French."""


@dataclass(frozen=True)
class SnapshotRow:
    id: int
    label: str
    taken_on: date
    taken_at: datetime
    login: str
    note: str | None
    line_count: int
    batch: str | None = None  # the history batch that took it (Ctrl+Z), when just taken

    @property
    def title(self) -> str:
        """« <label> (situation au 31/12/2023) »: how lists and printed headers name it."""
        return f"{self.label} (situation au {format_date(self.taken_on)})"


@dataclass(frozen=True)
class ComparisonRow:
    """A programme × funder (kind "line") or the total (kind "total"): then, now, difference."""

    kind: str
    programme_code: str | None
    programme_name: str | None
    funder_code: str | None
    funder_name: str | None
    then_cents: int
    now_cents: int

    @property
    def difference_cents(self) -> int:
        return self.now_cents - self.then_cents

    @property
    def change_rate(self) -> float | None:
        return self.difference_cents / self.then_cents if self.then_cents else None


@dataclass(frozen=True)
class TotalComparisonRow:
    """A declared total then (frozen) and now: what the source declared and what the lines
    summed to, on both dates; None where the total did not exist."""

    programme_code: str
    programme_name: str
    label: str
    funder_code: str | None
    stage: str | None
    period: str | None
    then_declared_cents: int | None
    then_computed_cents: int | None
    now_declared_cents: int | None
    now_computed_cents: int | None

    @property
    def changed(self) -> bool:
        return (self.then_declared_cents, self.then_computed_cents) != (
            self.now_declared_cents, self.now_computed_cents,
        )  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    snapshot: SnapshotRow
    filter: BudgetFilter
    rows: tuple[ComparisonRow, ...]  # lines that differ first (largest gap first), total last
    changed: int  # how many programme × funder lines differ


class BudgetSnapshotService:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def take(self, label: str, taken_on: date, note: str | None = None) -> SnapshotRow:
        """Freeze today's funding lines, summed per programme × funder × stage × period."""
        label = (label or "").strip()
        if not label:
            raise SnapshotError(
                "Libellé : donnez un nom à la situation (par exemple « COPIL juin »)."
            )
        if len(label) > LABEL_MAX:
            raise SnapshotError(f"Libellé : {LABEL_MAX} caractères au plus.")
        if taken_on is None:
            raise SnapshotError("Date : indiquez la date de la situation.")
        if taken_on > date.today():
            raise SnapshotError(
                f"Date : la situation ne peut pas être arrêtée à une date future "
                f"({format_date(taken_on)})."
            )
        note = (note or "").strip() or None
        try:
            with self._sessions.begin() as session:
                same = session.execute(
                    select(BudgetSnapshot.id, BudgetSnapshot.deleted_at).where(
                        BudgetSnapshot.label == label
                    )
                ).one_or_none()
                if same is not None and same.deleted_at is None:
                    raise SnapshotError(f"Libellé : une situation « {label} » existe déjà.")
                if same is not None:  # deleted earlier: the label is free again, for good
                    session.execute(delete(BudgetSnapshot).where(BudgetSnapshot.id == same.id))
                login = session.info.get("login") or os_login()
                snapshot = BudgetSnapshot(
                    label=label,
                    taken_on=taken_on,
                    taken_at=datetime.now().replace(microsecond=0),
                    login=login,
                    note=note,
                )
                session.add(snapshot)
                session.flush()
                # One INSERT … SELECT: the copy is done by the database, whatever the volume.
                keys = (Programme.code, Programme.name, Funder.code, Funder.name, Funder.kind,
                        FundingLine.stage, FundingLine.period)  # fmt: skip
                summed = (
                    select(snapshot.id, *keys, func.sum(FundingLine.amount_cents))
                    .join(Programme, Programme.id == FundingLine.programme_id)
                    .join(Funder, Funder.id == FundingLine.funder_id)
                    .group_by(*keys)
                )
                session.execute(
                    insert(BudgetSnapshotLine).from_select(
                        [
                            "snapshot_id",
                            "programme_code",
                            "programme_name",
                            "funder_code",
                            "funder_name",
                            "funder_kind",
                            "stage",
                            "period",
                            "amount_cents",
                        ],  # fmt: skip
                        summed,
                    )
                )
                # The declared totals and the sums of their lines, computed now.
                declared = declared_query().subquery("declared")
                session.execute(
                    insert(BudgetSnapshotTotal).from_select(
                        [
                            "snapshot_id", "programme_code", "programme_name", "label",
                            "funder_code", "funder_kind", "stage", "period", "declared_cents",
                            "computed_cents", "source",
                        ],
                        select(literal(snapshot.id), *declared.c),
                    )
                )  # fmt: skip
                snapshot_id = snapshot.id
                batch = current_batch(session)
        except IntegrityError as error:  # another user froze the same label meanwhile
            raise SnapshotError(f"Libellé : une situation « {label} » existe déjà.") from error
        return replace(self.get(snapshot_id), batch=batch)

    def list(self) -> list[SnapshotRow]:
        """Every frozen situation, most recent date first."""
        with self._sessions() as session:
            rows = session.execute(self._rows_query().order_by(
                BudgetSnapshot.taken_on.desc(), BudgetSnapshot.taken_at.desc()
            )).all()  # fmt: skip
        return [SnapshotRow(*row) for row in rows]

    def get(self, snapshot_id: int) -> SnapshotRow:
        with self._sessions() as session:
            row = session.execute(
                self._rows_query().where(BudgetSnapshot.id == snapshot_id)
            ).one_or_none()
        if row is None:
            raise SnapshotError("Cette situation arrêtée n'existe plus (supprimée entre-temps ?).")
        return SnapshotRow(*row)

    def find(self, label: str) -> SnapshotRow:
        """The situation named label (the command line's --snapshot)."""
        with self._sessions() as session:
            row = session.execute(
                self._rows_query().where(BudgetSnapshot.label == label.strip())
            ).one_or_none()
        if row is None:
            known = ", ".join(f"« {s.label} »" for s in self.list()) or "aucune"
            raise SnapshotError(f"Situation « {label} » inconnue. Situations arrêtées : {known}.")
        return SnapshotRow(*row)

    @staticmethod
    def _rows_query():
        count = (
            select(func.count())
            .where(BudgetSnapshotLine.snapshot_id == BudgetSnapshot.id)
            .scalar_subquery()
        )
        return select(
            BudgetSnapshot.id,
            BudgetSnapshot.label,
            BudgetSnapshot.taken_on,
            BudgetSnapshot.taken_at,
            BudgetSnapshot.login,
            BudgetSnapshot.note,
            count,
        ).where(BudgetSnapshot.deleted_at.is_(None))

    def delete(self, snapshot_id: int) -> str:
        """Mark the situation deleted (its figures stay, so Ctrl+Z can bring it back); returns
        the history batch."""
        with self._sessions.begin() as session:
            snapshot = session.get(BudgetSnapshot, snapshot_id)
            if snapshot is None or snapshot.deleted_at is not None:
                raise SnapshotError(
                    "Cette situation arrêtée n'existe plus (supprimée entre-temps ?)."
                )
            snapshot.deleted_at = datetime.now().replace(microsecond=0)
            session.flush()
            return current_batch(session)

    def compare_totals(
        self, snapshot_id: int, flt: BudgetFilter | None = None
    ) -> list[TotalComparisonRow]:
        """Every declared total of the situation or of today, frozen figures beside today's,
        those that changed first; empty for a situation taken without its totals."""
        flt = flt or BudgetFilter()
        then = self.frozen_totals(snapshot_id, flt, only_differences=False)
        if then is None:
            return []
        now = declared_totals(self._sessions, flt, only_differences=False)

        def key(row: TotalCheckRow) -> tuple:
            return (row.programme_code, row.label, row.funder_code, row.stage, row.period)

        merged: dict[tuple, list] = {}
        for row in then:
            merged[key(row)] = [row.programme_name, row.declared_cents, row.computed_cents,
                                None, None]  # fmt: skip
        for row in now:
            entry = merged.setdefault(key(row), [row.programme_name, None, None, None, None])
            entry[0] = row.programme_name
            entry[3:] = [row.declared_cents, row.computed_cents]
        rows = [
            TotalComparisonRow(code, name, label, funder, stage, period, *figures)
            for (code, label, funder, stage, period), (name, *figures) in merged.items()
        ]
        rows.sort(key=lambda r: (not r.changed, r.programme_code, r.label))
        return rows

    def frozen_totals(
        self, snapshot_id: int, flt: BudgetFilter, only_differences: bool = True
    ) -> list[TotalCheckRow] | None:
        """The declared totals frozen with a situation beside the sums computed that day, under
        the filter's programmes and funders; None for a situation taken without them."""
        total = BudgetSnapshotTotal
        with self._sessions() as session:
            frozen = session.scalar(
                select(BudgetSnapshot.totals_frozen).where(BudgetSnapshot.id == snapshot_id)
            )
            if not frozen:
                return None
            query = (
                select(total.programme_code, total.programme_name, total.label,
                       total.funder_code, total.stage, total.period, total.declared_cents,
                       total.computed_cents, total.source)
                .where(total.snapshot_id == snapshot_id)
                .order_by(total.programme_code, total.label)
            )  # fmt: skip
            query = in_scope(query, flt, total.programme_code, Programme.code, total.funder_code,
                             total.funder_kind)  # fmt: skip
            if only_differences:
                query = query.where(total.declared_cents != total.computed_cents)
            rows = session.execute(query).all()
        return [
            TotalCheckRow(code, name, label, funder, stage, period, int(declared), int(sums), src)
            for code, name, label, funder, stage, period, declared, sums, src in rows
        ]

    def compare(self, snapshot_id: int, flt: BudgetFilter | None = None) -> Comparison:
        """The filter's stage per programme × funder, then (frozen) and now, with the difference.

        Years, funders and funder kind apply to both sides through the copied period and codes;
        the programme scope (subtree, family, lead unit, département) is today's, applied to the
        copied programme codes.
        """
        flt = flt or BudgetFilter()
        snapshot = self.get(snapshot_id)
        line = BudgetSnapshotLine
        then_where = [line.snapshot_id == snapshot_id, line.stage == flt.stage]
        year = func.substr(line.period, 1, 4)
        if flt.year_from is not None:
            then_where.append(and_(line.period.is_not(None), year >= f"{flt.year_from:04d}"))
        if flt.year_to is not None:
            then_where.append(and_(line.period.is_not(None), year <= f"{flt.year_to:04d}"))
        if flt.funders:
            then_where.append(line.funder_code.in_(flt.funders))
        if flt.funder_kind:
            then_where.append(line.funder_kind == flt.funder_kind)
        scope = programme_conditions(flt)
        if scope:
            then_where.append(line.programme_code.in_(select(Programme.code).where(*scope)))
        with self._sessions() as session:
            then = session.execute(
                select(
                    line.programme_code,
                    line.programme_name,
                    line.funder_code,
                    line.funder_name,
                    func.sum(line.amount_cents),
                )  # fmt: skip
                .where(*then_where)
                .group_by(
                    line.programme_code, line.programme_name, line.funder_code, line.funder_name
                )
            ).all()
            now = session.execute(
                select(
                    Programme.code,
                    Programme.name,
                    Funder.code,
                    Funder.name,
                    func.sum(FundingLine.amount_cents),
                )  # fmt: skip
                .join(Programme, Programme.id == FundingLine.programme_id)
                .join(Funder, Funder.id == FundingLine.funder_id)
                .where(*conditions(flt))
                .group_by(Programme.code, Programme.name, Funder.code, Funder.name)
            ).all()
        merged: dict[tuple[str, str], list] = {}
        for code, name, funder, funder_name, amount in then:
            merged[(code, funder)] = [name, funder_name, int(amount), 0]
        for code, name, funder, funder_name, amount in now:
            entry = merged.setdefault((code, funder), [name, funder_name, 0, 0])
            entry[0], entry[1] = name, funder_name  # today's names
            entry[3] = int(amount)
        rows = [
            ComparisonRow("line", code, name, funder, funder_name, then_cents, now_cents)
            for (code, funder), (name, funder_name, then_cents, now_cents) in merged.items()
        ]
        rows.sort(key=lambda r: (r.difference_cents == 0, -abs(r.difference_cents),
                                 r.programme_code, r.funder_name))  # fmt: skip
        total = ComparisonRow(
            "total", None, None, None, None,
            sum(r.then_cents for r in rows), sum(r.now_cents for r in rows),
        )  # fmt: skip
        changed = sum(1 for r in rows if r.difference_cents)
        return Comparison(snapshot, flt, (*rows, total), changed)
