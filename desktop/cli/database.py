"""The `init`, `check` and `generate` commands: create, verify and fill a database."""

from __future__ import annotations

import argparse
import importlib.util
import sys

from desktop.cli.command import EXIT_FAILED, EXIT_OK, Command
from desktop.errors import PilotisError

_GENERATED = (("people", 1000), ("units", 100), ("programmes", 200), ("milestones", 1000),
              ("funding-lines", 4000))  # fmt: skip
_SHOWN_PROBLEMS = 50


def _declare_init(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--empty", action="store_true", help="sans le jeu de données 2023")


def _run_init(args: argparse.Namespace) -> int:
    from desktop.services.transfer.dataset import open_with_dataset

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


def _run_check(args: argparse.Namespace) -> int:
    from desktop.db import integrity_problems, open_database
    from desktop.services.common.formatting import format_euros
    from desktop.services.safety.checks import ChecksService

    database = open_database(args.db, create=False)
    try:
        problems = integrity_problems(database.engine)
        print(f"Base : {database.display_name}")
        if problems:
            print(f"Intégrité : {len(problems)} problème(s)")
            for problem in problems[:_SHOWN_PROBLEMS]:
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


def _declare_generate(parser: argparse.ArgumentParser) -> None:
    for option, default in _GENERATED:
        parser.add_argument(f"--{option}", type=int, default=default, metavar="N",
                            help=f"nombre à ajouter (défaut {default})")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="graine (défaut 1)")


def _run_generate(args: argparse.Namespace) -> int:
    from desktop.db import open_database
    from desktop.devtools.generator import generate
    from desktop.services.common.formatting import format_number

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
    rate = summary.total / summary.seconds if summary.seconds else 0
    print(f"{format_number(rate)} lignes/s")
    return EXIT_OK


COMMANDS = (
    Command("init", "créer ou mettre à jour la base", _run_init, _declare_init),
    Command(
        "check",
        "vérifier l'intégrité et lister les totaux déclarés qui diffèrent des sommes",
        _run_check,
        epilog=lambda: (
            "codes de sortie :\n"
            "  0  base intègre (des totaux déclarés peuvent différer de leurs lignes)\n"
            "  1  problème d'intégrité, ou base introuvable ou inutilisable"
        ),
    ),
)
# The generator is a developers' tool (desktop/devtools): the installed application leaves it
# out (packaging/pilotis.spec), and so does its command line.
if importlib.util.find_spec("desktop.devtools") is not None:
    COMMANDS += (
        Command(
            "generate",
            "remplir une base de données générées, reproductibles (mesures à grande échelle)",
            _run_generate,
            _declare_generate,
        ),
    )
