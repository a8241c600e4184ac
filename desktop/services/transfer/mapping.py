"""A mapping file (JSON or TOML) says how a partner's columns become Pilotis fields: a column
renamed or skipped, a field given one value for every row, one column split into several fields
by a separator or a pattern with named parts. It applies to a file's header as a column plan."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop.errors import PilotisError
from desktop.services.common.parsing import ParseError, is_blank
from desktop.services.transfer.columns import (
    Column,
    header_key,
    kind_columns,
    missing_required,
    propose_mapping,
)
from desktop.services.transfer.convert import Underived, convert
from desktop.services.transfer.limits import excerpt
from desktop.services.transfer.specs import KINDS

SKIP = "ignorer"  # a column's entry that leaves it out (false and "" do too)
_SECTIONS = {"type", "colonnes", "constantes", "decoupages"}
_SPLIT_KEYS = {"colonne", "separateur", "motif", "champs"}


class MappingError(PilotisError):
    """The mapping file itself is wrong; the message names the file and the entry."""


@dataclass(frozen=True)
class Split:
    """One file column cut into several fields: by `separator` (the parts in `fields` order,
    the last one keeping the rest), or by `pattern`, whose named parts are the fields."""

    column: str
    fields: tuple[str, ...]
    separator: str | None = None
    pattern: re.Pattern | None = None

    def apply(self, cells: Sequence[object]) -> dict[str, list[object]]:
        """Each field's values for these cells: blank where the cell is; a cell the pattern
        does not match gives every field an Underived value, refused with the reason."""
        out: dict[str, list[object]] = {f: [] for f in self.fields}
        for cell in cells:
            parts = self._parts(cell)
            for name in self.fields:
                out[name].append(parts.get(name))
        return out

    def _parts(self, cell: object) -> dict[str, object]:
        if is_blank(cell):
            return {}
        text = " ".join(str(cell).split())
        if self.separator is not None:
            pieces = [p.strip() for p in text.split(self.separator, len(self.fields) - 1)]
            return {name: piece or None for name, piece in zip(self.fields, pieces, strict=False)}
        found = self.pattern.fullmatch(text) or self.pattern.search(text)
        if found is None:
            reason = f"ne correspond pas au motif de découpage de la colonne « {self.column} »"
            return dict.fromkeys(self.fields, Underived(reason, text))
        return {name: (value.strip() or None) if value else None
                for name, value in found.groupdict().items()}  # fmt: skip


@dataclass(frozen=True)
class ImportMapping:
    """What a mapping file says; `columns`: file header → field, None for a column skipped."""

    columns: dict[str, str | None] = field(default_factory=dict)
    constants: dict[str, object] = field(default_factory=dict)
    splits: tuple[Split, ...] = ()
    kind: str | None = None
    source: str = ""  # the mapping file's name, for messages

    def derived_fields(self) -> set[str]:
        return set(self.constants) | {f for s in self.splits for f in s.fields}


@dataclass
class ColumnPlan:
    """Where each field of an import comes from in one file: a column (`selected`, by index),
    a split of a column, or a constant; the file's header named for each (messages), and the
    headers left out."""

    selected: dict[str, int]
    headers: dict[str, str]
    ignored: list[str]
    splits: list[tuple[Split, int]] = field(default_factory=list)
    constants: dict[str, object] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        derived = [f for split, _index in self.splits for f in split.fields]
        return [*self.selected, *derived, *self.constants]

    def columns(self, columns: Sequence[Sequence[object]], count: int) -> dict[str, list]:
        """The fields' values for rows given column by column (the file's columns, in order)."""
        out = {name: list(columns[index]) for name, index in self.selected.items()}
        for split, index in self.splits:
            out.update(split.apply(columns[index]))
        for name, value in self.constants.items():
            out[name] = [value] * count
        return out


def load_mapping(path: Path | str, kind: str) -> ImportMapping:
    """Read a .json or .toml mapping file for `kind`; MappingError names what is wrong."""
    path = Path(path)
    where = f"Fichier de correspondance « {excerpt(path.name)} »"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MappingError(f"{where} introuvable.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{where} illisible ({excerpt(exc)}).") from exc
    try:
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        elif path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            raise MappingError(f"{where} : choisissez un fichier .json ou .toml.")
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{where} : TOML mal formé ({excerpt(exc)}).") from exc
    except json.JSONDecodeError as exc:
        raise MappingError(
            f"{where} : JSON mal formé ligne {exc.lineno}, colonne {exc.colno}."
        ) from exc
    return parse_mapping(data, kind, where, source=path.name)


def parse_mapping(data: object, kind: str, where: str = "Correspondance", *,
                  source: str = "") -> ImportMapping:  # fmt: skip
    """A mapping's sections checked one by one, each field resolved to the kind's columns."""
    if not isinstance(data, dict):
        raise MappingError(f"{where} : un objet avec les sections {_names(_SECTIONS)} attendu.")
    unknown = sorted(set(data) - _SECTIONS)
    if unknown:
        raise MappingError(
            f"{where} : section « {excerpt(unknown[0], 40)} » inconnue ; sections possibles : "
            f"{_names(_SECTIONS)}."
        )
    named = data.get("type")
    if named is not None and named != kind and header_key(named) != header_key(KINDS[kind].label):
        raise MappingError(
            f"{where} : il est fait pour le type « {excerpt(named, 40)} », pas pour « {kind} »."
        )
    fields = _Fields(kind, where)
    columns = {}
    for header, target in _section(data, "colonnes", where).items():
        if target is False or (isinstance(target, str) and target.strip() in ("", SKIP)):
            columns[header] = None
        elif isinstance(target, str):
            columns[header] = fields.resolve(target, f"« colonnes », « {excerpt(header, 40)} »")
        else:
            raise MappingError(
                f"{where}, « colonnes », « {excerpt(header, 40)} » : un nom de champ ou "
                f"« {SKIP} » attendu."
            )
    constants = {}
    for name, value in _section(data, "constantes", where).items():
        entry = f"« constantes », « {excerpt(name, 40)} »"
        column = fields.column(fields.resolve(name, entry))
        constants[column.name] = _constant(kind, column, value, f"{where}, {entry}")
    splits = _splits(data.get("decoupages", []), fields, where)
    mapping = ImportMapping(columns, constants, tuple(splits), named, source)
    _check_each_field_once(mapping, where, fields)
    return mapping


def plan_columns(kind: str, headers: Sequence[str], path_name: str,
                 mapping: Sequence[str | None] | ImportMapping | None) -> ColumnPlan:  # fmt: skip
    """The column plan of a file: the mapping's entries first, the proposed matching for the
    columns it does not name (never onto a field it fills). MissingColumnsError (service)
    comes from the caller; here a MappingError names a column the file does not have."""
    if not isinstance(mapping, ImportMapping):
        chosen = list(mapping) if mapping is not None else propose_mapping(kind, headers)
        return _plan(headers, chosen, ImportMapping())
    where = f"Correspondance{f' « {excerpt(mapping.source)} »' if mapping.source else ''}"
    where += f" appliquée à « {excerpt(path_name)} »"
    index = _header_index(headers)
    chosen: list[str | None] = [None] * len(headers)
    explicit: set[int] = set()
    for header, target in mapping.columns.items():
        at = _find(index, header, where, "colonnes", headers)
        chosen[at] = target
        explicit.add(at)
    sources = {_find(index, s.column, where, "decoupages", headers) for s in mapping.splits}
    filled = {t for t in mapping.columns.values() if t} | mapping.derived_fields()
    for at, proposed in enumerate(propose_mapping(kind, headers)):
        if at not in explicit and at not in sources and proposed not in filled:
            chosen[at] = proposed
            filled.add(proposed)
    plan = _plan(headers, chosen, mapping)
    for split in mapping.splits:
        at = _find(index, split.column, where, "decoupages", headers)
        plan.splits.append((split, at))
        plan.headers.update(dict.fromkeys(split.fields, headers[at]))
    plan.ignored = [
        h for i, h in enumerate(headers) if h and chosen[i] is None and i not in sources
    ]
    labels = {c.name: c.label for c in kind_columns(kind)}
    for name in mapping.constants:
        plan.headers[name] = f"{labels[name]} (valeur constante)"
    plan.constants = dict(mapping.constants)
    return plan


def plan_missing(kind: str, plan: ColumnPlan) -> list[Column]:
    """The kind's required columns that the plan fills from nowhere."""
    return missing_required(kind, plan.names)


