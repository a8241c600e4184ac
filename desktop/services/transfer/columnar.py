"""The columnar path of an import: a kind's new rows checked column by column and inserted in
bulk (SQLite's writer thread, PostgreSQL's COPY) when every cell is clean and every key new.
Same conversions as the row-by-row path, hence the same stored values; at the first cell that
needs a French reason, nothing is kept and the row-by-row path takes the rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping

from sqlalchemy import func, insert, select
from sqlalchemy.exc import DBAPIError

from desktop.models import SORT_SOURCES, new_uuid, sort_keys_for_columns
from desktop.services.common.parsing import ParseError, is_blank
from desktop.services.transfer.convert import (
    NotClean,
    contacts_as_is,
    convert,
    norm_column,
    text_cell,
    tidy_text_column,
)
from desktop.services.transfer.row_sources import ColumnRows, ColumnStream
from desktop.services.transfer.row_writer import CHUNK, RowWriter
from desktop.services.transfer.specs import KINDS, Field, Kind
from desktop.services.transfer.sqlite_bulk import BulkInsert, ColumnWriter

WRITE_BATCH = 4096  # rows checked, then handed to SQLite's writer thread, at a time


class ColumnarPath:
    """The bulk path of one import, beside its row-by-row loader, whose key maps and lookups it
    shares, and its RowWriter (stored columns, the write lock, history)."""

    def __init__(self, writer: RowWriter, key_map: Callable[[Kind], dict[tuple, int]],
                 lookup: Callable[[str, object], int | None],
                 forget_keys: Callable[[Kind], None]) -> None:  # fmt: skip
        self._writer = writer
        self._session = writer.session
        self._key_map = key_map
        self._lookup = lookup
        self._forget_keys = forget_keys

    def load(
        self, kind: Kind, rows: list[Mapping[str, object]] | ColumnRows | ColumnStream
    ) -> int | None:
        """Insert rows column by column when every cell is clean and every key new; None (and
        nothing done) as soon as a row needs the row-by-row path: an error to report, a key that
        exists, a tree, a person, link lists. Same conversions, hence the same stored values."""
        if kind.parent or not any(f.required for f in kind.fields):
            return None
        if any(f.kind in ("person", "refs") or not f.store or f.scope for f in kind.fields):
            return None
        streamed = isinstance(rows, ColumnStream)
        if not streamed and not rows:
            return None
        names = rows.columns if isinstance(rows, ColumnRows | ColumnStream) else set().union(*rows)
        if any(type(k) is not str or k != k.strip() for k in names):
            return None
        if self._session.get_bind().dialect.name == "sqlite":
            if streamed:
                batches = ({f.column: b.get(f.column) or [None] * len(n) for f in kind.fields}
                           for n, b in rows.batches())  # fmt: skip
                return self._write_columns_sqlite(kind, batches, rows.expected)
            return self._write_columns_sqlite(kind, _batches(kind, rows), len(rows))
        if streamed:
            rows = rows.whole()
            if not rows:
                return None
        columns = _kind_columns(kind, rows)
        count = len(rows)
        try:
            values = self._clean_columns(kind, columns)
            keys = self._new_keys(kind, values, count)
        except (ParseError, NotClean):
            return None
        self._insert_columns(kind, values, keys, count)
        return count

    def _clean_columns(self, kind: Kind, columns: dict[str, list]) -> dict[str, list]:
        """The rows converted, column by column; NotClean or ParseError on the first cell that
        needs the row-by-row path (which reports it)."""
        values = {f.column: self._clean_column(f, columns[f.column]) for f in kind.fields}
        if (
            "start_on" in values
            and "end_on" in values
            and any(
                s and e and e < s for s, e in zip(values["start_on"], values["end_on"], strict=True)
            )
        ):
            raise NotClean
        if (
            "from_unit" in values
            and "to_unit" in values
            and any(
                a is not None and a == b
                for a, b in zip(values["from_unit"], values["to_unit"], strict=True)
            )
        ):
            raise NotClean
        return values

    def _new_keys(self, kind: Kind, values: dict[str, list], count: int
                  ) -> dict[tuple, None] | None:  # fmt: skip
        """The rows' natural keys in row order (None for a kind without one); NotClean when
        two rows share a key or one is already in the base."""
        if not kind.key:
            return None
        keys = dict.fromkeys(zip(*(norm_column(values[c]) for c in kind.key), strict=True))
        if len(keys) != count or not self._key_map(kind).keys().isdisjoint(keys):
            raise NotClean
        return keys

    def _write_columns_sqlite(self, kind: Kind, batches: Iterator[dict[str, list]],
                              expected: int | None) -> int | None:  # fmt: skip
        """SQLite: the rows checked a batch at a time while a writer thread inserts the batches
        already checked (sqlite_bulk.ColumnWriter), all under a savepoint. A batch that needs
        the row-by-row path, or a key already met, roll the savepoint back: None, and nothing
        written. Nothing of the rows is kept once written but their keys' hashes (1 048 576 rows
        of a partner's file: their values and keys held to the end peaked at 905 MB). Ids from
        max(id) under the write lock (see RowWriter.insert_rows). `expected`: about how many
        rows will come (decides whether indexes are rebuilt afterwards)."""
        table = kind.model.__table__
        stored = self._writer.stored_columns(kind)
        for f in kind.fields:  # lookups' key maps read now: the connection is the writer's soon
            if f.kind == "ref":
                self._key_map(KINDS[f.ref])
        known = self._key_map(kind) if kind.key else None
        self._writer.take_write_lock()
        connection = self._session.connection()
        first = (self._session.scalar(select(func.max(table.c.id))) or 0) + 1
        targets = [t for _c, t, _d in stored]
        if table.name in SORT_SOURCES:  # no column default on this path: the sort keys
            targets.append("sort_key")
        dialect = connection.dialect
        processors = [
            table.c[t].type.dialect_impl(dialect).bind_processor(dialect) for t in targets
        ]
        raw = connection.connection.driver_connection
        raw.execute("SAVEPOINT pilotis_columns")
        bulk = BulkInsert(raw, table.name, first, expected or 0)
        seen: set[int] = set()  # the hashes of the keys written so far
        count = 0
        try:
            bulk.open()
            with ColumnWriter(bulk, raw, table.name, ["id", *targets]) as writer:
                for columns in batches:
                    values = self._clean_columns(kind, columns)
                    size = len(next(iter(values.values()), ()))
                    if known is not None:  # a file imported again: found at its first batch
                        _check_fresh_keys(kind, values, known, seen)
                    data = self._stored_data(stored, values)
                    if table.name in SORT_SOURCES:
                        data = _with_sort_keys(table.name, stored, data, size)[1]
                    for index, process in enumerate(processors):
                        if process is not None:
                            data[index] = [None if v is None else process(v) for v in data[index]]
                    writer.put(first + count, data)
                    count += size
                if count == 0:
                    raise NotClean  # no row: nothing for this path
                try:
                    writer.finish()
                except sqlite3.IntegrityError as exc:  # a duplicate for a unique index
                    raise NotClean from exc
                except sqlite3.Error as exc:  # as SQLAlchemy would have raised it
                    raise DBAPIError.instance(None, None, exc, sqlite3.Error) from exc
        except (ParseError, NotClean):
            raw.execute("ROLLBACK TO SAVEPOINT pilotis_columns")
            raw.execute("RELEASE SAVEPOINT pilotis_columns")
            return None
        finally:
            bulk.restore_cache()
        raw.execute("RELEASE SAVEPOINT pilotis_columns")
        self._writer.wrote_many = self._writer.wrote_many or count >= BulkInsert.DEFER_FROM
        if known is not None:  # read again from the base if a later kind of the import needs it
            self._forget_keys(kind)
        self._writer.record_inserts(kind, range(first, first + count))
        return count

    @staticmethod
    def _stored_data(stored: list[tuple[str, str, object]], values: dict[str, list]
                     ) -> list[list]:  # fmt: skip
        """The stored columns' cells, NOT NULL defaults filled in."""
        data = []
        for column, _target, default in stored:
            cells = values[column]
            if default is not None and None in cells:
                cells = [default if v is None else v for v in cells]
            data.append(cells)
        return data

    def _clean_column(self, f: Field, column: list) -> list:
        """A column converted as _convert_row would; NotClean or ParseError on any problem."""
        if f.kind == "text":
            out = tidy_text_column(column)
            if out is None:
                out = [" ".join(v.split()) if type(v) is str else text_cell(f, v) for v in column]
            if "" in out:  # blank cells
                if f.required:
                    raise NotClean
                out = [v or None for v in out]
            if f.max_length:
                cells = filter(None, out) if None in out else out
                if max(map(len, cells), default=0) > f.max_length:
                    raise NotClean
            return out
        if column.count(None) == len(column):
            if f.required:
                raise NotClean
            return column
        if f.kind in ("email", "phone") and contacts_as_is(f, column):
            return column
        out = []
        for raw in column:
            if is_blank(raw):
                if f.required:
                    raise NotClean
                out.append(None)
            elif f.kind == "ref":
                found = self._lookup(f.ref, raw)
                if found is None:
                    raise NotClean
                out.append(found)
            else:
                out.append(convert(f, raw))
        return out

    def _insert_columns(
        self, kind: Kind, values: dict[str, list], keys: dict[tuple, None] | None, count: int
    ) -> None:
        """Other databases than SQLite: checked columns inserted in one go."""
        table = kind.model.__table__
        stored = self._writer.stored_columns(kind)
        data = self._stored_data(stored, values)
        if self._session.connection().dialect.driver == "psycopg":
            ids = self._copy_rows(table, stored, data, count)
        else:
            names = [t for _c, t, _d in stored]
            records = [dict(zip(names, r, strict=True)) for r in zip(*data, strict=True)]
            statement = insert(kind.model).returning(kind.model.id, sort_by_parameter_order=True)
            ids = []
            for start in range(0, count, CHUNK):
                ids += self._session.scalars(statement, records[start : start + CHUNK]).all()
        if keys is not None:
            self._key_map(kind).update(zip(keys, ids, strict=True))
        self._writer.record_inserts(kind, ids)

    def _copy_rows(self, table, stored: list, data: list, count: int) -> list[int]:
        """PostgreSQL: ids drawn from the table's sequence in one query, then the rows sent by
        COPY inside the import's transaction (100 000 people: 13 s as multi-row INSERTs, most of
        it psycopg splitting and SQLAlchemy rendering them)."""
        if table.name in SORT_SOURCES:  # no column default on this path: the sort keys
            stored, data = _with_sort_keys(table.name, stored, data, count)
        if "uuid" in table.c:  # nor the rows' global identity (models/base.py)
            stored = [*stored, ("uuid", "uuid", None)]
            data = [*data, [new_uuid() for _ in range(count)]]
        connection = self._session.connection()
        ids = list(
            connection.execute(
                select(func.nextval(func.pg_get_serial_sequence(table.name, "id"))).select_from(
                    func.generate_series(1, count)
                )
            ).scalars()
        )
        quote = connection.dialect.identifier_preparer.quote
        names = ", ".join(quote(c) for c in ["id", *(t for _c, t, _d in stored)])
        driver = connection.connection.driver_connection
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy,
        ):
            for row in zip(ids, *data, strict=True):
                copy.write_row(row)
        return ids


