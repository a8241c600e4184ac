"""Personal data (RGPD): everything held on a person, exported to JSON or Excel; the erasure of
their current and former values from the live rows, the history, the search index and the
file; and the backups that still hold them, listed and purged."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import String, Text, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from desktop.errors import PilotisError
from desktop.models import Base, Change, Person, Position, Site, Unit
from desktop.services.common import search_index
from desktop.services.common.folding import fold, folded, register_fold
from desktop.services.common.history import DERIVED_FIELDS, current_batch
from desktop.services.safety.backups import (
    BackupError,
    BackupInfo,
    BackupService,
    check_backup_file,
    checked_copy,
    copy_database,
)
from desktop.services.safety.history import TABLE_LABELS, value_text
from desktop.services.safety.rgpd_scrub import (
    ERASED,
    IDENTIFYING,
    PersonTraces,
    anonymise_change,
    erase_in_file,
    file_findings,
    scrub,
    traces_from_values,
)

__all__ = ["ERASED", "IDENTIFYING", "PersonNotFoundError", "RgpdService"]
PERSON_FIELDS = {"last_name": "Nom", "first_name": "Prénom", "email": "Courriel",
                 "phone": "Téléphone", "site": "Site"}  # fmt: skip
# How a backup's findings are told to the user, by table.
FOUND_LABELS = {"person": "la fiche", "position": "{n} poste(s)", "change": "{n} entrée(s) "
                "d'historique"}  # fmt: skip


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
    # What named the person, for searching and purging the backups afterwards (memory only).
    traces: PersonTraces | None = field(default=None, repr=False)
    rows_scrubbed: int = 0  # other live rows whose text named them (titles, notes…)
    # SQLite: the file rewritten (VACUUM) so that no freed page keeps an old value; False when
    # another program held it (the values are then only in free space, until the next VACUUM).
    compacted: bool = True


@dataclass(frozen=True)
class BackupHolding:
    """A backup that still holds the erased person, and what of them it holds."""

    info: BackupInfo
    found: tuple[str, ...]  # « la fiche », « 3 entrée(s) d'historique »…
    rewritable: bool  # False: damaged or not a Pilotis backup, so only deleting purges it

    @property
    def description(self) -> str:
        what = ", ".join(self.found)
        fate = "" if self.rewritable else " — illisible : elle sera supprimée"
        return f"{self.info.path.name} ({self.info.reason_label}) : {what}{fate}"


@dataclass(frozen=True)
class PurgeSummary:
    rewritten: tuple[Path, ...]
    deleted: tuple[Path, ...]


def _plain(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value))


class RgpdService:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    @staticmethod
    def _history_query(session: Session, traces: PersonTraces, batch: str | None = None):
        """The history rows about the person or their posts, or whose values hold one of
        their values (folded), and those of the erasure's own batch."""
        conditions = [(Change.table_name == "person") & (Change.row_id == traces.person_id)]
        if traces.post_ids:
            conditions.append(
                (Change.table_name == "position") & Change.row_id.in_(sorted(traces.post_ids))
            )
        if batch is not None:
            conditions.append(Change.batch == batch)
        conditions += _text_matches(session, [Change.old_value, Change.new_value], traces)
        return select(Change).where(or_(*conditions)).order_by(Change.id)

    @staticmethod
    def _traces(session: Session, person: Person) -> PersonTraces:
        """The person's current values and every former one the history recorded, and every
        post they held (now or before, per the history)."""
        values = [{k: getattr(person, k) for k in IDENTIFYING}]
        own = session.scalars(
            select(Change).where(Change.table_name == "person", Change.row_id == person.id)
        )
        for change in own:
            for raw in (change.old_value, change.new_value):
                value = _loads(raw)
                if isinstance(value, dict):
                    values.append(value)
                elif change.field in IDENTIFYING:
                    values.append({change.field: value})
        posts = set(session.scalars(select(Position.id).where(Position.person_id == person.id)))
        marker = f'%"person_id": {person.id}%'
        held = session.scalars(
            select(Change).where(
                Change.table_name == "position",
                or_(
                    Change.field == "person_id",
                    Change.old_value.like(marker),
                    Change.new_value.like(marker),
                ),
            )
        )
        for change in held:
            for raw in (change.old_value, change.new_value):
                value = _loads(raw)
                snapshot_holder = isinstance(value, dict) and value.get("person_id") == person.id
                if snapshot_holder or (change.field == "person_id" and value == person.id):
                    posts.add(change.row_id)
        return traces_from_values(person.id, values, posts)

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
            register_fold(session)
            traces = self._traces(session, person)
            changes = session.scalars(self._history_query(session, traces))
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
        from desktop.services.transfer.export import ExportColumn, export_rows

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
        """Remove the person (ended posts with them, current posts left vacant), erase their
        current and former values from every other live row and from the history, rebuild the
        search index, in one transaction; then, on SQLite, rewrite the file so that no free
        page keeps them. Irreversible by design: the undo of this batch would only bring back
        « [effacé] »."""
        today = today or date.today()
        with self._sessions.begin() as session:
            person = self._person(session, person_id)
            name = f"{person.first_name} {person.last_name}"
            register_fold(session)
            traces = self._traces(session, person)
            sqlite = session.get_bind().dialect.name == "sqlite"
            if sqlite:
                # Pages freed by this transaction are zeroed, in the file and in the WAL.
                session.connection().exec_driver_sql("PRAGMA secure_delete = ON")
            posts = session.scalars(select(Position).where(Position.person_id == person_id)).all()
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
            scrubbed = _scrub_live_rows(session, traces)
            session.flush()
            batch = current_batch(session)
            touched = 0
            for change in session.scalars(self._history_query(session, traces, batch)).all():
                own = change.table_name == "person" and change.row_id == person_id
                about = own or (
                    change.table_name == "position" and change.row_id in traces.post_ids
                )
                old, new = (
                    anonymise_change(v, traces, own_row=own, about=about, field=change.field)
                    for v in (change.old_value, change.new_value)
                )
                if (old, new) != (change.old_value, change.new_value):
                    session.execute(
                        update(Change).where(Change.id == change.id)
                        .values(old_value=old, new_value=new)
                    )  # fmt: skip
                    touched += 1
            if sqlite:
                # Rebuilt from the rows as they are now: a 'delete' only adds a tombstone, and
                # the old tokens stay in older segments.
                search_index.rebuild_session(session)
                session.connection().exec_driver_sql("PRAGMA secure_delete = OFF")
        compacted = self._compact() if sqlite else True
        return ErasureSummary(
            name, vacated, deleted, touched, batch, traces, scrubbed, compacted
        )  # fmt: skip

    def _compact(self) -> bool:
        """VACUUM, then empty the WAL: values freed before the erasure (an old surname
        replaced months ago) may still sit in free space that secure_delete never zeroed."""
        engine = self._sessions.kw["bind"]
        try:
            with engine.connect() as conn:
                raw = conn.connection.driver_connection
                raw.commit()  # VACUUM cannot run inside a transaction
                raw.execute("VACUUM")
                busy = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except (OperationalError, sqlite3.OperationalError):
            return False
        return busy == 0

    # --- backups --------------------------------------------------------------------------

    @staticmethod
    def backups_holding(
        traces: PersonTraces, backups: BackupService, stem: str | None = None
    ) -> list[BackupHolding]:
        """The backups (every kind) that still hold the person, each searched read-only."""
        found = []
        for info in backups.backups(stem, with_counts=False):
            holding = _backup_holding(info, traces)
            if holding is not None:
                found.append(holding)
        return found

    @staticmethod
    def purge_backups(traces: PersonTraces, holding: list[BackupHolding]) -> PurgeSummary:
        """Rewrite each backup with the person erased (a checked copy replaces it); a backup
        that cannot be rewritten (damaged, not a Pilotis file) is deleted."""
        rewritten, deleted = [], []
        for item in holding:
            path = item.info.path
            if item.rewritable and _rewrite_backup(path, traces):
                rewritten.append(path)
                continue
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            deleted.append(path)
        return PurgeSummary(tuple(rewritten), tuple(deleted))