def save_mapping(mapping: ImportMapping, path: Path | str) -> Path:
    """Write a mapping as the wizard saves it (.json, or .toml), readable by load_mapping."""
    path = Path(path)
    data: dict[str, object] = {}
    if mapping.kind:
        data["type"] = mapping.kind
    data["colonnes"] = {h: t if t else SKIP for h, t in mapping.columns.items()}
    if mapping.constants:
        data["constantes"] = dict(mapping.constants)
    if mapping.splits:
        data["decoupages"] = [_split_entry(s) for s in mapping.splits]
    if path.suffix.lower() == ".toml":
        text = _toml(data)
    else:
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"Impossible d'écrire {path} : {excerpt(exc)}.") from exc
    return path


# --- checks ------------------------------------------------------------------------------------


class _Fields:
    """The kind's importable fields, found by name or French label (« Prénom », « first_name »)."""

    def __init__(self, kind: str, where: str) -> None:
        self.kind, self.where = kind, where
        self._columns = {c.name: c for c in kind_columns(kind)}
        self._by_key = {}
        for column in self._columns.values():
            self._by_key.setdefault(header_key(column.label), column.name)
            self._by_key[header_key(column.name)] = column.name

    def resolve(self, text: object, entry: str) -> str:
        if isinstance(text, str) and text.strip() in self._columns:
            return text.strip()
        found = self._by_key.get(header_key(text)) if isinstance(text, str) else None
        if found is None:
            labels = ", ".join(f"« {c.label} »" for c in self._columns.values())
            raise MappingError(
                f"{self.where}, {entry} : « {excerpt(text, 40)} » n'est pas un champ des "
                f"{KINDS[self.kind].label} ; champs possibles : {labels}."
            )
        return found

    def column(self, name: str) -> Column:
        return self._columns[name]


