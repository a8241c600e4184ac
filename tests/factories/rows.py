"""Every row of a base, to compare two bases whole (copies, round trips)."""

from __future__ import annotations

from sqlalchemy import select

from desktop.db import open_database
from desktop.services.transfer.copy import tables


def all_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in key order, as plain tuples."""
    db = open_database(url, create=False)
    try:
        with db.engine.connect() as conn:
            return {
                t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key))]
                for t in tables()
            }
    finally:
        db.dispose()
