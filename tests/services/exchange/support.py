"""Helpers of the exchange tests: a checked-out copy, edits made as a named user, packages sent
and merged, and each base's rows keyed by their global identity (ids are local)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db import Database, open_database
from desktop.services.common.history import install_history
from desktop.services.exchange.checkout import checkout
from desktop.services.exchange.service import ExchangeService, MergeSummary
from desktop.services.exchange.wire import Refs, data_columns, link_fields, tables, wire_row


def source_url(database: Database) -> str:
    return str(database.path) if database.path is not None else database.url


def take_copy(database: Database, tmp_path: Path, name: str = "portable.sqlite") -> str:
    target = tmp_path / name
    checkout(source_url(database), target)
    return str(target)


def edit(url: str, change: Callable[[Session], None], login: str = "alice") -> None:
    """One user action (one transaction, one history batch) made by `login`. On PostgreSQL the
    server records its own account whatever the login (services/common/history.py)."""
    db = open_database(url, create=False)
    try:
        install_history(db.session_factory, login)
        with db.session_factory.begin() as session:
            change(session)
    finally:
        db.dispose()


def send(url: str, package: Path, **options) -> int:
    db = open_database(url, create=False)
    try:
        return ExchangeService(db.session_factory, url).export(package, **options).rows
    finally:
        db.dispose()


def receive(url: str, package: Path) -> MergeSummary:
    db = open_database(url, create=False)
    try:
        return ExchangeService(db.session_factory, url).merge(package)
    finally:
        db.dispose()


def rows_by_identity(url: str, names=None) -> dict[str, dict[str, dict]]:
    """table -> uuid -> its data (foreign keys and links as identities): what two bases that
    agree have in common, whatever their local ids."""
    db = open_database(url, create=False)
    try:
        with db.session_factory() as session:
            refs = Refs(session)
            found = {}
            for name, table in tables().items():
                if names and name not in names:
                    continue
                rows = {}
                for row in session.execute(select(table)).mappings():
                    values = wire_row(refs, name, dict(row))
                    for field, (link, own, other, target) in link_fields(name).items():
                        ids = session.scalars(
                            select(link.c[other]).where(link.c[own] == row["id"])
                        ).all()
                        values[field] = sorted(str(refs.ref(target, i)) for i in ids)
                    rows[row["uuid"]] = values
                found[name] = rows
            return found
    finally:
        db.dispose()


def digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def data_names(name: str) -> list[str]:
    return [c.name for c in data_columns(name)]
