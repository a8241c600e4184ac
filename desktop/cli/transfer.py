"""The `import`, `export` and `copy` commands: files in and out of a database, bases between them.

Exit codes of `import`: 0 everything imported, 3 rows were rejected, 1 any other error.
"""

from __future__ import annotations

import argparse
import sys

from desktop.cli.command import EXIT_OK, EXIT_REJECTED, Command
from desktop.errors import PilotisError

ANNUAIRE = "annuaire-education"  # the Ministry's directory export, 72 columns
_SHOWN_ERRORS = 20


def _kinds_epilog(*, annuaire: bool) -> str:
    """Each kind once with its French label, then the domains that group them."""
    from desktop.services.transfer.service import DOMAINS, resolve_kinds
    from desktop.services.transfer.specs import KINDS

    width = max(len(name) for name in [*KINDS, *DOMAINS, ANNUAIRE if annuaire else ""]) + 2
    lines = ["types de données (le nom ou son libellé français, « personnes » pour people) :"]
    lines += [f"  {kind.name:<{width}}{kind.label}" for kind in KINDS.values()]
    lines.append("domaines (leurs types dans l'ordre de chargement) :")
    for name, kinds in DOMAINS.items():
        if resolve_kinds(name) != kinds:
            continue  # a kind of the same name wins: the domain cannot be asked for by name
        members = "toute la base" if len(kinds) == len(KINDS) else ", ".join(kinds)
        lines.append(f"  {name:<{width}}{members}")
    if annuaire:
        lines.append("autre source :")
        lines.append(
            f"  {ANNUAIRE:<{width}}export de l'Annuaire de l'éducation (établissements, "
            "mis à jour par leur code UAI)"
        )
        lines.append("codes de sortie :")
        lines.append(f"  {'0':<{width}}tout est importé (ou vérifié, avec --dry-run)")
        lines.append(
            f"  {'3':<{width}}des lignes sont refusées : rien n'est écrit, sauf avec --partial"
        )
        lines.append(f"  {'1':<{width}}le fichier ou la base n'a pas pu être utilisé")
    return "\n".join(lines)


def _declare_import(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "kind", metavar="TYPE", help=f"type de données, domaine ou {ANNUAIRE} (liste ci-dessous)"
    )
    parser.add_argument("file", metavar="FICHIER", help="fichier à importer")
    parser.add_argument("--dry-run", action="store_true", help="tout vérifier sans rien écrire")
    parser.add_argument("--update", action="store_true",
                        help="mettre à jour les éléments déjà connus (même clé)")  # fmt: skip
    parser.add_argument("--partial", action="store_true",
                        help="importer seulement les lignes valides")  # fmt: skip
    parser.add_argument("--sheet", metavar="FEUILLE", help="feuille du classeur (défaut : la 1re)")
    parser.add_argument(
        "--mapping",
        metavar="CORRESPONDANCE.json",
        help="fichier de correspondance (.json ou .toml) : colonnes renommées ou ignorées, "
        "valeurs constantes, colonnes découpées (voir docs/import.md)",
    )
    parser.add_argument(
        "--close-missing",
        action="store_true",
        help=f"{ANNUAIRE} : marquer FERME les établissements absents du fichier même s'ils sont "
        "nombreux (sans cette option, plus de 5 %% d'entre eux : import refusé)",
    )
    parser.add_argument(
        "--report",
        metavar="RAPPORT.xlsx",
        help="écrire les lignes refusées (ligne, colonne, valeur, motif)",
    )


def _declare_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "kind", metavar="TYPE", help="type de données ou domaine (liste ci-dessous)"
    )
    parser.add_argument("file", metavar="FICHIER", help="fichier à écrire (.xlsx ou .csv)")


def _run_export(args: argparse.Namespace) -> int:
    from desktop.db import open_database
    from desktop.services.transfer.service import TransferService, resolve_kinds

    kinds = resolve_kinds(args.kind)
    database = open_database(args.db, create=False)
    try:
        counts = TransferService(database.session_factory).export_kinds(kinds, args.file)
    finally:
        database.dispose()
    print(f"{args.file} : {sum(counts.values())} ligne(s) exportée(s)")
    return EXIT_OK


