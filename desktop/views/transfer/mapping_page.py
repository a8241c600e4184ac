"""The import wizard's page of columns: a preview of the sheet, each file column mapped to a
field (proposed from the headers, remembered per file layout), and a mapping file loaded or
saved, whose constants and split columns count as fields."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.errors import PilotisError
from desktop.services.transfer.establishments import FIELDS as ANNUAIRE_FIELDS
from desktop.services.transfer.mapping import (
    ImportMapping,
    load_mapping,
    plan_columns,
    save_mapping,
)
from desktop.services.transfer.readers import (
    describe_columns,
    kind_columns,
    missing_required,
    propose_mapping,
)
from desktop.services.transfer.specs import KINDS

PREVIEW_ROWS = 12
IGNORE = "— ne pas importer —"
ANNUAIRE = "annuaire-education"  # the Ministry's directory export (as on the command line)
WORKBOOK = "classeur:"  # + a domain of transfer.DOMAINS: one sheet per kind, one transaction
MAPPING_FILTER = "Correspondances (*.json *.toml)"


def layout_key(kind: str, headers: list[str]) -> str:
    """Files with the same kind and header row share their remembered mapping."""
    return hashlib.sha1("\x1f".join([kind, *headers]).encode()).hexdigest()[:16]


def table_widget(parent: QWidget, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def cell_item(value: object) -> QTableWidgetItem:
    return QTableWidgetItem("" if value is None else str(value))


class MappingPage(QWizardPage):
    """Preview and columns of one sheet; with a whole workbook, a list chooses the sheet and
    each sheet keeps its own mapping."""

    def __init__(self, wizard: QWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle(self.tr("Aperçu et colonnes"))
        self.setSubTitle(
            self.tr(
                "Vérifiez à quel champ correspond chaque colonne du fichier. Le choix est "
                "retenu pour les prochains fichiers de même présentation."
            )
        )
        self.sheet_combo = QComboBox(self)
        self.sheet_combo.setAccessibleName(self.tr("Feuille affichée"))
        self.sheet_combo.currentIndexChanged.connect(self._on_sheet_combo_index_changed)
        self.sheet_label = QLabel(self.tr("&Feuille :"), self)
        self.sheet_label.setBuddy(self.sheet_combo)
        self.preview = table_widget(self, [])
        self.preview.setAccessibleName(self.tr("Aperçu du fichier"))
        self.columns = table_widget(self, [self.tr("Colonne du fichier"), self.tr("Exemple"),
                                            self.tr("Champ de Pilotis")])  # fmt: skip
        self.columns.setAccessibleName(self.tr("Correspondance des colonnes"))
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.derived_label = QLabel(self)
        self.derived_label.setWordWrap(True)
        self.load_button = QPushButton(self.tr("&Charger une correspondance…"), self)
        self.load_button.clicked.connect(self._on_load_button_clicked)
        self.save_button = QPushButton(self.tr("Enre&gistrer la correspondance…"), self)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        files_row = QHBoxLayout()
        files_row.addWidget(self.derived_label, 1)
        files_row.addWidget(self.load_button)
        files_row.addWidget(self.save_button)
        sheet_row = QHBoxLayout()
        sheet_row.addWidget(self.sheet_label)
        sheet_row.addWidget(self.sheet_combo, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(sheet_row)
        layout.addWidget(QLabel(self.tr("Premières lignes :")))
        layout.addWidget(self.preview, 2)
        layout.addWidget(self.columns, 3)
        layout.addLayout(files_row)
        layout.addWidget(self.status)
        self._combos: list[QComboBox] = []
        self._mappings: dict[int, list[str | None]] = {}
        self._derived: dict[int, ImportMapping] = {}  # a loaded file's constants and splits
        self._shown = -1

    def initializePage(self) -> None:  # noqa: N802
        tables = self._wizard.tables
        self._mappings, self._derived = {}, {}
        for index, (kind, table) in enumerate(tables):
            if kind == ANNUAIRE:
                continue
            remembered = self._wizard.settings.import_mapping(layout_key(kind, table.headers))
            proposed = propose_mapping(kind, table.headers)
            if remembered and len(remembered) == len(proposed):
                proposed = remembered
            self._mappings[index] = proposed
        several = len(tables) > 1 or self._wizard.kind.startswith(WORKBOOK)
        self._shown = -1
        self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        for kind, table in tables:
            label = KINDS[kind].label.capitalize() if kind in KINDS else ""
            self.sheet_combo.addItem(
                self.tr("« {sheet} » : {label} ({n} ligne(s))").format(
                    sheet=table.sheet or table.path.name, label=label, n=len(table.rows))
            )  # fmt: skip
        self.sheet_combo.blockSignals(False)
        self.sheet_combo.setVisible(several)
        self.sheet_label.setVisible(several)
        self._show(0)

    def _on_sheet_combo_index_changed(self, index: int) -> None:
        if index >= 0:
            self._show(index)

    def _show(self, index: int) -> None:
        """Fill the preview and the mapping of one sheet (keeping the one shown before)."""
        if self._shown in self._mappings and self._combos:
            self._mappings[self._shown] = [c.currentData() for c in self._combos]
        self._shown = index
        kind, table = self._wizard.tables[index]
        self.preview.clear()
        self.preview.setColumnCount(len(table.headers))
        self.preview.setHorizontalHeaderLabels(table.headers)
        shown = table.rows[:PREVIEW_ROWS]
        self.preview.setRowCount(len(shown))
        for r, row in enumerate(shown):
            for c, value in enumerate(row):
                self.preview.setItem(r, c, cell_item(value))
        self.preview.resizeColumnsToContents()

        fixed = kind == ANNUAIRE  # the Ministry's columns are known: shown, not chosen
        self.load_button.setEnabled(not fixed)
        self.save_button.setEnabled(not fixed)
        choices = kind_columns("establishments" if fixed else kind)
        self.columns.setRowCount(len(table.headers))
        self._combos = []
        for r, header in enumerate(table.headers):
            self.columns.setItem(r, 0, cell_item(header))
            example = next((row[r] for row in table.rows if row[r] not in (None, "")), "")
            self.columns.setItem(r, 1, cell_item(example))
            combo = QComboBox(self.columns)
            combo.addItem(IGNORE, None)
            for column in choices:
                star = " *" if column.required else ""
                label = column.label[:1].upper() + column.label[1:]  # « UAI » stays upper case
                combo.addItem(f"{label}{star}", column.name)  # French only: no inner name
            if fixed:
                names = ANNUAIRE_FIELDS.get(header, ())
                labels = [c.label for c in choices if c.name in names]
                if len(labels) > 1:
                    combo.addItem(" + ".join(labels).capitalize(), names[0])
                    combo.setCurrentIndex(combo.count() - 1)
                else:
                    combo.setCurrentIndex(max(combo.findData(names[0] if names else None), 0))
                combo.setEnabled(False)
            else:
                combo.setCurrentIndex(max(combo.findData(self._mappings[index][r]), 0))
                combo.currentIndexChanged.connect(self._on_mapping_changed)
            self.columns.setCellWidget(r, 2, combo)
            self._combos.append(combo)
        header = self.columns.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.columns.setColumnWidth(1, 180)
        self._on_mapping_changed()

    def mapping(self) -> list[str | None]:
        """The mapping of the sheet shown."""
        return [combo.currentData() for combo in self._combos]

    def mappings(self) -> list[list[str | None] | ImportMapping | None]:
        """Each sheet's mapping, in the order of the wizard's tables (None: the Annuaire): the
        columns chosen, with a loaded file's constants and splits when it has some."""
        if self._shown in self._mappings:
            self._mappings[self._shown] = self.mapping()
        return [self._import_mapping(i) for i in range(len(self._wizard.tables))]

    def _import_mapping(self, index: int) -> list[str | None] | ImportMapping | None:
        chosen = self._mappings.get(index)
        derived = self._derived.get(index)
        if chosen is None or derived is None:
            return chosen
        headers = self._wizard.tables[index][1].headers
        sources = {s.column for s in derived.splits}
        columns = {h: m for h, m in zip(headers, chosen, strict=False) if h and h not in sources}
        return replace(derived, columns=columns)

    def problems(self) -> str:
        lines = []
        several = len(self._wizard.tables) > 1
        self.mappings()  # the sheet shown, as its combos stand
        for index, chosen in self._mappings.items():
            kind, table = self._wizard.tables[index]
            derived = self._derived.get(index)
            filled = derived.derived_fields() if derived else set()
            mapping = [m for m in chosen if m]
            missing = missing_required(kind, [*mapping, *filled])
            doubles = sorted({m for m in mapping if mapping.count(m) > 1 or m in filled})
            where = self.tr("Feuille « {s} » : ").format(s=table.sheet) if several else ""
            if missing:
                lines.append(where + self.tr("colonnes obligatoires à associer : {c}.").format(
                    c=describe_columns(missing)))  # fmt: skip
            if doubles:
                lines.append(where + self.tr("champs choisis pour plusieurs colonnes : {c}.")
                             .format(c=", ".join(doubles)))  # fmt: skip
        return " ".join(line[:1].upper() + line[1:] for line in lines)

    def _on_mapping_changed(self) -> None:
        problems = self.problems()
        if self._wizard.kind == ANNUAIRE:
            text = self.tr(
                "Colonnes de l'Annuaire reconnues : {n} sont importées ; les autres sont ignorées."
            ).format(n=sum(1 for c in self._combos if c.currentData()))
        else:
            count = sum(1 for m in self.mapping() if m)
            text = self.tr("{n} colonne(s) seront importées ; les autres sont ignorées.").format(
                n=count
            )
        self.derived_label.setText(self._describe_derived())
        self.status.setText(problems or text)
        self.status.setStyleSheet("color: #b00020;" if problems else "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self._combos) and not self.problems()

    def validatePage(self) -> bool:  # noqa: N802
        self.mappings()
        for index, chosen in self._mappings.items():
            kind, table = self._wizard.tables[index]
            self._wizard.settings.set_import_mapping(layout_key(kind, table.headers), chosen)
        return True

    def _on_load_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Charger une correspondance"), "", MAPPING_FILTER
        )
        if not path:
            return
        kind, table = self._wizard.tables[self._shown]
        try:
            mapping = load_mapping(path, kind)
            plan = plan_columns(kind, table.headers, table.path.name, mapping)
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Correspondance"), str(error))
            return
        by_index = {at: name for name, at in plan.selected.items()}
        for at, combo in enumerate(self._combos):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(combo.findData(by_index.get(at)), 0))
            combo.blockSignals(False)
        if mapping.constants or mapping.splits:
            self._derived[self._shown] = mapping
        else:
            self._derived.pop(self._shown, None)
        self._on_mapping_changed()

    def _on_save_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Enregistrer la correspondance"), "correspondance.toml", MAPPING_FILTER
        )
        if not path:
            return
        if Path(path).suffix.lower() not in (".json", ".toml"):
            path += ".toml"  # the two forms a mapping is read back from
        kind, table = self._wizard.tables[self._shown]
        mapping = self._import_mapping(self._shown)
        if not isinstance(mapping, ImportMapping):
            columns = {h: m for h, m in zip(table.headers, self.mapping(), strict=False) if h}
            mapping = ImportMapping(columns)
        try:
            save_mapping(replace(mapping, kind=kind), path)
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Correspondance"), str(error))

    def _describe_derived(self) -> str:
        derived = self._derived.get(self._shown)
        if derived is None:
            return ""
        labels = {c.name: c.label for c in kind_columns(self._wizard.tables[self._shown][0])}
        parts = [
            self.tr("« {field} » vaut « {value} » sur chaque ligne").format(
                field=labels[name], value=value)
            for name, value in derived.constants.items()
        ]  # fmt: skip
        parts += [
            self.tr("la colonne « {column} » est découpée en {fields}").format(
                column=split.column, fields=", ".join(f"« {labels[f]} »" for f in split.fields))
            for split in derived.splits
        ]  # fmt: skip
        return self.tr("Correspondance « {file} » : {parts}.").format(
            file=derived.source, parts=" ; ".join(parts)
        )
