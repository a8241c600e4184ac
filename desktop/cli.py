"""The command line: `python main.py [--db URL] [COMMAND]`; the GUI when no command is given.

User mistakes print one French line on stderr and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time

from desktop import __version__
from desktop.errors import PilotisError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# `report KIND`: module and function building the Document, `build(database, args)`.
REPORTS: dict[str, str] = {
    "directory": "desktop.reports.directory_report:build",
    "budget": "desktop.reports.budget_report:build",
    "programme": "desktop.reports.programme_report:build",
    "orgchart": "desktop.reports.org_chart_report:build",
}

# Applied in this order to argparse's English messages: the whole phrases before the word
# "argument" alone (else « arguments obligatoires » would become « options obligatoires »).
_ARGPARSE_FR = {
    "the following arguments are required:": "valeurs obligatoires manquantes :",
    "unrecognized arguments:": "valeurs inconnues :",
    "invalid choice": "choix invalide",
    "expected one argument": "une valeur est attendue",
    "argument": "option",
    "choose from": "choix possibles :",
}


class _FrenchHelp(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="utilisation : ")


class _FrenchParser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _FrenchHelp)
        super().__init__(*args, **kwargs)
        self._positionals.title = "commandes"
        self._optionals.title = "options"

    def error(self, message: str) -> None:  # one French line instead of argparse's English
        for english, french in _ARGPARSE_FR.items():
            message = message.replace(english, french)
        self.exit(EXIT_USAGE, f"pilotis : erreur : {message} (voir --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _FrenchParser(
        prog="pilotis",
        description="Pilotis — annuaire, programmes et budgets de la région académique Occitanie.",
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")
    parser.add_argument("--version", action="version", version=f"Pilotis {__version__}",
                        help="afficher la version et quitter")  # fmt: skip
    parser.add_argument(
        "--db",
        metavar="URL",
        help="base à ouvrir : chemin d'un fichier SQLite ou URL SQLAlchemy "
        "(postgresql+psycopg://…) ; sinon PILOTIS_DB, sinon la base locale de l'utilisateur",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="ouvrir la fenêtre, charger le premier onglet, afficher le temps de démarrage "
        "et quitter",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="ouvrir la base en lecture seule : rien ne peut y être modifié",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=_FrenchParser)
    init = commands.add_parser("init", help="créer ou mettre à jour la base", add_help=False)
    from desktop.services.safety_cli import add_commands as add_safety_commands

    add_safety_commands(commands)
    init.add_argument("--empty", action="store_true", help="sans le jeu de données 2023")
    commands.add_parser(
        "check",
        help="vérifier l'intégrité et lister les totaux déclarés qui diffèrent des sommes",
        add_help=False,
    )
    generate = commands.add_parser(
        "generate",
        help="remplir une base de données générées, reproductibles (mesures à grande échelle)",
        add_help=False,
    )
    for option, default in (("people", 1000), ("units", 100), ("programmes", 200),
                            ("milestones", 1000), ("funding-lines", 4000)):  # fmt: skip
        generate.add_argument(f"--{option}", type=int, default=default, metavar="N",
                              help=f"nombre à ajouter (défaut {default})")  # fmt: skip
    generate.add_argument("--seed", type=int, default=1, metavar="S", help="graine (défaut 1)")
    if REPORTS:
        report = commands.add_parser(
            "report", help="imprimer un état en PDF sans ouvrir la fenêtre", add_help=False
        )
        report.add_argument("kind", choices=sorted(REPORTS), metavar="ÉTAT",
                            help=f"état à produire : {', '.join(sorted(REPORTS))}")  # fmt: skip
        report.add_argument("--out", required=True, metavar="FICHIER.pdf", help="PDF à écrire")
        report.add_argument("--unit", metavar="SIGLE", help="service (et ses sous-services)")
        report.add_argument("--code", metavar="CODE", help="programme")
        report.add_argument("--family", metavar="FAMILLE", help="famille de programmes")
        report.add_argument("--year", metavar="ANNÉE", help="année ou année scolaire")
        report.add_argument("--funder", metavar="CODE", help="financeur")
        report.add_argument("--snapshot", metavar="LIBELLÉ", help="situation arrêtée (budget)")
    from desktop.services.transfer_cli import add_commands as add_transfer_commands

    add_transfer_commands(commands)
    from desktop.services.copy_service import add_command as add_copy_command

    add_copy_command(commands)
    return parser


def main(argv: list[str] | None = None, started: float | None = None) -> int:
    started = started if started is not None else time.perf_counter()
    args = build_parser().parse_args(argv)
    try:
        if args.command == "init":
            return _init(args)
        if args.command == "check":
            return _check(args)
        if args.command == "report":
            return _report(args)
        if args.command == "generate":
            return _generate(args)
        if args.command in ("import", "export"):
            from desktop.services.transfer_cli import run as run_transfer

            return run_transfer(args)
        if args.command == "copy":
            from desktop.services.copy_service import run_copy

            return run_copy(args)
        if args.command in ("backup", "restore"):
            from desktop.services import safety_cli

            return getattr(safety_cli, f"run_{args.command}")(args)
        from desktop.app import run_gui

        return run_gui(args.db, smoke=args.smoke, started=started, read_only=args.read_only)
    except PilotisError as error:
        print(f"pilotis : {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED


def _init(args: argparse.Namespace) -> int:
    from desktop.services.dataset import open_with_dataset

    database = open_with_dataset(args.db, fill=not args.empty)
    try:
        if database.created:
            what = "vide" if args.empty else "avec le jeu de données 2023"
            print(f"Base créée ({what}) : {database.display_name}")
        else:
            print(f"Base à jour : {database.display_name}")
        if database.backup_path:
            print(f"Sauvegarde avant mise à jour : {database.backup_path}")
        for warning in database.warnings:
            print(f"Attention : {warning}", file=sys.stderr)
    finally:
        database.dispose()
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from desktop.db import integrity_problems, open_database
    from desktop.services.checks import ChecksService
    from desktop.services.formatting import format_euros

    database = open_database(args.db, create=False)
    try:
        problems = integrity_problems(database.engine)
        print(f"Base : {database.display_name}")
        if problems:
            print(f"Intégrité : {len(problems)} problème(s)")
            for problem in problems[:50]:
                print(f"  - {problem}")
        else:
            print("Intégrité : aucun problème")
        differences = ChecksService(database.session_factory).declared_totals(only_differences=True)
        print(f"Totaux déclarés différents de la somme des lignes : {len(differences)}")
        for row in differences:
            scope = ", ".join(x for x in (row.funder_code, row.stage, row.period) if x)
            scope = f" [{scope}]" if scope else ""
            print(
                f"  - {row.programme_code} — {row.label}{scope} : déclaré "
                f"{format_euros(row.declared_cents)}, calculé {format_euros(row.computed_cents)}, "
                f"écart {format_euros(row.difference_cents)} (source : {row.source})"
            )
    finally:
        database.dispose()
    return EXIT_FAILED if problems else EXIT_OK


def _report(args: argparse.Namespace) -> int:
    """Build a report headless: a QGuiApplication (offscreen without a display) paints it."""
    import importlib
    import os

    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from desktop.db import open_database
    from desktop.reports.document import write_pdf

    app = QGuiApplication.instance() or QGuiApplication(["pilotis"])  # noqa: F841 - must live
    module_name, function_name = REPORTS[args.kind].split(":")
    build = getattr(importlib.import_module(module_name), function_name)
    database = open_database(args.db, create=False)
    try:
        document = build(database, args)
        try:
            pages = write_pdf(document, args.out)
        except OSError as exc:
            raise PilotisError(f"Impossible d'écrire {args.out} : {exc}") from exc
    finally:
        database.dispose()
    print(f"{args.out} : {pages} page(s)")
    return EXIT_OK


def _generate(args: argparse.Namespace) -> int:
    from desktop.db import open_database
    from desktop.services.generator import generate

    database = open_database(args.db)
    try:
        try:
            summary = generate(
                database.engine, people=args.people, units=args.units,
                programmes=args.programmes, milestones=args.milestones,
                funding_lines=args.funding_lines, seed=args.seed,
                progress=lambda message: print(message, flush=True),
            )  # fmt: skip
        except ValueError as exc:
            raise PilotisError(str(exc)) from exc
    finally:
        database.dispose()
    from desktop.services.formatting import format_number

    rate = summary.total / summary.seconds if summary.seconds else 0
    print(f"{format_number(rate)} lignes/s")
    return EXIT_OK
