"""The import wizard: file and sheet, preview, columns mapped to fields, insert or update, a dry
run with its report of rejected rows, then the import itself (all or nothing, or valid rows)."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.errors import PilotisError
from desktop.services.file_reader import (
    Table,
    describe_columns,
    kind_columns,
    missing_required,
    propose_mapping,
    sheet_names,
)
from desktop.services.ingest_specs import KINDS
from desktop.services.transfer import (
    FileImportResult,
    TransferService,
    error_line,
    summary_lines,
    write_report,
)
from desktop.settings import Settings

FILE_FILTER = "Classeurs et CSV (*.xlsx *.xls *.ods *.csv);;Tous les fichiers (*)"
PREVIEW_ROWS = 12
IGNORE = "— ne pas importer —"


def layout_key(kind: str, headers: list[str]) -> str:
    """Files with the same kind and header row share their remembered mapping."""
    return hashlib.sha1("\x1f".join([kind, *headers]).encode()).hexdigest()[:16]


def _table_widget(parent: QWidget, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _item(value: object) -> QTableWidgetItem:
    return QTableWidgetItem("" if value is None else str(value))


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle(self.tr("Fichier à importer"))
        self.setSubTitle(
            self.tr("Un classeur Excel (.xlsx, .xls), OpenDocument (.ods) ou un fichier CSV.")
        )
        self.kind_combo = QComboBox(self)
        for kind in KINDS.values():
            self.kind_combo.addItem(kind.label.capitalize(), kind.name)
        self.path_edit = QLineEdit(self)
        self.path_edit.setPlaceholderText(self.tr("Choisissez un fichier…"))
        self.browse_button = QPushButton(self.tr("&Parcourir…"), self)
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.sheet_combo = QComboBox(self)
        self.insert_radio = QRadioButton(self.tr("&Ajouter seulement (refuser ce qui existe déjà)"))
        self.update_radio = QRadioButton(self.tr("Ajouter et &mettre à jour ce qui existe déjà"))
        self.insert_radio.setChecked(True)
        self.key_label = QLabel(self)
        self.key_label.setWordWrap(True)
        self.key_label.setStyleSheet("color: palette(dark);")
        modes = QButtonGroup(self)
        modes.addButton(self.insert_radio)
        modes.addButton(self.update_radio)

        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        form = QFormLayout(self)
        form.addRow(self.tr("&Données :"), self.kind_combo)
        file_label = QLabel(self.tr("&Fichier :"), self)
        file_label.setBuddy(self.path_edit)
        form.addRow(file_label, path_row)
        form.addRow(self.tr("F&euille :"), self.sheet_combo)
        form.addRow(self.tr("Mode :"), self.insert_radio)
        form.addRow("", self.update_radio)
        form.addRow("", self.key_label)
        self.path_edit.textChanged.connect(self._on_path_edit_text_changed)
        self.kind_combo.currentIndexChanged.connect(self._update_key_label)
        self._update_key_label()

    @property
    def kind(self) -> str:
        return self.kind_combo.currentData()

    def _update_key_label(self) -> None:
        kind = KINDS[self.kind]
        if kind.key:
            labels = " + ".join(kind.field(c).label for c in kind.key)
            text = self.tr("Un élément existe déjà s'il a la même clé : {key}.").format(key=labels)
        else:
            text = self.tr("Ces données n'ont pas de clé : chaque ligne est ajoutée.")
        self.key_label.setText(text)
        self.update_radio.setEnabled(bool(kind.key))
        if not kind.key:
            self.insert_radio.setChecked(True)

    def _on_browse_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Importer un fichier"), self.path_edit.text(), FILE_FILTER
        )
        if path:
            self.path_edit.setText(path)

    def _on_path_edit_text_changed(self, text: str) -> None:
        self.sheet_combo.clear()
        path = Path(text)
        if path.is_file():
            with contextlib.suppress(PilotisError):  # reported when the page is validated
                self.sheet_combo.addItems(sheet_names(path))
        self.sheet_combo.setEnabled(self.sheet_combo.count() > 1)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return Path(self.path_edit.text()).is_file()

    def validatePage(self) -> bool:  # noqa: N802
        sheet = self.sheet_combo.currentText() or None
        try:
            table = self._wizard.service.read(self.path_edit.text(), sheet=sheet, kind=self.kind)
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Import"), str(error))
            return False
        self._wizard.table = table
        return True


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle(self.tr("Aperçu et colonnes"))
        self.setSubTitle(
            self.tr(
                "Vérifiez à quel champ correspond chaque colonne du fichier. Le choix est "
                "retenu pour les prochains fichiers de même présentation."
            )
        )
        self.preview = _table_widget(self, [])
        self.preview.setAccessibleName(self.tr("Aperçu du fichier"))
        self.columns = _table_widget(self, [self.tr("Colonne du fichier"), self.tr("Exemple"),
                                            self.tr("Champ de Pilotis")])  # fmt: skip
        self.columns.setAccessibleName(self.tr("Correspondance des colonnes"))
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Premières lignes :")))
        layout.addWidget(self.preview, 2)
        layout.addWidget(self.columns, 3)
        layout.addWidget(self.status)
        self._combos: list[QComboBox] = []

    def initializePage(self) -> None:  # noqa: N802
        table: Table = self._wizard.table
        kind = self._wizard.kind
        self.preview.clear()
        self.preview.setColumnCount(len(table.headers))
        self.preview.setHorizontalHeaderLabels(table.headers)
        shown = table.rows[:PREVIEW_ROWS]
        self.preview.setRowCount(len(shown))
        for r, row in enumerate(shown):
            for c, value in enumerate(row):
                self.preview.setItem(r, c, _item(value))
        self.preview.resizeColumnsToContents()

        remembered = self._wizard.settings.import_mapping(layout_key(kind, table.headers))
        proposed = propose_mapping(kind, table.headers)
        if remembered and len(remembered) == len(proposed):
            proposed = remembered
        choices = kind_columns(kind)
        self.columns.setRowCount(len(table.headers))
        self._combos = []
        for r, header in enumerate(table.headers):
            self.columns.setItem(r, 0, _item(header))
            example = next((row[r] for row in table.rows if row[r] not in (None, "")), "")
            self.columns.setItem(r, 1, _item(example))
            combo = QComboBox(self.columns)
            combo.addItem(IGNORE, None)
            for column in choices:
                star = " *" if column.required else ""
                combo.addItem(f"{column.label.capitalize()}{star} ({column.name})", column.name)
            combo.setCurrentIndex(max(combo.findData(proposed[r]), 0))
            combo.currentIndexChanged.connect(self._on_mapping_changed)
            self.columns.setCellWidget(r, 2, combo)
            self._combos.append(combo)
        header = self.columns.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.columns.setColumnWidth(1, 180)
        self._on_mapping_changed()

    def mapping(self) -> list[str | None]:
        return [combo.currentData() for combo in self._combos]

    def problems(self) -> str:
        mapping = [m for m in self.mapping() if m]
        missing = missing_required(self._wizard.kind, mapping)
        doubles = sorted({m for m in mapping if mapping.count(m) > 1})
        lines = []
        if missing:
            lines.append(self.tr("Colonnes obligatoires à associer : {c}.").format(
                c=describe_columns(missing)))  # fmt: skip
        if doubles:
            lines.append(self.tr("Champs choisis pour plusieurs colonnes : {c}.").format(
                c=", ".join(doubles)))  # fmt: skip
        return " ".join(lines)

    def _on_mapping_changed(self) -> None:
        problems = self.problems()
        count = sum(1 for m in self.mapping() if m)
        self.status.setText(
            problems
            or self.tr("{n} colonne(s) seront importées ; les autres sont ignorées.").format(
                n=count
            )
        )
        self.status.setStyleSheet("color: #b00020;" if problems else "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self._combos) and not self.problems()

    def validatePage(self) -> bool:  # noqa: N802
        table = self._wizard.table
        self._wizard.settings.set_import_mapping(
            layout_key(self._wizard.kind, table.headers), self.mapping()
        )
        return True


class CheckPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle(self.tr("Vérification"))
        self.setSubTitle(
            self.tr(
                "Le fichier a été vérifié sans rien écrire. Rien n'est importé tant que "
                "vous n'avez pas cliqué sur « Importer »."
            )  # fmt: skip
        )
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.errors = _table_widget(
            self, [self.tr("Ligne"), self.tr("Colonne"), self.tr("Valeur"), self.tr("Motif")]
        )
        self.errors.setAccessibleName(self.tr("Lignes refusées"))
        self.report_button = QPushButton(self.tr("&Exporter le rapport…"), self)
        self.report_button.clicked.connect(self._on_report_button_clicked)
        self.partial_check = QCheckBox(self.tr("Importer &seulement les lignes valides"), self)
        self.partial_check.toggled.connect(self.completeChanged)
        self.left_out = QLabel(self)
        self.left_out.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.partial_check, 1)
        buttons.addWidget(self.report_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.errors, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.left_out)
        self.result: FileImportResult | None = None

    def initializePage(self) -> None:  # noqa: N802
        self.partial_check.setChecked(False)
        try:
            self.result = self._wizard.run_import(dry_run=True, partial=False)
        except PilotisError as error:
            self.result = None
            self.summary.setText(str(error))
            self.errors.setRowCount(0)
            self._show_errors_widgets(False)
            return
        result = self.result
        errors = result.errors
        if errors:
            rows = sorted({e.row for e in errors})
            text = self.tr(
                "{rows} ligne(s) lue(s), {bad} refusée(s) pour {n} erreur(s). Un fichier avec "
                "des erreurs ne modifie rien, sauf si vous importez seulement les lignes valides."
            ).format(rows=result.rows, bad=len(rows), n=len(errors))
            self.left_out.setText(
                self.tr(
                    "Lignes laissées de côté si vous continuez : {rows} ({n} ligne(s))."
                ).format(rows=", ".join(str(r) for r in rows), n=len(rows))  # fmt: skip
            )
        else:
            text = self.tr("{rows} ligne(s) lue(s), aucune erreur. {summary}").format(
                rows=result.rows, summary=" ; ".join(summary_lines(result))
            )
        self.summary.setText(text)
        self.errors.setRowCount(len(errors))
        for r, error in enumerate(errors):
            values = (error.row, result.header_of(error), error.value, error.reason)
            for c, value in enumerate(values):
                item = _item(value)
                if c == 3:
                    item.setForeground(QColor("#b00020"))
                    item.setToolTip(error_line(result, error))
                self.errors.setItem(r, c, item)
        self.errors.resizeColumnsToContents()
        self._show_errors_widgets(bool(errors))

    def _show_errors_widgets(self, visible: bool) -> None:
        for widget in (self.errors, self.partial_check, self.left_out, self.report_button):
            widget.setVisible(visible)
        self.completeChanged.emit()

    def _on_report_button_clicked(self) -> None:
        if self.result is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Exporter le rapport"), "rapport-import.xlsx",
            self.tr("Classeur Excel (*.xlsx);;CSV pour Excel (*.csv)"),
        )  # fmt: skip
        if not path:
            return
        try:
            write_report(self.result, path)
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Import"), str(error))

    def isComplete(self) -> bool:  # noqa: N802
        if self.result is None:
            return False
        return not self.result.errors or self.partial_check.isChecked()


class ImportWizard(QWizard):
    """Emits `imported(batch)` after a committed import (the batch undoes it)."""

    imported = Signal(str)

    def __init__(self, service: TransferService, settings: Settings, parent=None) -> None:
        super().__init__(parent)
        self.service = service
        self.settings = settings
        self.table: Table | None = None
        self.result: FileImportResult | None = None
        self.setWindowTitle(self.tr("Importer des données"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("&Suivant >"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< &Précédent"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Importer"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Annuler"))
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.check_page = CheckPage(self)
        for page in (self.file_page, self.mapping_page, self.check_page):
            self.addPage(page)
        self.resize(860, 620)

    @property
    def kind(self) -> str:
        return self.file_page.kind

    def run_import(self, *, dry_run: bool, partial: bool) -> FileImportResult:
        return self.service.import_table(
            self.kind, self.table, self.mapping_page.mapping(),
            update=self.file_page.update_radio.isChecked(), partial=partial, dry_run=dry_run,
        )  # fmt: skip

    def accept(self) -> None:
        partial = self.check_page.partial_check.isChecked()
        try:
            self.result = self.run_import(dry_run=False, partial=partial)
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Import"), str(error))
            return
        if not self.result.written:  # the data changed since the check: say so, stay open
            self.check_page.initializePage()
            QMessageBox.warning(self, self.tr("Import"), self.tr(
                "Des lignes sont refusées : rien n'a été importé.",
            ))  # fmt: skip
            return
        lines = summary_lines(self.result)
        if self.result.errors:
            lines.append(self.tr("{n} ligne(s) laissée(s) de côté : {rows}.").format(
                n=len({e.row for e in self.result.errors}),
                rows=", ".join(str(r) for r in sorted({e.row for e in self.result.errors})),
            ))  # fmt: skip
        QMessageBox.information(self, self.tr("Import terminé"), "\n".join(lines))
        self.imported.emit(self.result.report.batch)
        super().accept()

    def run(self) -> int:
        """Show the wizard modally (tests replace this)."""
        return self.exec()
