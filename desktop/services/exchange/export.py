"""Building a change package from the history: the net change of each row touched since the
last exchange with a partner, field by field, with the value at the common point (base), the
value now, and who changed it when.

A row created since is sent whole, a row deleted since with its values at the common point (so
that the other side can tell whether it changed there meanwhile), a row edited since with only
its fields whose value moved. Changes that came from that partner's own packages are not sent
back to it."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.models import Change, ExchangePartner, ExchangeReceipt
from desktop.services.common.history import decode, imported_ids
from desktop.services.exchange.wire import (
    Refs,
    data_columns,
    link_fields,
    table,
    tables,
    wire_links,
    wire_row,
    wire_value,
)

_CHUNK = 500


@dataclass
class _Event:
    action: str
    field: str | None
    old: str | None
    new: str | None
    login: str
    at: str


def _stamp(change: Change) -> str:
    return change.at.replace(microsecond=0).isoformat() if change.at else ""


def echo_batches(session: Session, partner: ExchangePartner) -> set[str]:
    """The batches that merged that partner's packages: its own changes, not to send back."""
    found = session.scalars(
        select(ExchangeReceipt.batch).where(
            ExchangeReceipt.partner_id == partner.id, ExchangeReceipt.batch.is_not(None)
        )
    )
    return set(found)


def _events(session: Session, since: int, upto: int, echo: set[str]):
    """(table, row id) -> its events in the window, in order; import records expanded."""
    by_row: dict[tuple[str, int], list[_Event]] = defaultdict(list)
    exchanged = set(tables())
    query = (
        select(Change)
        .where(Change.id > since, Change.id <= upto, Change.table_name.in_(exchanged))
        .order_by(Change.id)
        .execution_options(yield_per=2000)
    )
    for change in session.scalars(query):
        if change.batch in echo:
            continue
        event = _Event(change.action, change.field, change.old_value, change.new_value,
                       change.login, _stamp(change))  # fmt: skip
        ids = imported_ids(change)
        if ids is not None:  # an import's one record of the rows it added
            for row_id in ids:
                by_row[(change.table_name, row_id)].append(event)
        elif change.row_id is not None:
            by_row[(change.table_name, change.row_id)].append(event)
    return by_row


def _current_rows(session: Session, name: str, ids: list[int]) -> dict[int, dict]:
    t = table(name)
    rows = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for row in session.execute(select(t).where(t.c.id.in_(chunk))).mappings():
            rows[row["id"]] = dict(row)
    return rows


def _current_links(session: Session, name: str, ids: list[int]) -> dict[tuple[int, str], list]:
    found: dict[tuple[int, str], list] = defaultdict(list)
    for field, (link, own, other, _target) in link_fields(name).items():
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            query = select(link.c[own], link.c[other]).where(link.c[own].in_(chunk))
            for owner, linked in session.execute(query):
                found[(owner, field)].append(linked)
    return found


def _decoded(name: str, field: str, text: str | None) -> object:
    """A history value (JSON) as a Python value of the column, or a list of linked ids."""
    links = link_fields(name)
    if field in links:
        return json.loads(text) if text else []
    column = table(name).c.get(field)
    return decode(text, column) if column is not None else None


def build_rows(session: Session, partner: ExchangePartner, since: int, upto: int) -> list[dict]:
    """The package's rows for the history window (since, upto]."""
    refs = Refs(session)
    by_row = _events(session, since, upto, echo_batches(session, partner))
    by_table: dict[str, list[int]] = defaultdict(list)
    for name, row_id in by_row:
        by_table[name].append(row_id)
    out: list[dict] = []
    for name in tables():
        ids = sorted(by_table.get(name, []))
        if not ids:
            continue
        current = _current_rows(session, name, ids)
        links = _current_links(session, name, list(current))
        columns = {c.name: c for c in data_columns(name)}
        for column in columns.values():  # the foreign keys of these rows, one query per table
            target = column.foreign_keys and next(iter(column.foreign_keys)).column.table.name
            if target:
                refs.prefetch(target, [r[column.name] for r in current.values()])
        refs.prefetch(name, ids)
        for row_id in ids:
            row = _package_row(refs, name, row_id, by_row[(name, row_id)], current, links)
            if row is not None:
                out.append(row)
    return out


def _package_row(refs: Refs, name: str, row_id: int, events: list[_Event], current: dict,
                 links: dict) -> dict | None:  # fmt: skip
    existed_before = events[0].action != "insert"
    now_row = current.get(row_id)
    if not existed_before and now_row is None:
        return None  # created and deleted again meanwhile: nothing to tell
    # Who last touched each field, and each field's value at the common point.
    touched: dict[str, tuple[str, str]] = {}
    base: dict[str, object] = {}
    whole = (events[0].login, events[0].at)
    for event in events:
        stamp = (event.login, event.at)
        if event.action == "update" and event.field:
            touched[event.field] = stamp
            base.setdefault(event.field, _decoded(name, event.field, event.old))
        elif event.action == "delete":
            whole = stamp
            try:
                snapshot = json.loads(event.old or "{}")
            except ValueError:
                snapshot = {}
            for key, value in snapshot.items():
                if key in table(name).c:
                    base.setdefault(key, _decoded(name, key, json.dumps(value)))
        else:
            whole = stamp
    columns = {c.name: c for c in data_columns(name)}
    link_map = link_fields(name)
    identity = (now_row or {}).get("uuid") or refs.ref(name, row_id)
    if identity is None:
        return None  # a row deleted before it had an identity (older than migration 0011)

    def wire_base(field: str) -> object:
        if field in link_map:
            return wire_links(refs, link_map[field][3], base[field] or [])
        return wire_value(refs, columns[field], base[field])

    if now_row is None:
        values = {f: wire_base(f) for f in base if f in columns or f in link_map}
        return {"table": name, "uuid": identity, "op": "delete", "base": values,
                "login": whole[0], "at": whole[1]}  # fmt: skip
    values = wire_row(refs, name, now_row)
    for field, (_link, _own, _other, target) in link_map.items():
        values[field] = wire_links(refs, target, links.get((row_id, field), []))
    if not existed_before:
        meta = {f: touched.get(f, whole) for f in values}
        return {"table": name, "uuid": identity, "op": "insert", "values": values,
                "login": whole[0], "at": whole[1],
                "authors": {f: list(m) for f, m in meta.items() if m != whole}}  # fmt: skip
    fields = {}
    for field in base:
        if field not in values:
            continue
        before = wire_base(field)
        if before != values[field]:
            login, at = touched.get(field, whole)
            fields[field] = {"base": before, "value": values[field], "login": login, "at": at}
    if not fields:
        return None  # edited back to where it was
    return {"table": name, "uuid": identity, "op": "update", "fields": fields}
