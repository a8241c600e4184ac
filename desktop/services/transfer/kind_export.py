"""A kind's rows as the importer reads them back (references by key, enums by French label) and
the typed columns they are exported with, one sheet per kind: export → import round-trips."""

from __future__ import annotations

from datetime import date
from operator import itemgetter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.errors import PilotisError
from desktop.services.transfer.columns import kind_columns
from desktop.services.transfer.export import ExportColumn
from desktop.services.transfer.specs import KINDS, Field, Kind


def kind_headers(kind_name: str) -> list[str]:
    """The header row of an export or template: French labels, capitalised."""
    return [c.label[:1].upper() + c.label[1:] for c in kind_columns(kind_name)]


def sheet_title(kind_name: str) -> str:
    label = KINDS[kind_name].label
    return (label[:1].upper() + label[1:])[:31]


_EXPORT_KIND = {"int": "int", "float": "number", "money": "money", "date": "date"}


def export_columns(kind_name: str) -> list[ExportColumn]:
    """Typed export columns of a kind, headed by the labels the importer recognises."""
    columns = []
    for column, header in zip(kind_columns(kind_name), kind_headers(kind_name), strict=True):
        export_kind = _EXPORT_KIND.get(column.kind, "text")
        if column.kind == "ref" and _ref_key_field(column.ref).kind == "int":
            export_kind = "int"
        columns.append(ExportColumn(header, itemgetter(column.name), export_kind))
    return columns


def _ref_key_field(kind_name: str | None) -> Field:
    kind = KINDS[kind_name]
    return kind.field(kind.key[-1])


def _key_values(session: Session, kind_name: str) -> dict[int, object]:
    """id -> the value a file names a row of this kind by (its code, number, UAI…)."""
    kind = KINDS[kind_name]
    column = getattr(kind.model, _ref_key_field(kind_name).target)
    return dict(session.execute(select(kind.model.id, column)).all())


def kind_rows(session: Session, kind_name: str) -> list[dict[str, object]]:
    """Every row of a kind as the importer reads it: references by key, enums by French label,
    booleans oui/non, lists joined with commas; ordered by id (creation order)."""
    kind = KINDS[kind_name]
    table = kind.model.__table__
    records = session.execute(select(table).order_by(table.c.id)).mappings().all()
    converters = [_field_converter(session, kind, f) for f in kind.fields]
    out = []
    for record in records:
        row: dict[str, object] = {}
        for convert in converters:
            convert(record, row)
        out.append(row)
    return out


def _field_converter(session: Session, kind: Kind, f: Field):
    if f.kind == "person":
        people = {
            r[0]: r[1:]
            for r in session.execute(
                select(
                    KINDS["people"].model.__table__.c[("id", "last_name", "first_name", "email")]
                )  # fmt: skip
            )
        }

        def person(record, row):
            last, first, email = people.get(record[f.target], (None, None, None))
            row.update(last_name=last, first_name=first, email=email)

        return person
    if not f.store:  # the programme of an indicator value: the programme of its indicator
        scoped = next(g for g in kind.fields if g.scope == f.column)
        scope_model = KINDS[scoped.ref].model
        owner = dict(session.execute(select(scope_model.id, scope_model.programme_id)).all())
        keys = _key_values(session, f.ref)

        def scope(record, row):
            row[f.column] = keys.get(owner.get(record[scoped.target]))

        return scope
    if f.kind == "ref":
        keys = _key_values(session, f.ref)
        return lambda record, row: row.__setitem__(f.column, keys.get(record[f.target]))
    if f.kind == "refs":
        table, own, other = f.link
        keys = _key_values(session, f.ref)
        lists: dict[int, list] = {}
        for owner_id, target in session.execute(select(table.c[own], table.c[other])):
            lists.setdefault(owner_id, []).append(keys[target])
        for values in lists.values():
            values.sort(key=lambda v: (str(type(v)), v))

        def refs(record, row):
            values = lists.get(record["id"])
            row[f.column] = ", ".join(str(v) for v in values) if values else None

        return refs
    if f.kind == "enum":
        labels = f.choices
        return lambda record, row: row.__setitem__(
            f.column, labels.get(record[f.target], record[f.target])
        )
    if f.kind == "bool":
        return lambda record, row: row.__setitem__(
            f.column, None if record[f.target] is None else ("oui" if record[f.target] else "non")
        )
    return lambda record, row: row.__setitem__(f.column, record[f.target])


def write_sheets(path: Path, sheets: list[tuple[str, list[ExportColumn], list]]) -> None:
    """Several kinds in one workbook: each written by export_rows to a temporary file would
    lose the others, so the sheets are written here with the same typed cells."""
    import xlsxwriter

    from desktop.services.transfer.export import exact_numbers

    if path.suffix.lower() != ".xlsx":
        raise PilotisError(f"Format d'export inconnu « {path.suffix} » : choisissez .xlsx.")
    try:
        workbook = xlsxwriter.Workbook(
            str(path),
            {"strings_to_formulas": False, "strings_to_numbers": False, "constant_memory": True},
        )
    except OSError as exc:
        raise PilotisError(f"Impossible d'écrire {path} : {exc}.") from exc
    exact_numbers(workbook)
    try:
        header = workbook.add_format({"bold": True, "bg_color": "#DDE4F0", "border": 1})
        formats = {
            "money": workbook.add_format({"num_format": '#,##0.00 "€"'}),
            "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
            "int": workbook.add_format({"num_format": "0"}),
            "number": workbook.add_format({"num_format": "General"}),
        }
        for title, columns, rows in sheets:
            sheet = workbook.add_worksheet(title)
            sheet.write_row(0, 0, [c.header for c in columns], header)
            sheet.freeze_panes(1, 0)
            widths = [max(len(c.header), 8) for c in columns]
            for r, row in enumerate(rows, start=1):
                for c, column in enumerate(columns):
                    value = column.value(row)
                    if value is None or value == "":
                        continue
                    if column.kind == "date" and isinstance(value, date):
                        sheet.write_datetime(r, c, value, formats["date"])
                    elif column.kind == "money":
                        sheet.write_number(r, c, int(value) / 100, formats["money"])
                    elif column.kind in formats and isinstance(value, int | float):
                        sheet.write_number(r, c, value, formats[column.kind])
                    else:
                        text = str(value)  # a string cell: never a formula, no ' to show
                        sheet.write_string(r, c, text)
                        widths[c] = max(widths[c], min(len(text), 50))
            for c, width in enumerate(widths):
                sheet.set_column(c, c, width + 2)
    finally:
        try:
            workbook.close()
        except OSError as exc:
            raise PilotisError(f"Impossible d'écrire {path} : {exc}.") from exc
