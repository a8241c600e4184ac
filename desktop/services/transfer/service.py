"""Files in and out of every import kind: a file's rows go through the validated ingest path,
a kind's rows come out with the headers the importer reads back, so export → import round-trips."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from desktop.errors import PilotisError
from desktop.services.transfer.bulk import gc_paused
from desktop.services.transfer.export import ExportColumn, export_rows
from desktop.services.transfer.ingest import (
    ColumnRows,
    ColumnStream,
    ImportRejected,
    ImportReport,
    IngestService,
    KindResult,
    RowError,
)
from desktop.services.transfer.limits import excerpt, summarise
from desktop.services.transfer.readers import (
    Batches,
    Column,
    FileReadError,
    Table,
    describe_columns,
    header_key,
    kind_columns,
    missing_required,
    propose_mapping,
    read_table,
    read_table_stream,
    sheet_names,
)
from desktop.services.transfer.specs import KINDS, LOAD_ORDER, Field, Kind

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


def kind_headers(kind_name: str) -> list[str]:
    """The header row of an export or template: French labels, capitalised."""
    return [c.label[:1].upper() + c.label[1:] for c in kind_columns(kind_name)]


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


def sheet_title(kind_name: str) -> str:
    label = KINDS[kind_name].label
    return (label[:1].upper() + label[1:])[:31]


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
        mapping: Sequence[str | None] | None = None,
        update: bool = False,
        partial: bool = False,
        dry_run: bool = False,
    ) -> FileImportResult:
        """Read a file and import its rows; a file with errors changes nothing unless partial.
        Raises FileReadError / MissingColumnsError when the file itself cannot be used."""
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
        mapping = list(mapping) if mapping is not None else propose_mapping(kind, table.headers)
        selected, headers, ignored = _selection(kind, table, mapping)

        def again() -> Iterator[tuple[list[int], dict[str, list]]]:
            """The file read once more (the row-by-row path after a late give-up)."""
            fresh, batches = read_table_stream(path, sheet=sheet, kind=kind)
            if fresh.headers != table.headers:
                raise FileReadError(
                    f"« {excerpt(Path(path).name)} » a changé pendant l'import (sa ligne "
                    "d'en-tête n'est plus la même) : rien n'a été modifié, importez-le de nouveau."
                )
            yield from _selected_columns(batches, selected)
            table.repaired = fresh.repaired  # counted once, by the reading imported

        rows = ColumnStream(_selected_columns(batches, selected), list(selected),
                            expected=table.expected_rows, again=again)  # fmt: skip
        result = self._import_rows(kind, table, rows, headers, ignored, update, partial, dry_run)
        result.ignored_sheets = ignored_sheet_notes(path, [table.sheet], (kind,))
        return result

    def import_table(
        self,
        kind: str,
        table: Table,
        mapping: Sequence[str | None] | None = None,
        *,
        update: bool = False,
        partial: bool = False,
        dry_run: bool = False,
    ) -> FileImportResult:
        mapping = list(mapping) if mapping is not None else propose_mapping(kind, table.headers)
        selected, headers, ignored = _selection(kind, table, mapping)
        rows = ColumnRows(_columns(table.rows, selected), len(table.rows))
        return self._import_rows(kind, table, rows, headers, ignored, update, partial, dry_run)

    def _import_rows(self, kind, table, rows, headers, ignored, update, partial, dry_run):
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
        return FileImportResult(kind, table.path, report, len(rows), written, headers, ignored)

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
        tables: Sequence[tuple[str, Table, Sequence[str | None] | None]],
        *,
        update: bool = False,
        partial: bool = False,
        dry_run: bool = False,
    ) -> FileImportResult:
        """Several sheets (kind, table, mapping or None for the proposed one) in loading order,
        in ONE transaction: all or nothing across the sheets."""
        batches, headers, ignored, count = [], {}, [], 0
        for kind, table, mapping in tables:
            mapping = list(mapping) if mapping is not None else propose_mapping(kind, table.headers)
            selected, kind_headers_, kind_ignored = _selection(kind, table, mapping)
            rows = ColumnRows(_columns(table.rows, selected), len(table.rows))
            batches.append((kind, rows, table.numbers))
            headers.update(kind_headers_)
            ignored += [f"{table.sheet or sheet_title(kind)} : {c}" for c in kind_ignored]
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
            _write_sheets(path, [(sheet_title(k), export_columns(k), tables[k]) for k in kinds])
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


def _selection(
    kind: str, table: Table, mapping: Sequence[str | None]
) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """The file's column index of each mapped import column, the file header of each, and the
    file's headers left out; a French error for a column mapped twice or a required one
    missing."""
    mapping = list(mapping) + [None] * (len(table.headers) - len(mapping))
    seen: dict[str, int] = {}
    for index, column in enumerate(mapping):
        if column is None:
            continue
        if column in seen:
            raise PilotisError(
                f"Les colonnes « {table.headers[seen[column]]} » et « {table.headers[index]} » "
                f"sont toutes deux associées à « {column} » : gardez-en une seule."
            )
        seen[column] = index
    missing = missing_required(kind, mapping)
    if missing:
        raise MissingColumnsError(kind, missing, f"« {table.path.name} »")
    headers = {n: table.headers[i] for n, i in seen.items()}
    ignored = [h for h, m in zip(table.headers, mapping, strict=False) if m is None and h]
    return seen, headers, ignored


def _selected_columns(batches: Batches, selected: dict[str, int]
                      ) -> Iterator[tuple[list[int], dict[str, list]]]:  # fmt: skip
    """A file's batches as the ingest path takes them: row numbers, the mapped columns by name."""
    for numbers, _rows, columns in batches:
        yield numbers, {name: list(columns[index]) for name, index in selected.items()}


