"""Funding lines (integer cents, one stage each) and the totals that source documents declare."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
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
