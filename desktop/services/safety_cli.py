"""The `backup` and `restore` commands: checked copies of the SQLite file, from a terminal."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop.db import open_database, resolve_url, sqlite_path
from desktop.errors import MissingDatabaseError, PilotisError
from desktop.services.backup_service import BackupInfo, BackupService


def _database_file(db_value: str | None) -> Path:
    path = sqlite_path(resolve_url(db_value))
    if path is None:
        raise PilotisError(
            "Sauvegarde et restauration concernent un fichier SQLite ; pour PostgreSQL, "
            "utilisez les outils du serveur (pg_dump, pg_restore)."
        )
    return path


def _describe(info: BackupInfo) -> str:
    size = f"{info.size / 1_048_576:.1f} Mo".replace(".", ",")
    return f"{info.path} ({size} ; {info.counts_text or 'vide'})"


def add_commands(commands) -> None:
    """Declare `backup` and `restore` on the command line's sub-parsers."""
    backup = commands.add_parser(
        "backup", help="sauvegarder la base (copie vérifiée)", add_help=False
    )
    backup.add_argument(
        "--to",
        metavar="FICHIER",
        help="fichier où écrire la sauvegarde ; sinon le dossier des sauvegardes automatiques",
    )
    restore = commands.add_parser(
        "restore",
        help="remplacer les données de la base par celles d'une sauvegarde "
        "(l'état actuel est sauvegardé avant)",
        add_help=False,
    )
    restore.add_argument("file", metavar="FICHIER", help="sauvegarde à restaurer")


def run_backup(args: argparse.Namespace, backups: BackupService | None = None) -> int:
    path = _database_file(args.db)
    if not path.is_file():
        raise MissingDatabaseError(f"Le fichier {path} n'existe pas.", str(path))
    backups = backups or BackupService()
    if args.to:
        info = backups.backup_to(path, Path(args.to))
    else:
        info = backups.backup(path, stem=path.stem, reason="manuelle")
    print(f"Sauvegarde vérifiée : {_describe(info)}")
    return 0


def run_restore(args: argparse.Namespace, backups: BackupService | None = None) -> int:
    path = _database_file(args.db)
    backups = backups or BackupService()
    saved = backups.restore(Path(args.file), path)
    if saved is not None:
        print(f"État précédent conservé : {saved.path}")
    database = open_database(str(path), create=False)  # brings an older backup up to date
    database.dispose()
    print(f"Base restaurée depuis {args.file} : {path}")
    return 0
