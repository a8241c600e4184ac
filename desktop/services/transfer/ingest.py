"""The one validated path into the database: rows of named columns, checked, then written in one
transaction. File imports and the embedded dataset both come through here."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from desktop.db import IMMEDIATE, defer_checkpoint
from desktop.errors import PilotisError
from desktop.services.common.history import begin_batch, os_login
from desktop.services.transfer.bulk import gc_paused
from desktop.services.transfer.convert import constraint_reason
from desktop.services.transfer.dataset_source import DATASET_BATCH, DATASET_LOGIN
from desktop.services.transfer.loader import Loader
from desktop.services.transfer.report import ImportRejected, ImportReport, KindResult, RowError
from desktop.services.transfer.row_sources import ColumnRows, ColumnStream
from desktop.services.transfer.specs import KINDS

# The ingest path's public names, wherever they are defined.
__all__ = [
    "ColumnRows", "ColumnStream", "ImportRejected", "ImportReport", "IngestService",
    "KindResult", "RowError",
]  # fmt: skip


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
        unless partial, in which case valid rows are written and the report lists the others.
        A dry run is the import itself, its valid rows written as partial writes them, in a
        transaction rolled back: its counts are the import's, they cannot drift from them."""
        # The embedded dataset's batch says so (on a server the history names the account).
        prefix = DATASET_BATCH if self._login == DATASET_LOGIN else ""
        report = ImportReport(dry_run=dry_run, partial=partial,
                              batch=prefix + uuid.uuid4().hex[:12])  # fmt: skip
        with gc_paused():
            return self._import_batches(batches, report, update, partial, dry_run)

    def _import_batches(self, batches, report, update, partial, dry_run) -> ImportReport:
        session = self._sessions()
        try:
            if not dry_run:  # SQLite: the keys known are read under the write lock, so they
                session.connection(execution_options={IMMEDIATE: True})  # hold when written
            begin_batch(session, report.batch, summary=True)  # PostgreSQL's triggers record it
            loader = Loader(session, self._login, report, update=update,
                            partial=partial or dry_run)  # fmt: skip
            for kind, rows, first_row in batches:
                if kind not in KINDS:
                    raise PilotisError(f"Type de données inconnu : « {kind} ».")
                loader.load(KINDS[kind], rows, first_row)
            if report.errors and not partial and not dry_run:
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
                f"La base de données a refusé l'import ({constraint_reason(exc)}) ; aucune donnée "
                "n'a été modifiée."
            ) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        return report
