"""The regional roadmap and the programmes tree with milestones and indicators."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Audited, Base
from desktop.models.reference import _in

PROGRAMME_FAMILIES = (
    "france2030", "cper", "pia", "fse", "erasmus", "national", "regional", "europe", "autre",
)  # fmt: skip
PROGRAMME_KINDS = ("programme", "dispositif", "appel", "projet", "action", "operation")
PROGRAMME_STATUSES = ("prevu", "en_cours", "termine", "suspendu")
DATE_PRECISIONS = ("jour", "mois", "annee")
VALUE_KINDS = ("baseline", "target", "actual")
PERIOD_CHECK = "length(period) = 4 OR length(period) = 9"


class StrategicLine(Base):
    __tablename__ = "strategic_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(Text)


class Axis(Audited, Base):
    __tablename__ = "axis"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("strategic_line.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(Text)
    action: Mapped[str | None] = mapped_column(Text)
    is_priority: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


programme_axis = Table(
    "programme_axis",
    Base.metadata,
    Column("programme_id", ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
    Column("axis_id", ForeignKey("axis.id", ondelete="CASCADE"), primary_key=True),
)
programme_department = Table(
    "programme_department",
    Base.metadata,
    Column("programme_id", ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("department.id", ondelete="CASCADE"), primary_key=True),
)
programme_partner = Table(
    "programme_partner",
    Base.metadata,
    Column("programme_id", ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
)
programme_establishment = Table(
    "programme_establishment",
    Base.metadata,
    Column("programme_id", ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "establishment_id", ForeignKey("establishment.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Programme(Audited, Base):
    __tablename__ = "programme"
    __table_args__ = (
        CheckConstraint(_in("family", PROGRAMME_FAMILIES), name="family"),
        CheckConstraint(_in("kind", PROGRAMME_KINDS), name="kind"),
        CheckConstraint(_in("status", PROGRAMME_STATUSES), name="status"),
        CheckConstraint("end_on IS NULL OR start_on IS NULL OR end_on >= start_on", name="dates"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme.id", ondelete="RESTRICT"), index=True
    )
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    family: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="en_cours", server_default="en_cours")
    lead_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("unit.id", ondelete="SET NULL"), index=True
    )
    start_on: Mapped[date | None] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    beneficiary: Mapped[str | None] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Milestone(Audited, Base):
    __tablename__ = "milestone"
    __table_args__ = (CheckConstraint(_in("precision", DATE_PRECISIONS), name="precision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    precision: Mapped[str] = mapped_column(String(10), default="jour", server_default="jour")
    done: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    note: Mapped[str | None] = mapped_column(Text)


class Indicator(Audited, Base):
    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("programme_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str | None] = mapped_column(String(40))


class IndicatorValue(Audited, Base):
    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint("indicator_id", "period", "kind"),
        CheckConstraint(_in("kind", VALUE_KINDS), name="kind"),
        CheckConstraint(PERIOD_CHECK, name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicator.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(9))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
