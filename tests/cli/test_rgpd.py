"""`purge-backups`: after an erasure, the backups still holding the person, purged from a terminal."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from desktop.db import open_database
from desktop.models import Person
from desktop.services.safety.backups import BackupService, check_backup_file, default_backup_dir
from desktop.services.safety.rgpd import RgpdService
from tests.conftest import run_cli


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _backup(db_path):
    """A manual backup, made from a terminal as a user would, while the person exists."""
    result = run_cli("--db", str(db_path), "backup")
    assert result.returncode == 0, result.stderr
    (backup,) = BackupService().backups(db_path.stem, with_counts=False)
    return backup.path


def _erase_bejean(db_path) -> None:
    database = open_database(str(db_path))
    try:
        with database.session_factory() as session:
            person_id = session.scalar(select(Person.id).where(Person.last_name == "BÉJEAN"))
        RgpdService(database.session_factory).erase(person_id)
    finally:
        database.dispose()


def test_purge_backups_lists_then_rewrites_the_backups_holding_an_erased_person(filled_db_path):
    """--liste names each backup still holding the erased person and changes nothing; without
    it the backup is rewritten: still sound, one person fewer, no byte of her left."""
    backup = _backup(filled_db_path)
    people_before = dict(check_backup_file(backup))["personnes"]
    _erase_bejean(filled_db_path)
    before = _digest(backup)
    assert b"B\xc3\x89JEAN" in backup.read_bytes()

    listed = run_cli("--db", str(filled_db_path), "purge-backups", "--nom", "Béjean",
                     "--prenom", "sophie", "--liste")  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert "1 sauvegarde(s) contiennent encore « sophie Béjean »" in listed.stdout
    assert backup.name in listed.stdout
    assert "la fiche" in listed.stdout
    assert "Rien n'a été modifié" in listed.stdout
    assert _digest(backup) == before

    purged = run_cli("--db", str(filled_db_path), "purge-backups", "--nom", "BEJEAN",
                     "--prenom", "Sophie")  # fmt: skip
    assert purged.returncode == 0, purged.stderr
    assert "Sauvegardes purgées : 1 réécrite(s), 0 supprimée(s)." in purged.stdout
    assert dict(check_backup_file(backup))["personnes"] == people_before - 1
    assert b"B\xc3\x89JEAN" not in backup.read_bytes()
    again = run_cli("--db", str(filled_db_path), "purge-backups", "--nom", "BÉJEAN")
    assert again.returncode == 0
    assert "Aucune sauvegarde de filled.sqlite ne contient encore « BÉJEAN »." in again.stdout


def test_purge_backups_refuses_a_person_still_in_the_base(filled_db_path):
    """Purging the backups of someone not yet erased is refused in French, nothing touched."""
    backup = _backup(filled_db_path)
    before = _digest(backup)
    result = run_cli("--db", str(filled_db_path), "purge-backups", "--nom", "BÉJEAN")
    assert result.returncode == 1
    assert "est encore dans la base : effacez d'abord la personne" in result.stderr
    assert "Traceback" not in result.stderr
    assert _digest(backup) == before


def test_purge_backups_needs_a_name_or_an_e_mail(filled_db_path):
    """Without --nom nor --courriel the command says what it needs (exit 2), in French."""
    result = run_cli("--db", str(filled_db_path), "purge-backups", "--prenom", "Sophie")
    assert result.returncode == 2
    assert "indiquez au moins --nom ou --courriel" in result.stderr
    assert not default_backup_dir().exists()
