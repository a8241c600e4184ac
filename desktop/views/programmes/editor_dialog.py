"""The programme editor: identity, milestones, indicators, funding and history in tabs; one save
is one transaction (one Ctrl+Z), refused with the French reason when a field is wrong."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import PilotisError
from desktop.services.common.vocabulary import (
    PROGRAMME_FAMILIES,
    PROGRAMME_KINDS,
    PROGRAMME_STATUSES,
)
from desktop.services.programmes.drafts import (
    ProgrammeConflictError,
    ProgrammeDraft,
    ProgrammeValidationError,
)
from desktop.services.programmes.editing import EditorChoices, SaveResult
from desktop.services.programmes.service import ProgrammeService
from desktop.services.safety.conflicts import ConflictService, merged_programme
from desktop.views.programmes.establishments_page import EstablishmentsPage
from desktop.views.programmes.funding_page import FundingPage
from desktop.views.programmes.indicators_page import IndicatorsPage
from desktop.views.programmes.milestones_page import MilestonesPage
from desktop.views.programmes.widgets import CheckList, make_grid, text_item
from desktop.views.safety.conflict_dialog import CANCEL, TAKE_THEIRS, ConflictDialog
from desktop.views.shell.empty_state import EmptyStack

TABS = ("general", "milestones", "indicators", "funding", "establishments", "history")


def _combo(parent: QWidget, choices, accessible_name: str, editable: bool = False) -> QComboBox:
    combo = QComboBox(parent)
    combo.setAccessibleName(accessible_name)
    # Editable before filling: made editable afterwards, a combo of the 5 000 units spent 40 ms
    # building its completer (a third of the editor's opening).
    combo.setEditable(editable)
    for key, label in choices:
        combo.addItem(label, key)
    return combo


class GeneralPage(QWidget):
    """Identity of the programme, its lead unit, territory, axes and partners."""

    def __init__(self, choices: EditorChoices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = QLineEdit(self)
        self.code.setMaxLength(60)
        self.code.setPlaceholderText(self.tr("ex. AMI-CMA-11"))
        self.name = QLineEdit(self)
        self.name.setMaxLength(300)
        self.family = _combo(self, PROGRAMME_FAMILIES.items(), self.tr("Famille"))
        self.kind = _combo(self, PROGRAMME_KINDS.items(), self.tr("Nature"))
        self.status = _combo(self, PROGRAMME_STATUSES.items(), self.tr("Statut"))
        self.parent_code = QLineEdit(self)
        self.parent_code.setPlaceholderText(self.tr("code du programme parent (vide : aucun)"))
        completer = QCompleter(QStringListModel([c.label for c in choices.programmes], self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.parent_code.setCompleter(completer)
        self.lead_unit = _combo(
            self, [(None, self.tr("(aucun)"))] + [(c.key, c.label) for c in choices.units],
            self.tr("Service pilote"), editable=True,
        )  # fmt: skip
        self.lead_unit.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.lead_unit.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.lead_unit.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.start_on = QLineEdit(self)
        self.end_on = QLineEdit(self)
        for edit in (self.start_on, self.end_on):
            edit.setPlaceholderText(self.tr("JJ/MM/AAAA"))
            edit.setMaximumWidth(140)
        self.beneficiary = QLineEdit(self)
        self.description = QPlainTextEdit(self)
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText(self.tr("Objectif du programme, en quelques lignes"))

        form = QFormLayout()
        for label, widget in (
            (self.tr("&Code :"), self.code), (self.tr("&Intitulé :"), self.name),
            (self.tr("&Famille :"), self.family), (self.tr("Nat&ure :"), self.kind),
            (self.tr("S&tatut :"), self.status), (self.tr("Programme &parent :"), self.parent_code),
            (self.tr("Service pi&lote :"), self.lead_unit), (self.tr("Dé&but :"), self.start_on),
            (self.tr("Fi&n :"), self.end_on), (self.tr("Bénéficiai&res :"), self.beneficiary),
            (self.tr("&Objectif :"), self.description),
        ):  # fmt: skip
            form.addRow(label, widget)
            widget.setAccessibleName(label.replace("&", "").rstrip(" :"))

        self.departments = CheckList([(c.key, c.label) for c in choices.departments],
                                     self.tr("Départements"), self)  # fmt: skip
        self.axes = CheckList([(c.key, c.label) for c in choices.axes],
                              self.tr("Axes de la feuille de route"), self)  # fmt: skip
        self.partners = CheckList([(c.key, c.label) for c in choices.organisations],
                                  self.tr("Partenaires"), self, with_filter=True)  # fmt: skip
        grid = QGridLayout(self)
        left = QWidget(self)
        left.setLayout(form)
        grid.addWidget(left, 0, 0, 3, 1)
        for row, (title, widget) in enumerate(
            ((self.tr("Axes de la feuille de route"), self.axes),
             (self.tr("Territoire (départements)"), self.departments),
             (self.tr("Partenaires"), self.partners))
        ):  # fmt: skip
            box = QGroupBox(title, self)
            box_layout = QVBoxLayout(box)
            box_layout.addWidget(widget)
            grid.addWidget(box, row, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)

    def set_draft(self, d: ProgrammeDraft) -> None:
        self.code.setText(d.code)
        self.name.setText(d.name)
        for combo, key in ((self.family, d.family), (self.kind, d.kind), (self.status, d.status),
                           (self.lead_unit, d.lead_unit_id)):  # fmt: skip
            combo.setCurrentIndex(max(combo.findData(key), 0))
        self.parent_code.setText(d.parent_code)
        self.start_on.setText(d.start_on)
        self.end_on.setText(d.end_on)
        self.beneficiary.setText(d.beneficiary)
        self.description.setPlainText(d.description)
        self.axes.set_checked(d.axis_numbers)
        self.departments.set_checked(d.department_codes)
        self.partners.set_checked(d.partner_codes)

    def lead_unit_id(self) -> int | None:
        # An edited text that matches no unit leaves the programme without a lead unit.
        # The selected entry first: two units may share a label (same acronym and name).
        index = self.lead_unit.currentIndex()
        if index < 0 or self.lead_unit.itemText(index) != self.lead_unit.currentText():
            index = self.lead_unit.findText(self.lead_unit.currentText())
        return self.lead_unit.itemData(index) if index >= 0 else None


class ProgrammeEditorDialog(QDialog):
    saved = Signal(object)  # SaveResult
    budgets_requested = Signal(str)  # programme code

    def __init__(
        self,
        service: ProgrammeService,
        conflicts: ConflictService,
        draft: ProgrammeDraft,
        choices: EditorChoices,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._conflicts = conflicts
        self._unit_labels = {c.key: c.label for c in choices.units}
        self.original = draft
        self.result_value: SaveResult | None = None
        title = draft.code or self.tr("nouveau programme")
        self.setWindowTitle(self.tr("Programme — {title}").format(title=title))
        self.tabs = QTabWidget(self)
        self.general = GeneralPage(choices, self)
        self.milestones = MilestonesPage(self)
        self.indicators = IndicatorsPage(self)
        self.funding = FundingPage([(c.key, c.label) for c in choices.funders], self)
        self.establishments = EstablishmentsPage(
            service.editor.search_establishments, service.editor.establishment_choices, self
        )
        self.history = make_grid(
            self,
            [self.tr("Date"), self.tr("Qui"), self.tr("Quoi"), self.tr("Champ"),
             self.tr("Avant"), self.tr("Après")],
            self.tr("Historique des modifications"),
        )  # fmt: skip
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history_stack = EmptyStack(self.history, self)
        for page, label in (
            (self.general, self.tr("&Général")), (self.milestones, self.tr("&Jalons")),
            (self.indicators, self.tr("In&dicateurs")), (self.funding, self.tr("Finance&ment")),
            (self.establishments, self.tr("Établi&ssements")),
            (self.history_stack, self.tr("&Historique")),
        ):  # fmt: skip
            self.tabs.addTab(page, label)
        self.problems = QLabel(self)
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b00020;")
        self.problems.setAccessibleName(self.tr("Erreurs de saisie"))
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.problems.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("&Enregistrer"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._on_save_clicked)
        self.buttons.rejected.connect(self.reject)
        self.funding.budgets_requested.connect(self._on_budgets_requested)
        self.resize(1080, 720)

        self._show_draft(draft)
        self.general.code.setFocus()

    def _show_draft(self, draft: ProgrammeDraft) -> None:
        self.original = draft
        self.general.set_draft(draft)
        self.establishments.set_uais(draft.establishment_uais)
        self.milestones.set_milestones(draft.milestones)
        self.indicators.set_indicators(draft.indicators)
        self.funding.set_lines(
            draft.funding, self._service.editor.funding_context(draft.id), draft.declared
        )
        self._fill_history(draft.id)

    def open_dialog(self) -> int:
        """Modal; tests replace this method to drive the dialog without blocking."""
        return self.exec()

    def draft(self) -> ProgrammeDraft:
        g = self.general
        return ProgrammeDraft(
            code=g.code.text(),
            name=g.name.text(),
            family=g.family.currentData(),
            kind=g.kind.currentData(),
            status=g.status.currentData(),
            parent_code=g.parent_code.text(),
            lead_unit_id=g.lead_unit_id(),
            start_on=g.start_on.text(),
            end_on=g.end_on.text(),
            description=g.description.toPlainText(),
            beneficiary=g.beneficiary.text(),
            axis_numbers=tuple(sorted(g.axes.checked())),
            department_codes=tuple(sorted(g.departments.checked())),
            partner_codes=tuple(g.partners.checked()),
            establishment_uais=self.establishments.uais(),
            milestones=self.milestones.milestones(),
            indicators=self.indicators.indicators_draft(),
            funding=self.funding.funding(),
            declared=self.funding.declared(),
            id=self.original.id,
            version=self.original.version,
        )

    def is_modified(self) -> bool:
        """True when the fields differ from what was loaded (partners' order aside)."""

        def normal(draft: ProgrammeDraft) -> ProgrammeDraft:
            return replace(draft, partner_codes=tuple(sorted(draft.partner_codes)))

        return normal(self.draft()) != normal(self.original)

    def _fill_history(self, programme_id: int | None) -> None:
        rows = self._service.editor.history(programme_id) if programme_id else []
        self.history.setRowCount(len(rows))
        for number, change in enumerate(rows):
            cells = [
                change.at.strftime("%d/%m/%Y %H:%M"),
                change.login,
                change.what,
                change.field or "",
                change.old_value or "",
                change.new_value or "",
            ]
            for column, text in enumerate(cells):
                self.history.setItem(number, column, text_item(text, editable=False))
        self.history.resizeColumnsToContents()
        if rows:
            self.history_stack.show_content()
        elif programme_id is None:
            self.history_stack.show_empty(
                self.tr("Pas encore d'historique"),
                self.tr("Chaque modification de ce programme sera listée ici, avec sa date, "
                        "son auteur et l'ancienne valeur, à partir du premier enregistrement."),
            )  # fmt: skip
        else:
            self.history_stack.show_empty(
                self.tr("Aucune modification depuis la création du programme"),
                self.tr("Chaque modification enregistrée (date, auteur, champ, avant → après) "
                        "s'ajoutera ici. Un programme importé n'a pas d'historique ligne à "
                        "ligne : l'import lui-même figure dans Édition → Historique (Ctrl+H)."),
            )  # fmt: skip

    # --- slots --------------------------------------------------------------------------------

    def _save_resolving_conflicts(self, draft: ProgrammeDraft) -> SaveResult | None:
        """Save; when someone else saved the programme meanwhile, show both versions and save
        the chosen one against the version just compared, so a programme changed again during
        the choice is refused and compared again (no update lost). None: nothing to save now
        (the stored version was reloaded into the form, or the user cancelled)."""
        mine = draft
        while True:
            try:
                return self._service.editor.save(draft)
            except ProgrammeConflictError:
                if mine.is_new:
                    raise
            try:
                theirs = self._service.editor.load(mine.id)
            except ProgrammeConflictError:
                theirs = None  # deleted meanwhile
            report = self._conflicts.compare_programme(
                mine, theirs, self._unit_labels, base=self.original
            )
            action, values = ConflictDialog.resolve(report, self.tr("Le programme"), self)
            if action == CANCEL or values is None or theirs is None:
                self._show_message(
                    self.tr(
                        "Rien n'a été enregistré : le programme a été modifié ou supprimé par "
                        "quelqu'un d'autre. Vos saisies restent dans la fiche."
                    )
                )
                return None
            if action == TAKE_THEIRS:
                self._show_draft(theirs)
                self._show_message(
                    self.tr("La version enregistrée par {who} a été rechargée ; rien n'a été "
                            "enregistré de votre côté.").format(who=report.their_login or "autrui")
                )  # fmt: skip
                return None
            draft = merged_programme(mine, theirs, values)

    def _show_message(self, text: str) -> None:
        self.problems.setText(text)
        self.problems.show()

    def _on_save_clicked(self) -> None:
        try:
            result = self._save_resolving_conflicts(self.draft())
        except ProgrammeValidationError as error:
            self._show_problems(error)
            return
        except ProgrammeConflictError as error:
            QMessageBox.warning(self, self.tr("Enregistrement refusé"), str(error))
            return
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Pilotis"), str(error))
            return
        if result is None:
            return
        self.result_value = result
        self.saved.emit(result)
        self.accept()

    def _show_problems(self, error: ProgrammeValidationError) -> None:
        self.problems.setText(
            self.tr("Rien n'a été enregistré :") + "\n• " + "\n• ".join(
                p.message for p in error.problems[:6]
            )
            + ("\n…" if len(error.problems) > 6 else "")
        )  # fmt: skip
        self.problems.show()
        first = error.problems[0]
        self.tabs.setCurrentIndex(TABS.index(first.tab))
        page = {"milestones": self.milestones, "indicators": self.indicators,
                "funding": self.funding}.get(first.tab)  # fmt: skip
        if page is not None and first.row is not None:
            page.select_row(first.row)

    def _on_budgets_requested(self) -> None:
        code = self.original.code
        if not code:
            return
        if self.is_modified():
            answer = QMessageBox.question(
                self,
                self.tr("Modifications non enregistrées"),
                self.tr("Quitter la fiche sans enregistrer vos modifications ?"),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.budgets_requested.emit(code)
        super().reject()

    def reject(self) -> None:
        if self.result_value is None and self.is_modified() and self.isVisible():
            answer = QMessageBox.question(
                self,
                self.tr("Modifications non enregistrées"),
                self.tr("Abandonner les modifications de cette fiche ?"),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().reject()
