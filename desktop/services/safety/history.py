"""Reading the change history for the « Historique » view: filters in SQL, French labels, the
name of each changed record, and values shown as a user reads them."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import sessionmaker

from desktop.models import Base, Change, Funder, FundingLine, Programme
from desktop.services.common.formatting import format_date, format_euros, group_thousands
from desktop.services.common.history import imported_ranges
from desktop.services.common.text_limits import capped
from desktop.services.safety.conflicts import CODE_LABELS, FIELD_LABELS
from desktop.services.transfer.specs import Field

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
    batch: str | None = None  # one user action or import


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
    field_label: str = ""  # « Téléphone » for phone; the column's name when it has none

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


def _label_from(values: dict, preference=LABEL_COLUMNS) -> str:
    for columns in preference:
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
        if flt.batch:
            conditions.append(Change.batch == flt.batch)
        text_condition = None
        typed = capped(flt.text).strip()
        if typed:
            # « 100% » or « a_b » are the characters typed, not LIKE wildcards.
            escaped = typed.lower().replace("\\", "\\\\").replace("%", "\\%")
            needle = "%" + escaped.replace("_", "\\_") + "%"
            text_condition = or_(
                *(
                    func.lower(column).like(needle, escape="\\")
                    for column in (Change.old_value, Change.new_value, Change.field, Change.login)
                )
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
            values = _Values(session, changes)
            return [self._entry(c, flt.row_id, labels, values) for c in changes]

    def saved_summary(self, batch: str) -> str:
        """What one save changed, for the status bar: « personne « DUPRÉ Élodie » ajoutée »
        is too much grammar for every table; « Personne « DUPRÉ Élodie » (ajout) », and for
        several records the first one and how many others."""
        entries = self.search(HistoryFilter(batch=batch), limit=200)
        if not entries:
            return ""
        records: dict[tuple[str, int | None], HistoryEntry] = {}
        for entry in reversed(entries):  # oldest first: the record the user acted on
            records.setdefault((entry.table_name, entry.row_id), entry)
        first = next(iter(records.values()))
        label = f" « {first.row_label} »" if first.row_label else ""
        text = f"{first.table_label}{label} ({first.action_label.lower()})"
        others = len(records) - 1
        if others:
            text += f" et {others} autre(s) élément(s)"
        return text

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
    def _entry(c: Change, row_id: int | None, labels, values: _Values) -> HistoryEntry:
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
            values.text(c.table_name, c.field, c.old_value),
            values.text(c.table_name, c.field, c.new_value),
            c.batch,
            labels.get((c.table_name, c.row_id)) or values.row_label(c),
            field_label(c.table_name, c.field) if c.field else "",
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
    def _labels_of(
        session, table_name: str, ids, preference=LABEL_COLUMNS
    ) -> dict[tuple[str, int], str]:
        """The current names of rows of a table (those that still exist)."""
        labels: dict[tuple[str, int], str] = {}
        model = _models().get(table_name)
        if model is None:
            return labels
        if table_name == "funding_line":  # no name of its own: programme · funder · period
            return HistoryQueryService._funding_line_labels(session, ids)
        names = [n for cols in preference for n in cols if n in model.__table__.c]
        if not names:
            return labels
        columns = [model.__table__.c.id] + [model.__table__.c[n] for n in names]
        for chunk in _chunks(sorted(ids), 500):
            for row in session.execute(select(*columns).where(columns[0].in_(chunk))):
                values = dict(zip(["id", *names], row, strict=True))
                labels[(table_name, row[0])] = _label_from(values, preference)
        return labels

    @staticmethod
    def _funding_line_labels(session, ids) -> dict[tuple[str, int], str]:
        labels = {}
        for chunk in _chunks(sorted(ids), 500):
            rows = session.execute(
                select(FundingLine.id, Programme.code, Funder.code, FundingLine.period)
                .join(Programme, FundingLine.programme_id == Programme.id)
                .join(Funder, FundingLine.funder_id == Funder.id)
                .where(FundingLine.id.in_(chunk))
            )
            for line_id, programme, funder, period in rows:
                parts = [programme, funder, period] if period else [programme, funder]
                labels[("funding_line", line_id)] = " · ".join(parts)
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


def _import_size(change: Change) -> int | None:
    """How many rows an import's record lists; None for any other change."""
    ranges = imported_ranges(change)
    return None if ranges is None else sum(last - first + 1 for first, last in ranges)


def _imported_range(change: Change, row_id: int) -> bool:
    ranges = imported_ranges(change)
    return ranges is not None and any(first <= row_id <= last for first, last in ranges)


