"""The change history: who (OS or database login), when, which row and field, old → new."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Base


class Change(Base):
    __tablename__ = "change"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    login: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(10))  # insert, update, delete
    table_name: Mapped[str] = mapped_column(String(60), index=True)
    row_id: Mapped[int | None] = mapped_column(Integer, index=True)
    field: Mapped[str | None] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    batch: Mapped[str | None] = mapped_column(String(40), index=True)
