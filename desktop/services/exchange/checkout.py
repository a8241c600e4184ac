"""Taking a copy to work offline: a whole copy of the source into a new SQLite file
(transfer.copy), which then takes an identity of its own and remembers the source and the
point of the source's history it was taken at; the source remembers the copy too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from desktop.db import display_url, open_database, resolve_url, sqlite_path
from desktop.errors import PilotisError
from desktop.services.exchange.service import ExchangeService
from desktop.services.transfer.copy import CopySummary, copy_database


@dataclass(frozen=True)
class CheckoutSummary:
    copy: CopySummary
    identity: str
    source_identity: str
    position: int
    warning: str | None


def checkout(source_value: str, target_file: str | Path,
             progress: Callable[[str], None] | None = None) -> CheckoutSummary:  # fmt: skip
    """Copy the source into a new file and link the two for exchanges."""
    target = Path(target_file)
    if sqlite_path(resolve_url(str(target))) is None:
        raise PilotisError("La copie hors connexion est un fichier SQLite : indiquez un fichier.")
    if target.exists():
        raise PilotisError(
            f"{target} existe déjà : choisissez un nouveau fichier pour la copie hors connexion "
            "(rien n'a été modifié)."
        )
    source_label = display_url(resolve_url(source_value))
    source = open_database(source_value, create=False)
    try:  # a base's identity is written at its first exchange: before the copy reads it
        source_identity = ExchangeService(source.session_factory, source_label).identity()
    finally:
        source.dispose()
    summary = copy_database(source_value, str(target), progress=progress)
    copy = open_database(str(target), create=False)
    try:
        mine, position = ExchangeService(copy.session_factory, str(target)).become_copy_of(
            source_identity, source_label
        )
    finally:
        copy.dispose()
    warning = None
    try:
        source = open_database(source_value, create=False)
    except PilotisError as error:
        warning = str(error)
    else:
        try:
            ExchangeService(source.session_factory, source_label).know_copy(
                mine, str(target.resolve()), position
            )
        except (PilotisError, SQLAlchemyError):  # a read-only account: the copy still works
            warning = "La source n'a pas pu noter cette copie (droits insuffisants ?)."
        finally:
            source.dispose()
    if warning:
        warning += (" La copie est prête ; la source la connaîtra à la réception de son premier "
                    "paquet.")  # fmt: skip
    return CheckoutSummary(summary, mine, source_identity, position, warning)
