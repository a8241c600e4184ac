"""SQLite's bulk insert of an import's clean rows, inside the import's transaction.

Two pieces, both working on the raw sqlite3 connection of that transaction:

- `BulkInsert` suspends what makes row-by-row insertion slow (the full-text trigger, the plain
  secondary indexes of a table the import at least doubles) and puts it back afterwards;
- `ColumnWriter` runs the INSERTs in a thread of its own while the import goes on checking the
  next rows. Each INSERT carries thousands of rows, so SQLite works for milliseconds at a time
  with Python's GIL released: the checks and the writing overlap on two cores (100 000 people:
  the writing, 0.4 s, hides behind the checks). `executemany` could not overlap: it takes the
  GIL back after every row and waits for it each time.

Nothing here commits: a failure anywhere leaves the caller to roll back, and since SQLite's
DDL is transactional, a rollback puts the dropped indexes and triggers back too.
"""

from __future__ import annotations

import queue
import sqlite3
import sys
import threading
from collections.abc import Sequence
from itertools import chain

from desktop.services.common.folding import register_sqlite
from desktop.services.common.search_index import INDEXES, folded_select

# Bound parameters per statement: SQLite's default ceiling since 3.32 (some builds allow more).
_MAX_VARIABLES = 32_766
# Python's thread switch interval while a writer runs (default 5 ms), and who lowered it.
_SWITCH_INTERVAL = 0.001
_switch_lock = threading.Lock()
_switch_users = 0
_switch_before = 0.005


def _quick_switches(on: bool) -> None:
    """The writer holds the GIL only to hand a batch to SQLite, and gives it back while SQLite
    works; at the default 5 ms interval it then waits up to 5 ms at each statement for the
    checking thread to let go, and falls behind (100 000 people: the full-text index could
    only be fed at the end). Lowered while any writer runs, put back after the last."""
    global _switch_users, _switch_before
    with _switch_lock:
        if on:
            if _switch_users == 0:
                _switch_before = sys.getswitchinterval()
                sys.setswitchinterval(min(_SWITCH_INTERVAL, _switch_before))
            _switch_users += 1
        else:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_before)


class BulkInsert:
    """Around the INSERT of `count` rows (ids from `first` on) into `table`:

    - the full-text index (migration 0012: a trigger `<index>_ai` notes each new row for the
      application to index, common.search_index) is fed once per batch of new rows instead;
    - when the rows at least double the table (a first import), its plain secondary indexes
      are dropped and created again afterwards: one sort per index instead of 100 000 random
      B-tree insertions (100 000 people: 1.15 s → 0.45 s). Unique indexes stay, so SQLite
      still checks them row by row;
    - the page cache is raised to 64 MB for the duration (from 2 MB), then put back.

    Use `open()`, `index_range()` for each batch written, then `close()`; or as a context
    manager, which indexes every row from `first` on when the block ends without error."""

    DEFER_FROM = 10_000  # rows; below, rebuilding the indexes costs more than it saves
    _CACHE_KIB = 65_536

    def __init__(self, raw: sqlite3.Connection, table: str, first: int, count: int) -> None:
        self._raw = raw
        self._table = table
        self._first = first
        self._count = count
        self._triggers: list[tuple[str, str, list[str]]] = []
        self._indexes: list[tuple[str, str]] = []
        self._cache: int | None = None

    def _run(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        return self._raw.execute(sql, params).fetchall()

    def open(self) -> None:
        self._cache = self._run("PRAGMA cache_size")[0][0]
        self._run(f"PRAGMA cache_size = -{self._CACHE_KIB}")
        found = self._run(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'index') "
            "AND tbl_name = ? AND sql IS NOT NULL",
            (self._table,),
        )
        for kind, name, sql in found:
            if kind == "index":
                if not sql.upper().startswith("CREATE UNIQUE"):
                    self._indexes.append((name, sql))
                continue
            index = name[:-3]
            if not name.endswith("_ai") or index not in INDEXES:
                continue
            columns = list(INDEXES[index][1])
            register_sqlite(self._raw)  # the index holds folded text (common.search_index)
            self._run(f'DROP TRIGGER "{name}"')
            self._triggers.append((index, sql, columns))
        if self._indexes and self._count >= self.DEFER_FROM:
            existing = self._run(f'SELECT count(*) FROM "{self._table}"')[0][0]
            if self._count < existing:
                self._indexes = []
            for name, _sql in self._indexes:
                self._run(f'DROP INDEX "{name}"')
        else:
            self._indexes = []

    def index_range(self, first: int, last: int) -> None:
        """Feed the full-text indexes with the rows of ids first..last."""
        for index, _sql, columns in self._triggers:
            names = ", ".join(f'"{c}"' for c in columns)
            self._run(
                f'INSERT INTO "{index}" (rowid, {names}) '
                f"{folded_select(index)} WHERE id BETWEEN ? AND ?",
                (first, last),
            )

    def close(self) -> None:
        """The dropped indexes built again and the triggers put back."""
        for _name, sql in self._indexes:
            self._run(sql)
        for _index, sql, _columns in self._triggers:
            self._run(sql)
        self._indexes, self._triggers = [], []

    def restore_cache(self) -> None:
        """The page cache as it was (a pragma: not undone by a rollback)."""
        if self._cache is not None:
            self._run(f"PRAGMA cache_size = {int(self._cache)}")
            self._cache = None

    def __enter__(self) -> BulkInsert:
        self.open()
        return self

    def __exit__(self, exc_type, _exc, _tb) -> None:
        try:
            if exc_type is None:  # on error the transaction is rolled back, DDL included
                self.index_range(self._first, self._first + self._count - 1)
                self.close()
        finally:
            self.restore_cache()


