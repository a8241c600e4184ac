"""The embedded default dataset: the 2023 report's facts, loaded through the import path."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import sessionmaker

from desktop.db import Database, open_database
from desktop.errors import PilotisError
from desktop.paths import resource_path
from desktop.services.transfer.dataset_source import DATASET_LOGIN

if TYPE_CHECKING:
    from desktop.services.transfer.ingest import ImportReport

DATASET_FILES = ("reference.yaml", "annuaire.yaml", "programmes.yaml", "budgets.yaml")


def dataset_dir() -> Path:
    return resource_path("resources", "dataset")


def read_dataset(folder: Path | None = None) -> list[tuple[str, list[dict], int]]:
    """The (kind, rows, first row number) batches of the dataset files, in loading order."""
    import yaml

    from desktop.services.transfer.specs import LOAD_ORDER

    folder = folder or dataset_dir()
    batches: list[tuple[str, list[dict], int]] = []
    for name in DATASET_FILES:
        path = folder / name
        try:
            content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise PilotisError(f"Jeu de données illisible : {path} ({exc}).") from exc
        unknown = set(content) - set(LOAD_ORDER)
        if unknown:
            raise PilotisError(f"{path} : rubrique(s) inconnue(s) {', '.join(sorted(unknown))}.")
        batches.extend((kind, content[kind] or [], 1) for kind in LOAD_ORDER if kind in content)
    return batches


def open_with_dataset(db_value: str | None, *, create: bool = True, fill: bool = True) -> Database:
    """Open the database; a new one receives the embedded 2023 dataset unless fill is False."""
    database = open_database(db_value, create=create)
    if database.created and fill:
        try:
            load_default_dataset(database.session_factory)
        except BaseException:
            database.dispose()
            _remove_new_file(database)
            raise
    return database


def _remove_new_file(database: Database) -> None:
    """A file this call created and could not fill is removed, so the next start fills it."""
    path = database.path
    if path is None:
        return
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def load_default_dataset(session_factory: sessionmaker, folder: Path | None = None) -> ImportReport:
    """Load every dataset file in one transaction; any invalid row rejects the whole load.
    Its history records, under DATASET_LOGIN, are what tells later that the base holds it."""
    # Imported here: every start opens through this module, only a first start fills a base,
    # and the import machinery (YAML, the checks of every kind) weighs ~60 ms.
    from desktop.services.transfer.ingest import IngestService

    return IngestService(session_factory, login=DATASET_LOGIN).import_batches(read_dataset(folder))