def _loads(raw: str | None) -> object:
    try:
        return json.loads(raw) if raw is not None else None
    except ValueError:
        return raw


def _text_matches(session: Session, columns, traces: PersonTraces) -> list:
    """Conditions: one of these columns holds one of the person's values, folded."""
    patterns = [
        "%" + n.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        for n in traces.everything
    ]
    return [folded(c).like(p, escape="\\") for c in columns for p in patterns]


def _text_columns(model) -> list:
    return [
        c
        for c in model.__table__.c
        if isinstance(c.type, String | Text) and c.computed is None
        and c.name not in DERIVED_FIELDS
    ]  # fmt: skip


def _scrub_live_rows(session: Session, traces: PersonTraces) -> int:
    """Erase the person's values from every live text (post titles, notes, descriptions…):
    all of them in their posts, what names them unambiguously elsewhere. Through the ORM, so
    that the sort keys, the search index and the history follow."""
    changed = 0
    for mapper in Base.registry.mappers:
        model = mapper.class_
        columns = _text_columns(model)
        if model is Change or not columns or "id" not in model.__table__.c:
            continue
        candidates = session.scalars(
            select(model).where(or_(*_text_matches(session, columns, traces)))
        ).all()
        for obj in candidates:
            about = model is Position and obj.id in traces.post_ids
            dirty = False
            for column in columns:
                value = getattr(obj, column.key)
                if not isinstance(value, str):
                    continue
                new = scrub(value, traces.everything) if about else traces.elsewhere(value)
                if new == ERASED and column.nullable:
                    new = None  # a contact field that was only theirs is emptied
                if new != value:
                    setattr(obj, column.key, new)
                    dirty = True
            changed += dirty
    return changed


