"""Funding lines (integer cents, one stage each) and the totals that source documents declare."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

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


class BudgetSnapshot(Base):
    """A frozen situation: the funding figures as they stood on a date, kept so a synthesis can
    be printed again identically and compared with today."""

    __tablename__ = "budget_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200), unique=True)
    taken_on: Mapped[date] = mapped_column(Date)  # the date the situation is stated at
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))  # when it was frozen
    login: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)


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
