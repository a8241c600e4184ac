"""The organisation tree, the people and the posts they hold (history kept, never overwritten)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Audited, Base
from desktop.models.reference import _in

UNIT_KINDS = (
    "region", "rectorat", "cabinet", "secretariat", "comite", "pole", "direction", "service",
    "departement", "mission",
)  # fmt: skip
POSITION_ROLES = ("head", "deputy", "site_manager", "member", "advisor")
LINK_KINDS = ("fonctionnel",)


class Unit(Audited, Base):
    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint(_in("kind", UNIT_KINDS), name="kind"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("unit.id", ondelete="RESTRICT"), index=True
    )
    code: Mapped[str] = mapped_column(String(60), unique=True)
    acronym: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    created_on: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(300))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    description: Mapped[str | None] = mapped_column(Text)


class Person(Audited, Base):
    __tablename__ = "person"
    __table_args__ = (CheckConstraint("length(trim(last_name)) > 0", name="last_name_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    last_name: Mapped[str] = mapped_column(String(120), index=True)
    first_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))


class Position(Audited, Base):
    """A post in a unit; no person means a vacant post."""

    __tablename__ = "position"
    __table_args__ = (
        CheckConstraint(_in("role", POSITION_ROLES), name="role"),
        CheckConstraint("end_on IS NULL OR start_on IS NULL OR end_on >= start_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="member", server_default="member")
    is_interim: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    start_on: Mapped[date | None] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class UnitLink(Audited, Base):
    """A functional (dotted-line) link between two units."""

    __tablename__ = "unit_link"
    __table_args__ = (
        CheckConstraint(_in("kind", LINK_KINDS), name="kind"),
        CheckConstraint("from_unit_id <> to_unit_id", name="distinct_units"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(
        String(20), default="fonctionnel", server_default="fonctionnel"
    )
    note: Mapped[str | None] = mapped_column(Text)
