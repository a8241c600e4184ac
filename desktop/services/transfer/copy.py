"""Copy a whole Pilotis database between SQLite and PostgreSQL, in either direction, and prove it.

The target's schema is made by the migrations (as `init` does); the rows go table by table in
foreign-key order (parents before children inside a tree table) in ONE target transaction, so a
failed copy leaves the target as it was. The history table comes along. PostgreSQL sequences
are then moved past the copied ids. Row counts and sums of the integer columns are compared per
table afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import BigInteger, Integer, Table, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection

from desktop.db import Database, display_url, open_database, resolve_url, vacuum_analyse
from desktop.db_errors import server_rights
from desktop.errors import PilotisError
from desktop.models import Base

CHUNK = 5000


class CopyError(PilotisError):
    """The copy was refused or failed; the target is left as it was."""


class TargetNotEmptyError(CopyError):
    """The copy target already holds data (use --force to replace it)."""


class CopyMismatchError(CopyError):
    """The copy committed but the counts or sums differ (should never happen; kept loud)."""


@dataclass(frozen=True)
class TableCheck:
    table: str
    source_rows: int
    target_rows: int
    source_sum: int
    target_sum: int

    @property
    def ok(self) -> bool:
        return (self.source_rows, self.source_sum) == (self.target_rows, self.target_sum)


@dataclass(frozen=True)
class CopySummary:
    source: str
    target: str
    tables: tuple[TableCheck, ...]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(t.target_rows for t in self.tables)

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)


def tables() -> list[Table]:
    """Every table of the schema, parents before children."""
    return list(Base.metadata.sorted_tables)


def _summed_columns(table: Table) -> list:
    # Integers only: float sums drift with the order of addition, booleans do not sum everywhere.
    return [c for c in table.columns if isinstance(c.type, Integer | BigInteger)]


def table_figures(conn: Connection, table: Table) -> tuple[int, int]:
    """(row count, sum of every integer column) of one table."""
    columns = _summed_columns(table)
    sums = [func.coalesce(func.sum(c), 0) for c in columns]
    row = conn.execute(select(func.count(), *sums).select_from(table)).one()
    return int(row[0]), sum(int(v) for v in row[1:])


def is_empty(conn: Connection) -> bool:
    return all(conn.execute(select(func.count()).select_from(t)).scalar() == 0 for t in tables())


def _self_parent(table: Table) -> str | None:
    for fk in table.foreign_keys:
        if fk.column.table is table:
            return fk.parent.name
    return None


def _rows(conn: Connection, table: Table) -> Iterator[list[dict]]:
    """The table's rows in chunks, ordered by key; a tree table parents first."""
    order = list(table.primary_key.columns)
    parent = _self_parent(table)
    # Generated columns, if a table has any, are computed by the target, which refuses them.
    stored = select(*[c for c in table.columns if c.computed is None]).order_by(*order)
    if parent is None:
        result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(stored)
        for part in result.mappings().partitions(CHUNK):
            yield [dict(r) for r in part]
        return
    rows = [dict(r) for r in conn.execute(stored).mappings()]
    by_id = {r["id"]: r for r in rows}
    depth: dict[int, int] = {}
    for row in rows:
        chain, node = [], row
        while node is not None and node["id"] not in depth:
            chain.append(node["id"])
            node = by_id.get(node[parent]) if node[parent] is not None else None
        base = depth[node["id"]] + 1 if node is not None else 0
        for offset, row_id in enumerate(reversed(chain)):
            depth[row_id] = base + offset
    rows.sort(key=lambda r: (depth[r["id"]], r["id"]))
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _fix_sequences(conn: Connection) -> None:
    """PostgreSQL hands out ids from sequences: move each past the ids just copied."""
    for table in tables():
        if "id" not in table.c or list(table.primary_key.columns) != [table.c.id]:
            continue
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
            )
        )