def _columns(rows: list[list[object]], selected: dict[str, int]) -> dict[str, list[object]]:
    """The mapped columns only, column by column (one C-level transposition each)."""
    return {n: list(map(itemgetter(i), rows)) for n, i in selected.items()}


# --- export of a kind -------------------------------------------------------------------------

_EXPORT_KIND = {"int": "int", "float": "number", "money": "money", "date": "date"}


def export_columns(kind_name: str) -> list[ExportColumn]:
    """Typed export columns of a kind, headed by the labels the importer recognises."""
    columns = []
    for column, header in zip(kind_columns(kind_name), kind_headers(kind_name), strict=True):
        export_kind = _EXPORT_KIND.get(column.kind, "text")
        if column.kind == "ref" and _ref_key_field(column.ref).kind == "int":
            export_kind = "int"
        columns.append(ExportColumn(header, itemgetter(column.name), export_kind))
    return columns


def _ref_key_field(kind_name: str | None) -> Field:
    kind = KINDS[kind_name]
    return kind.field(kind.key[-1])


def _key_values(session: Session, kind_name: str) -> dict[int, object]:
    """id -> the value a file names a row of this kind by (its code, number, UAI…)."""
    kind = KINDS[kind_name]
    column = getattr(kind.model, _ref_key_field(kind_name).target)
    return dict(session.execute(select(kind.model.id, column)).all())


def kind_rows(session: Session, kind_name: str) -> list[dict[str, object]]:
    """Every row of a kind as the importer reads it: references by key, enums by French label,
    booleans oui/non, lists joined with commas; ordered by id (creation order)."""
    kind = KINDS[kind_name]
    table = kind.model.__table__
    records = session.execute(select(table).order_by(table.c.id)).mappings().all()
    converters = [_field_converter(session, kind, f) for f in kind.fields]
    out = []
    for record in records:
        row: dict[str, object] = {}
        for convert in converters:
            convert(record, row)
        out.append(row)
    return out


def _field_converter(session: Session, kind: Kind, f: Field):
    if f.kind == "person":
        people = {
            r[0]: r[1:]
            for r in session.execute(
                select(
                    KINDS["people"].model.__table__.c[("id", "last_name", "first_name", "email")]
                )  # fmt: skip
            )
        }

        def person(record, row):
            last, first, email = people.get(record[f.target], (None, None, None))
            row.update(last_name=last, first_name=first, email=email)

        return person
    if not f.store:  # the programme of an indicator value: the programme of its indicator
        scoped = next(g for g in kind.fields if g.scope == f.column)
        scope_model = KINDS[scoped.ref].model
        owner = dict(session.execute(select(scope_model.id, scope_model.programme_id)).all())
        keys = _key_values(session, f.ref)

        def scope(record, row):
            row[f.column] = keys.get(owner.get(record[scoped.target]))

        return scope
    if f.kind == "ref":
        keys = _key_values(session, f.ref)
        return lambda record, row: row.__setitem__(f.column, keys.get(record[f.target]))
    if f.kind == "refs":
        table, own, other = f.link
        keys = _key_values(session, f.ref)
        lists: dict[int, list] = {}
        for owner_id, target in session.execute(select(table.c[own], table.c[other])):
            lists.setdefault(owner_id, []).append(keys[target])
        for values in lists.values():
            values.sort(key=lambda v: (str(type(v)), v))

        def refs(record, row):
            values = lists.get(record["id"])
            row[f.column] = ", ".join(str(v) for v in values) if values else None

        return refs
    if f.kind == "enum":
        labels = f.choices
        return lambda record, row: row.__setitem__(
            f.column, labels.get(record[f.target], record[f.target])
        )
    if f.kind == "bool":
        return lambda record, row: row.__setitem__(
            f.column, None if record[f.target] is None else ("oui" if record[f.target] else "non")
        )
    return lambda record, row: row.__setitem__(f.column, record[f.target])


