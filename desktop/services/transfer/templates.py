"""Empty, documented import workbooks: the header row a kind's import reads, drop-down lists for
coded columns, and a second sheet saying what each column holds."""

from __future__ import annotations

from pathlib import Path

from desktop.errors import PilotisError
from desktop.services.transfer.readers import kind_columns
from desktop.services.transfer.service import TYPE_LABELS, kind_headers, sheet_title
from desktop.services.transfer.specs import KINDS

_ROWS_WITH_LISTS = 5000


def template_name(kind: str) -> str:
    return f"modele-import-{kind.replace('_', '-')}.xlsx"


def write_template(kind: str, path: Path | str) -> Path:
    """One kind's template: sheet 1 the header (required columns marked in the documentation,
    lists offered for coded columns), sheet 2 « Documentation »."""
    import xlsxwriter

    path = Path(path)
    spec = KINDS[kind]
    columns = kind_columns(kind)
    try:
        workbook = xlsxwriter.Workbook(str(path))
    except OSError as exc:
        raise PilotisError(f"Impossible d'écrire {path} : {exc}.") from exc
    try:
        bold = workbook.add_format({"bold": True, "bg_color": "#DDE4F0", "border": 1})
        required = workbook.add_format({"bold": True, "bg_color": "#F6D7A7", "border": 1})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        data = workbook.add_worksheet(sheet_title(kind))
        for c, (column, header) in enumerate(zip(columns, kind_headers(kind), strict=True)):
            data.write_string(0, c, header, required if column.required else bold)
            data.set_column(c, c, max(len(header) + 4, 14))
            if column.choices and len(",".join(column.choices)) <= 250:  # Excel's list limit
                data.data_validation(1, c, _ROWS_WITH_LISTS, c, {
                    "validate": "list", "source": list(column.choices),
                    "error_type": "warning",
                    "error_message": ("Valeurs possibles : " + ", ".join(column.choices))[:255],
                })  # fmt: skip
            if column.kind in ("date",):
                data.set_column(c, c, 14, workbook.add_format({"num_format": "dd/mm/yyyy"}))
        data.freeze_panes(1, 0)

        doc = workbook.add_worksheet("Documentation")
        doc.write_row(0, 0, ["Colonne", "Nom technique", "Type", "Obligatoire",
                             "Valeurs possibles, remarques"], bold)  # fmt: skip
        for r, (column, header) in enumerate(
            zip(columns, kind_headers(kind), strict=True), start=1
        ):
            remarks = ", ".join(column.choices)
            if column.ref:
                target = KINDS[column.ref]
                remarks = f"{target.label} : {_key_labels(target)}"
            if column.name in ("last_name", "first_name", "email") and kind == "positions":
                remarks = "la personne (vides : poste vacant) ; le courriel distingue les homonymes"
            doc.write_row(r, 0, [header, column.name, TYPE_LABELS.get(column.kind, column.kind),
                                 "oui" if column.required else "non", remarks], wrap)  # fmt: skip
        if spec.key:
            key = _key_labels(spec)
        elif spec.same:
            key = (
                "aucune ; une ligne identique à une ligne déjà enregistrée est reconnue (rien "
                f"n'est ajouté), et la mise à jour change le {spec.field(spec.value).label} de "
                f"la ligne de même {_key_labels(spec, spec.same)}"
            )
        else:
            key = "aucune : chaque ligne est ajoutée"
        notes = [
            f"Import {_of(spec.label)}. Clé pour la mise à jour : {key}.",
            "La ligne d'en-tête peut être précédée d'un titre ; l'ordre des colonnes est libre ; "
            "les colonnes inconnues sont ignorées.",
            "Un fichier avec une erreur ne modifie rien, sauf si l'on choisit d'importer "
            "seulement les lignes valides.",
        ]
        for offset, note in enumerate(notes, start=len(columns) + 2):
            doc.write_string(offset, 0, note)
        doc.set_column(0, 1, 22)
        doc.set_column(2, 2, 34, wrap)
        doc.set_column(3, 3, 11)
        doc.set_column(4, 4, 70, wrap)
        doc.freeze_panes(1, 0)
    finally:
        workbook.close()
    return path


def _of(label: str) -> str:
    """« de services », « d'établissements »: French elides de before a vowel."""
    return f"d'{label}" if label[:1].lower() in "aeéèêiîoôuy" else f"de {label}"


def _key_labels(kind, columns: tuple[str, ...] | None = None) -> str:
    """A key as its columns' French labels (« nom + prénom + courriel »), not field names."""
    labels = []
    for name in columns or kind.key or ():
        if name in ("last_name", "first_name") and kind.name != "people":
            name = "person"
        field = kind.field(name)
        labels.append("nom + prénom" if field.kind == "person" else field.label)
    return " + ".join(dict.fromkeys(labels))


def write_templates(folder: Path | str) -> list[Path]:
    """One template per kind in folder (created if needed)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PilotisError(f"Impossible de créer le dossier {folder} : {exc}.") from exc
    return [write_template(kind, folder / template_name(kind)) for kind in KINDS]
