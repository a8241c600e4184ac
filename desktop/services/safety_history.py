"""Reading the change history for the « Historique » view: filters in SQL, French labels, the
name of each changed record, and values shown as a user reads them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import sessionmaker

from desktop.models import Base, Change
from desktop.services.formatting import format_date, group_thousands

TABLE_LABELS = {
    "person": "Personne", "unit": "Service", "position": "Poste",
    "unit_link": "Lien fonctionnel", "position_link": "Lien fonctionnel entre postes",
    "programme": "Programme", "milestone": "Jalon",
    "indicator": "Indicateur", "indicator_value": "Valeur d'indicateur",
    "funding_line": "Ligne de financement", "declared_total": "Total déclaré",
    "funder": "Financeur", "organisation": "Organisation", "establishment": "Établissement",
    "site": "Site", "axis": "Axe", "strategic_line": "Ligne directrice",
    "academie": "Académie", "department": "Département",
}  # fmt: skip
ACTION_LABELS = {"insert": "Ajout", "update": "Modification", "delete": "Suppression"}
# Which columns name a record, in order of preference.
LABEL_COLUMNS = (("code",), ("acronym",), ("last_name", "first_name"), ("title",), ("name",))
SNAPSHOT_SHOWN = 6


@dataclass(frozen=True)
class HistoryFilter:
    login: str | None = None
    since: date | None = None
    until: date | None = None
    table_name: str | None = None
    row_id: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: datetime
    login: str
    action: str
    table_name: str
    row_id: int | None
    field: str | None
    old_text: str
    new_text: str
    batch: str | None
    row_label: str = ""

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def table_label(self) -> str:
        return TABLE_LABELS.get(self.table_name, self.table_name)


def value_text(raw: str | None) -> str:
    """A stored JSON value as a user reads it: 31/12/2023, Oui/Non, a record's main fields."""
    if raw is None:
        return ""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(value, dict):
        shown = [
            f"{key} : {value_text(json.dumps(item))}"
            for key, item in value.items()
            if item not in (None, "") and key not in ("id", "created_at", "updated_at", "version")
        ]
        more = " …" if len(shown) > SNAPSHOT_SHOWN else ""
        return " ; ".join(shown[:SNAPSHOT_SHOWN]) + more
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if value is None:
        return ""
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _models() -> dict[str, type[Base]]:
    return {m.class_.__tablename__: m.class_ for m in Base.registry.mappers}


def _label_from(values: dict) -> str:
    for columns in LABEL_COLUMNS:
        parts = [str(values[c]) for c in columns if values.get(c)]
        if parts:
            return " ".join(parts)
    return ""


