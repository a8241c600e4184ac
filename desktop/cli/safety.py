"""The `backup` and `restore` commands: checked copies of the SQLite file, from a terminal."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop.cli.command import EXIT_OK, Command
from desktop.errors import PilotisError


def _database_file(db_value: str | None) -> Path:
    from desktop.db import resolve_url, sqlite_path

    path = sqlite_path(resolve_url(db_value))
    if path is None:
        raise PilotisError(
            "Sauvegarde et restauration concernent un fichier SQLite ; pour PostgreSQL, "
            "utilisez les outils du serveur (pg_dump, pg_restore)."
        )
    return path


def _describe(info) -> str:
    size = f"{info.size / 1_048_576:.1f} Mo".replace(".", ",")
    return f"{info.path} ({size} ; {info.counts_text or 'vide'})"


def _declare_backup(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--to",
        metavar="FICHIER",
        help="fichier où écrire la sauvegarde ; sinon le dossier des sauvegardes automatiques",
    )


def _run_backup(args: argparse.Namespace) -> int:
    from desktop.errors import MissingDatabaseError
    from desktop.services.safety.backups import BackupService

    path = _database_file(args.db)
    if not path.is_file():
        raise MissingDatabaseError(f"Le fichier {path} n'existe pas.", str(path))
    backups = BackupService()
    if args.to:
        info = backups.backup_to(path, Path(args.to))
    else:
        info = backups.backup(path, stem=path.stem, reason="manuelle")
    print(f"Sauvegarde vérifiée : {_describe(info)}")
    return EXIT_OK


def _declare_restore(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FICHIER", help="sauvegarde à restaurer")


def _run_restore(args: argparse.Namespace) -> int:
    from desktop.db import open_database
    from desktop.services.safety.backups import BackupService

    path = _database_file(args.db)
    saved = BackupService().restore(Path(args.file), path)
    if saved is not None:
        print(f"État précédent conservé : {saved.path}")
    database = open_database(str(path), create=False)  # brings an older backup up to date
    database.dispose()
    print(f"Base restaurée depuis {args.file} : {path}")
    return EXIT_OK


COMMANDS = (
    Command("backup", "sauvegarder la base (copie vérifiée)", _run_backup, _declare_backup),
    Command(
        "restore",
        "remplacer les données de la base par celles d'une sauvegarde "
        "(l'état actuel est sauvegardé avant)",
        _run_restore,
        _declare_restore,
    ),
)