def _run_import(args: argparse.Namespace) -> int:
    from desktop.db import open_database
    from desktop.services.transfer.service import TransferService, resolve_kinds

    kinds = () if args.kind == ANNUAIRE else resolve_kinds(args.kind)
    database = open_database(args.db, create=False)
    try:
        if args.kind == ANNUAIRE:
            return _import_annuaire(database, args)
        return _import(TransferService(database.session_factory), kinds, args)
    finally:
        database.dispose()


def _print_errors(result, errors, *, written: bool) -> None:
    from desktop.services.transfer.service import error_line

    print(f"{len(errors)} ligne(s) refusée(s) :", file=sys.stderr)
    for error in errors[:_SHOWN_ERRORS]:
        print(f"  - {error_line(result, error)}", file=sys.stderr)
    if len(errors) > _SHOWN_ERRORS:
        print(f"  … et {len(errors) - _SHOWN_ERRORS} autre(s) (voir --report)", file=sys.stderr)
    if not written:
        print("Aucune donnée n'a été modifiée.", file=sys.stderr)


def _import(service, kinds: tuple[str, ...], args: argparse.Namespace) -> int:
    from desktop.services.transfer.mapping import load_mapping
    from desktop.services.transfer.service import summary_lines, write_report

    options = {"update": args.update, "partial": args.partial, "dry_run": args.dry_run}
    if args.mapping and len(kinds) != 1:
        raise PilotisError(
            "--mapping décrit les colonnes d'un seul type de données : importez chaque feuille "
            "avec son type (--sheet) et sa correspondance."
        )
    if len(kinds) == 1:
        mapping = load_mapping(args.mapping, kinds[0]) if args.mapping else None
        result = service.import_file(
            kinds[0], args.file, sheet=args.sheet, mapping=mapping, **options
        )
    else:
        result = service.import_workbook(args.file, kinds, **options)
    for line in summary_lines(result):
        print(line)

    if args.report:
        print(f"Rapport : {write_report(result, args.report)}")
    if result.errors:
        _print_errors(result, result.errors, written=result.written)
        return EXIT_REJECTED
    if args.dry_run:
        print("Vérification seule : aucune donnée n'a été modifiée.")
    return EXIT_OK


def _import_annuaire(database, args: argparse.Namespace) -> int:
    from desktop.services.transfer.establishments import AnnuaireImporter
    from desktop.services.transfer.service import FileImportResult, write_report

    if args.mapping:
        raise PilotisError(
            f"--mapping ne s'applique pas à {ANNUAIRE} : ses colonnes sont celles du ministère."
        )
    if args.update or args.sheet:
        print("L'Annuaire met toujours à jour les établissements connus (--update implicite).")
    result = AnnuaireImporter(database.session_factory).import_file(
        args.file, partial=args.partial, dry_run=args.dry_run, close_missing=args.close_missing
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
        _print_errors(as_file, result.report.errors, written=result.written)
        return EXIT_REJECTED
    if args.dry_run:
        print("Vérification seule : aucune donnée n'a été modifiée.")
    return EXIT_OK


def _declare_copy(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="source", required=True, metavar="URL",
                        help="base source : fichier SQLite ou postgresql+psycopg://…")  # fmt: skip
    parser.add_argument("--to", dest="target", required=True, metavar="URL",
                        help="base destination (créée si besoin)")  # fmt: skip
    parser.add_argument("--force", action="store_true",
                        help="remplacer les données d'une destination qui en contient")  # fmt: skip


def _run_copy(args: argparse.Namespace) -> int:
    from desktop.services.transfer.copy import copy_database, summary_lines

    summary = copy_database(
        args.source, args.target, force=args.force, progress=lambda m: print(m, flush=True)
    )
    print("\n".join(summary_lines(summary)))
    return EXIT_OK


COMMANDS = (
    Command(
        "import",
        "importer un fichier .xlsx, .xls, .ods, .csv ou .json (tout ou rien)",
        _run_import,
        _declare_import,
        epilog=lambda: _kinds_epilog(annuaire=True),
    ),
    Command(
        "export",
        "exporter un type de données ou un domaine en .xlsx ou .csv",
        _run_export,
        _declare_export,
        epilog=lambda: _kinds_epilog(annuaire=False),
    ),
    Command(
        "copy",
        "copier toute une base entre SQLite et PostgreSQL (dans les deux sens), "
        "puis comparer lignes et sommes",
        _run_copy,
        _declare_copy,
    ),
)
