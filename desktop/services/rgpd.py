"""Personal data (RGPD): everything held on a person, exported to JSON or Excel, and the erasure
that removes it and anonymises the history entries that name them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from desktop.errors import PilotisError
from desktop.models import Change, Person, Position, Site, Unit
from desktop.services.history import current_batch
from desktop.services.safety_history import TABLE_LABELS, value_text

ERASED = "[effacé]"
PERSON_FIELDS = {"last_name": "Nom", "first_name": "Prénom", "email": "Courriel",
                 "phone": "Téléphone", "site": "Site"}  # fmt: skip
# Person columns that identify someone, blanked in history snapshots and updates.
IDENTIFYING = ("last_name", "first_name", "email", "phone")


class PersonNotFoundError(PilotisError):
    """The person asked for no longer exists."""


@dataclass(frozen=True)
class PersonData:
    """What Pilotis holds on one person: their record, their posts, and the history naming them."""

    person: dict
    positions: tuple[dict, ...]
    history: tuple[dict, ...]

    def as_json(self) -> str:
        return json.dumps(
            {"personne": self.person, "postes": list(self.positions),
             "historique": list(self.history)},
            ensure_ascii=False, indent=2, default=_plain,
        )  # fmt: skip


@dataclass(frozen=True)
class ErasureSummary:
    name: str
    posts_vacated: int
    posts_deleted: int
    history_anonymised: int
    batch: str


def _plain(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value))


def _needles(person: Person) -> list[str]:
    """The strings that name this person, longest first (so "Sophie BÉJEAN" goes before
    "BÉJEAN"); a first name alone is too common to be searched for."""
    values = [
        f"{person.first_name} {person.last_name}",
        f"{person.last_name} {person.first_name}",
        person.last_name,
        person.email or "",
        person.phone or "",
    ]
    return sorted({v for v in values if v and len(v) >= 3}, key=len, reverse=True)


class RgpdService:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def _history_query(self, person: Person, position_ids: list[int]):
        conditions = [(Change.table_name == "person") & (Change.row_id == person.id)]
        if position_ids:
            conditions.append((Change.table_name == "position") & Change.row_id.in_(position_ids))
        for needle in _needles(person):
            conditions.append(Change.old_value.contains(needle))
            conditions.append(Change.new_value.contains(needle))
        return select(Change).where(or_(*conditions)).order_by(Change.id)

    @staticmethod
    def _person(session: Session, person_id: int) -> Person:
        person = session.get(Person, person_id)
        if person is None:
            raise PersonNotFoundError("Cette personne n'existe pas (ou plus) dans l'annuaire.")
        return person

    def collect(self, person_id: int) -> PersonData:
        with self._sessions() as session:
            person = self._person(session, person_id)
            site = session.get(Site, person.site_id) if person.site_id else None
            record = {
                "id": person.id, "nom": person.last_name, "prénom": person.first_name,
                "courriel": person.email, "téléphone": person.phone,
                "site": site.name if site else None,
                "créée le": person.created_at, "modifiée le": person.updated_at,
            }  # fmt: skip
            posts = session.execute(
                select(Position, Unit.name)
                .join(Unit, Unit.id == Position.unit_id)
                .where(Position.person_id == person_id)
                .order_by(Position.start_on)
            ).all()
            positions = tuple(
                {
                    "id": p.id,
                    "service": unit,
                    "intitulé": p.title,
                    "rôle": p.role,
                    "intérim": p.is_interim,
                    "début": p.start_on,
                    "fin": p.end_on,
                }  # fmt: skip
                for p, unit in posts
            )
            changes = session.scalars(self._history_query(person, [p.id for p, _ in posts]))
            history = tuple(
                {
                    "date": c.at,
                    "qui": c.login,
                    "action": c.action,
                    "type": TABLE_LABELS.get(c.table_name, c.table_name),
                    "n°": c.row_id,
                    "champ": c.field,
                    "avant": value_text(c.old_value),
                    "après": value_text(c.new_value),
                }  # fmt: skip
                for c in changes
            )
        return PersonData(record, positions, history)

    def export(self, person_id: int, path: Path | str) -> Path:
        """Write everything held on the person: .json (complete, structured) or .xlsx/.csv
        (one row per value: section, item, field, value)."""
        from desktop.services.export import ExportColumn, export_rows

        data = self.collect(person_id)
        path = Path(path)
        if path.suffix.lower() == ".json":
            try:
                path.write_text(data.as_json(), encoding="utf-8")
            except OSError as exc:
                raise PilotisError(f"Impossible d'écrire {path} : {exc.strerror}.") from exc
            return path
        rows: list[tuple[str, str, str, object]] = [
            ("Personne", "", key, value) for key, value in data.person.items()
        ]
        for number, post in enumerate(data.positions, start=1):
            rows += [(f"Poste {number}", post["service"], k, v) for k, v in post.items()]
        for entry in data.history:
            when = entry["date"].strftime("%d/%m/%Y %H:%M") if entry["date"] else ""
            item = f"{entry['type']} n° {entry['n°']} — {when} — {entry['qui']}"
            rows.append(("Historique", item, entry["champ"] or entry["action"],
                         f"{entry['avant']} → {entry['après']}"))  # fmt: skip
        columns = [
            ExportColumn("Rubrique", lambda r: r[0]),
            ExportColumn("Élément", lambda r: r[1]),
            ExportColumn("Champ", lambda r: r[2]),
            ExportColumn("Valeur", lambda r: "" if r[3] is None else str(_show(r[3]))),
        ]
        return export_rows(path, columns, rows, title="Données personnelles")

    def erase(self, person_id: int, *, today: date | None = None) -> ErasureSummary:
        """Remove the person (ended posts with them, current posts left vacant) and anonymise
        every history entry naming them, in one transaction. Irreversible by design: the undo
        of this batch would only bring back « [effacé] »."""
        today = today or date.today()
        with self._sessions.begin() as session:
            person = self._person(session, person_id)
            name = f"{person.first_name} {person.last_name}"
            needles = _needles(person)
            sqlite = session.get_bind().dialect.name == "sqlite"
            if sqlite:
                # Freed pages are zeroed, so the erased values do not linger in the file.
                session.connection().exec_driver_sql("PRAGMA secure_delete = ON")
            posts = session.scalars(select(Position).where(Position.person_id == person_id)).all()
            post_ids = [p.id for p in posts]
            vacated = deleted = 0
            for post in posts:
                if post.end_on is not None and post.end_on < today:
                    session.delete(post)
                    deleted += 1
                else:
                    post.person_id, post.is_interim, post.start_on = None, False, None
                    vacated += 1
            session.flush()
            session.delete(person)
            session.flush()
            batch = current_batch(session)
            touched = 0
            for change in session.scalars(self._history_query(person, post_ids)).all():
                old = _anonymise(change.old_value, change, needles, person_id)
                new = _anonymise(change.new_value, change, needles, person_id)
                if (old, new) != (change.old_value, change.new_value):
                    session.execute(
                        update(Change).where(Change.id == change.id)
                        .values(old_value=old, new_value=new)
                    )  # fmt: skip
                    touched += 1
            if sqlite:
                # FTS5 keeps deleted tokens in old segments until they are merged.
                conn = session.connection()
                for index in ("person_fts", "position_fts"):
                    if conn.exec_driver_sql(
                        "SELECT count(*) FROM sqlite_master WHERE name = ?", (index,)
                    ).scalar():
                        conn.exec_driver_sql(f"INSERT INTO {index}({index}) VALUES ('optimize')")
                conn.exec_driver_sql("PRAGMA secure_delete = OFF")
        if sqlite:
            # The old values must leave the WAL file too, not only the database pages.
            with self._sessions() as s:
                s.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return ErasureSummary(name, vacated, deleted, touched, batch)


def _show(value: object) -> object:
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, date | datetime):
        return value.strftime("%d/%m/%Y")
    return value


def _anonymise(raw: str | None, change: Change, needles: list[str], person_id: int) -> str | None:
    """The stored value with the person's identifying values replaced by « [effacé] »."""
    if raw is None:
        return None
    own_row = change.table_name == "person" and change.row_id == person_id
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    if own_row and isinstance(value, dict):
        for key in IDENTIFYING:
            if value.get(key):
                value[key] = ERASED
        raw = json.dumps(value, ensure_ascii=False)
    elif own_row and change.field in IDENTIFYING and value is not None:
        return json.dumps(ERASED, ensure_ascii=False)
    for needle in needles:
        raw = raw.replace(needle, ERASED)
    return raw
