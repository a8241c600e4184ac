"""Alembic environment: batch mode for SQLite, our metadata, and the caller's connection."""

from __future__ import annotations

from alembic import context

from desktop.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        # Developer use (`alembic revision --autogenerate`): open the URL of alembic.ini.
        from desktop.db import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url"), foreign_keys=False)
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
        return
    _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