def _backup_holding(info: BackupInfo, traces: PersonTraces) -> BackupHolding | None:
    """What one backup holds on the person (searched read-only), or None."""
    path = info.path
    try:
        con = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
        try:
            con.execute("PRAGMA trusted_schema = OFF")
            found = file_findings(con, traces)
        finally:
            con.close()
    except sqlite3.DatabaseError:
        found = None
    residue = _bytes_hold(path, traces)
    if found is None:
        if not residue:
            return None
        return BackupHolding(info, ("des traces dans le fichier",), False)
    if not found and not residue:
        return None
    labels = [
        FOUND_LABELS.get(t, "{n} ligne(s) de " + TABLE_LABELS.get(t, t).lower()).format(n=n)
        for t, n in found.items()
    ]
    if residue and not labels:
        labels.append("des traces dans l'espace libre du fichier")
    try:
        check_backup_file(path)
        rewritable = True
    except BackupError:
        rewritable = False
    return BackupHolding(info, tuple(labels), rewritable)


def _byte_forms(traces: PersonTraces) -> set[bytes]:
    """What betrays the person in raw bytes: their e-mails and full names (a surname alone is
    also other people's, and would flag every backup of a large directory)."""
    values = [*traces.emails, *traces.full_names]
    forms = {v.encode("utf-8") for value in values for v in (value, fold(value))}
    return {f for f in forms if len(f) >= 6}


def _bytes_hold(path: Path, traces: PersonTraces) -> bool:
    """Whether the file's bytes hold a value of the person anywhere, free pages included."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    lowered = data.lower()
    return any(form.lower() in lowered for form in _byte_forms(traces))


def _rewrite_backup(path: Path, traces: PersonTraces) -> bool:
    """Replace a backup by a checked copy of itself with the person erased and no free page
    left (VACUUM); False when that fails, the backup then being left as it was."""
    work = path.with_name(f".{path.name}.rgpd")
    try:
        # Only a file that passes the backup checks is written to: its triggers are those of
        # Pilotis's schema (the full-text index's, which the erasure needs to fire).
        check_backup_file(path)
        work.unlink(missing_ok=True)
        copy_database(path, work)
        con = sqlite3.connect(work)
        try:
            erase_in_file(con, traces)
            con.execute("VACUUM")
        finally:
            con.close()
        if _bytes_hold(work, traces):
            return False
        checked_copy(work, path)
        return True
    except (sqlite3.DatabaseError, BackupError, OSError):
        return False
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)


def _show(value: object) -> object:
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, date | datetime):
        return value.strftime("%d/%m/%Y")
    return value
