"""Reference tables: académies, départements, sites, funders, partners, establishments."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Audited, Base

FUNDER_KINDS = ("etat", "region", "collectivite", "ue", "operateur", "autre")
ORGANISATION_KINDS = (
    "universite", "ecole", "organisme_recherche", "cmq", "pft", "crt", "cdt", "association",
    "entreprise", "collectivite", "etat", "operateur", "autre",
)  # fmt: skip


def _in(column: str, values: tuple[str, ...]) -> str:
    """SQL text of a CHECK that a column holds one of the given codes."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Academie(Base):
    __tablename__ = "academie"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Department(Base):
    __tablename__ = "department"
    __table_args__ = (CheckConstraint("length(code) BETWEEN 2 AND 3", name="code_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    academie_id: Mapped[int] = mapped_column(ForeignKey("academie.id", ondelete="RESTRICT"))


class Site(Audited, Base):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL")
    )


class Funder(Audited, Base):
    __tablename__ = "funder"
    __table_args__ = (CheckConstraint(_in("kind", FUNDER_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)


class Organisation(Audited, Base):
    """A partner or labelled structure: university, research body, CMQ, PFT, CRT, company…"""

    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint(_in("kind", ORGANISATION_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))
    city: Mapped[str | None] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL")
    )
    description: Mapped[str | None] = mapped_column(Text)


class Establishment(Audited, Base):
    """A school, collège, lycée, CIO or service of the Ministry's Annuaire de l'éducation."""

    __tablename__ = "establishment"
    __table_args__ = (
        CheckConstraint("length(uai) = 8", name="uai_length"),
        CheckConstraint("sector IS NULL OR sector IN ('public', 'prive')", name="sector"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uai: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(100))
    sector: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    commune: Mapped[str | None] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL")
    )
    academie_id: Mapped[int | None] = mapped_column(ForeignKey("academie.id", ondelete="SET NULL"))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str | None] = mapped_column(String(40))
