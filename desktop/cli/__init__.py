"""The command line: `python main.py [--db URL] [COMMAND]`; the GUI when no command is given.

User mistakes print one French line on stderr and exit non-zero, never a traceback.
"""

from __future__ import annotations

import os
import sys
import time

from desktop import __version__
from desktop.cli import database, exchange, report, rgpd, safety, transfer
from desktop.cli.command import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Command, UsageError
from desktop.cli.french_argparse import FrenchParser, usage_line

# What the shell reports for a program killed by SIGPIPE, as `yes | head -1` would.
EXIT_BROKEN_PIPE = 141

# The dispatch table, in the order of the help: each group module declares its commands.
COMMANDS: dict[str, Command] = {
    command.name: command
    for group in (database, safety, rgpd, transfer, exchange, report)
    for command in group.COMMANDS
}


def build_parser() -> FrenchParser:
    parser = FrenchParser(
        prog="pilotis",
        description="Pilotis — annuaire, programmes et budgets de la région académique Occitanie.",
        epilog="Aide d'une commande : pilotis COMMANDE --help",
        positionals_title="commandes",
    )
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
    commands = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=FrenchParser)
    for command in COMMANDS.values():
        sub = commands.add_parser(
            command.name,
            help=command.summary,
            description=command.summary[:1].upper() + command.summary[1:] + ".",
            epilog=command.epilog,
        )
        if command.declare is not None:
            command.declare(sub)
    return parser


def main(argv: list[str] | None = None, started: float | None = None) -> int:
    """Run the command line and return its exit code (the GUI's when no command is given)."""
    started = started if started is not None else time.perf_counter()
    try:
        try:
            status = _dispatch(argv, started)
        except SystemExit as stop:  # --help, --version and argparse's refusals
            status = EXIT_OK if stop.code is None else stop.code
            status = status if isinstance(status, int) else EXIT_FAILED
        if sys.stdout is not None:  # None in the windowed Windows program (no console)
            sys.stdout.flush()  # inside the try: a closed pipe is seen here, not at exit
    except BrokenPipeError:
        # The reader went away (`pilotis check | head -1`): end quietly as Unix tools do. Python
        # would otherwise flush stdout again at exit and print a second error (see the "Note on
        # SIGPIPE" in the signal module's documentation).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return status


def _dispatch(argv: list[str] | None, started: float) -> int:
    from desktop.errors import PilotisError

    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            from desktop.app import run_gui

            return run_gui(args.db, smoke=args.smoke, started=started, read_only=args.read_only)
        return COMMANDS[args.command].run(args)
    except UsageError as error:
        print(usage_line(str(error), f"pilotis {args.command}"), end="", file=sys.stderr)
        return EXIT_USAGE
    except PilotisError as error:
        print(f"pilotis : {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED
