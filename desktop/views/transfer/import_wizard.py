"""The import wizard: file and sheet, preview, columns mapped to fields, insert or update, a dry
run with its report of rejected rows, then the import itself (all or nothing, or valid rows)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from desktop.errors import PilotisError
from desktop.services.transfer.establishments import (
    AnnuaireImporter,
    AnnuaireImportResult,
    MassClosureError,
    annuaire_rows,
)
from desktop.services.transfer.readers import (
    Table,
    sheet_names,
)
from desktop.services.transfer.service import (
    DOMAINS,
    FileImportResult,
    TransferService,
    error_line,
    sheet_title,
    summary_lines,
    write_report,
)
from desktop.services.transfer.specs import KINDS
from desktop.settings import Settings
from desktop.views.transfer.mapping_page import (
    ANNUAIRE,
    WORKBOOK,
    MappingPage,
    cell_item,
    table_widget,
)

FILE_FILTER = "Classeurs, CSV et JSON (*.xlsx *.xls *.ods *.csv *.json);;Tous les fichiers (*)"
# The whole-workbook choices of the « Données » list, after the kinds.
WORKBOOK_LABELS = {
    "annuaire": "Classeur de l'annuaire : services, personnes, postes, liens",
    "reference": "Classeur des référentiels : académies, départements, sites, financeurs…",
    "programmes": "Classeur des programmes : lignes, axes, programmes, jalons, indicateurs…",
    "budgets": "Classeur des budgets : lignes de financement, totaux déclarés",
    "tout": "Classeur complet : toutes les données (une feuille par type)",
}
ANNUAIRE_LABEL = "Établissements : export de l'Annuaire de l'éducation (ministère)"


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
        self.kind_combo.insertSeparator(self.kind_combo.count())
        for domain, label in WORKBOOK_LABELS.items():
            self.kind_combo.addItem(label, WORKBOOK + domain)
        self.kind_combo.addItem(ANNUAIRE_LABEL, ANNUAIRE)
        self.kind_combo.setMaxVisibleItems(self.kind_combo.count())
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
        last = wizard.settings.last_import_kind
        remembered = self.kind_combo.findData(last) if isinstance(last, str) else -1
        if remembered >= 0:  # the data type of the last import, not « Académies » every time
            self.kind_combo.setCurrentIndex(remembered)
        self.kind_combo.currentIndexChanged.connect(self._update_key_label)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_combo_changed)
        self._update_key_label()

    def _on_kind_combo_changed(self) -> None:
        self._wizard.settings.last_import_kind = self.kind

    @property
    def kind(self) -> str:
        """A kind of KINDS, WORKBOOK + a domain, or ANNUAIRE."""
        return self.kind_combo.currentData()

    def _update_key_label(self) -> None:
        self.insert_radio.setEnabled(self.kind != ANNUAIRE)
        self.sheet_combo.setEnabled(self.sheet_combo.count() > 1
                                    and not self.kind.startswith(WORKBOOK))  # fmt: skip
        if self.kind == ANNUAIRE:
            self.update_radio.setEnabled(True)
            self.update_radio.setChecked(True)
            self.key_label.setText(self.tr(
                "Les établissements déjà connus (même UAI) sont mis à jour ; ceux des "
                "départements du fichier qui n'y figurent plus sont marqués fermés, jamais "
                "supprimés."
            ))  # fmt: skip
            return
        if self.kind.startswith(WORKBOOK):
            kinds = DOMAINS[self.kind.removeprefix(WORKBOOK)]
            self.update_radio.setEnabled(True)
            self.key_label.setText(self.tr(
                "Une feuille par type de données, nommée comme à l'export ({names}) ; toutes "
                "les feuilles sont importées ensemble, tout ou rien."
            ).format(names=", ".join(sheet_title(k) for k in kinds[:4])
                     + ("…" if len(kinds) > 4 else "")))  # fmt: skip
            return
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
        self._update_key_label()
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return Path(self.path_edit.text()).is_file()

    def validatePage(self) -> bool:  # noqa: N802
        sheet = self.sheet_combo.currentText() or None
        path = self.path_edit.text()
        service = self._wizard.service
        try:
            if self.kind.startswith(WORKBOOK):
                tables = service.read_workbook(path, DOMAINS[self.kind.removeprefix(WORKBOOK)])
            elif self.kind == ANNUAIRE:
                tables = [(ANNUAIRE, service.read(path, sheet=sheet))]
                annuaire_rows(tables[0][1])  # refuses a file without the Annuaire's columns
            else:
                tables = [(self.kind, service.read(path, sheet=sheet, kind=self.kind))]
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Import"), str(error))
            return False
        self._wizard.tables = tables
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
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.errors = table_widget(
            self, [self.tr("Ligne"), self.tr("Colonne"), self.tr("Valeur"), self.tr("Motif"),
                   self.tr("Données")],
        )  # fmt: skip
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
            counts = " ; ".join(self._wizard.summary(result, counts_only=True))
            text = self.tr(
                "{rows} ligne(s) lue(s), {bad} refusée(s) pour {n} erreur(s). Un fichier avec "
                "des erreurs ne modifie rien, sauf si vous importez seulement les lignes "
                "valides, qui donneraient : {counts}"
            ).format(rows=result.rows, bad=len(rows), n=len(errors), counts=counts)
            self.left_out.setText(
                self.tr(
                    "Lignes laissées de côté si vous continuez : {rows} ({n} ligne(s))."
                ).format(rows=", ".join(str(r) for r in rows), n=len(rows))  # fmt: skip
            )
        else:
            text = self.tr("{rows} ligne(s) lue(s), aucune erreur. {summary}").format(
                rows=result.rows, summary=" ; ".join(self._wizard.summary(result))
            )
        self.summary.setText(text)
        self.errors.setRowCount(len(errors))
        self.errors.setColumnHidden(4, len(result.report.results) < 2)
        for r, error in enumerate(errors):
            label = KINDS[error.kind].label.capitalize()
            values = (error.row, result.header_of(error), error.value, error.reason, label)
            for c, value in enumerate(values):
                item = cell_item(value)
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
        self.tables: list[tuple[str, Table]] = []  # (kind or ANNUAIRE, sheet read)
        self.result: FileImportResult | None = None
        self.annuaire: AnnuaireImportResult | None = None
        self.close_missing = False  # the user confirmed closing many establishments
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

    @property
    def table(self) -> Table | None:
        """The (first) sheet read."""
        return self.tables[0][1] if self.tables else None

    def run_import(self, *, dry_run: bool, partial: bool) -> FileImportResult:
        update = self.file_page.update_radio.isChecked()
        if self.kind == ANNUAIRE:
            table = self.tables[0][1]
            importer = AnnuaireImporter(self.service.session_factory, login=self.service.login)
            try:
                self.annuaire = importer.import_table(
                    table, partial=partial, dry_run=dry_run, close_missing=self.close_missing
                )
            except MassClosureError as closing:
                # Closing many establishments is a choice the user makes knowingly, once.
                answer = QMessageBox.question(
                    self,
                    self.tr("Établissements absents du fichier"),
                    self.tr("{message}\n\nLes marquer FERME ?").format(message=closing.summary),
                )
                if answer != QMessageBox.StandardButton.Yes:
                    raise
                self.close_missing = True
                self.annuaire = importer.import_table(
                    table, partial=partial, dry_run=dry_run, close_missing=True
                )
            return FileImportResult("establishments", table.path, self.annuaire.report,
                                    self.annuaire.rows, self.annuaire.written)  # fmt: skip
        if self.kind.startswith(WORKBOOK):
            sheets = [
                (kind, table, mapping)
                for (kind, table), mapping in zip(
                    self.tables, self.mapping_page.mappings(), strict=True
                )
            ]
            return self.service.import_tables(
                sheets, update=update, partial=partial, dry_run=dry_run
            )
        return self.service.import_table(
            self.kind, self.tables[0][1], self.mapping_page.mappings()[0],
            update=update, partial=partial, dry_run=dry_run,
        )  # fmt: skip

    def summary(self, result: FileImportResult, *, counts_only: bool = False) -> list[str]:
        """What the import does (or did), one French line per kind; `counts_only`: those
        lines alone, without the notes on columns, sheets and warnings."""
        if self.kind == ANNUAIRE and self.annuaire is not None:
            annuaire = self.annuaire
            lines = [self.tr(
                "Établissements : {a} ajouté(s), {c} modifié(s), {f} fermé(s) sur {n} ligne(s)"
            ).format(a=len(annuaire.added), c=len(annuaire.changed), f=len(annuaire.closed),
                     n=annuaire.rows)]  # fmt: skip
            if annuaire.duplicates:
                lines.append(self.tr("{n} ligne(s) en double non reprise(s)").format(
                    n=len(annuaire.duplicates)))  # fmt: skip
            return lines
        lines = summary_lines(result)
        return lines[: len(result.report.results)] if counts_only else lines

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
        lines = self.summary(self.result)
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
