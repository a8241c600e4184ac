"""The one validated path into the database: rows of named columns, checked, then written in one
transaction. File imports and the embedded dataset both come through here."""

from __future__ import annotations

import contextlib
import json
import math
import re
import sqlite3
import uuid
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from desktop.db import IMMEDIATE, defer_checkpoint
from desktop.errors import PilotisError
from desktop.models import SORT_SOURCES, Change, sort_key_for, sort_keys_for_columns
from desktop.services.common.history import begin_batch, encode, os_login, server_writes_history
from desktop.services.common.parsing import (
    ParseError,
    fold,
    is_blank,
    parse_bool,
    parse_date,
    parse_float,
    parse_int,
    parse_money_cents,
    parse_period,
    parse_text,
)
from desktop.services.directory.validation import (
    EMAIL_AS_IS,
    PHONE_AS_IS,
    check_email,
    normalise_phone,
)
from desktop.services.transfer.bulk import gc_paused
from desktop.services.transfer.dataset_source import DATASET_BATCH, DATASET_LOGIN
from desktop.services.transfer.limits import excerpt
from desktop.services.transfer.specs import KINDS, Field, Kind
from desktop.services.transfer.sqlite_bulk import BulkInsert, ColumnWriter

_UAI = re.compile(r"^\d{7}[A-Z]$")
_LIST_SEPARATOR = re.compile(r"\s*[,;]\s*")
_CHUNK = 2000
_WRITE_BATCH = 4096  # rows checked, then handed to SQLite's writer thread, at a time
_MAX_CENTS = 10**14  # 1 000 milliards d'euros
_MAX_INT = 2**31 - 1


@dataclass(frozen=True)
class RowError:
    """Why one row (or one cell) was rejected: row number, column, value, French reason."""

    kind: str
    row: int
    column: str | None
    value: object
    reason: str

    def __str__(self) -> str:
        where = f"{KINDS[self.kind].label.capitalize()}, ligne {self.row}"
        if self.column:
            where += f", colonne « {self.column} »"
        if not is_blank(self.value):
            where += f" (« {excerpt(self.value)} »)"
        return f"{where} : {self.reason}"


@dataclass
class KindResult:
    kind: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    valid: int = 0  # rows without error, written or not (a refused import writes none)


@dataclass
class ImportReport:
    results: dict[str, KindResult] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # French, shown beside the counts
    dry_run: bool = False
    batch: str = ""

    @property
    def inserted(self) -> int:
        return sum(r.inserted for r in self.results.values())

    @property
    def updated(self) -> int:
        return sum(r.updated for r in self.results.values())


class ImportRejected(PilotisError):
    """The rows had errors and nothing was written; `report.errors` says which and why."""

    def __init__(self, report: ImportReport) -> None:
        count = len(report.errors)
        first = str(report.errors[0]) if report.errors else ""
        super().__init__(
            f"Import refusé : {count} erreur(s), aucune donnée n'a été modifiée. "
            f"Première erreur — {first}"
        )
        self.report = report


class ColumnRows(Sequence[Mapping[str, object]]):
    """Rows given column by column (a file's mapped columns, all of the same length): the
    columnar path reads the lists as they are; the row-by-row path sees one dict per row."""

    def __init__(self, columns: Mapping[str, Sequence[object]], count: int) -> None:
        self.columns = dict(columns)
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        return {name: column[index] for name, column in self.columns.items()}

    def __iter__(self):
        names = list(self.columns)
        for values in zip(*self.columns.values(), strict=True):
            yield dict(zip(names, values, strict=True))

    def column(self, name: str) -> list[object]:
        """A column's values (the list itself: do not modify it)."""
        values = self.columns.get(name)
        if values is None:
            return [None] * self._count
        return values if isinstance(values, list) else list(values)


class ColumnStream:
    """Rows arriving batch by batch while their file is still being read: (row numbers, columns
    by name) each. SQLite's columnar path checks and writes each batch as it comes; every
    other path takes the rows all at once with `whole()`, which keeps the batches already
    seen. `expected` is a bound on the count (blank rows included) known before reading."""

    def __init__(self, batches: Iterator[tuple[list[int], dict[str, list]]],
                 names: Sequence[str], expected: int | None = None) -> None:  # fmt: skip
        self._batches = batches
        self.columns: dict[str, list] = {name: [] for name in names}
        self.numbers: list[int] = []
        self.expected = expected

    def __len__(self) -> int:  # the rows seen so far (all of them once whole() was called)
        return len(self.numbers)

    def batches(self) -> Iterator[tuple[list[int], dict[str, list]]]:
        for numbers, columns in self._batches:
            self.numbers += numbers
            for name, values in columns.items():
                self.columns[name] += values
            yield numbers, columns

    def whole(self) -> ColumnRows:
        """Every row: the batches not seen yet are read now (batches() keeps each one)."""
        deque(self.batches(), maxlen=0)
        return ColumnRows(self.columns, len(self.numbers))


@dataclass
class _Row:
    number: int
    raw: Mapping[str, object]
    values: dict[str, object] = field(default_factory=dict)  # column -> converted value
    lists: dict[str, list[int]] = field(default_factory=dict)
    key: tuple | None = None
    existing_id: int | None = None
    ok: bool = True