class HistoryQueryService:
    """The history as the « Historique » view reads it; one query per page plus one per table
    for the records' names (no query per row)."""

    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def search(self, flt: HistoryFilter | None = None, *, limit: int = 1000) -> list[HistoryEntry]:
        """The changes matching `flt`, newest first. For one record, the import that added it
        is listed too: an import keeps one record per kind listing its rows' ids."""
        flt = flt or HistoryFilter()
        conditions = []
        if flt.login:
            conditions.append(Change.login == flt.login)
        if flt.since:
            conditions.append(Change.at >= datetime.combine(flt.since, time.min))
        if flt.until:
            conditions.append(Change.at < datetime.combine(flt.until + timedelta(days=1), time.min))
        if flt.table_name:
            conditions.append(Change.table_name == flt.table_name)
        text_condition = None
        if flt.text and flt.text.strip():
            needle = f"%{flt.text.strip().lower()}%"
            text_condition = or_(
                func.lower(Change.old_value).like(needle),
                func.lower(Change.new_value).like(needle),
                func.lower(Change.field).like(needle),
                func.lower(Change.login).like(needle),
            )
        query = select(Change).where(*conditions).order_by(Change.id.desc()).limit(limit)
        if flt.row_id is not None:
            query = query.where(Change.row_id == flt.row_id)
        if text_condition is not None:
            query = query.where(text_condition)
        with self._sessions() as session:
            changes = list(session.scalars(query).all())
            if flt.row_id is not None and flt.table_name and not flt.text:
                changes += self._imports_of(session, conditions, flt.row_id)
                changes.sort(key=lambda c: c.id, reverse=True)
                del changes[limit:]
            labels = self._labels(session, changes)
            if flt.row_id is not None and flt.table_name:
                labels.update(self._labels_of(session, flt.table_name, [flt.row_id]))
            return [self._entry(c, flt.row_id, labels) for c in changes]

    @staticmethod
    def _imports_of(session, conditions, row_id: int) -> list[Change]:
        """The import records (one per kind and import) whose rows include `row_id`."""
        found = session.scalars(
            select(Change).where(
                *conditions, Change.row_id.is_(None), Change.action == "insert",
                Change.field.is_(None),
            )
        )  # fmt: skip
        return [c for c in found if _imported_range(c, row_id)]

    @staticmethod
    def _entry(c: Change, row_id: int | None, labels) -> HistoryEntry:
        rows = _import_size(c)
        if rows is not None:  # an import's record: « Ajout » of n lines
            shown = row_id if row_id is not None and _imported_range(c, row_id) else None
            return HistoryEntry(
                c.id, c.at, c.login, c.action, c.table_name, shown, None, "",
                f"Import de {group_thousands(rows)} ligne{'s' if rows > 1 else ''}",
                c.batch, labels.get((c.table_name, shown), "") if shown else "",
            )  # fmt: skip
        return HistoryEntry(
            c.id,
            c.at,
            c.login,
            c.action,
            c.table_name,
            c.row_id,
            c.field,
            value_text(c.old_value),
            value_text(c.new_value),
            c.batch,
            labels.get((c.table_name, c.row_id), ""),
        )  # fmt: skip

    @staticmethod
    def _labels(session, changes) -> dict[tuple[str, int], str]:
        labels: dict[tuple[str, int], str] = {}
        wanted: dict[str, set[int]] = {}
        for c in changes:
            if c.row_id is None:
                continue
            if c.action in ("insert", "delete") and c.field is None:
                try:
                    snapshot = json.loads(c.new_value or c.old_value or "{}")
                except ValueError:
                    snapshot = {}
                if isinstance(snapshot, dict) and _label_from(snapshot):
                    labels.setdefault((c.table_name, c.row_id), _label_from(snapshot))
            wanted.setdefault(c.table_name, set()).add(c.row_id)
        for table_name, ids in wanted.items():
            labels.update(HistoryQueryService._labels_of(session, table_name, ids))
        return labels

    @staticmethod
    def _labels_of(session, table_name: str, ids) -> dict[tuple[str, int], str]:
        """The current names of rows of a table (those that still exist)."""
        labels: dict[tuple[str, int], str] = {}
        model = _models().get(table_name)
        if model is None:
            return labels
        names = [n for cols in LABEL_COLUMNS for n in cols if n in model.__table__.c]
        if not names:
            return labels
        columns = [model.__table__.c.id] + [model.__table__.c[n] for n in names]
        for chunk in _chunks(sorted(ids), 500):
            for row in session.execute(select(*columns).where(columns[0].in_(chunk))):
                values = dict(zip(["id", *names], row, strict=True))
                labels[(table_name, row[0])] = _label_from(values)
        return labels

    def logins(self) -> list[str]:
        with self._sessions() as session:
            return list(session.scalars(select(Change.login).distinct().order_by(Change.login)))

    def tables(self) -> list[tuple[str, str]]:
        """(table, French label) of the tables present in the history."""
        with self._sessions() as session:
            names = session.scalars(select(Change.table_name).distinct()).all()
        return sorted(((n, TABLE_LABELS.get(n, n)) for n in names), key=lambda t: t[1])


def _chunks(items: list[int], size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _import_value(change: Change) -> dict | None:
    if change.row_id is not None or change.action != "insert" or change.field is not None:
        return None
    try:
        value = json.loads(change.new_value or "null")
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("ids"), list) and "lignes" in value:
        return value
    return None


def _import_size(change: Change) -> int | None:
    """How many rows an import's record lists; None for any other change."""
    value = _import_value(change)
    return int(value["lignes"]) if value is not None else None


def _imported_range(change: Change, row_id: int) -> bool:
    value = _import_value(change)
    return value is not None and any(first <= row_id <= last for first, last in value["ids"])
