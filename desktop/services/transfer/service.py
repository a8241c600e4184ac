"""Files in and out of every import kind: a file's rows go through the validated ingest path,
a kind's rows come out with the headers the importer reads back, so export → import round-trips."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from desktop.errors import PilotisError
from desktop.services.transfer.bulk import gc_paused
from desktop.services.transfer.export import export_rows
from desktop.services.transfer.import_summary import error_line, summary_lines, write_report
from desktop.services.transfer.ingest import ColumnRows, ColumnStream, ImportRejected, IngestService
from desktop.services.transfer.kind_export import (
    export_columns,
    kind_headers,
    kind_rows,
    sheet_title,
    write_sheets,
)
from desktop.services.transfer.limits import excerpt
from desktop.services.transfer.mapping import ColumnPlan, ImportMapping, plan_columns, plan_missing
from desktop.services.transfer.readers import (
    Batches,
    Column,
    FileReadError,
    Table,
    describe_columns,
    header_key,
    read_table,
    read_table_stream,
    sheet_names,
)
from desktop.services.transfer.report import FileImportResult
from desktop.services.transfer.specs import KINDS, LOAD_ORDER

# The transfer facade's names that live in the modules it is built on.
__all__ = [
    "DOMAINS", "TYPE_LABELS", "FileImportResult", "MissingColumnsError", "TransferService",
    "error_line", "export_columns", "ignored_sheet_notes", "kind_headers", "kind_rows",
    "resolve_kinds", "sheet_title", "summary_lines", "write_report",
]  # fmt: skip

# A file's columns as fields: one per file column (None: not imported), or a mapping file's.
Mapping = Sequence[str | None] | ImportMapping

# Whole domains, as the embedded dataset files group them; "tout" is the whole database.
DOMAINS: dict[str, tuple[str, ...]] = {
    "reference": (
        "academies", "departments", "sites", "funders", "organisations", "establishments",
    ),
    "annuaire": ("units", "people", "positions", "unit_links"),
    "programmes": (
        "strategic_lines", "axes", "programmes", "milestones", "indicators", "indicator_values",
    ),
    "budgets": ("funding_lines", "declared_totals"),
    "tout": LOAD_ORDER,
}  # fmt: skip

TYPE_LABELS = {
    "text": "texte",
    "int": "nombre entier",
    "float": "nombre (virgule décimale acceptée)",
    "bool": "oui / non",
    "date": "date (JJ/MM/AAAA)",
    "money": "montant en euros (1 234,56)",
    "period": "année (2023) ou année scolaire (2022-2023)",
    "enum": "une valeur de la liste",
    "ref": "code d'un élément existant",
    "refs": "codes séparés par des virgules",
    "uai": "code UAI : 7 chiffres et une lettre (0310000A)",
    "department_code": "code de département (09, 31, 971)",
}


class MissingColumnsError(PilotisError):
    """Required columns are absent from the file (or not mapped); nothing was read further."""

    def __init__(self, kind: str, missing: Sequence[Column], where: str) -> None:
        super().__init__(
            f"{where} : colonne(s) obligatoire(s) absente(s) pour importer des "
            f"{KINDS[kind].label} : {describe_columns(missing)}."
        )
        self.kind = kind
        self.missing = list(missing)


def resolve_kinds(name: str) -> tuple[str, ...]:
    """A kind or a domain name (French labels accepted) -> the kinds, in loading order."""
    if name in KINDS:
        return (name,)
    if name in DOMAINS:
        return DOMAINS[name]
    wanted = header_key(name)
    for kind in KINDS.values():
        if wanted in (header_key(kind.name), header_key(kind.label)):
            return (kind.name,)
    choices = ", ".join([*KINDS, *DOMAINS])
    raise PilotisError(f"Type de données inconnu : « {name} ». Types possibles : {choices}.")


class TransferService:
    """Imports files into the database (all or nothing) and exports kinds to files."""

    def __init__(self, session_factory: sessionmaker, login: str | None = None) -> None:
        self._sessions = session_factory
        self._ingest = IngestService(session_factory, login=login)
        self.login = login

    @property
    def session_factory(self) -> sessionmaker:
        """For the importers built on demand (the Annuaire de l'éducation)."""
        return self._sessions

    # --- import -----------------------------------------------------------------------------

    def read(self, path: Path | str, sheet: str | None = None, kind: str | None = None) -> Table:
        return read_table(path, sheet=sheet, kind=kind)

    def import_file(
        self,
        kind: str,
        path: Path | str,
        *,
        sheet: str | None = None,
        mapping: Mapping | None = None,
        update: bool = False,
        partial: bool = False,
        dry_run: bool = False,
    ) -> FileImportResult:
        """Read a file and import its rows; a file with errors changes nothing unless partial.
        `mapping`: the file's columns as fields (a list), or a mapping file's ImportMapping.
        Raises FileReadError / MissingColumnsError / MappingError when the file itself, or
        its mapping, cannot be used."""
        if kind not in KINDS:
            resolve_kinds(kind)  # raises the French message
        with gc_paused():
            return self._import_file(kind, path, sheet, mapping, update, partial, dry_run)

    def _import_file(self, kind, path, sheet, mapping, update, partial, dry_run):
        if sheet is None:  # a workbook exported by Pilotis: the sheet named after the kind
            names = {header_key(n): n for n in sheet_names(path)}
            sheet = names.get(header_key(sheet_title(kind))) or names.get(header_key(kind))
        # The rows are checked and written batch by batch while the rest of the file is read.
        table, batches = read_table_stream(path, sheet=sheet, kind=kind)
        plan = _plan(kind, table, mapping)

        def again() -> Iterator[tuple[list[int], dict[str, list]]]:
            """The file read once more (the row-by-row path after a late give-up)."""
            fresh, batches = read_table_stream(path, sheet=sheet, kind=kind)
            if fresh.headers != table.headers:
                raise FileReadError(
                    f"« {excerpt(Path(path).name)} » a changé pendant l'import (sa ligne "
                    "d'en-tête n'est plus la même) : rien n'a été modifié, importez-le de nouveau."
                )
            yield from _planned_batches(batches, plan)
            table.repaired = fresh.repaired  # counted once, by the reading imported

        rows = ColumnStream(_planned_batches(batches, plan), plan.names,
                            expected=table.expected_rows, again=again)  # fmt: skip
        result = self._import_rows(kind, table, rows, plan, update, partial, dry_run)
        result.ignored_sheets = ignored_sheet_notes(path, [table.sheet], (kind,))
        return result

    def import_table(
        self,
        kind: str,
        table: Table,
        mapping: Mapping | None = None,
        *,
        update: bool = False,
        partial: bool = False,
        dry_run: bool = False,
    ) -> FileImportResult:
        """A table already read (the wizard's), with the column list the wizard chose or an
        ImportMapping (a mapping file's renames, skips, constants and splits)."""
        plan = _plan(kind, table, mapping)
        rows = _planned_rows(table, plan)
        return self._import_rows(kind, table, rows, plan, update, partial, dry_run)

    def _import_rows(self, kind, table, rows, plan, update, partial, dry_run):
        try:
            report = self._ingest.import_rows(
                kind, rows, update=update, partial=partial, dry_run=dry_run,
                first_row=table.numbers,
            )  # fmt: skip
            written = not dry_run
        except ImportRejected as rejected:
            report, written = rejected.report, False
        if table.repaired:
            report.warnings.append(
                f"{table.repaired} valeur(s) contenaient des caractères de contrôle U+0080 à "
                "U+009F (du Windows-1252 mal décodé : U+0092 pour ’) : lus comme en "
                "Windows-1252."
            )
        return FileImportResult(kind, table.path, report, len(rows), written, plan.headers,
                                plan.ignored)  # fmt: skip

    def read_workbook(
        self, path: Path | str, kinds: Sequence[str] = LOAD_ORDER
    ) -> list[tuple[str, Table]]:
        """The sheets of a workbook that hold the given kinds, named as `export_kinds` names
        them (« Services », « Personnes »… or the kind's name), in loading order."""
        path = Path(path)
        by_key = {header_key(n): n for n in sheet_names(path)}
        tables = []
        for kind in LOAD_ORDER:
            if kind not in kinds:
                continue
            sheet = by_key.get(header_key(sheet_title(kind))) or by_key.get(header_key(kind))
            if sheet is not None:
                tables.append((kind, read_table(path, sheet=sheet, kind=kind)))
        if not tables:
            names = ", ".join(sheet_title(k) for k in kinds)
            raise FileReadError(
                f"« {path.name} » n'a aucune feuille attendue : nommez chaque feuille d'après ses "
                f"données ({names})."
            )
        return tables

    def import_tables(
        self,
        tables: Sequence[tuple[str, Table, Mapping | None]],
        *,
        update: bool = False,
        partial: bool = False,
        dry_run: bool = False,
    ) -> FileImportResult:
        """Several sheets (kind, table, mapping or None for the proposed one) in loading order,
        in ONE transaction: all or nothing across the sheets."""
        batches, headers, ignored, count = [], {}, [], 0
        for kind, table, mapping in tables:
            plan = _plan(kind, table, mapping)
            rows = _planned_rows(table, plan)
            batches.append((kind, rows, table.numbers))
            headers.update(plan.headers)
            ignored += [f"{table.sheet or sheet_title(kind)} : {c}" for c in plan.ignored]
            count += len(rows)
        try:
            report = self._ingest.import_batches(
                batches, update=update, partial=partial, dry_run=dry_run
            )
            written = not dry_run
        except ImportRejected as rejected:
            report, written = rejected.report, False
        path = tables[0][1].path if tables else Path()
        return FileImportResult("+".join(b[0] for b in batches), path, report, count, written,
                                headers, ignored)  # fmt: skip

    def import_workbook(
        self,
        path: Path | str,
        kinds: Sequence[str] = LOAD_ORDER,
        *,
        update: bool = False,
        partial: bool = False,
        dry_run: bool = False,
    ) -> FileImportResult:
        """A workbook with one sheet per kind (as `export_kinds` writes it), in one transaction."""
        tables = self.read_workbook(path, kinds)
        result = self.import_tables(
            [(kind, table, None) for kind, table in tables],
            update=update, partial=partial, dry_run=dry_run,
        )  # fmt: skip
        result.ignored_sheets = ignored_sheet_notes(path, [t.sheet for _k, t in tables], kinds)
        return result

    # --- export -----------------------------------------------------------------------------

    def export_kinds(self, kinds: Sequence[str], path: Path | str) -> dict[str, int]:
        """Write each kind's rows (one sheet per kind in .xlsx; .csv holds one kind only)."""
        path = Path(path)
        if path.suffix.lower() == ".csv" and len(kinds) != 1:
            raise PilotisError(
                "Un fichier CSV ne contient qu'un tableau : exportez plusieurs types de données "
                "vers un classeur .xlsx (une feuille par type)."
            )
        with self._sessions() as session:
            tables = {kind: kind_rows(session, kind) for kind in kinds}
        if len(kinds) == 1:
            kind = kinds[0]
            export_rows(path, export_columns(kind), tables[kind], sheet=sheet_title(kind),
                        title=f"Pilotis — {KINDS[kind].label}")  # fmt: skip
        else:
            write_sheets(path, [(sheet_title(k), export_columns(k), tables[k]) for k in kinds])
        return {kind: len(rows) for kind, rows in tables.items()}

    def rows(self, kind: str) -> list[dict[str, object]]:
        """Every row of a kind in import form (keys as the importer reads them)."""
        with self._sessions() as session:
            return kind_rows(session, kind)


def ignored_sheet_notes(path: Path | str, read: Sequence[str | None],
                        kinds: Sequence[str]) -> list[str]:  # fmt: skip
    """One French note per sheet of a workbook that the import did not read, saying what it
    seems to hold when its name is a kind's (« Programmes » beside funding lines)."""
    notes = []
    for name in sheet_names(path):
        if name in read:
            continue
        key = header_key(name)
        other = next((k for k in KINDS if key in (header_key(k), header_key(sheet_title(k)))), None)
        note = f"feuille « {excerpt(name, 40)} » non lue"
        if other is not None and other not in kinds:
            note += (
                f" (elle semble contenir des {KINDS[other].label} : importez le type "
                f"« {other} », ou un domaine qui le contient, pour la charger aussi)"
            )
        notes.append(note)
    return notes


def _plan(kind: str, table: Table, mapping: Mapping | None) -> ColumnPlan:
    """The file's columns planned for the kind; a French error for a column mapped twice, a
    mapping naming a column the file lacks, or a required field filled from nowhere."""
    plan = plan_columns(kind, table.headers, table.path.name, mapping)
    missing = plan_missing(kind, plan)
    if missing:
        raise MissingColumnsError(kind, missing, f"« {table.path.name} »")
    return plan


def _planned_batches(batches: Batches, plan: ColumnPlan
                     ) -> Iterator[tuple[list[int], dict[str, list]]]:  # fmt: skip
    """A file's batches as the ingest path takes them: row numbers, the planned fields by name."""
    for numbers, _rows, columns in batches:
        yield numbers, plan.columns(columns, len(numbers))


def _planned_rows(table: Table, plan: ColumnPlan) -> ColumnRows:
    """A table read whole, its planned fields column by column (one transposition)."""
    width = len(table.headers)
    columns = list(zip(*table.rows, strict=True)) if table.rows else [()] * width
    return ColumnRows(plan.columns(columns, len(table.rows)), len(table.rows))
