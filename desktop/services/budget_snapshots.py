"""Frozen situations: « Arrêter la situation au … » copies the funding figures at a date, and
compares a frozen situation with today's figures per programme and funder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from desktop.errors import PilotisError
from desktop.models import Funder, FundingLine, Programme
from desktop.models.budget import BudgetSnapshot, BudgetSnapshotLine
from desktop.services.budget_filters import BudgetFilter, conditions, programme_conditions
from desktop.services.formatting import format_date
from desktop.services.history import os_login

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
                if session.scalar(select(BudgetSnapshot.id).where(BudgetSnapshot.label == label)):
                    raise SnapshotError(f"Libellé : une situation « {label} » existe déjà.")
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
                summed = (
                    select(
                        snapshot.id,
                        Programme.code,
                        Programme.name,
                        Funder.code,
                        Funder.name,
                        Funder.kind,
                        FundingLine.stage,
                        FundingLine.period,
                        func.sum(FundingLine.amount_cents),
                    )  # fmt: skip
                    .join(Programme, Programme.id == FundingLine.programme_id)
                    .join(Funder, Funder.id == FundingLine.funder_id)
                    .group_by(
                        Programme.code,
                        Programme.name,
                        Funder.code,
                        Funder.name,
                        Funder.kind,
                        FundingLine.stage,
                        FundingLine.period,
                    )  # fmt: skip
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
                snapshot_id = snapshot.id
        except IntegrityError as error:  # another user froze the same label meanwhile
            raise SnapshotError(f"Libellé : une situation « {label} » existe déjà.") from error
        return self.get(snapshot_id)

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
        )

    def delete(self, snapshot_id: int) -> None:
        with self._sessions.begin() as session:
            # Lines first: SQLite and PostgreSQL both cascade, but this does not rely on it.
            session.execute(
                delete(BudgetSnapshotLine).where(BudgetSnapshotLine.snapshot_id == snapshot_id)
            )
            done = session.execute(delete(BudgetSnapshot).where(BudgetSnapshot.id == snapshot_id))
            if done.rowcount == 0:
                raise SnapshotError(
                    "Cette situation arrêtée n'existe plus (supprimée entre-temps ?)."
                )

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
