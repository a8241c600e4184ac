"""The change package file: a zip holding `manifest.json` (format, version, who sends to whom,
the history positions it spans, the SHA-256 of the changes) and `changes.json` (docs/exchange.md).

Reading refuses, in French, anything that is not a whole package of a known format: nothing is
read from a package whose checksum does not match."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from desktop.errors import PilotisError

FORMAT = "pilotis-echange"
VERSION = 1
MANIFEST = "manifest.json"
CHANGES = "changes.json"
# A package far larger than any real one is refused before it is unpacked (a zip bomb).
MAX_UNPACKED = 2_000_000_000


class PackageError(PilotisError):
    """The package cannot be used; nothing was changed."""


@dataclass(frozen=True)
class Package:
    manifest: dict
    rows: list[dict]

    @property
    def uuid(self) -> str:
        return self.manifest["package"]

    @property
    def sender(self) -> str:
        return self.manifest["sender"]["uuid"]

    @property
    def sender_label(self) -> str:
        return self.manifest["sender"].get("label") or self.sender

    @property
    def receiver(self) -> str:
        return self.manifest["receiver"]

    @property
    def since(self) -> int:
        return self.manifest["since"]

    @property
    def upto(self) -> int:
        return self.manifest["upto"]

    @property
    def receiver_seen(self) -> int:
        return self.manifest["receiver_seen"]


def write_package(path: Path, manifest: dict, rows: list[dict]) -> None:
    """Write atomically: a package is whole or absent (a temporary file renamed at the end)."""
    changes = json.dumps({"rows": rows}, ensure_ascii=False, separators=(",", ":")).encode()
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        **manifest,
        "sha256": hashlib.sha256(changes).hexdigest(),
        "rows": len(rows),
    }
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=".pilotis-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
            z.writestr(CHANGES, changes)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_package(path: Path) -> Package:
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise PackageError(f"Paquet d'échange introuvable : {path}.")
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if MANIFEST not in names:
                raise PackageError(
                    f"{name} n'est pas un paquet d'échange Pilotis (il n'a pas de manifeste) : "
                    "rien n'a été modifié."
                )
            if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED:
                raise PackageError(f"{name} est anormalement gros : refusé, rien n'a été modifié.")
            manifest = json.loads(z.read(MANIFEST))
            _check_manifest(name, manifest, names)
            changes = z.read(CHANGES)
    except zipfile.BadZipFile as exc:
        raise PackageError(
            f"{name} n'est pas un paquet d'échange Pilotis lisible (fichier tronqué, abîmé ou "
            "d'un autre type) : rien n'a été modifié."
        ) from exc
    except (zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise PackageError(f"{name} ne peut pas être lu ({exc}) : rien n'a été modifié.") from exc
    except (ValueError, UnicodeDecodeError) as exc:  # json, or a bad CRC inside the zip
        raise PackageError(f"{name} est abîmé (contenu illisible) : rien n'a été modifié.") from exc
    if hashlib.sha256(changes).hexdigest() != manifest["sha256"]:
        raise PackageError(
            f"{name} a été modifié ou abîmé depuis son envoi (la somme de contrôle SHA-256 ne "
            "correspond pas) : rien n'a été modifié. Demandez un nouvel envoi."
        )
    try:
        rows = json.loads(changes)["rows"]
    except (ValueError, KeyError, TypeError) as exc:
        raise PackageError(f"{name} est abîmé (contenu illisible) : rien n'a été modifié.") from exc
    if not isinstance(rows, list) or len(rows) != manifest.get("rows"):
        raise PackageError(f"{name} est incomplet : rien n'a été modifié.")
    return Package(manifest, rows)


def _check_manifest(name: str, manifest: object, names: set[str]) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PackageError(
            f"{name} n'est pas un paquet d'échange Pilotis (format inconnu) : rien n'a été modifié."
        )
    version = manifest.get("version")
    if not isinstance(version, int):
        raise PackageError(f"{name} : version du format illisible ; rien n'a été modifié.")
    if version > VERSION:
        raise PackageError(
            f"{name} a été écrit par une version plus récente de Pilotis (format {version}, "
            f"celle-ci lit jusqu'au format {VERSION}) : installez la dernière version de Pilotis "
            "pour le recevoir. Rien n'a été modifié."
        )
    required = {"package": str, "sender": dict, "receiver": str, "since": int, "upto": int,
                "receiver_seen": int, "sha256": str, "rows": int}  # fmt: skip
    for key, kind in required.items():
        if not isinstance(manifest.get(key), kind):
            raise PackageError(f"{name} : manifeste incomplet ({key}) ; rien n'a été modifié.")
    if CHANGES not in names:
        raise PackageError(f"{name} est incomplet (pas de modifications) : rien n'a été modifié.")
