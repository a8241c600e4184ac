"""The `checkout` and `exchange` commands: an offline copy, and change packages out and back in.

Exit codes of `exchange merge`: 0 everything applied (or settled by --prefer), 3 conflicts were
left unapplied (listed), 1 the package or the base could not be used (nothing changed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.cli.command import EXIT_OK, EXIT_REJECTED, Command
from desktop.cli.french_argparse import FrenchParser


def _declare_checkout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="URL",
        help="base partagée : postgresql+psycopg://… ou fichier SQLite",
    )
    parser.add_argument("--to", dest="target", required=True, metavar="FICHIER",
                        help="nouveau fichier SQLite où travailler hors connexion")  # fmt: skip


def _run_checkout(args: argparse.Namespace) -> int:
    from desktop.services.exchange.checkout import checkout

    summary = checkout(args.source, args.target, progress=lambda m: print(m, flush=True))
    print(
        f"Copie hors connexion prête : {args.target} ({summary.copy.rows} lignes), prise sur "
        f"{summary.copy.source} à la position {summary.position} de son historique."
    )
    if summary.warning:
        print(summary.warning, file=sys.stderr)
    print(
        "Pour renvoyer vos modifications : pilotis --db FICHIER exchange export PAQUET, puis "
        "pilotis --db SOURCE exchange merge PAQUET."
    )
    return EXIT_OK


def _declare_exchange(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True,
                                    parser_class=FrenchParser)  # fmt: skip
    export = actions.add_parser(
        "export", help="écrire le paquet des modifications faites depuis le dernier échange",
        description="Écrire dans un fichier les modifications faites dans cette base depuis le "
        "dernier paquet envoyé au partenaire.",
    )  # fmt: skip
    export.add_argument("file", metavar="PAQUET", help="fichier à écrire (.pilotis-echange)")
    export.add_argument(
        "--since",
        type=int,
        metavar="POSITION",
        help="depuis cette position de l'historique (refaire un paquet perdu)",
    )
    export.add_argument(
        "--to",
        dest="partner",
        metavar="PARTENAIRE",
        help="partenaire destinataire (nom ou identité), s'il y en a plusieurs",
    )
    merge = actions.add_parser(
        "merge", help="appliquer le paquet d'un partenaire, conflits listés",
        description="Appliquer les modifications d'un paquet en une seule étape annulable ; "
        "les conflits ne sont pas appliqués et sont listés.",
    )  # fmt: skip
    merge.add_argument("file", metavar="PAQUET", help="paquet reçu")
    merge.add_argument("--prefer", choices=["mine", "theirs"],
                       help="champs modifiés des deux côtés : garder la valeur d'ici (mine) ou "
                       "prendre celle du paquet (theirs)")  # fmt: skip
    merge.add_argument("--report", metavar="FICHIER",
                       help="rapport des conflits (défaut : PAQUET.conflits.txt)")  # fmt: skip
    actions.add_parser("status", help="identité de la base et partenaires d'échange",
                       description="Identité de la base et partenaires d'échange.")  # fmt: skip


def _run_exchange(args: argparse.Namespace) -> int:
    from desktop.db import open_database
    from desktop.services.exchange.service import ExchangeService

    database = open_database(args.db, create=False)
    try:
        service = ExchangeService(database.session_factory, database.display_name)
        if args.action == "export":
            done = service.export(Path(args.file), partner=args.partner, since=args.since)
            print(
                f"{args.file} : {done.rows} élément(s) modifié(s) pour « {done.partner} » "
                f"(historique {done.since} → {done.upto})."
            )
            return EXIT_OK
        if args.action == "status":
            print(f"Identité de cette base : {service.identity()}")
            for ident, label, role in service.partners():
                kind = "source de cette copie" if role == "source" else "copie"
                print(f"  {kind} : {label} ({ident})")
            return EXIT_OK
        return _merge(service, args)
    finally:
        database.dispose()


def _merge(service, args: argparse.Namespace) -> int:
    from desktop.services.exchange.report import conflict_lines, summary_lines, write_report

    summary = service.merge(Path(args.file), prefer=args.prefer)
    print("\n".join(summary_lines(summary)))
    if not summary.conflicts:
        return EXIT_OK
    report = Path(args.report) if args.report else Path(f"{args.file}.conflits.txt")
    write_report(report, summary, Path(args.file).name)
    print("\n".join(conflict_lines(summary)))
    print(f"Rapport des conflits : {report}")
    return EXIT_REJECTED if summary.open_conflicts else EXIT_OK


COMMANDS = (
    Command(
        "checkout",
        "prendre une copie de la base pour travailler hors connexion",
        _run_checkout,
        _declare_checkout,
    ),
    Command(
        "exchange",
        "échanger les modifications avec une copie hors connexion (export, merge, status)",
        _run_exchange,
        _declare_exchange,
    ),
)