def _section(data: dict, name: str, where: str) -> dict:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise MappingError(f"{where} : la section « {name} » doit associer des noms à des valeurs.")
    return value


def _constant(kind: str, column: Column, value: object, where: str) -> object:
    """A constant read once through the field's own rule, so that a wrong one is named here
    rather than on every row (a reference, found in the base, is checked with the rows)."""
    if isinstance(value, bool | dict | list):
        raise MappingError(f"{where} : une valeur simple (texte ou nombre) attendue.")
    spec = next((f for f in KINDS[kind].fields if f.column == column.name), None)
    if spec is None or spec.kind in ("ref", "refs", "person"):
        return value
    try:
        convert(spec, value)
    except ParseError as exc:
        raise MappingError(f"{where} : « {excerpt(value)} » refusé : {exc}.") from exc
    return value


def _splits(entries: object, fields: _Fields, where: str) -> list[Split]:
    if not isinstance(entries, list):
        raise MappingError(f"{where} : « decoupages » doit être une liste d'entrées.")
    splits = []
    for number, entry in enumerate(entries, 1):
        at = f"{where}, « decoupages » n° {number}"
        if not isinstance(entry, dict):
            raise MappingError(f"{at} : une entrée avec « colonne » et « motif » attendue.")
        unknown = sorted(set(entry) - _SPLIT_KEYS)
        if unknown:
            raise MappingError(
                f"{at} : clé « {excerpt(unknown[0], 40)} » inconnue ; clés possibles : "
                f"{_names(_SPLIT_KEYS)}."
            )
        column = entry.get("colonne")
        if not isinstance(column, str) or not column.strip():
            raise MappingError(f"{at} : « colonne » (le titre de la colonne à découper) manque.")
        splits.append(_split(entry, column, fields, f"{at} (« {excerpt(column, 40)} »)"))
    return splits


def _split(entry: dict, column: str, fields: _Fields, at: str) -> Split:
    separator, pattern = entry.get("separateur"), entry.get("motif")
    if (separator is None) == (pattern is None):
        raise MappingError(f"{at} : donnez soit « separateur » avec « champs », soit « motif ».")
    if separator is not None:
        names = entry.get("champs")
        if not isinstance(separator, str) or not separator:
            raise MappingError(f"{at} : « separateur » doit être un texte non vide.")
        if not isinstance(names, list) or len(names) < 2:
            raise MappingError(f"{at} : « champs » doit nommer au moins deux champs, dans l'ordre.")
        resolved = tuple(fields.resolve(n, "« champs »") for n in names)
        return Split(column.strip(), resolved, separator=separator)
    if "champs" in entry:
        raise MappingError(
            f"{at} : avec un motif, les champs sont ses parties nommées (?P<champ>…)."
        )
    if not isinstance(pattern, str):
        raise MappingError(f"{at} : « motif » doit être un texte.")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:  # re's English message: its position is what helps
        raise MappingError(
            f"{at} : motif invalide vers le caractère {(exc.pos or 0) + 1} : vérifiez les "
            "parenthèses, et écrivez \\| une barre verticale à trouver telle quelle."
        ) from exc
    if not compiled.groupindex:
        raise MappingError(f"{at} : le motif n'a aucune partie nommée (?P<champ>…).")
    renamed = {g: fields.resolve(g, f"partie « {g} » du motif") for g in compiled.groupindex}
    text = pattern
    for group, name in renamed.items():
        text = text.replace(f"(?P<{group}>", f"(?P<{name}>")
    return Split(column.strip(), tuple(renamed.values()), pattern=re.compile(text))


def _check_each_field_once(mapping: ImportMapping, where: str, fields: _Fields) -> None:
    sources: dict[str, str] = {}
    entries = [(t, f"« colonnes », « {h} »") for h, t in mapping.columns.items() if t]
    entries += [(n, f"« constantes », « {n} »") for n in mapping.constants]
    entries += [(n, f"« decoupages », « {s.column} »") for s in mapping.splits for n in s.fields]
    for name, entry in entries:
        if name in sources:
            label = fields.column(name).label
            raise MappingError(
                f"{where} : le champ « {label} » est rempli deux fois ({sources[name]} et "
                f"{excerpt(entry, 60)}) ; gardez-en un seul."
            )
        sources[name] = excerpt(entry, 60)


def _header_index(headers: Sequence[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for at, header in enumerate(headers):
        if header:
            index.setdefault(header, at)
            index.setdefault(header_key(header), at)
    return index


def _find(index: dict[str, int], header: str, where: str, section: str,
          headers: Sequence[str]) -> int:  # fmt: skip
    at = index.get(header, index.get(header_key(header)))
    if at is None:
        shown = ", ".join(f"« {excerpt(h, 30)} »" for h in headers[:12] if h)
        raise MappingError(
            f"{where}, « {section} » : le fichier n'a pas de colonne « {excerpt(header, 40)} » "
            f"(ses colonnes : {shown}{'…' if len(headers) > 12 else ''})."
        )
    return at


def _plan(headers: Sequence[str], chosen: Sequence[str | None], mapping: ImportMapping
          ) -> ColumnPlan:  # fmt: skip
    chosen = list(chosen) + [None] * (len(headers) - len(chosen))
    seen: dict[str, int] = {}
    for at, name in enumerate(chosen):
        if name is None:
            continue
        if name in seen:
            raise PilotisError(
                f"Les colonnes « {headers[seen[name]]} » et « {headers[at]} » sont toutes deux "
                f"associées à « {name} » : gardez-en une seule."
            )
        seen[name] = at
    plan_headers = {name: headers[at] for name, at in seen.items()}
    ignored = [h for h, name in zip(headers, chosen, strict=False) if name is None and h]
    return ColumnPlan(seen, plan_headers, ignored)


def _split_entry(split: Split) -> dict[str, object]:
    if split.separator is not None:
        return {"colonne": split.column, "separateur": split.separator,
                "champs": list(split.fields)}  # fmt: skip
    return {"colonne": split.column, "motif": split.pattern.pattern}


def _toml(data: dict[str, object]) -> str:
    """The few shapes a mapping has, as TOML (JSON's string escapes are TOML's too)."""
    quote = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731
    lines = []
    if "type" in data:
        lines.append(f"type = {quote(data['type'])}")
    for section in ("colonnes", "constantes"):
        if section in data:
            lines += ["", f"[{section}]"]
            lines += [f"{quote(k)} = {quote(v)}" for k, v in data[section].items()]
    for entry in data.get("decoupages", []):
        lines += ["", "[[decoupages]]"]
        lines += [f"{k} = {quote(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


def _names(names: set[str]) -> str:
    return ", ".join(f"« {n} »" for n in sorted(names))
