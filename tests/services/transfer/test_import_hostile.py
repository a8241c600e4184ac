"""Hostile and malformed files: each refused in French, naming what and where, the base untouched."""

from __future__ import annotations

import hashlib

import pytest

from desktop.services.transfer.readers import FileReadError
from desktop.services.transfer.service import TransferService
from tests.data.hostile import make_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus.build(tmp_path_factory.mktemp("hostile"))


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


CASES = sorted([*make_corpus.HOSTILE, *make_corpus.MALFORMED])


@pytest.mark.parametrize("name", CASES)
def test_hostile_file_is_refused_and_the_base_is_unchanged(name, corpus, filled_db_path):
    """Each file of the corpus is refused with its French reason; the base file's bytes stay."""
    from desktop.db import open_database

    path, phrase = corpus[name]
    before = _sha(filled_db_path)
    database = open_database(str(filled_db_path))
    try:
        with pytest.raises(FileReadError) as refused:
            TransferService(database.session_factory).import_file("people", path)
    finally:
        database.dispose()
    message = str(refused.value)
    assert phrase in message
    assert path.name in message
    assert len(message) < 600, "a refusal is a few lines, never the file's content"
    assert _sha(filled_db_path) == before


def test_a_directory_and_a_device_are_named_as_such(tmp_path):
    """A folder or /dev/zero is not « introuvable »: the message says what it is."""
    service = TransferService(None)
    folder = tmp_path / "dossier.csv"
    folder.mkdir()
    with pytest.raises(FileReadError, match="est un dossier"):
        service.import_file("people", folder)
    with pytest.raises(FileReadError, match="n'est pas un fichier ordinaire"):
        service.import_file("people", "/dev/zero")
    with pytest.raises(FileReadError, match="Fichier introuvable"):
        service.import_file("people", tmp_path / "absent.csv")