class IngestService:
    """Imports rows of the kinds in ingest_specs.KINDS, all-or-nothing unless partial is asked."""

    def __init__(self, session_factory: sessionmaker, login: str | None = None) -> None:
        self._sessions = session_factory
        self._login = login or os_login()

    def import_rows(
        self,
        kind: str,
        rows: Iterable[Mapping[str, object]],
        *,
        update: bool = False,
        partial: bool = False,
        dry_run: bool = False,
        first_row: int | Sequence[int] = 1,
    ) -> ImportReport:
        return self.import_batches(
            [(kind, rows, first_row)], update=update, partial=partial, dry_run=dry_run
        )

    def import_batches(
        self,
        batches: Sequence[tuple[str, Iterable[Mapping[str, object]], int | Sequence[int]]],
        *,
        update: bool = False,
        partial: bool = False,
        dry_run: bool = False,
    ) -> ImportReport:
        """Load several kinds in order, in one transaction; raise ImportRejected on any error
        unless partial, in which case valid rows are written and the report lists the others."""
        # The embedded dataset's batch says so (on a server the history names the account).
        prefix = DATASET_BATCH if self._login == DATASET_LOGIN else ""
        report = ImportReport(dry_run=dry_run, batch=prefix + uuid.uuid4().hex[:12])
        with gc_paused():
            return self._import_batches(batches, report, update, partial, dry_run)

    def _import_batches(self, batches, report, update, partial, dry_run) -> ImportReport:
        session = self._sessions()
        try:
            if not dry_run:  # SQLite: the keys known are read under the write lock, so they
                session.connection(execution_options={IMMEDIATE: True})  # hold when written
            begin_batch(session, report.batch, summary=True)  # PostgreSQL's triggers record it
            loader = _Loader(session, self._login, report, update=update, partial=partial)
            for kind, rows, first_row in batches:
                if kind not in KINDS:
                    raise PilotisError(f"Type de données inconnu : « {kind} ».")
                loader.load(KINDS[kind], rows, first_row)
            if report.errors and not partial:
                raise ImportRejected(report)
            if dry_run or not loader.changed:
                # Nothing to write (a header-only file, rows all unchanged): no commit, so the
                # base file keeps its bytes, its change counter and its history.
                session.rollback()
            else:
                if loader.wrote_many:
                    defer_checkpoint(session.connection())
                session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise PilotisError(
                f"La base de données a refusé l'import ({_constraint(exc)}) ; aucune donnée "
                "n'a été modifiée."
            ) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        return report


