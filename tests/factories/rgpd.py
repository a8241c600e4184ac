"""A person to erase (RGPD): Claire LAFFITTE renamed MARCHAND, whose former values sit in posts,
the history, the search index and backups."""

from __future__ import annotations

from sqlalchemy import select

from desktop.models import Person, Position, Unit
from desktop.services.safety.backups import BackupService

FORMER, CURRENT = "LAFFITTE", "MARCHAND"
FORMER_MAIL, CURRENT_MAIL = "claire.laffitte@ac-toulouse.fr", "claire.marchand@ac-toulouse.fr"
GONE = ("laffitte", "marchand", "claire.laffitte", "claire.marchand")


def renamed_person(factory) -> tuple[int, int]:
    """Claire LAFFITTE, with a post naming her, renamed MARCHAND (new e-mail) since; someone
    else's post mentions « Mme LAFFITTE ». Returns (person id, her post id)."""
    with factory.begin() as session:
        unit = session.scalars(select(Unit).where(Unit.acronym == "DRAJES")).one()
        person = Person(last_name=FORMER, first_name="Claire", email=FORMER_MAIL)
        session.add(person)
        session.flush()
        post = Position(unit_id=unit.id, person_id=person.id,
                        title=f"Chargée de mission (dossier {FORMER})")  # fmt: skip
        other = Position(unit_id=unit.id, title=f"Adjoint de Mme {FORMER}, petite enfance")
        session.add_all([post, other])
        session.flush()
        ids = person.id, post.id
    with factory.begin() as session:
        person = session.get(Person, ids[0])
        person.last_name, person.email = CURRENT, CURRENT_MAIL
    return ids


def backup_folder(tmp_path, db_path):
    """A backup folder holding a manual backup, a pre-migration one and a damaged file set
    aside, all three made while the person existed."""
    folder = tmp_path / "sauvegardes"
    service = BackupService(folder)
    manual = service.backup(db_path, stem=db_path.stem, reason="manuelle").path
    migration = folder / f"{db_path.stem}-avant-migration-20240105-101010.sqlite"
    migration.write_bytes(manual.read_bytes())
    damaged = folder / f"{db_path.stem}-20240106-101010-endommagee.sqlite"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200 + FORMER_MAIL.encode() * 3)
    return service, manual, migration, damaged