# How a value pointing to another row is shown: places by their name, the rest as in
# LABEL_COLUMNS (a service by its acronym or code, a programme by its code).
_PLACE_NAMES = (("name",), ("code",))
_VALUE_NAMES = {"site": _PLACE_NAMES, "department": _PLACE_NAMES, "academie": _PLACE_NAMES}
_HIDDEN = {"id", "created_at", "updated_at", "version", "sort_key"}


@functools.cache
def _specs() -> dict[tuple[str, str], Field]:
    """(table, column or link) -> the import column that fills it: its French label, kind,
    codes and the kind of row it points to. Every field a user edits is importable."""
    from desktop.services.transfer.specs import KINDS

    found: dict[tuple[str, str], Field] = {}
    for kind in KINDS.values():
        for f in kind.fields:
            if f.store:
                found.setdefault((kind.model.__tablename__, f.target), f)
    return found


@functools.cache
def _ref_table(kind_name: str | None) -> str | None:
    from desktop.services.transfer.specs import KINDS

    kind = KINDS.get(kind_name) if kind_name else None
    return kind.model.__tablename__ if kind is not None else None


def field_label(table_name: str, field: str) -> str:
    """« Téléphone » for person.phone; the column's own name when nothing names it."""
    label = FIELD_LABELS.get(table_name, {}).get(field)
    if label:
        return label
    spec = _specs().get((table_name, field))
    if spec is not None:
        return spec.label[:1].upper() + spec.label[1:]
    return field


class _Values:
    """Stored values (JSON) as a user reads them: a service, a site or a person by name
    instead of its id, a code by its French label, an amount in euros. The names of every row
    pointed to by the changes of a page are read at once, one query per table."""

    def __init__(self, session, changes: list[Change]) -> None:
        wanted: dict[str, set[int]] = {}
        for c in changes:
            for raw in (c.old_value, c.new_value):
                for table, field, value in self._cells(c.table_name, c.field, raw):
                    target = _ref_table(getattr(_specs().get((table, field)), "ref", None))
                    if target is None:
                        continue
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, int) and not isinstance(item, bool):
                            wanted.setdefault(target, set()).add(item)
        self._names: dict[tuple[str, int], str] = {}
        for target, ids in wanted.items():
            self._names.update(
                HistoryQueryService._labels_of(
                    session, target, ids, _VALUE_NAMES.get(target, LABEL_COLUMNS)
                )
            )

    @staticmethod
    def _cells(table: str, field: str | None, raw: str | None):
        """(table, column, value) of a stored value: one for a field, one per column of a
        snapshot (a row added or deleted)."""
        if raw is None:
            return []
        try:
            value = json.loads(raw)
        except ValueError:
            return []
        if field is not None:
            return [(table, field, value)]
        if isinstance(value, dict):
            return [(table, k, v) for k, v in value.items()]
        return []

    def row_label(self, change: Change) -> str:
        """A deleted funding line (it has no name of its own) by what its snapshot says."""
        if change.table_name != "funding_line" or change.field is not None:
            return ""
        cells = dict((k, v) for _t, k, v in self._cells("funding_line", None, change.old_value))
        parts = [self._one("funding_line", f, cells.get(f)) for f in ("programme_id", "funder_id")]
        return " · ".join(p for p in [*parts, cells.get("period")] if p)

    def text(self, table: str, field: str | None, raw: str | None) -> str:
        if raw is None:
            return ""
        try:
            value = json.loads(raw)
        except ValueError:
            return raw
        if field is None and isinstance(value, dict):
            shown = [
                f"{field_label(table, key)} : {self._one(table, key, item)}"
                for key, item in value.items()
                if item not in (None, "") and key not in _HIDDEN
            ]
            more = " …" if len(shown) > SNAPSHOT_SHOWN else ""
            return " ; ".join(shown[:SNAPSHOT_SHOWN]) + more
        return self._one(table, field, value) if field else value_text(raw)

    def _one(self, table: str, field: str, value: object) -> str:
        spec = _specs().get((table, field))
        if spec is None or value is None or value == "":
            return value_text(json.dumps(value))
        target = _ref_table(spec.ref)
        if target is not None:
            items = value if isinstance(value, list) else [value]
            return ", ".join(
                self._names.get((target, i)) or f"n° {i}" if isinstance(i, int) else str(i)
                for i in items
            )
        codes = CODE_LABELS.get((table, field)) or spec.choices
        if codes and isinstance(value, str):
            return codes.get(value, value)
        if spec.kind == "money" and isinstance(value, int):
            return format_euros(value)
        return value_text(json.dumps(value))