class _Loader:
    def __init__(
        self, session: Session, login: str, report: ImportReport, *, update: bool, partial: bool
    ) -> None:
        self.session = session
        self.login = login
        self.report = report
        self.update = update
        self.partial = partial
        self._key_maps: dict[str, dict[tuple, int]] = {}
        self._locked = False
        self._columns: dict[str, list[tuple[str, str, object]]] = {}
        self._names: dict[tuple, set[int]] | None = None  # people by (last, first) name
        self.wrote_many = False  # a bulk insert: the journal's checkpoint can wait
        self.changed = False  # anything written: an import that changes nothing is rolled back

    # --- key maps ---------------------------------------------------------------------------

    def key_map(self, kind: Kind) -> dict[tuple, int]:
        """Natural key -> id of every row of a kind, loaded once per import and kept current."""
        if kind.name not in self._key_maps:
            key_fields = [kind.field(c) for c in kind.key or ()]
            columns = [getattr(kind.model, f.target) for f in key_fields]
            mapping: dict[tuple, int] = {}
            if key_fields:
                for row in self.session.execute(select(kind.model.id, *columns)):
                    mapping[tuple(_norm(v) for v in row[1:])] = row[0]
            self._key_maps[kind.name] = mapping
        return self._key_maps[kind.name]

    def lookup(self, kind_name: str, raw: object, scope_id: int | None = None) -> int | None:
        kind = KINDS[kind_name]
        ref_field = kind.field(kind.key[-1])
        try:
            value = _convert(ref_field, raw)
        except ParseError:
            return None
        key = (scope_id, _norm(value)) if len(kind.key) == 2 else (_norm(value),)
        return self.key_map(kind).get(key)

    # --- loading ----------------------------------------------------------------------------

    def load(
        self, kind: Kind, rows: Iterable[Mapping[str, object]], first_row: int | Sequence[int]
    ) -> None:
        """first_row: the number of the first row, or each row's number (blank rows skipped)."""
        result = self.report.results.setdefault(kind.name, KindResult(kind.name))
        self._names = None  # people may have been added by an earlier kind of this import
        rows = rows if isinstance(rows, list | ColumnRows | ColumnStream) else list(rows)
        inserted = None
        if not kind.same or not self._has_rows(kind):  # rows to match: the row-by-row path
            inserted = self._load_clean_columns(kind, rows)
        if inserted is not None:
            result.inserted += inserted
            result.valid += inserted
            return
        if isinstance(rows, ColumnStream):  # the row-by-row path needs every row at once
            stream = rows
            rows, first_row = stream.whole(), stream.numbers
        if isinstance(first_row, int):
            batch = [_Row(first_row + i, _normalise_columns(raw)) for i, raw in enumerate(rows)]
        else:
            batch = [
                _Row(n, _normalise_columns(raw)) for n, raw in zip(first_row, rows, strict=True)
            ]
        errors_before = len(self.report.errors)
        for row in batch:
            self._convert_row(kind, row)
        self._resolve_keys(kind, batch)
        self._resolve_parents(kind, batch)
        self.report.errors[errors_before:] = sorted(
            self.report.errors[errors_before:], key=lambda e: e.row
        )
        valid = [r for r in batch if r.ok]
        result.rejected += len(batch) - len(valid)
        result.valid += len(valid)
        if len(self.report.errors) > errors_before and not self.partial:
            return  # the whole import is rejected: do not write anything
        same_rows = {id(r) for r in self._match_same(kind, valid)} if kind.same else set()
        if same_rows:
            valid = [r for r in valid if id(r) not in same_rows]
            result.unchanged += len(same_rows)
        new = [r for r in valid if r.existing_id is None]
        self._warn_doubles(kind, new)
        self._insert(kind, new)
        result.inserted += len(new)
        if self.update:
            changed = self._update(kind, [r for r in valid if r.existing_id is not None])
            result.updated += changed
            result.unchanged += len(valid) - len(new) - changed
        self._check_cycles(kind, batch)

    # --- rows without a key (funding lines) ---------------------------------------------------

    def _has_rows(self, kind: Kind) -> bool:
        return self.session.execute(select(kind.model.id).limit(1)).first() is not None

    def _stored_rows(self, kind: Kind) -> list[tuple[int, tuple, object]]:
        """(id, the `same` columns as matched, the value) of every stored row of the kind."""
        fields = [kind.field(c) for c in kind.same]
        columns = [getattr(kind.model, f.target) for f in fields]
        value = getattr(kind.model, kind.field(kind.value).target)
        return [
            (r[0], tuple(_norm(v) for v in r[1:-1]), r[-1])
            for r in self.session.execute(select(kind.model.id, *columns, value))
        ]

    def _match_same(self, kind: Kind, rows: list[_Row]) -> list[_Row]:
        """The file rows equal to a stored row (each stored row matched once: two equal lines
        in the file match two stored ones), returned; with update, a row that is alone in the
        file and in the base on its `same` columns gets that row's id, to update its value."""
        stored = self._stored_rows(kind)
        whole: dict[tuple, list[int]] = {}
        by_same: dict[tuple, list[int]] = {}
        for row_id, same, value in stored:
            whole.setdefault((*same, value), []).append(row_id)
            by_same.setdefault(same, []).append(row_id)
        matched, taken = [], set()
        keys = {}
        for row in rows:
            same = tuple(_norm(row.values.get(c)) for c in kind.same)
            keys[id(row)] = same
            ids = whole.get((*same, row.values.get(kind.value)))
            if ids:
                taken.add(ids.pop())
                matched.append(row)
        if self.update:
            done = {id(r) for r in matched}
            left = [r for r in rows if id(r) not in done]
            in_file: dict[tuple, int] = {}
            for row in left:
                in_file[keys[id(row)]] = in_file.get(keys[id(row)], 0) + 1
            for row in left:
                same = keys[id(row)]
                free = [i for i in by_same.get(same, ()) if i not in taken]
                if in_file[same] == 1 and len(free) == 1:
                    row.existing_id = free[0]
                    taken.add(free[0])
        return matched

    def _warn_doubles(self, kind: Kind, new: list[_Row]) -> None:
        """New rows equal to a stored row but for their note or source: the total they add
        is likely counted twice (the same lines from another copy of the file)."""
        if not kind.same or not new:
            return
        compared = [c for c in kind.same if c not in ("note", "source")]
        positions = [kind.same.index(c) for c in compared]
        stored = {
            (*(same[p] for p in positions), value) for _i, same, value in self._stored_rows(kind)
        }
        doubles = [
            r
            for r in new
            if (*(_norm(r.values.get(c)) for c in compared), r.values.get(kind.value)) in stored
        ]
        if doubles:
            lines = ", ".join(str(r.number) for r in doubles[:10])
            more = f" et {len(doubles) - 10} autre(s)" if len(doubles) > 10 else ""
            self.report.warnings.append(
                f"{KINDS[kind.name].label.capitalize()} : {len(doubles)} ligne(s) ajoutée(s) "
                f"(ligne(s) {lines}{more}) ont le programme, le financeur, l'étape, la période "
                "et le montant d'une ligne déjà enregistrée : le total serait compté deux fois "
                "si c'est la même ligne."
            )

    # --- the columnar path of clean new rows ---------------------------------------------------

    def _load_clean_columns(
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
        if self.session.get_bind().dialect.name == "sqlite":
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
        except (ParseError, _NotClean):
            return None
        self._insert_columns(kind, values, keys, count)
        return count

    def _clean_columns(self, kind: Kind, columns: dict[str, list]) -> dict[str, list]:
        """The rows converted, column by column; _NotClean or ParseError on the first cell that
        needs the row-by-row path (which reports it)."""
        values = {f.column: self._clean_column(f, columns[f.column]) for f in kind.fields}
        if (
            "start_on" in values
            and "end_on" in values
            and any(
                s and e and e < s for s, e in zip(values["start_on"], values["end_on"], strict=True)
            )
        ):
            raise _NotClean
        if (
            "from_unit" in values
            and "to_unit" in values
            and any(
                a is not None and a == b
                for a, b in zip(values["from_unit"], values["to_unit"], strict=True)
            )
        ):
            raise _NotClean
        return values

    def _new_keys(self, kind: Kind, values: dict[str, list], count: int
                  ) -> dict[tuple, None] | None:  # fmt: skip
        """The rows' natural keys in row order (None for a kind without one); _NotClean when
        two rows share a key or one is already in the base."""
        if not kind.key:
            return None
        keys = dict.fromkeys(zip(*(_norm_column(values[c]) for c in kind.key), strict=True))
        if len(keys) != count or not self.key_map(kind).keys().isdisjoint(keys):
            raise _NotClean
        return keys

    def _write_columns_sqlite(self, kind: Kind, batches: Iterator[dict[str, list]],
                              expected: int | None) -> int | None:  # fmt: skip
        """SQLite: the rows checked a batch at a time while a writer thread inserts the batches
        already checked (sqlite_bulk.ColumnWriter), all under a savepoint. A batch that needs
        the row-by-row path, or keys found duplicate at the end, roll the savepoint back: None,
        and nothing written. Ids from max(id) under the write lock (see _insert). `expected`:
        about how many rows will come (decides whether indexes are rebuilt afterwards)."""
        table = kind.model.__table__
        stored = self._stored_columns(kind)
        for f in kind.fields:  # lookups' key maps read now: the connection is the writer's soon
            if f.kind == "ref":
                self.key_map(KINDS[f.ref])
        if kind.key:
            self.key_map(kind)
        self._take_write_lock()
        connection = self.session.connection()
        first = (self.session.scalar(select(func.max(table.c.id))) or 0) + 1
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
        key_values: dict[str, list] = {c: [] for c in kind.key or ()}
        count = 0
        try:
            bulk.open()
            with ColumnWriter(bulk, raw, table.name, ["id", *targets]) as writer:
                for columns in batches:
                    values = self._clean_columns(kind, columns)
                    size = len(next(iter(values.values()), ()))
                    if count == 0:  # a file imported again: known keys, found before writing
                        self._new_keys(kind, values, size)
                    for column, cells in key_values.items():
                        cells += values[column]
                    data = self._stored_data(stored, values)
                    if table.name in SORT_SOURCES:
                        data = _with_sort_keys(table.name, stored, data, size)[1]
                    for index, process in enumerate(processors):
                        if process is not None:
                            data[index] = [None if v is None else process(v) for v in data[index]]
                    writer.put(first + count, data)
                    count += size
                if count == 0:
                    raise _NotClean  # no row: nothing for this path
                writer.end_input()
                keys = self._new_keys(kind, key_values, count)  # while the indexes are built
                try:
                    writer.finish()
                except sqlite3.IntegrityError as exc:  # a duplicate for a unique index
                    raise _NotClean from exc
                except sqlite3.Error as exc:  # as SQLAlchemy would have raised it
                    raise DBAPIError.instance(None, None, exc, sqlite3.Error) from exc
        except (ParseError, _NotClean):
            raw.execute("ROLLBACK TO SAVEPOINT pilotis_columns")
            raw.execute("RELEASE SAVEPOINT pilotis_columns")
            return None
        finally:
            bulk.restore_cache()
        raw.execute("RELEASE SAVEPOINT pilotis_columns")
        self.wrote_many = self.wrote_many or count >= BulkInsert.DEFER_FROM
        ids = list(range(first, first + count))
        if keys is not None:
            self.key_map(kind).update(zip(keys, ids, strict=True))
        self._record_inserts(kind, ids)
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
        """A column converted as _convert_row would; _NotClean or ParseError on any problem."""
        if f.kind == "text":
            out = _tidy_text_column(column)
            if out is None:
                out = [" ".join(v.split()) if type(v) is str else _text_cell(f, v) for v in column]
            if "" in out:  # blank cells
                if f.required:
                    raise _NotClean
                out = [v or None for v in out]
            if f.max_length:
                cells = filter(None, out) if None in out else out
                if max(map(len, cells), default=0) > f.max_length:
                    raise _NotClean
            return out
        if column.count(None) == len(column):
            if f.required:
                raise _NotClean
            return column
        if f.kind in ("email", "phone") and _contacts_as_is(f, column):
            return column
        out = []
        for raw in column:
            if is_blank(raw):
                if f.required:
                    raise _NotClean
                out.append(None)
            elif f.kind == "ref":
                found = self.lookup(f.ref, raw)
                if found is None:
                    raise _NotClean
                out.append(found)
            else:
                out.append(_convert(f, raw))
        return out

    def _insert_columns(
        self, kind: Kind, values: dict[str, list], keys: dict[tuple, None] | None, count: int
    ) -> None:
        """Other databases than SQLite: checked columns inserted in one go."""
        table = kind.model.__table__
        stored = self._stored_columns(kind)
        data = self._stored_data(stored, values)
        if self.session.connection().dialect.driver == "psycopg":
            ids = self._copy_rows(table, stored, data, count)
        else:
            names = [t for _c, t, _d in stored]
            records = [dict(zip(names, r, strict=True)) for r in zip(*data, strict=True)]
            statement = insert(kind.model).returning(kind.model.id, sort_by_parameter_order=True)
            ids = []
            for start in range(0, count, _CHUNK):
                ids += self.session.scalars(statement, records[start : start + _CHUNK]).all()
        if keys is not None:
            self.key_map(kind).update(zip(keys, ids, strict=True))
        self._record_inserts(kind, ids)

    def _copy_rows(self, table, stored: list, data: list, count: int) -> list[int]:
        """PostgreSQL: ids drawn from the table's sequence in one query, then the rows sent by
        COPY inside the import's transaction (100 000 people: 13 s as multi-row INSERTs, most of
        it psycopg splitting and SQLAlchemy rendering them)."""
        if table.name in SORT_SOURCES:  # no column default on this path: the sort keys
            stored, data = _with_sort_keys(table.name, stored, data, count)
        connection = self.session.connection()
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

    def _record_inserts(self, kind: Kind, ids: list[int]) -> None:
        """One history record per kind and import for the rows it added (their ids as ranges):
        undo deletes them; 100 000 records, one per row, would cost more than the rows."""
        if not ids:
            return
        self.changed = True
        value = {"lignes": len(ids), "ids": _ranges(ids)}
        change = self._change(kind, "insert", None)
        change["new_value"] = json.dumps(value)
        self._record(kind, [change])

    def _error(self, kind: Kind, row: _Row, column: str | None, value: object, reason: str):
        self.report.errors.append(RowError(kind.name, row.number, column, value, reason))
        row.ok = False

    def _convert_row(self, kind: Kind, row: _Row) -> None:
        known = {f.column for f in kind.fields} | {"last_name", "first_name", "email"}
        if not any(not is_blank(v) for k, v in row.raw.items() if k in known):
            self._error(kind, row, None, None, "ligne vide")
            return
        for f in kind.fields:
            if f.column == kind.parent:
                continue  # resolved once every row of the batch has its key
            raw = row.raw.get(f.column)
            if f.kind == "person":
                self._convert_person(kind, row, f)
                continue
            if is_blank(raw):
                if f.required:
                    self._error(kind, row, f.column, None, "valeur obligatoire manquante")
                else:
                    row.values[f.column] = [] if f.kind == "refs" else None
                continue
            try:
                if f.kind == "ref":
                    row.values[f.column] = self._ref(f, raw, row)
                elif f.kind == "refs":
                    row.lists[f.column] = self._refs(f, raw)
                else:
                    row.values[f.column] = _convert(f, raw)
            except ParseError as exc:
                self._error(kind, row, f.column, raw, str(exc))
        self._check_row_rules(kind, row)

    def _ref(self, f: Field, raw: object, row: _Row) -> int:
        scope_id = row.values.get(f.scope) if f.scope else None
        if f.scope and scope_id is None:
            raise ParseError(f"{f.label} : précisez d'abord la colonne « {f.scope} »")
        found = self.lookup(f.ref, raw, scope_id)
        if found is None:
            target = KINDS[f.ref].label
            raise ParseError(f"introuvable parmi les {target} connus")
        return found

    def _refs(self, f: Field, raw: object) -> list[int]:
        items = raw if isinstance(raw, list | tuple) else _LIST_SEPARATOR.split(str(raw).strip())
        ids, missing = [], []
        for item in items:
            if is_blank(item):
                continue
            found = self.lookup(f.ref, item)
            (ids if found is not None else missing).append(found if found is not None else item)
        if missing:
            names = ", ".join(str(m) for m in missing)
            raise ParseError(f"introuvable(s) parmi les {KINDS[f.ref].label} : {names}")
        return list(dict.fromkeys(ids))

    def _convert_person(self, kind: Kind, row: _Row, f: Field) -> None:
        last, first = row.raw.get("last_name"), row.raw.get("first_name")
        if is_blank(last) and is_blank(first):
            row.values[f.column] = None  # a vacant post
            return
        if is_blank(last) or is_blank(first):
            column = "last_name" if is_blank(last) else "first_name"
            self._error(kind, row, column, None, "nom et prénom vont ensemble (vides si vacant)")
            return
        wanted = (fold(parse_text(last)), fold(parse_text(first)))
        people = self.key_map(KINDS["people"])
        email = row.raw.get("email")
        if not is_blank(email):  # the e-mail tells apart two people of the same name
            found = people.get((*wanted, fold(parse_text(email))))
            ids = {found} if found is not None else set()
        else:
            if self._names is None:
                self._names = {}
                for key, pid in people.items():
                    self._names.setdefault(key[:2], set()).add(pid)
            ids = set(self._names.get(wanted, ()))
        if len(ids) != 1:
            reason = "personne introuvable" if not ids else "plusieurs personnes portent ce nom"
            self._error(kind, row, "last_name", f"{last} {first}", reason)
            return
        row.values[f.column] = ids.pop()

    def _check_row_rules(self, kind: Kind, row: _Row) -> None:
        start, end = row.values.get("start_on"), row.values.get("end_on")
        if start and end and end < start:
            self._error(kind, row, "end_on", end, "la fin précède le début")
        link_from, link_to = row.values.get("from_unit"), row.values.get("to_unit")
        if link_from is not None and link_from == link_to:
            self._error(kind, row, "to_unit", None, "un service ne peut être lié à lui-même")

    def _resolve_keys(self, kind: Kind, batch: list[_Row]) -> None:
        if not kind.key:
            return
        existing = self.key_map(kind)
        seen: dict[tuple, int] = {}
        for row in batch:
            if not row.ok:
                continue
            row.key = tuple(_norm(row.values.get(c)) for c in kind.key)
            if row.key in seen:
                self._error(kind, row, kind.key[0], row.values.get(kind.key[0]),
                            f"doublon de la ligne {seen[row.key]}")  # fmt: skip
                continue
            seen[row.key] = row.number
            row.existing_id = existing.get(row.key)
            if row.existing_id is not None and not self.update:
                self._error(kind, row, kind.key[0], row.values.get(kind.key[0]),
                            "existe déjà (choisissez la mise à jour pour le modifier)")  # fmt: skip

    def _resolve_parents(self, kind: Kind, batch: list[_Row]) -> None:
        """Parents may be in the database or anywhere in the batch; rejected rows are not
        parents, and rejecting a row may reject its children in turn (partial imports)."""
        if not kind.parent:
            return
        f = kind.field(kind.parent)
        existing = self.key_map(kind)
        changed = True
        every_key = {_norm(r.values.get(kind.key[0])) for r in batch}
        for row in batch:  # rows already rejected still learn whether their parent exists
            raw = row.raw.get(f.column)
            if not row.ok and not is_blank(raw):
                key = _norm(parse_text(raw))
                if key not in every_key and (key,) not in existing:
                    self._error(
                        kind, row, f.column, raw, f"introuvable parmi les {kind.label} connus"
                    )
        while changed:
            changed = False
            in_batch = {r.key: r for r in batch if r.ok}
            for row in batch:
                raw = row.raw.get(f.column)
                if not row.ok or is_blank(raw):
                    row.values.setdefault(f.column, None)
                    continue
                try:
                    key = (_norm(_convert(kind.field(kind.key[0]), raw)),)
                except ParseError as exc:
                    self._error(kind, row, f.column, raw, str(exc))
                    changed = True
                    continue
                if key == row.key:
                    self._error(
                        kind, row, f.column, raw, "un élément ne peut être son propre parent"
                    )
                    changed = True
                elif key in in_batch:
                    row.values[f.column] = ("batch", key)
                elif key in existing:
                    row.values[f.column] = existing[key]
                else:
                    self._error(
                        kind, row, f.column, raw, f"introuvable parmi les {kind.label} connus"
                    )
                    changed = True

    # --- writing ----------------------------------------------------------------------------

    def _record(self, kind: Kind, rows: list[dict]) -> None:
        if rows and not server_writes_history(self.session.get_bind()):
            for start in range(0, len(rows), _CHUNK):
                # Core insert: the ORM's bulk path costs as much again for these plain rows.
                self.session.execute(insert(Change.__table__), rows[start : start + _CHUNK])

    def _change(self, kind: Kind, action: str, row_id: int, field: str | None = None,
                old: object = None, new: object = None) -> dict:  # fmt: skip
        return {
            "login": self.login,
            "action": action,
            "table_name": kind.model.__tablename__,
            "row_id": row_id,
            "field": field,
            "old_value": encode(old),
            "new_value": encode(new),
            "batch": self.report.batch,
        }

    def _stored(self, kind: Kind, row: _Row) -> dict:
        """The row's values by column, defaults filled in for NOT NULL columns left blank."""
        data = {}
        for column, target, default in self._stored_columns(kind):
            value = row.values.get(column)
            data[target] = default if value is None else value
        return data

    def _stored_columns(self, kind: Kind) -> list[tuple[str, str, object]]:
        if kind.name not in self._columns:
            table = kind.model.__table__
            columns = []
            for f in kind.fields:
                if f.kind == "refs" or not f.store or f.column == kind.parent:
                    continue
                column = table.c[f.target]
                default = None
                if not column.nullable and column.default is not None:
                    default = column.default.arg
                columns.append((f.column, f.target, default))
            self._columns[kind.name] = columns
        return self._columns[kind.name]

    def _insert(self, kind: Kind, rows: list[_Row]) -> None:
        if not rows:
            return
        model = kind.model
        key_map = self.key_map(kind)
        inserted: list[int] = []
        explicit = self.session.get_bind().dialect.name == "sqlite"
        deferred = contextlib.nullcontext()
        if explicit:
            # SQLite cannot return ids of a multi-row INSERT in parameter order, so SQLAlchemy
            # would insert row by row (~10× slower). With the write lock held, ids are assigned
            # here from max(id): no other writer can take them before commit.
            self._take_write_lock()
            next_id = (self.session.scalar(select(func.max(model.id))) or 0) + 1
            raw = self.session.connection().connection.driver_connection
            deferred = BulkInsert(raw, model.__tablename__, next_id, len(rows))
        with deferred:
            for start in range(0, len(rows), _CHUNK):
                chunk = rows[start : start + _CHUNK]
                if explicit:
                    ids = list(range(next_id, next_id + len(chunk)))
                    next_id += len(chunk)
                    values = [
                        {"id": i, **self._stored(kind, r)} for i, r in zip(ids, chunk, strict=True)
                    ]
                    self.session.execute(insert(model.__table__), values)
                else:
                    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
                    records = [self._stored(kind, r) for r in chunk]
                    ids = self.session.scalars(statement, records).all()
                for row, new_id in zip(chunk, ids, strict=True):
                    row.existing_id = new_id
                    if row.key is not None:
                        key_map[row.key] = new_id
                inserted += ids
        self._write_parents(kind, rows)
        self._write_links(kind, rows, replace=False)
        self._record_inserts(kind, inserted)

    def _take_write_lock(self) -> None:
        """A no-op write makes SQLite take the database's write lock now (until commit)."""
        if not self._locked:
            self.session.execute(delete(Change).where(Change.id == -1))
            self._locked = True

    def _write_parents(self, kind: Kind, rows: list[_Row]) -> None:
        if not kind.parent:
            return
        key_map = self.key_map(kind)
        target = kind.field(kind.parent).target
        pairs = []
        for row in rows:
            parent = row.values.get(kind.parent)
            if isinstance(parent, tuple):
                parent = key_map[parent[1]]
            if parent is not None:
                pairs.append({"row_id": row.existing_id, "parent_ref": parent})
        if pairs:
            table = kind.model.__table__
            statement = (
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values({target: bindparam("parent_ref")})
            )
            self.session.execute(statement, pairs)

    def _write_links(self, kind: Kind, rows: list[_Row], *, replace: bool) -> None:
        """The rows' link lists; on update, only the rows whose list differs are rewritten, so
        a file imported again writes nothing."""
        for f in kind.fields:
            if f.kind != "refs":
                continue
            table, own, other = f.link
            if replace:
                ids = [r.existing_id for r in rows if f.column in r.lists]
                current: dict[int, set[int]] = {}
                for start in range(0, len(ids), _CHUNK):
                    chunk = ids[start : start + _CHUNK]
                    query = select(table.c[own], table.c[other]).where(table.c[own].in_(chunk))
                    for owner_id, target in self.session.execute(query):
                        current.setdefault(owner_id, set()).add(target)
                rows = [
                    r
                    for r in rows
                    if f.column in r.lists
                    and set(r.lists[f.column]) != current.get(r.existing_id, set())
                ]
                ids = [r.existing_id for r in rows]
                for start in range(0, len(ids), _CHUNK):
                    chunk = ids[start : start + _CHUNK]
                    self.session.execute(delete(table).where(table.c[own].in_(chunk)))
                self.changed = self.changed or bool(ids)
            links = [
                {own: r.existing_id, other: target}
                for r in rows
                for target in r.lists.get(f.column, [])
            ]
            if links:
                self.session.execute(insert(table), links)
                self.changed = True

    def _update(self, kind: Kind, rows: list[_Row]) -> int:
        """Write only what differs, bump the version, and record field-level history."""
        if not rows:
            return 0
        model = kind.model
        table = model.__table__
        now = datetime.now(UTC).replace(tzinfo=None)
        changed_rows, changes = [], []
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            current = {
                r["id"]: r
                for r in self.session.execute(
                    select(table).where(table.c.id.in_([r.existing_id for r in chunk]))
                ).mappings()
            }
            for row in chunk:
                old = current[row.existing_id]
                new = self._stored(kind, row)
                if kind.parent:
                    parent = row.values.get(kind.parent)
                    if isinstance(parent, tuple):
                        parent = self.key_map(kind)[parent[1]]
                    new[kind.field(kind.parent).target] = parent
                diff = {k: v for k, v in new.items() if old[k] != v}
                if not diff:
                    continue
                for name, value in diff.items():
                    changes.append(
                        self._change(kind, "update", row.existing_id, name, old[name], value)
                    )
                if table.name in SORT_SOURCES and diff.keys() & set(SORT_SOURCES[table.name][0]):
                    diff["sort_key"] = sort_key_for(table.name, {**old, **diff})
                diff.update(id=row.existing_id, updated_at=now)
                if "version" in table.c:
                    diff["version"] = old["version"] + 1
                changed_rows.append(diff)
        for diff in changed_rows:
            self.session.execute(
                update(table)
                .where(table.c.id == diff["id"])
                .values({k: v for k, v in diff.items() if k != "id"})
            )
        self.changed = self.changed or bool(changed_rows)
        self._write_links(kind, rows, replace=True)
        self._record(kind, changes)
        return len(changed_rows)

    def _check_cycles(self, kind: Kind, batch: list[_Row]) -> None:
        if not kind.parent or not self.update:
            return  # new rows get parents that existed or were just inserted: no cycle possible
        parents = dict(self.session.execute(select(kind.model.id, kind.model.parent_id)).all())
        by_id = {r.existing_id: r for r in batch if r.ok and r.existing_id is not None}
        for row_id, row in by_id.items():
            seen, node = set(), parents.get(row_id)
            while node is not None and node not in seen:
                if node == row_id:
                    reason = "ce rattachement créerait une boucle dans l'arborescence"
                    self._error(kind, row, kind.parent, row.raw.get(kind.parent), reason)
                    if not self.partial:
                        return
                    break
                seen.add(node)
                node = parents.get(node)


def _constraint(exc: IntegrityError) -> str:
    """The constraint a database refused, in French (SQLite and PostgreSQL say it in English)."""
    detail = str(exc.orig)
    if "UNIQUE" in detail or "unique" in detail:
        where = detail.split(":", 1)[-1].strip() if "UNIQUE" in detail else ""
        return f"valeur déjà présente{f' : {excerpt(where, 60)}' if where else ''}"
    if "FOREIGN KEY" in detail or "foreign key" in detail:
        return "référence à un élément qui n'existe pas ou plus"
    if "NOT NULL" in detail or "null value" in detail:
        return "valeur obligatoire manquante"
    if "CHECK" in detail or "check constraint" in detail:
        return "valeur hors des limites admises"
    return "contrainte non respectée"


class _NotClean(Exception):
    """A column needs the row-by-row path (which reports the problem)."""


def _text_cell(f: Field, raw: object) -> str:
    """A text cell that is not a str (a number, None): "" when blank, else as _convert reads it."""
    return "" if is_blank(raw) else _convert(f, raw)


def _contacts_as_is(f: Field, column: list) -> bool:
    """Whether every e-mail or phone of a column is already as the form's rule leaves it
    (checked by one match per cell, not the rule's Python per cell: 100 000 people)."""
    present = [c for c in column if c is not None] if None in column else column
    if _tidy_text_column(present) is None:
        return False
    pattern = EMAIL_AS_IS if f.kind == "email" else PHONE_AS_IS
    if not all(map(pattern.fullmatch, present)):
        return False
    return not f.max_length or max(map(len, present), default=0) <= f.max_length


def _tidy_text_column(column: list) -> list | None:
    """The column itself when every cell is text that needs no whitespace tidying, found by a
    few C-level scans of the joined column instead of a split and a join per cell; else None.
    Every whitespace character but the space is unprintable, so is NUL (the separator)."""
    try:
        joined = "\x00".join(column)
    except TypeError:  # a number, a date, an empty cell (None)
        return None
    if (
        not "".join(column).isprintable()  # a tab, a line break, another space, a NUL
        or "  " in joined
        or " \x00" in joined
        or "\x00 " in joined
        or joined[:1] == " "
        or joined[-1:] == " "
    ):
        return None
    return column


def _norm_column(values: list) -> list:
    """_norm of each value; text already converted (stripped), so ASCII needs casefold only:
    a column of ASCII text (e-mails, codes) is folded in one pass over the joined column."""
    if values and None not in values:
        try:
            joined = "\x00".join(values)
        except TypeError:  # not all text
            joined = ""
        if joined.isascii() and joined:
            folded = joined.casefold().split("\x00")
            if len(folded) == len(values):
                return folded
    memo = {v: _norm(v) for v in set(values)}  # names repeat: each folded once
    return [memo[v] for v in values]


def _ranges(ids: list[int]) -> list[list[int]]:
    """[1, 2, 3, 7] -> [[1, 3], [7, 7]]."""
    ranges: list[list[int]] = []
    for i in sorted(ids):
        if ranges and i == ranges[-1][1] + 1:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])
    return ranges


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
    for start in range(0, len(rows), _WRITE_BATCH):
        yield {name: values[start : start + _WRITE_BATCH] for name, values in columns.items()}


