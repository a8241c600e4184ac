"""What a base knows of its exchanges: its own identity, its partners and the packages it merged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Base


class ExchangeIdentity(Base):
    """One row: this base's identity. A checkout gives its copy a new one; a plain copy or a
    restored backup keeps it (it is the same base)."""

    __tablename__ = "exchange_identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class ExchangePartner(Base):
    """A base this one exchanges packages with, and where both histories stand.

    Positions are ids of a base's `change` table: `received_upto` is the partner's (its
    changes up to there are in this base), `acked_upto` and `sent_upto` are this base's (what
    the partner said it has, and how far the last package sent went)."""

    __tablename__ = "exchange_partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    label: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(10))  # source (checked out from it) or copy
    received_upto: Mapped[int] = mapped_column(Integer)
    acked_upto: Mapped[int] = mapped_column(Integer)
    sent_upto: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class ExchangeReceipt(Base):
    """A package merged here: which one, from whom, the history batch that applied it, and who
    merged it (the history keeps the changes' original authors)."""

    __tablename__ = "exchange_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    package_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("exchange_partner.id", ondelete="CASCADE"), index=True
    )
    batch: Mapped[str | None] = mapped_column(String(40), index=True)
    since: Mapped[int] = mapped_column(Integer)
    upto: Mapped[int] = mapped_column(Integer)
    applied: Mapped[int] = mapped_column(Integer)
    conflicts: Mapped[int] = mapped_column(Integer)
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    login: Mapped[str] = mapped_column(String(120))
    report: Mapped[str | None] = mapped_column(Text)
