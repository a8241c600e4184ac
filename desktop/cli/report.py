"""The `report` command: a printed state as a PDF, painted headless without opening the window."""

from __future__ import annotations

import argparse

from desktop.cli.command import EXIT_OK, Command, UsageError
from desktop.errors import PilotisError


class _Report:
    __slots__ = ("description", "options", "builder")

    def __init__(self, description: str, options: tuple[str, ...], builder: str) -> None:
        self.description = description
        self.options = options  # keyword arguments of the builder, each a --option below
        self.builder = builder  # "module:function", imported only when this report is made


# Each option once: (metavar, help); a report takes the subset it lists.
OPTIONS: dict[str, tuple[str, str]] = {
    "unit": ("SIGLE", "service (et ses sous-services)"),
    "code": ("CODE", "programme"),
    "family": ("FAMILLE", "famille de programmes"),
    "year": ("ANNÉE", "année ou année scolaire"),
    "funder": ("CODE", "financeur"),
    "snapshot": ("LIBELLÉ", "situation arrêtée"),
}

REPORTS: dict[str, _Report] = {
    "directory": _Report(
        "annuaire des services : un service et ses sous-services, ou tous",
        ("unit",),
        "desktop.reports.directory.listing:build",
    ),
    "orgchart": _Report(
        "organigramme : d'un service, ou de toute la région académique",
        ("unit",),
        "desktop.reports.directory.org_chart:build",
    ),
    "programme": _Report(
        "fiches programmes, une page chacune : un programme, une famille, ou sans option le "
        "livret de tous les programmes dans l'ordre de l'arbre",
        ("code", "family"),
        "desktop.reports.programmes.sheets:build",
    ),
    "budget": _Report(
        "synthèse budgétaire et ses graphiques, filtrée au besoin, ou une situation arrêtée",
        ("year", "funder", "family", "code", "unit", "snapshot"),
        "desktop.reports.budgets.synthesis:build",
    ),
}


def _flags(options) -> str:
    return ", ".join(f"--{name}" for name in options)


def _epilog() -> str:
    width = max(map(len, REPORTS)) + 2
    lines = ["états :"]
    for name, report in REPORTS.items():
        lines.append(f"  {name:<{width}}{report.description}")
        lines.append(f"  {'':<{width}}options : {_flags(report.options)}")
    return "\n".join(lines)


def _declare(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "kind",
        choices=list(REPORTS),
        metavar="ÉTAT",
        help=f"état à produire : {', '.join(REPORTS)} (détail ci-dessous)",
    )
    parser.add_argument("--out", required=True, metavar="FICHIER.pdf", help="PDF à écrire")
    for name, (metavar, text) in OPTIONS.items():
        takers = ", ".join(k for k, r in REPORTS.items() if name in r.options)
        parser.add_argument(f"--{name}", metavar=metavar, help=f"{text} ({takers})")


def _run(args: argparse.Namespace) -> int:
    """Build the report headless: a QGuiApplication (offscreen without a display) paints it."""
    report = REPORTS[args.kind]
    given = {name: getattr(args, name) for name in OPTIONS if getattr(args, name) is not None}
    refused = [name for name in given if name not in report.options]
    if refused:
        raise UsageError(
            f"l'état « {args.kind} » ne prend pas {_flags(refused)} "
            f"(ses options : {_flags(report.options)})"
        )
    import importlib
    import os

    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from desktop.db import open_database
    from desktop.reports.document import write_pdf

    app = QGuiApplication.instance() or QGuiApplication(["pilotis"])  # noqa: F841 - must live
    module_name, function_name = report.builder.split(":")
    build = getattr(importlib.import_module(module_name), function_name)
    database = open_database(args.db, create=False)
    try:
        document = build(database, **given)
        try:
            pages = write_pdf(document, args.out)
        except OSError as exc:
            raise PilotisError(f"Impossible d'écrire {args.out} : {exc}") from exc
    finally:
        database.dispose()
    print(f"{args.out} : {pages} page(s)")
    return EXIT_OK


COMMANDS = (
    Command(
        "report",
        "imprimer un état en PDF sans ouvrir la fenêtre",
        _run,
        _declare,
        epilog=_epilog,
    ),
)