def _with_sort_keys(table: str, stored: list, data: list, count: int) -> tuple[list, list]:
    """The stored columns and their values plus the rows' sort keys (models/directory.py)."""
    by_target = {target: cells for (_c, target, _d), cells in zip(stored, data, strict=True)}
    columns = {c: by_target.get(c) or [None] * count for c in SORT_SOURCES[table][0]}
    return [*stored, ("sort_key", "sort_key", None)], [*data, sort_keys_for_columns(table, columns)]


def _normalise_columns(raw: Mapping[str, object]) -> dict[str, object]:
    if all(type(k) is str and k == k.strip() for k in raw):  # already clean: no copy
        return raw if isinstance(raw, dict) else dict(raw)
    return {str(k).strip(): v for k, v in raw.items()}


def _norm(value: object) -> object:
    """Form of a key part used for matching: accents and case folded for text. ASCII text
    (most codes and e-mails) skips Unicode normalisation, which is the same fold, faster."""
    if isinstance(value, str):
        return value.casefold().strip() if value.isascii() else fold(value)
    return value


def _convert(f: Field, raw: object) -> object:
    kind = f.kind
    if kind in ("text", "ref"):
        value = parse_text(raw)
        if f.max_length and len(value) > f.max_length:
            raise ParseError(f"texte trop long ({len(value)} caractères, {f.max_length} au plus)")
        return value
    if kind in ("email", "phone"):
        # The person and service forms' own checks, with their French reasons.
        if kind == "phone" and isinstance(raw, int | float) and not isinstance(raw, bool):
            # A spreadsheet number cannot keep the leading 0 (04 67… typed becomes 467…).
            raw = str(int(raw)).zfill(10) if raw == int(raw) and raw < 10**9 else raw
        try:
            value = (check_email if kind == "email" else normalise_phone)(parse_text(raw))
        except ValueError as exc:
            raise ParseError(str(exc)) from exc
        if value is not None and f.max_length and len(value) > f.max_length:
            raise ParseError(f"texte trop long ({len(value)} caractères, {f.max_length} au plus)")
        return value
    if kind == "uai":
        value = parse_text(raw).upper()
        if not _UAI.match(value):
            raise ParseError("code UAI attendu : 7 chiffres et une lettre (0310000A)")
        return value
    if kind == "department_code":
        value = parse_text(raw).upper()
        if value.isdigit():
            value = str(int(value)).zfill(2)
        if not 2 <= len(value) <= 3:
            raise ParseError("code de département attendu (09, 31, 971…)")
        return value
    if kind == "enum":
        wanted = fold(parse_text(raw))
        for code, label in f.choices.items():
            if wanted in (fold(code), fold(label)):
                return code
        allowed = ", ".join(f.choices.values())
        raise ParseError(f"valeur inconnue ; valeurs possibles : {allowed}")
    if kind == "money":
        cents = parse_money_cents(raw)
        if cents > _MAX_CENTS:  # a BIGINT column: refuse, never overflow at commit
            raise ParseError("montant trop grand (1 000 milliards d'euros au plus)")
        return cents
    if kind == "int":
        number = parse_int(raw)
        if abs(number) > _MAX_INT:  # INTEGER is 32 bits on PostgreSQL
            raise ParseError("nombre trop grand")
        return number
    if kind == "float":
        number = parse_float(raw)
        if not math.isfinite(number):
            raise ParseError("nombre trop grand")
        return number
    converters = {
        "int": parse_int,
        "float": parse_float,
        "bool": parse_bool,
        "date": parse_date,
        "money": parse_money_cents,
        "period": parse_period,
    }
    return converters[kind](raw)