def _check_fresh_keys(kind: Kind, values: dict[str, list], known: dict[tuple, int],
                      seen: set[int]) -> None:  # fmt: skip
    """NotClean when a row of the batch has a key of the base, of an earlier row or of another
    row of the batch. Earlier keys are kept as hashes (a tuple of folded text per row would
    hold 300 MB at a million rows): two keys sharing a hash only send the rows to the
    row-by-row path, which compares the keys themselves."""
    keys = list(zip(*(norm_column(values[c]) for c in kind.key), strict=True))
    if known and not known.keys().isdisjoint(keys):
        raise NotClean
    hashes = set(map(hash, keys))
    if len(hashes) != len(keys) or not seen.isdisjoint(hashes):
        raise NotClean
    seen.update(hashes)


def _kind_columns(kind: Kind, rows: list[Mapping[str, object]] | ColumnRows
                  ) -> dict[str, list]:  # fmt: skip
    """Each of the kind's columns as a list (None where the rows do not have it)."""
    if isinstance(rows, ColumnRows):
        return {f.column: rows.column(f.column) for f in kind.fields}
    return {f.column: [r.get(f.column) for r in rows] for f in kind.fields}


def _batches(kind: Kind, rows: list[Mapping[str, object]] | ColumnRows
             ) -> Iterator[dict[str, list]]:  # fmt: skip
    """Rows given whole, as the columnar path takes them: the kind's columns, a batch at a time."""
    columns = _kind_columns(kind, rows)
    for start in range(0, len(rows), WRITE_BATCH):
        yield {name: values[start : start + WRITE_BATCH] for name, values in columns.items()}


def _with_sort_keys(table: str, stored: list, data: list, count: int) -> tuple[list, list]:
    """The stored columns and their values plus the rows' sort keys (models/directory.py)."""
    by_target = {target: cells for (_c, target, _d), cells in zip(stored, data, strict=True)}
    columns = {c: by_target.get(c) or [None] * count for c in SORT_SOURCES[table][0]}
    return [*stored, ("sort_key", "sort_key", None)], [*data, sort_keys_for_columns(table, columns)]