def copy_database(
    source_value: str,
    target_value: str,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> CopySummary:
    """Copy every row of source into target (created and migrated if needed).

    A target holding data is refused unless force, which replaces its rows (in the same
    transaction as the copy). The source is opened read-only and read in one snapshot.
    """
    say = progress or (lambda _message: None)
    source_url, target_url = resolve_url(source_value), resolve_url(target_value)
    if source_url == target_url:
        raise CopyError("La source et la destination sont la même base.")
    started = time.perf_counter()
    source = open_database(source_url, create=False, read_only=True)
    try:
        target = open_database(target_url)
        try:
            checks = _copy(source, target, force, say)
        finally:
            target.dispose()
    finally:
        source.dispose()
    summary = CopySummary(
        display_url(source_url), display_url(target_url), tuple(checks),
        time.perf_counter() - started,
    )  # fmt: skip
    if not summary.ok:
        wrong = ", ".join(t.table for t in summary.tables if not t.ok)
        raise CopyMismatchError(f"Copie terminée mais différente de la source : {wrong}.")
    return summary


def _analyse(target: Database) -> None:
    """Table statistics and visibility map right away: without statistics a server freshly
    filled plans the directory search badly until autovacuum passes (measured at 100 000
    people: 284 ms per keystroke before ANALYZE, 90 ms after)."""
    vacuum_analyse(target.engine, [table.name for table in tables()])


def _audit_triggers(conn: Connection) -> list[tuple[str, str]]:
    """(table, trigger) of PostgreSQL's audit triggers (migration 0010)."""
    return [
        (table, trigger)
        for table, trigger in conn.execute(
            text(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname LIKE 'pilotis\\_audit\\_%' AND NOT t.tgisinternal"
                " AND c.relnamespace = current_schema()::regnamespace ORDER BY 1, 2"
            )
        )
    ]


def _check_owner(dst: Connection, target: Database) -> None:
    """A copy into a server writes the history as it was (the source's) and may replace every
    row: only the tables' owner may, which the server would refuse table by table anyway."""
    if not server_rights(dst)[1]:
        account = dst.execute(text("SELECT session_user")).scalar()
        raise CopyError(
            f"Votre compte sur le serveur ({account}) n'est pas propriétaire des tables de la "
            f"base {target.display_name} : copier une base vers le serveur (et la remplacer avec "
            "--force) est réservé au compte administrateur qui l'a créée, car la copie apporte "
            "l'historique de la source tel quel. Rien n'a été copié."
        )


def _set_audit(dst: Connection, triggers: list[tuple[str, str]], enabled: bool) -> None:
    # The copied rows keep the source's history; the triggers would record them again as new.
    # ALTER TABLE is transactional: a failed copy leaves them enabled.
    word = "ENABLE" if enabled else "DISABLE"
    for table, trigger in triggers:
        dst.execute(text(f'ALTER TABLE "{table}" {word} TRIGGER "{trigger}"'))


def _copy(source: Database, target: Database, force: bool, say) -> list[TableCheck]:
    options = {"isolation_level": "REPEATABLE READ"} if source.path is None else {}
    with source.engine.connect().execution_options(**options) as src:
        with target.engine.begin() as dst:
            triggers = []
            if dst.dialect.name == "postgresql":
                _check_owner(dst, target)
                triggers = _audit_triggers(dst)
                _set_audit(dst, triggers, enabled=False)
            if not is_empty(dst):
                if not force:
                    raise TargetNotEmptyError(
                        f"La base {target.display_name} contient déjà des données : rien n'a "
                        "été copié. Ajoutez --force pour les remplacer par celles de la source."
                    )
                for table in reversed(tables()):
                    parent = _self_parent(table)
                    if parent:  # a tree's rows refer to each other: unlink them first
                        dst.execute(update(table).values({parent: None}))
                    dst.execute(delete(table))
            for table in tables():
                copied = 0
                for chunk in _rows(src, table):
                    dst.execute(insert(table), chunk)
                    copied += len(chunk)
                if copied >= CHUNK:  # only big tables: the check table lists them all
                    say(f"{table.name} : {copied} lignes copiées")
            if dst.dialect.name == "postgresql":
                _fix_sequences(dst)
                _set_audit(dst, triggers, enabled=True)
        _analyse(target)
        checks = []
        with target.engine.connect() as dst:
            for table in tables():
                rows, total = table_figures(src, table)
                rows_after, total_after = table_figures(dst, table)
                checks.append(TableCheck(table.name, rows, rows_after, total, total_after))
    return checks


def summary_lines(summary: CopySummary) -> list[str]:
    """The check table printed by `pilotis copy`, one line per table and a total."""
    from desktop.services.common.formatting import format_number

    width = max(len(t.table) for t in summary.tables)
    lines = [f"Copie de {summary.source} vers {summary.target}"]
    lines.append(f"{'table':<{width}}  {'lignes':>9}  {'somme des entiers':>22}  contrôle")
    for t in summary.tables:
        status = "identique" if t.ok else f"DIFFÉRENT (source {t.source_rows} / {t.source_sum})"
        lines.append(
            f"{t.table:<{width}}  {format_number(t.target_rows):>9}  "
            f"{format_number(t.target_sum):>22}  {status}"
        )
    lines.append(
        f"{format_number(summary.rows)} lignes copiées en {summary.seconds:.1f} s ; "
        + ("toutes les tables sont identiques." if summary.ok else "DES TABLES DIFFÈRENT.")
    )
    return lines
