"""The `purge-backups` command: after an RGPD erasure, the backups that still hold the person."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop.cli.command import EXIT_OK, Command, UsageError
from desktop.errors import PilotisError


def _database_file(db_value: str | None) -> Path:
    from desktop.db import resolve_url, sqlite_path

    path = sqlite_path(resolve_url(db_value))
    if path is None:
        raise PilotisError(
            "Les sauvegardes que purge cette commande sont celles d'une base SQLite ; une base "
            "PostgreSQL est sauvegardée par les outils du serveur, qui gardent leurs copies."
        )
    return path


def _declare(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nom",
        action="append",
        default=[],
        metavar="NOM",
        help="nom de la personne effacée ; répétez l'option pour un ancien nom",
    )
    parser.add_argument(
        "--prenom", action="append", default=[], metavar="PRÉNOM", help="son prénom"
    )
    parser.add_argument(
        "--courriel",
        action="append",
        default=[],
        metavar="ADRESSE",
        help="son adresse électronique (distingue deux homonymes) ; répétable",
    )
    parser.add_argument(
        "--telephone", action="append", default=[], metavar="NUMÉRO", help="son téléphone"
    )
    parser.add_argument(
        "--liste",
        action="store_true",
        help="seulement lister les sauvegardes qui la contiennent encore, sans rien modifier",
    )


def _epilog() -> str:
    return (
        "Après l'effacement d'une personne (Fichier → Données personnelles…),\n"
        "ses données restent dans les sauvegardes faites avant. Cette commande\n"
        "les y retrouve par son nom, son prénom ou son courriel, réécrit chaque\n"
        "sauvegarde lisible sans elles (elle reste restaurable) et supprime une\n"
        "sauvegarde illisible. La personne doit déjà être effacée de la base.\n"
        "\n"
        "exemple :\n"
        "  pilotis purge-backups --nom BÉJEAN --prenom Sophie --liste"
    )


def _run(args: argparse.Namespace) -> int:
    from desktop.db import open_database
    from desktop.services.safety.backups import BackupService
    from desktop.services.safety.rgpd import RgpdService
    from desktop.services.safety.rgpd_backups import Wanted, refuse_if_in_base, traces_in_backups

    if not args.nom and not args.courriel:
        raise UsageError("indiquez au moins --nom ou --courriel de la personne effacée")
    wanted = Wanted(args.nom, args.prenom, args.courriel, args.telephone)
    path = _database_file(args.db)
    database = open_database(str(path), create=False, read_only=True)
    try:
        refuse_if_in_base(database.session_factory, wanted)
    finally:
        database.dispose()
    backups = BackupService()
    traces = traces_in_backups(backups, path.stem, wanted)
    holding = RgpdService.backups_holding(traces, backups, path.stem)
    if not holding:
        print(f"Aucune sauvegarde de {path.name} ne contient encore « {wanted.label} ».")
        return EXIT_OK
    print(f"{len(holding)} sauvegarde(s) contiennent encore « {wanted.label} » :")
    for item in holding:
        print(f"  • {item.description}")
    if args.liste:
        print("Rien n'a été modifié (--liste).")
        return EXIT_OK
    purge = RgpdService.purge_backups(traces, holding)
    print(
        f"Sauvegardes purgées : {len(purge.rewritten)} réécrite(s), "
        f"{len(purge.deleted)} supprimée(s)."
    )
    return EXIT_OK


COMMANDS = (
    Command(
        "purge-backups",
        "purger les sauvegardes qui contiennent encore une personne effacée (RGPD)",
        _run,
        _declare,
        _epilog,
    ),
)
