"""Declarative base, constraint naming convention, and the audit columns of editable rows."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Integer, MetaData, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Named constraints let Alembic's batch mode (SQLite) find and alter them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def new_uuid() -> str:
    """A row's global identity, as text: the same on both backends and in JSON history values."""
    return str(uuid.uuid4())


class Audited:
    """Mixin: created/updated timestamps, a version for optimistic locking, history recording,
    and a global identity (`uuid`).

    SQLAlchemy's version counter makes an UPDATE that finds another version raise
    StaleDataError, which the services turn into a conflict for the user. The uuid survives
    copies between bases, so that an offline copy's changes find their rows again when they
    come back (services/exchange); ids are only local. A Python default, so that every INSERT
    made through SQLAlchemy (forms, imports, undo) gets one; the paths writing plain tuples
    (the import's SQLite writer, the generator) call new_uuid themselves.
    """

    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid, unique=True)

    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=False), server_default=func.current_timestamp(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=False),
        server_default=func.current_timestamp(),
        onupdate=func.current_timestamp(),
        nullable=False,
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:  # noqa: N805 - SQLAlchemy's declared_attr signature
        return {"version_id_col": cls.version}
