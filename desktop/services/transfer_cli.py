"""The `import` and `export` commands: files in and out of the database from a script.

Exit codes: 0 everything imported (or exported), 3 rows were rejected, 1 any other error.
"""

from __future__ import annotations

import argparse
import sys

EXIT_REJECTED = 3
ANNUAIRE = "annuaire-education"  # the Ministry's directory export, 72 columns
_SHOWN_ERRORS = 20


def add_commands(commands) -> None:
    """Add the `import` and `export` sub-commands to the main parser's sub-parsers."""
    kinds_help = (
        "type de données (people, units, programmes…), domaine (annuaire, tout…) ou "
        f"{ANNUAIRE} (export de l'Annuaire de l'éducation)"
    )
    imp = commands.add_parser(
        "import",
        help="importer un fichier .xlsx, .xls, .ods ou .csv (tout ou rien)",
        add_help=False,
    )
    imp.add_argument("kind", metavar="TYPE", help=kinds_help)
    imp.add_argument("file", metavar="FICHIER", help="fichier à importer")
    imp.add_argument("--dry-run", action="store_true", help="tout vérifier sans rien écrire")
    imp.add_argument("--update", action="store_true",
                     help="mettre à jour les éléments déjà connus (même clé)")  # fmt: skip
    imp.add_argument("--partial", action="store_true",
                     help="importer seulement les lignes valides")  # fmt: skip
    imp.add_argument("--sheet", metavar="FEUILLE", help="feuille du classeur (défaut : la 1re)")
    imp.add_argument("--report", metavar="RAPPORT.xlsx",
                     help="écrire les lignes refusées (ligne, colonne, valeur, motif)")  # fmt: skip
    exp = commands.add_parser(
        "export", help="exporter un type de données ou un domaine en .xlsx ou .csv", add_help=False
    )
    exp.add_argument("kind", metavar="TYPE", help=kinds_help)
    exp.add_argument("file", metavar="FICHIER", help="fichier à écrire (.xlsx ou .csv)")


def run(args: argparse.Namespace) -> int:
    from desktop.db import open_database
    from desktop.services.transfer import TransferService, resolve_kinds

    kinds = () if args.kind == ANNUAIRE else resolve_kinds(args.kind)
    database = open_database(args.db, create=False)
    try:
        service = TransferService(database.session_factory)
        if args.command == "export":
            counts = service.export_kinds(kinds, args.file)
            total = sum(counts.values())
            print(f"{args.file} : {total} ligne(s) exportée(s)")
            return 0
        if args.kind == ANNUAIRE:
            return _import_annuaire(database, args)
        return _import(service, kinds, args)
    finally:
        database.dispose()


def _import(service, kinds: tuple[str, ...], args: argparse.Namespace) -> int:
    from desktop.services.transfer import error_line, summary_lines, write_report

    options = {"update": args.update, "partial": args.partial, "dry_run": args.dry_run}
    if len(kinds) == 1:
        result = service.import_file(kinds[0], args.file, sheet=args.sheet, **options)
    else:
        result = service.import_workbook(args.file, kinds, **options)
    for line in summary_lines(result):
        print(line)
    if result.ignored_columns:
        print(f"Colonnes ignorées : {', '.join(result.ignored_columns)}")
    if args.report:
        print(f"Rapport : {write_report(result, args.report)}")
    if result.errors:
        print(f"{len(result.errors)} ligne(s) refusée(s) :", file=sys.stderr)
        for error in result.errors[:_SHOWN_ERRORS]:
            print(f"  - {error_line(result, error)}", file=sys.stderr)
        if len(result.errors) > _SHOWN_ERRORS:
            rest = len(result.errors) - _SHOWN_ERRORS
            print(f"  … et {rest} autre(s) (voir --report)", file=sys.stderr)
        if not result.written:
            print("Aucune donnée n'a été modifiée.", file=sys.stderr)
        return EXIT_REJECTED
    if args.dry_run:
        print("Vérification seule : aucune donnée n'a été modifiée.")
    return 0


def _import_annuaire(database, args: argparse.Namespace) -> int:
    from desktop.services.establishments_import import AnnuaireImporter
    from desktop.services.transfer import FileImportResult, error_line, write_report

    if args.update or args.sheet:
        print("L'Annuaire met toujours à jour les établissements connus (--update implicite).")
    result = AnnuaireImporter(database.session_factory).import_file(
        args.file, partial=args.partial, dry_run=args.dry_run
    )
    print(
        f"Établissements : {len(result.added)} ajouté(s), {len(result.changed)} modifié(s), "
        f"{len(result.closed)} fermé(s) sur {result.rows} ligne(s)"
    )
    for change in result.closed[:_SHOWN_ERRORS]:
        detail = f" — {change.detail}" if change.detail else ""
        print(f"  fermé : {change.uai} {change.name}{detail}")
    for note in result.duplicates:
        print(f"  non repris : {note}")
    as_file = FileImportResult("establishments", args.file, result.report, result.rows,
                               result.written)  # fmt: skip
    if args.report:
        print(f"Rapport : {write_report(as_file, args.report)}")
    if result.report.errors:
        print(f"{len(result.report.errors)} ligne(s) refusée(s) :", file=sys.stderr)
        for error in result.report.errors[:_SHOWN_ERRORS]:
            print(f"  - {error_line(as_file, error)}", file=sys.stderr)
        if not result.written:
            print("Aucune donnée n'a été modifiée.", file=sys.stderr)
        return EXIT_REJECTED
    if args.dry_run:
        print("Vérification seule : aucune donnée n'a été modifiée.")
    return 0