class ColumnWriter:
    """Writes batches of rows into `table` from a thread of its own, in the caller's open
    transaction, through `bulk` (an opened BulkInsert), which it closes after the last batch.

    The caller hands over batches with `put()` and must not use the connection until `finish()`
    has returned (or the `with` block has ended). `finish()` raises what the thread met; an
    sqlite3.IntegrityError (a duplicate the checks had not seen yet) comes back as is."""

    # Rows written before the full-text index is fed with them, when the writer has caught up
    # with the checks (the queue is empty); the rest at the end. Smaller pieces cost more:
    # one per batch made the full-text work 145 ms instead of 95 ms for 100 000 people.
    INDEX_EVERY = 20_000

    def __init__(self, bulk: BulkInsert, raw: sqlite3.Connection, table: str,
                 columns: Sequence[str]) -> None:  # fmt: skip
        self._bulk = bulk
        self._raw = raw
        names = ", ".join(f'"{c}"' for c in columns)
        self._prefix = f'INSERT INTO "{table}" ({names}) VALUES '
        self._row = "(" + ", ".join("?" * len(columns)) + ")"
        self._width = len(columns)
        limit = min(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER), _MAX_VARIABLES)
        self._rows_per_statement = max(1, limit // self._width)
        self._statements: dict[int, str] = {}
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._abandoned = False
        self._ended = False
        self._thread = threading.Thread(target=self._work, name="pilotis-import-writer")

    def __enter__(self) -> ColumnWriter:
        _quick_switches(True)
        self._thread.start()
        return self

    def __exit__(self, exc_type, _exc, _tb) -> None:
        try:
            if self._thread.is_alive():  # left early: stop the thread before anyone else writes
                self._abandoned = True
                if not self._ended:
                    self._ended = True
                    self._queue.put(None)
                self._thread.join()
        finally:
            _quick_switches(False)

    def put(self, first_id: int, columns: Sequence[list]) -> None:
        """Rows first_id, first_id + 1, … whose values are given column by column (the columns
        after id, in the writer's order)."""
        count = len(columns[0]) if columns else 0
        ids = range(first_id, first_id + count)
        step = self._rows_per_statement
        for start in range(0, count, step):
            part = [ids[start : start + step], *(c[start : start + step] for c in columns)]
            flat = list(chain.from_iterable(zip(*part, strict=True)))
            self._queue.put((first_id + start, len(flat) // self._width, flat))
            if self._error is not None:
                break

    def end_input(self) -> None:
        """No more batches: the thread goes on to the full-text index and the indexes while
        the caller does something else (not with the connection)."""
        if not self._ended:
            self._ended = True
            self._queue.put(None)

    def finish(self) -> None:
        """Wait for the last batch, the full-text index and the indexes; raise any error."""
        self.end_input()
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _statement(self, rows: int) -> str:
        sql = self._statements.get(rows)
        if sql is None:
            sql = self._statements[rows] = self._prefix + ",".join([self._row] * rows)
        return sql

    def _work(self) -> None:
        cursor = self._raw.cursor()
        written: tuple[int, int] | None = None
        try:
            while (item := self._queue.get()) is not None:
                if self._error is not None or self._abandoned:
                    continue  # drain, so that put() never blocks on a dead writer
                first_id, rows, flat = item
                try:
                    cursor.execute(self._statement(rows), flat)
                    written = (first_id if written is None else written[0], first_id + rows - 1)
                    if written[1] - written[0] + 1 >= self.INDEX_EVERY and self._queue.empty():
                        self._bulk.index_range(*written)
                        written = None
                except BaseException as exc:  # noqa: BLE001 - handed to the caller by finish()
                    self._error = exc
            if self._error is None and not self._abandoned:
                if written is not None:
                    self._bulk.index_range(*written)
                self._bulk.close()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by finish()
            self._error = exc
        finally:
            cursor.close()
