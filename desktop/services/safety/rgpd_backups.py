"""An erased person found again in the backups from what a user knows of them, for the purge."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from desktop.errors import PilotisError
from desktop.models import Person
from desktop.services.common.folding import fold
from desktop.services.safety.backups import BackupService, _connect_ro
from desktop.services.safety.rgpd_scrub import PersonTraces, traces_from_values

PERSON_COLUMNS = ("id", "last_name", "first_name", "email", "phone")


class PersonStillThereError(PilotisError):
    """The person named is still in the base: erase them first (the erasure lists the backups)."""


class AmbiguousPersonError(PilotisError):
    """Several people of the backups bear those names: an e-mail must tell which one."""


def _norm(value: str) -> str:
    return " ".join(fold(value).split())


def _folded(values: Iterable[str]) -> set[str]:
    return {_norm(v) for v in values if v and v.strip()}


class Wanted:
    """The names (current and former), e-mails and phones a user gives for one person."""

    def __init__(
        self,
        last_names: list[str],
        first_names: list[str] = (),
        emails: list[str] = (),
        phones: list[str] = (),
    ) -> None:
        self.last_names, self.first_names = _folded(last_names), _folded(first_names)
        self.emails = _folded(emails)
        self.given = {"last_name": last_names, "first_name": first_names, "email": emails,
                      "phone": phones}  # fmt: skip
        self.label = " ".join([*first_names[:1], *last_names[:1]]) or " ".join(emails[:1])

    def snapshots(self) -> list[dict]:
        """The values given, as the person snapshots traces are built from."""
        return [{key: value} for key, values in self.given.items() for value in values]

    def matches(self, last_name, first_name, email) -> bool:
        """A person row is theirs: same e-mail, or same last name (and first name, if given)."""
        if email and _norm(email) in self.emails:
            return True
        if not last_name or _norm(last_name) not in self.last_names:
            return False
        if self.emails and email:
            return False  # a homonym with another e-mail
        return not self.first_names or _norm(first_name or "") in self.first_names


def refuse_if_in_base(session_factory: sessionmaker, wanted: Wanted) -> None:
    """PersonStillThereError when the base still holds them: purging backups of someone whose
    record is live would be undone by the next backup."""
    with session_factory() as session:
        rows = session.execute(
            select(Person.id, Person.last_name, Person.first_name, Person.email)
        ).all()
    for person_id, last, first, email in rows:
        if wanted.matches(last, first, email):
            raise PersonStillThereError(
                f"{first} {last} (fiche n° {person_id}) est encore dans la base : effacez "
                "d'abord la personne (Fichier → Données personnelles…), puis purgez les "
                "sauvegardes."
            )


def _rows_in(path, wanted: Wanted) -> tuple[list[dict], dict[int, set[int]]]:
    """The person rows of one backup that are theirs, and the posts each one held."""
    try:
        con = _connect_ro(path)
    except sqlite3.DatabaseError:
        return [], {}
    try:
        people = [
            dict(zip(PERSON_COLUMNS, row, strict=True))
            for row in con.execute(f"SELECT {', '.join(PERSON_COLUMNS)} FROM person")  # noqa: S608
            if wanted.matches(row[1], row[2], row[3])
        ]
        posts: dict[int, set[int]] = {p["id"]: set() for p in people}
        for post_id, person_id in con.execute("SELECT id, person_id FROM position"):
            if person_id in posts:
                posts[person_id].add(post_id)
        return people, posts
    except sqlite3.DatabaseError:
        return [], {}  # damaged or not a Pilotis file: only its bytes can be searched
    finally:
        con.close()


def traces_in_backups(backups: BackupService, stem: str | None, wanted: Wanted) -> PersonTraces:
    """PersonTraces of the one person the backups of `stem` know by those values, with every
    value those backups hold on them (e-mails, phones, posts). A person found in none still
    gets traces from the values given, so that the bytes of a damaged backup are searched.
    AmbiguousPersonError when two people of the backups match."""
    found: dict[int, list[dict]] = {}
    posts: dict[int, set[int]] = {}
    for info in backups.backups(stem, with_counts=False):
        rows, held = _rows_in(info.path, wanted)
        for row in rows:
            found.setdefault(row["id"], []).append(row)
            posts.setdefault(row["id"], set()).update(held.get(row["id"], ()))
    if len(found) > 1:
        names = ", ".join(
            f"n° {pid} ({rows[0]['first_name']} {rows[0]['last_name']}, "
            f"{rows[0]['email'] or 'sans courriel'})"
            for pid, rows in sorted(found.items())
        )
        raise AmbiguousPersonError(
            f"Plusieurs personnes des sauvegardes répondent à « {wanted.label} » : {names}. "
            "Précisez leur courriel (--courriel) pour dire laquelle purger."
        )
    person_id, rows = next(iter(found.items()), (0, []))
    return traces_from_values(person_id, [*wanted.snapshots(), *rows], posts.get(person_id, ()))
