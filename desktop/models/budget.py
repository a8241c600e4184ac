"""Funding lines (integer cents, one stage each) and the totals that source documents declare."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from desktop.models.base import Audited, Base
from desktop.models.programmes import PERIOD_CHECK
from desktop.models.reference import _in

STAGES = ("planned", "committed", "paid")


class FundingLine(Audited, Base):
    __tablename__ = "funding_line"
    __table_args__ = (
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint(_in("stage", STAGES), name="stage"),
        CheckConstraint(f"period IS NULL OR {PERIOD_CHECK}", name="period"),
        # Covers the budget aggregation (GROUP BY programme, funder, period; sums per stage):
        # the database reads the index in its order, without the table and without sorting.
        Index(
            "ix_funding_line_budget",
            "programme_id",
            "funder_id",
            "period",
            "stage",
            "amount_cents",
        ),  # fmt: skip
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    funder_id: Mapped[int] = mapped_column(ForeignKey("funder.id", ondelete="RESTRICT"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    stage: Mapped[str] = mapped_column(String(10), default="planned", server_default="planned")
    period: Mapped[str | None] = mapped_column(String(9))
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)


class DeclaredTotal(Audited, Base):
    """A total stated by a source, kept beside the computed sum so differences stay visible."""

    __tablename__ = "declared_total"
    __table_args__ = (
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint(f"stage IS NULL OR {_in('stage', STAGES)}", name="stage"),
        CheckConstraint(f"period IS NULL OR {PERIOD_CHECK}", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    funder_id: Mapped[int | None] = mapped_column(ForeignKey("funder.id", ondelete="RESTRICT"))
    label: Mapped[str] = mapped_column(String(300))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    stage: Mapped[str | None] = mapped_column(String(10))
    period: Mapped[str | None] = mapped_column(String(9))
    source: Mapped[str] = mapped_column(Text)


class BudgetSnapshot(Audited, Base):
    """A frozen situation: the funding figures and the declared totals as they stood on a date,
    kept so a synthesis can be printed again identically and compared with today.

    Audited, so taking one is in the history; deleting one only sets deleted_at (the lines stay)
    so that Ctrl+Z can bring it back.
    """

    __tablename__ = "budget_snapshot"
    __soft_delete__ = "deleted_at"  # history: undoing its creation sets this instead of deleting

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200), unique=True)
    taken_on: Mapped[date] = mapped_column(Date)  # the date the situation is stated at
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))  # when it was frozen
    login: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    # Whether the declared totals were frozen too (situations taken before migration 0006 were
    # not: their « déclaré ≠ calculé » uses today's totals against the frozen lines).
    totals_frozen: Mapped[bool] = mapped_column(Boolean, default=True, server_default=false())


class BudgetSnapshotLine(Base):
    """Funding summed per programme × funder × stage × period in a snapshot.

    Codes, names and the funder kind are copied on purpose, so a snapshot stays readable after
    programmes or funders are renamed or deleted.
    """

    __tablename__ = "budget_snapshot_line"
    __table_args__ = (
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint(_in("stage", STAGES), name="stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("budget_snapshot.id", ondelete="CASCADE"), index=True
    )
    programme_code: Mapped[str] = mapped_column(String(60))
    programme_name: Mapped[str] = mapped_column(String(300))
    funder_code: Mapped[str] = mapped_column(String(40))
    funder_name: Mapped[str] = mapped_column(String(200))
    funder_kind: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(10))
    period: Mapped[str | None] = mapped_column(String(9))
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class BudgetSnapshotTotal(Base):
    """A declared total as it stood in a snapshot, with the sum of its lines computed that day,
    so a frozen synthesis prints the same « déclaré ≠ calculé » section. Codes and names are
    copied, like the lines."""

    __tablename__ = "budget_snapshot_total"
    __table_args__ = (
        CheckConstraint("declared_cents >= 0", name="declared_not_negative"),
        CheckConstraint(f"stage IS NULL OR {_in('stage', STAGES)}", name="stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("budget_snapshot.id", ondelete="CASCADE"), index=True
    )
    programme_code: Mapped[str] = mapped_column(String(60))
    programme_name: Mapped[str] = mapped_column(String(300))
    funder_code: Mapped[str | None] = mapped_column(String(40))
    funder_kind: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(300))
    stage: Mapped[str | None] = mapped_column(String(10))
    period: Mapped[str | None] = mapped_column(String(9))
    declared_cents: Mapped[int] = mapped_column(BigInteger)
    computed_cents: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(Text)
