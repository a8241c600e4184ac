"""What an import says to the user: one French line per kind (added, updated, unchanged,
refused), the refused rows one per line or as a report file, and the notes beside them."""

from __future__ import annotations

from pathlib import Path

from desktop.services.transfer.export import ExportColumn, export_rows
from desktop.services.transfer.limits import excerpt, summarise
from desktop.services.transfer.report import FileImportResult, KindResult, RowError
from desktop.services.transfer.specs import KINDS

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
