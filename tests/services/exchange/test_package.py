"""A change package that cannot be trusted is refused in French and the base is left byte for
byte as it was: altered, truncated, foreign, newer, meant for another base, out of order."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop.models import Unit
from desktop.services.exchange.checkout import checkout
from desktop.services.exchange.package import PackageError
from tests.services.exchange.support import digest, edit, receive, send


def _drajes_phone(phone: str):
    def change(session):
        session.scalar(select(Unit).where(Unit.acronym == "DRAJES")).phone = phone

    return change


@pytest.fixture
def pair(filled_db_path, tmp_path):
    """(source file, copy file, a package of the copy's changes for the source)."""
    source = str(filled_db_path)
    copy = str(tmp_path / "portable.sqlite")
    checkout(source, copy)
    edit(copy, _drajes_phone("04 67 00 00 07"))
    package = tmp_path / "envoi.pilotis-echange"
    send(copy, package)
    return source, copy, package


def _rewrite(package: Path, out: Path, *, manifest=None, changes: bytes | None = None) -> Path:
    with zipfile.ZipFile(package) as z:
        old_manifest = json.loads(z.read("manifest.json"))
        old_changes = z.read("changes.json")
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "manifest.json", json.dumps(manifest(old_manifest) if manifest else old_manifest)
        )
        z.writestr("changes.json", old_changes if changes is None else changes)
    return out


def _refused(source: str, package: Path, words: str) -> None:
    before = digest(source)
    with pytest.raises(PackageError) as caught:
        receive(source, package)
    assert words in str(caught.value)
    assert "rien n'a été modifié" in str(caught.value).lower()
    assert digest(source) == before


def test_a_tampered_package_is_refused(pair, tmp_path):
    """A value changed inside the package after it was written: the checksum says so."""
    source, _copy, package = pair
    with zipfile.ZipFile(package) as z:
        changes = z.read("changes.json").replace(b"04 67 00 00 07", b"04 67 00 00 99")
    tampered = _rewrite(package, tmp_path / "altere.zip", changes=changes)
    _refused(source, tampered, "somme de contrôle SHA-256")


def test_a_truncated_package_is_refused(pair, tmp_path):
    """Half a file (a copy cut short on a USB key)."""
    source, _copy, package = pair
    cut = tmp_path / "coupe.zip"
    cut.write_bytes(package.read_bytes()[: package.stat().st_size // 2])
    _refused(source, cut, "tronqué")


def test_another_kind_of_file_is_refused(pair, tmp_path):
    """A spreadsheet or any zip that is not a package."""
    source, _copy, _package = pair
    other = tmp_path / "classeur.zip"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    _refused(source, other, "n'est pas un paquet d'échange Pilotis")
    text = tmp_path / "notes.txt"
    text.write_text("bonjour", encoding="utf-8")
    _refused(source, text, "n'est pas un paquet d'échange Pilotis")


def test_a_package_from_a_newer_pilotis_is_refused(pair, tmp_path):
    """A format this version does not know: install the newer version."""
    source, _copy, package = pair
    newer = _rewrite(package, tmp_path / "futur.zip", manifest=lambda m: {**m, "version": 99})
    _refused(source, newer, "version plus récente de Pilotis")


def test_a_package_meant_for_another_base_is_refused(pair, tmp_path):
    """The copy's package opened on a base it was not sent to."""
    source, copy, package = pair
    _refused(copy, package, "destiné à une autre base")


def test_a_package_that_skips_an_earlier_one_is_refused(pair, tmp_path):
    """The second package of the copy arrives before the first: one is missing."""
    source, copy, _first = pair
    edit(copy, _drajes_phone("04 67 00 00 08"))
    second = tmp_path / "second.zip"
    send(copy, second)
    _refused(source, second, "un paquet précédent manque")
