"""What an import did or would do: counts per kind, the rows refused and why, the warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from desktop.errors import PilotisError
from desktop.services.common.parsing import is_blank
from desktop.services.transfer.limits import excerpt
from desktop.services.transfer.specs import KINDS


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
    partial: bool = False  # the valid rows written even if others are refused
    batch: str = ""

    @property
    def refused_whole(self) -> bool:
        """A dry run of an all-or-nothing import with refused rows: the import itself would
        write nothing; the counts are what its valid rows give when imported alone."""
        return self.dry_run and not self.partial and bool(self.errors)

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


@dataclass
class FileImportResult:
    """What an import did: the ingest report, whether anything was written, and the file's
    columns that were not imported."""

    kind: str
    path: Path
    report: ImportReport
    rows: int
    written: bool
    headers: dict[str, str] = field(default_factory=dict)  # import column -> file header
    ignored_columns: list[str] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)  # French notes, one per sheet

    @property
    def errors(self) -> list[RowError]:
        return self.report.errors

    def header_of(self, error: RowError) -> str:
        """The column as the file names it (falls back to the import's column name)."""
        return self.headers.get(error.column or "", error.column or "")
