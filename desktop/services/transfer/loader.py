"""Loading one import's rows kind after kind: natural keys matched, cells converted and checked
row by row with French reasons, parents resolved, funding lines matched to the stored ones."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.services.common.parsing import ParseError, fold, is_blank, parse_text
from desktop.services.transfer.columnar import ColumnarPath
from desktop.services.transfer.convert import (
    LIST_SEPARATOR,
    Underived,
    convert,
    norm,
    normalise_columns,
)
from desktop.services.transfer.report import ImportReport, KindResult, RowError
from desktop.services.transfer.row_sources import ColumnRows, ColumnStream, Row
from desktop.services.transfer.row_writer import RowWriter
from desktop.services.transfer.specs import KINDS, Field, Kind


class Loader:
    """One import's kinds loaded in turn into one session: the clean new rows of a kind through
    the columnar path, every other row checked one by one, then written by a RowWriter."""

    def __init__(
        self, session: Session, login: str, report: ImportReport, *, update: bool, partial: bool
    ) -> None:
        self.session = session
        self.login = login
        self.report = report
        self.update = update
        self.partial = partial
        self._key_maps: dict[str, dict[tuple, int]] = {}
        self._names: dict[tuple, set[int]] | None = None  # people by (last, first) name
        self.writer = RowWriter(session, login, report, self.key_map)
        self._columnar = ColumnarPath(self.writer, self.key_map, self.lookup,
                                     self.forget_keys)  # fmt: skip

    @property
    def changed(self) -> bool:
        """Anything written: an import that changes nothing is rolled back."""
        return self.writer.changed

    @property
    def wrote_many(self) -> bool:
        """A bulk insert ran: the journal's checkpoint can wait."""
        return self.writer.wrote_many

    # --- key maps ---------------------------------------------------------------------------

    def key_map(self, kind: Kind) -> dict[tuple, int]:
        """Natural key -> id of every row of a kind, loaded once per import and kept current."""
        if kind.name not in self._key_maps:
            key_fields = [kind.field(c) for c in kind.key or ()]
            columns = [getattr(kind.model, f.target) for f in key_fields]
            mapping: dict[tuple, int] = {}
            if key_fields:
                for row in self.session.execute(select(kind.model.id, *columns)):
                    mapping[tuple(norm(v) for v in row[1:])] = row[0]
            self._key_maps[kind.name] = mapping
        return self._key_maps[kind.name]

    def forget_keys(self, kind: Kind) -> None:
        """The kind's key map read again from the base when next asked for (after a bulk
        insert, which does not keep the keys it wrote)."""
        self._key_maps.pop(kind.name, None)

    def lookup(self, kind_name: str, raw: object, scope_id: int | None = None) -> int | None:
        kind = KINDS[kind_name]
        ref_field = kind.field(kind.key[-1])
        try:
            value = convert(ref_field, raw)
        except ParseError:
            return None
        key = (scope_id, norm(value)) if len(kind.key) == 2 else (norm(value),)
        return self.key_map(kind).get(key)

    # --- loading ----------------------------------------------------------------------------

    def load(
        self, kind: Kind, rows: Iterable[Mapping[str, object]], first_row: int | Sequence[int]
    ) -> None:
        """first_row: the number of the first row, or each row's number (blank rows skipped)."""
        result = self.report.results.setdefault(kind.name, KindResult(kind.name))
        self._names = None  # people may have been added by an earlier kind of this import
        rows = rows if isinstance(rows, list | ColumnRows | ColumnStream) else list(rows)
        inserted = None
        if not kind.same or not self._has_rows(kind):  # rows to match: the row-by-row path
            inserted = self._columnar.load(kind, rows)
        if inserted is not None:
            result.inserted += inserted
            result.valid += inserted
            return
        if isinstance(rows, ColumnStream):  # the row-by-row path needs every row at once
            stream = rows
            rows, first_row = stream.whole(), stream.numbers
        if isinstance(first_row, int):
            batch = [Row(first_row + i, normalise_columns(raw)) for i, raw in enumerate(rows)]
        else:
            batch = [Row(n, normalise_columns(raw)) for n, raw in zip(first_row, rows, strict=True)]
        errors_before = len(self.report.errors)
        for row in batch:
            self._convert_row(kind, row)
        self._resolve_keys(kind, batch)
        self._resolve_parents(kind, batch)
        self.report.errors[errors_before:] = sorted(
            self.report.errors[errors_before:], key=lambda e: e.row
        )
        valid = [r for r in batch if r.ok]
        result.rejected += len(batch) - len(valid)
        result.valid += len(valid)
        if len(self.report.errors) > errors_before and not self.partial:
            return  # the whole import is rejected: do not write anything
        same_rows = {id(r) for r in self._match_same(kind, valid)} if kind.same else set()
        if same_rows:
            valid = [r for r in valid if id(r) not in same_rows]
            result.unchanged += len(same_rows)
        new = [r for r in valid if r.existing_id is None]
        self._warn_doubles(kind, new)
        self.writer.insert_rows(kind, new)
        result.inserted += len(new)
        if self.update:
            changed = self.writer.update_rows(kind, [r for r in valid if r.existing_id is not None])
            result.updated += changed
            result.unchanged += len(valid) - len(new) - changed
        self._check_cycles(kind, batch)

    # --- rows without a key (funding lines) ---------------------------------------------------

    def _has_rows(self, kind: Kind) -> bool:
        return self.session.execute(select(kind.model.id).limit(1)).first() is not None

    def _stored_rows(self, kind: Kind) -> list[tuple[int, tuple, object]]:
        """(id, the `same` columns as matched, the value) of every stored row of the kind."""
        fields = [kind.field(c) for c in kind.same]
        columns = [getattr(kind.model, f.target) for f in fields]
        value = getattr(kind.model, kind.field(kind.value).target)
        return [
            (r[0], tuple(norm(v) for v in r[1:-1]), r[-1])
            for r in self.session.execute(select(kind.model.id, *columns, value))
        ]

    def _match_same(self, kind: Kind, rows: list[Row]) -> list[Row]:
        """The file rows equal to a stored row (each stored row matched once: two equal lines
        in the file match two stored ones), returned; with update, a row that is alone in the
        file and in the base on its `same` columns gets that row's id, to update its value."""
        stored = self._stored_rows(kind)
        whole: dict[tuple, list[int]] = {}
        by_same: dict[tuple, list[int]] = {}
        for row_id, same, value in stored:
            whole.setdefault((*same, value), []).append(row_id)
            by_same.setdefault(same, []).append(row_id)
        matched, taken = [], set()
        keys = {}
        for row in rows:
            same = tuple(norm(row.values.get(c)) for c in kind.same)
            keys[id(row)] = same
            ids = whole.get((*same, row.values.get(kind.value)))
            if ids:
                taken.add(ids.pop())
                matched.append(row)
        if self.update:
            done = {id(r) for r in matched}
            left = [r for r in rows if id(r) not in done]
            in_file: dict[tuple, int] = {}
            for row in left:
                in_file[keys[id(row)]] = in_file.get(keys[id(row)], 0) + 1
            for row in left:
                same = keys[id(row)]
                free = [i for i in by_same.get(same, ()) if i not in taken]
                if in_file[same] == 1 and len(free) == 1:
                    row.existing_id = free[0]
                    taken.add(free[0])
        return matched

    def _warn_doubles(self, kind: Kind, new: list[Row]) -> None:
        """New rows equal to a stored row but for their note or source: the total they add
        is likely counted twice (the same lines from another copy of the file)."""
        if not kind.same or not new:
            return
        compared = [c for c in kind.same if c not in ("note", "source")]
        positions = [kind.same.index(c) for c in compared]
        stored = {
            (*(same[p] for p in positions), value) for _i, same, value in self._stored_rows(kind)
        }
        doubles = [
            r
            for r in new
            if (*(norm(r.values.get(c)) for c in compared), r.values.get(kind.value)) in stored
        ]
        if doubles:
            lines = ", ".join(str(r.number) for r in doubles[:10])
            more = f" et {len(doubles) - 10} autre(s)" if len(doubles) > 10 else ""
            self.report.warnings.append(
                f"{KINDS[kind.name].label.capitalize()} : {len(doubles)} ligne(s) ajoutée(s) "
                f"(ligne(s) {lines}{more}) ont le programme, le financeur, l'étape, la période "
                "et le montant d'une ligne déjà enregistrée : le total serait compté deux fois "
                "si c'est la même ligne."
            )

    def _error(self, kind: Kind, row: Row, column: str | None, value: object, reason: str):
        self.report.errors.append(RowError(kind.name, row.number, column, value, reason))
        row.ok = False

    def _convert_row(self, kind: Kind, row: Row) -> None:
        known = {f.column for f in kind.fields} | {"last_name", "first_name", "email"}
        if not any(not is_blank(v) for k, v in row.raw.items() if k in known):
            self._error(kind, row, None, None, "ligne vide")
            return
        said = set()  # a split's fields share one Underived: one error for its cell
        for name, raw in row.raw.items():  # a mapping's split that did not match its cell
            if type(raw) is Underived and id(raw) not in said:
                said.add(id(raw))
                self._error(kind, row, name, raw.cell, raw.reason)
        if not row.ok:
            return
        for f in kind.fields:
            if f.column == kind.parent:
                continue  # resolved once every row of the batch has its key
            raw = row.raw.get(f.column)
            if f.kind == "person":
                self._convert_person(kind, row, f)
                continue
            if is_blank(raw):
                if f.required:
                    self._error(kind, row, f.column, None, "valeur obligatoire manquante")
                else:
                    row.values[f.column] = [] if f.kind == "refs" else None
                continue
            try:
                if f.kind == "ref":
                    row.values[f.column] = self._ref(f, raw, row)
                elif f.kind == "refs":
                    row.lists[f.column] = self._refs(f, raw)
                else:
                    row.values[f.column] = convert(f, raw)
            except ParseError as exc:
                self._error(kind, row, f.column, raw, str(exc))
        self._check_row_rules(kind, row)

    def _ref(self, f: Field, raw: object, row: Row) -> int:
        scope_id = row.values.get(f.scope) if f.scope else None
        if f.scope and scope_id is None:
            raise ParseError(f"{f.label} : précisez d'abord la colonne « {f.scope} »")
        found = self.lookup(f.ref, raw, scope_id)
        if found is None:
            target = KINDS[f.ref].label
            raise ParseError(f"introuvable parmi les {target} connus")
        return found

    def _refs(self, f: Field, raw: object) -> list[int]:
        items = raw if isinstance(raw, list | tuple) else LIST_SEPARATOR.split(str(raw).strip())
        ids, missing = [], []
        for item in items:
            if is_blank(item):
                continue
            found = self.lookup(f.ref, item)
            (ids if found is not None else missing).append(found if found is not None else item)
        if missing:
            names = ", ".join(str(m) for m in missing)
            raise ParseError(f"introuvable(s) parmi les {KINDS[f.ref].label} : {names}")
        return list(dict.fromkeys(ids))

    def _convert_person(self, kind: Kind, row: Row, f: Field) -> None:
        last, first = row.raw.get("last_name"), row.raw.get("first_name")
        if is_blank(last) and is_blank(first):
            row.values[f.column] = None  # a vacant post
            return
        if is_blank(last) or is_blank(first):
            column = "last_name" if is_blank(last) else "first_name"
            self._error(kind, row, column, None, "nom et prénom vont ensemble (vides si vacant)")
            return
        wanted = (fold(parse_text(last)), fold(parse_text(first)))
        people = self.key_map(KINDS["people"])
        email = row.raw.get("email")
        if not is_blank(email):  # the e-mail tells apart two people of the same name
            found = people.get((*wanted, fold(parse_text(email))))
            ids = {found} if found is not None else set()
        else:
            if self._names is None:
                self._names = {}
                for key, pid in people.items():
                    self._names.setdefault(key[:2], set()).add(pid)
            ids = set(self._names.get(wanted, ()))
        if len(ids) != 1:
            reason = "personne introuvable" if not ids else "plusieurs personnes portent ce nom"
            self._error(kind, row, "last_name", f"{last} {first}", reason)
            return
        row.values[f.column] = ids.pop()

    def _check_row_rules(self, kind: Kind, row: Row) -> None:
        start, end = row.values.get("start_on"), row.values.get("end_on")
        if start and end and end < start:
            self._error(kind, row, "end_on", end, "la fin précède le début")
        link_from, link_to = row.values.get("from_unit"), row.values.get("to_unit")
        if link_from is not None and link_from == link_to:
            self._error(kind, row, "to_unit", None, "un service ne peut être lié à lui-même")

    def _resolve_keys(self, kind: Kind, batch: list[Row]) -> None:
        if not kind.key:
            return
        existing = self.key_map(kind)
        seen: dict[tuple, int] = {}
        for row in batch:
            if not row.ok:
                continue
            row.key = tuple(norm(row.values.get(c)) for c in kind.key)
            if row.key in seen:
                self._error(kind, row, kind.key[0], row.values.get(kind.key[0]),
                            f"doublon de la ligne {seen[row.key]}")  # fmt: skip
                continue
            seen[row.key] = row.number
            row.existing_id = existing.get(row.key)
            if row.existing_id is not None and not self.update:
                self._error(kind, row, kind.key[0], row.values.get(kind.key[0]),
                            "existe déjà (choisissez la mise à jour pour le modifier)")  # fmt: skip

    def _resolve_parents(self, kind: Kind, batch: list[Row]) -> None:
        """Parents may be in the database or anywhere in the batch; rejected rows are not
        parents, and rejecting a row may reject its children in turn (partial imports)."""
        if not kind.parent:
            return
        f = kind.field(kind.parent)
        existing = self.key_map(kind)
        changed = True
        every_key = {norm(r.values.get(kind.key[0])) for r in batch}
        for row in batch:  # rows already rejected still learn whether their parent exists
            raw = row.raw.get(f.column)
            if not row.ok and not is_blank(raw):
                key = norm(parse_text(raw))
                if key not in every_key and (key,) not in existing:
                    self._error(
                        kind, row, f.column, raw, f"introuvable parmi les {kind.label} connus"
                    )
        while changed:
            changed = False
            in_batch = {r.key: r for r in batch if r.ok}
            for row in batch:
                raw = row.raw.get(f.column)
                if not row.ok or is_blank(raw):
                    row.values.setdefault(f.column, None)
                    continue
                try:
                    key = (norm(convert(kind.field(kind.key[0]), raw)),)
                except ParseError as exc:
                    self._error(kind, row, f.column, raw, str(exc))
                    changed = True
                    continue
                if key == row.key:
                    self._error(
                        kind, row, f.column, raw, "un élément ne peut être son propre parent"
                    )
                    changed = True
                elif key in in_batch:
                    row.values[f.column] = ("batch", key)
                elif key in existing:
                    row.values[f.column] = existing[key]
                else:
                    self._error(
                        kind, row, f.column, raw, f"introuvable parmi les {kind.label} connus"
                    )
                    changed = True

    def _check_cycles(self, kind: Kind, batch: list[Row]) -> None:
        if not kind.parent or not self.update:
            return  # new rows get parents that existed or were just inserted: no cycle possible
        parents = dict(self.session.execute(select(kind.model.id, kind.model.parent_id)).all())
        by_id = {r.existing_id: r for r in batch if r.ok and r.existing_id is not None}
        for row_id, row in by_id.items():
            seen, node = set(), parents.get(row_id)
            while node is not None and node not in seen:
                if node == row_id:
                    reason = "ce rattachement créerait une boucle dans l'arborescence"
                    self._error(kind, row, kind.parent, row.raw.get(kind.parent), reason)
                    if not self.partial:
                        return
                    break
                seen.add(node)
                node = parents.get(node)