def _write_sheets(path: Path, sheets: list[tuple[str, list[ExportColumn], list]]) -> None:
    """Several kinds in one workbook: each written by export_rows to a temporary file would
    lose the others, so the sheets are written here with the same typed cells."""
    import xlsxwriter

    from desktop.services.transfer.export import exact_numbers

    if path.suffix.lower() != ".xlsx":
        raise PilotisError(f"Format d'export inconnu « {path.suffix} » : choisissez .xlsx.")
    try:
        workbook = xlsxwriter.Workbook(
            str(path),
            {"strings_to_formulas": False, "strings_to_numbers": False, "constant_memory": True},
        )
    except OSError as exc:
        raise PilotisError(f"Impossible d'écrire {path} : {exc}.") from exc
    exact_numbers(workbook)
    try:
        header = workbook.add_format({"bold": True, "bg_color": "#DDE4F0", "border": 1})
        formats = {
            "money": workbook.add_format({"num_format": '#,##0.00 "€"'}),
            "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
            "int": workbook.add_format({"num_format": "0"}),
            "number": workbook.add_format({"num_format": "General"}),
        }
        for title, columns, rows in sheets:
            sheet = workbook.add_worksheet(title)
            sheet.write_row(0, 0, [c.header for c in columns], header)
            sheet.freeze_panes(1, 0)
            widths = [max(len(c.header), 8) for c in columns]
            for r, row in enumerate(rows, start=1):
                for c, column in enumerate(columns):
                    value = column.value(row)
                    if value is None or value == "":
                        continue
                    if column.kind == "date" and isinstance(value, date):
                        sheet.write_datetime(r, c, value, formats["date"])
                    elif column.kind == "money":
                        sheet.write_number(r, c, int(value) / 100, formats["money"])
                    elif column.kind in formats and isinstance(value, int | float):
                        sheet.write_number(r, c, value, formats[column.kind])
                    else:
                        text = str(value)  # a string cell: never a formula, no ' to show
                        sheet.write_string(r, c, text)
                        widths[c] = max(widths[c], min(len(text), 50))
            for c, width in enumerate(widths):
                sheet.set_column(c, c, width + 2)
    finally:
        try:
            workbook.close()
        except OSError as exc:
            raise PilotisError(f"Impossible d'écrire {path} : {exc}.") from exc


# --- reports --------------------------------------------------------------------------------

REPORT_COLUMNS = [
    ExportColumn("Données", lambda e: KINDS[e[0].kind].label),
    ExportColumn("Ligne", lambda e: e[0].row, "int"),
    ExportColumn("Colonne", lambda e: e[1]),
    ExportColumn("Valeur", lambda e: None if e[0].value is None else excerpt(e[0].value, 200)),
    ExportColumn("Motif", lambda e: e[0].reason, width=70),
]


def write_report(result: FileImportResult, path: Path | str) -> Path:
    """The rejected rows (row, column as the file names it, value, French reason) to .xlsx or
    .csv; an import without errors writes the header row alone."""
    rows = [(e, result.header_of(e)) for e in result.errors]
    return export_rows(path, REPORT_COLUMNS, rows, sheet="Lignes refusées",
                       title="Pilotis — rapport d'import")  # fmt: skip


def summary_lines(result: FileImportResult) -> list[str]:
    """One French line per kind: added, updated, unchanged, rejected; then the file's columns
    and sheets left out (summed up: a file of 100 000 columns is one line)."""
    lines = []
    for kind_result in result.report.results.values():
        lines.append(
            f"{KINDS[kind_result.kind].label.capitalize()} : {_counts(result, kind_result)}"
        )
    if result.report.refused_whole:
        lines.append(
            f"Vérification seule : avec {len({e.row for e in result.errors})} ligne(s) "
            "refusée(s), l'import serait refusé en entier et ne modifierait rien ; les chiffres "
            "des lignes valides sont ceux qu'elles donneraient importées seules (--partial, ou "
            "« Importer seulement les lignes valides »)."
        )
    if result.ignored_columns:
        count = len(result.ignored_columns)
        lines.append(f"Colonne(s) ignorée(s) ({count}) : {summarise(result.ignored_columns)}")
    lines += [f"Attention : {note}." for note in result.ignored_sheets]
    lines += [f"Attention — {warning}" for warning in result.report.warnings]
    return lines


def _counts(result: FileImportResult, counts: KindResult) -> str:
    """A kind's counts as the user reads them: added, updated and unchanged, refused; the valid
    rows counted when the file is refused (« 0 ajouté(s), 1 refusé(s) » alone hides them)."""
    done = [f"{counts.inserted} ajouté(s)"]
    if counts.updated or counts.unchanged:
        done.append(f"{counts.updated} modifié(s), {counts.unchanged} inchangé(s)")
    if not counts.rejected:
        return ", ".join(done)
    valid = f"{counts.valid} ligne(s) valide(s) sur {counts.valid + counts.rejected}"
    if result.report.refused_whole:  # a dry run's counts: what the valid rows alone would do
        return f"{counts.rejected} refusé(s), {valid} qui donneraient seules {', '.join(done)}"
    if not result.written and not counts.inserted:  # refused: nothing written
        return f"{', '.join(done)}, {counts.rejected} refusé(s), {valid}"
    return f"{', '.join(done)}, {counts.rejected} refusé(s)"


def error_line(result: FileImportResult, error: RowError) -> str:
    where = f"ligne {error.row}"
    header = result.header_of(error)
    if header:
        where += f", colonne « {excerpt(header, 40)} »"
    if error.value is not None and str(error.value).strip():
        where += f" (« {excerpt(error.value)} »)"
    return f"{where} : {error.reason}"
