"""Suivi des programmes: the programme tree (or, when filtered, the matching list) with its
filters and search, the roadmap view, the échéancier, the editor and the programme sheets.

The recipe of every tab: it receives its domain service (ProgrammeService) and the shared ones
it needs (ConflictService, for the editor) from desktop/app.py and never builds one; the tree
and the list read page by page as they scroll, the échéancier's milestones through the shared
worker (views/shell/worker.py); edit commands live in a composed object (the editor dialog,
programmes/editor_dialog.py), not a mixin.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import PilotisError
from desktop.services.common.parsing import fold
from desktop.services.common.text_limits import MAX_SEARCH_CHARS
from desktop.services.programmes.search import programme_words
from desktop.services.programmes.service import ProgrammeService
from desktop.services.programmes.tree import Choice, ProgrammeFilter
from desktop.services.safety.conflicts import ConflictService
from desktop.views.directory import confirm
from desktop.views.directory.highlight_delegate import HighlightDelegate
from desktop.views.programmes.editor_dialog import ProgrammeEditorDialog
from desktop.views.programmes.programme_tree_model import COLUMNS as PROGRAMME_COLUMNS
from desktop.views.programmes.programme_tree_model import Col, ProgrammeTreeModel
from desktop.views.programmes.roadmap_view import RoadmapView
from desktop.views.programmes.schedule_view import ScheduleView
from desktop.views.shell.empty_state import EmptyAction, EmptyStack
from desktop.views.shell.item_views import make_tree_view, remember_columns
from desktop.views.shell.load_guard import guard_slot, show_load_error
from desktop.views.shell.tab_page import TabPage

SEARCH_DELAY_MS = 150  # typing pauses shorter than this do not query
LIST, ROADMAP, SCHEDULE = range(3)


class ProgrammesTab(TabPage):
    def __init__(
        self,
        programmes: ProgrammeService,
        conflicts: ConflictService,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = programmes
        self._conflicts = conflicts  # what the editor compares a refused save with
        self._choices = None  # the editor's lists, read once per load
        self.editor: ProgrammeEditorDialog | None = None
        self.criteria = ProgrammeFilter()

        self.pages = QTabWidget(self)
        self.pages.setDocumentMode(True)
        self.list_page = QWidget(self)
        self.roadmap = RoadmapView(self._service.roadmap, self)
        self.schedule = ScheduleView(self._service.schedule, self)
        # Each page, when it has nothing to show, says what fills it instead of an empty grid.
        self.roadmap_stack = EmptyStack(self.roadmap, self)
        self.schedule_stack = EmptyStack(self.schedule, self)
        self.pages.addTab(self.list_page, self.tr("Programmes"))
        self.pages.addTab(self.roadmap_stack, self.tr("Feuille de route"))
        self.pages.addTab(self.schedule_stack, self.tr("Échéancier"))
        self._no_programme = False  # the base holds no programme at all (a new base)
        self._pages_loaded: set[int] = set()

        self._build_filters()
        self.caption = QLabel(self)
        self.caption.setAccessibleName(self.tr("Nombre de programmes affichés"))
        self.tree = make_tree_view(self, self.tr("Programmes et projets"))
        self.model = ProgrammeTreeModel(self._fetch, self._count, self)
        self.tree.setModel(self.model)
        # No indicator before enabling sorting, or the view would ask a first sort (a query).
        self.tree.header().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.tree.setSortingEnabled(True)
        # A search result's path (shown only while filtering) reads beside its name.
        self.tree.header().moveSection(Col.PARENT, 1)
        self.columns = remember_columns(self.tree, "programmes/liste", stretch=0)
        # The words searched marked in the results, as in the directory.
        self.delegate = HighlightDelegate(self.tree)
        self.tree.setItemDelegate(self.delegate)
        buttons = QHBoxLayout()
        self.new_button = QPushButton(self.tr("&Nouveau programme…"), self)
        self.new_child_button = QPushButton(self.tr("Nouveau &sous-programme…"), self)
        self.edit_button = QPushButton(self.tr("&Modifier…"), self)
        self.sheet_button = QPushButton(self.tr("&Fiche…"), self)
        self.sheet_button.setToolTip(self.tr("Aperçu et impression de la fiche du programme"))
        self.batch_button = QPushButton(self.tr("Fiches de la &liste en PDF…"), self)
        self.batch_button.setToolTip(
            self.tr("Un PDF avec la fiche de chaque programme affiché (filtres appliqués)")
        )
        for button in (self.new_button, self.new_child_button, self.edit_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.sheet_button)
        buttons.addWidget(self.batch_button)

        list_layout = QVBoxLayout(self.list_page)
        list_layout.setContentsMargins(0, 4, 0, 0)
        list_layout.addLayout(self.filters)
        list_layout.addWidget(self.caption)
        self.tree_stack = EmptyStack(self.tree, self.list_page)
        list_layout.addWidget(self.tree_stack, 1)
        list_layout.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_filters)
        self.search.textChanged.connect(self._search_timer.start)
        for combo in self._combos():
            combo.currentIndexChanged.connect(self._apply_filters)
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.tree.activated.connect(self._on_tree_activated)
        self._build_reveal_action()
        self.new_button.clicked.connect(self.new_item)
        self.new_child_button.clicked.connect(self._on_new_child_clicked)
        self.edit_button.clicked.connect(self.edit_item)
        self.sheet_button.clicked.connect(self._on_sheet_clicked)
        self.batch_button.clicked.connect(self._on_batch_clicked)
        self.pages.currentChanged.connect(self._on_pages_current_changed)
        self.roadmap.programme_activated.connect(self.show_item)
        self.schedule.programme_activated.connect(self.show_item)
        self.schedule.edited.connect(self.edited)
        self.model.load_failed.connect(self._on_load_failed)

    def _build_filters(self) -> None:
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("code, intitulé, pilote, bénéficiaires…"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(self.tr("Rechercher un programme"))
        self.search.setMaxLength(MAX_SEARCH_CHARS)  # a pasted page shows what is searched
        self.family = QComboBox(self)
        self.status = QComboBox(self)
        self.unit = QComboBox(self)
        self.axis = QComboBox(self)
        self.department = QComboBox(self)
        self.period = QComboBox(self)
        self.clear_button = QPushButton(self.tr("Effacer les filtres"), self)
        self.filters = QGridLayout()
        cells = (
            (self.tr("&Rechercher :"), self.search, 0, 0),
            (self.tr("F&amille :"), self.family, 0, 2),
            (self.tr("S&tatut :"), self.status, 0, 4),
            (self.tr("Pil&ote :"), self.unit, 0, 6),
            (self.tr("A&xe :"), self.axis, 1, 0),
            (self.tr("&Département :"), self.department, 1, 2),
            (self.tr("&Période :"), self.period, 1, 4),
        )
        for text, widget, row, column in cells:
            label = QLabel(text, self)
            label.setBuddy(widget)
            self.filters.addWidget(label, row, column)
            self.filters.addWidget(widget, row, column + 1)
            if widget is not self.search:
                widget.setAccessibleName(text.replace("&", "").rstrip(" :"))
                widget.setSizeAdjustPolicy(
                    QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
                )
                widget.setMinimumContentsLength(6)
        self.filters.addWidget(self.clear_button, 1, 6, 1, 2)
        for column in (1, 3, 5, 7):
            self.filters.setColumnStretch(column, 1)

    def _combos(self) -> list[QComboBox]:
        return [self.family, self.status, self.unit, self.axis, self.department, self.period]

    # --- loading ------------------------------------------------------------------------------

    def load(self) -> None:
        options = self._service.filter_options()
        everything = self.tr("(tous)")
        for combo, choices in (
            (self.family, options.families), (self.status, options.statuses),
            (self.unit, options.units), (self.axis, options.axes),
            (self.department, options.departments), (self.period, options.periods),
        ):  # fmt: skip
            self._fill(combo, choices, everything)
        self.schedule.set_units(options.units)
        self._choices = None
        self._pages_loaded.clear()
        self._apply_filters(keep_selection=True)
        self._load_page(self.pages.currentIndex())
        self.loaded.emit()

    @staticmethod
    def _fill(combo: QComboBox, choices: list[Choice], everything: str) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(everything, None)
        for choice in choices:
            combo.addItem(choice.label, choice.key)
        combo.setCurrentIndex(max(combo.findData(current), 0))
        combo.blockSignals(False)

    def _load_page(self, index: int) -> None:
        if index in self._pages_loaded:
            return
        self._pages_loaded.add(index)
        if index == ROADMAP:
            self.roadmap.load()
            self._show_roadmap_state()
        elif index == SCHEDULE:
            self._show_schedule_state()

    def _on_load_failed(self, error) -> None:
        show_load_error(self, error)  # a branch or page of the list, while opening or scrolling

    @guard_slot
    def _on_pages_current_changed(self, index: int) -> None:
        self._load_page(index)

    # --- list ---------------------------------------------------------------------------------

    def _fetch(self, parent_id, sort, descending, offset, limit):
        if self.criteria.is_active:
            return self._service.search(
                self.criteria, sort=sort, descending=descending, offset=offset, limit=limit
            )
        return self._service.children(
            parent_id, sort=sort, descending=descending, offset=offset, limit=limit
        )

    def _count(self, parent_id) -> int:
        if self.criteria.is_active:
            return self._service.count(self.criteria)
        return self._service.child_count(parent_id)

    def current_criteria(self) -> ProgrammeFilter:
        return ProgrammeFilter(
            text=self.search.text(),
            family=self.family.currentData(),
            status=self.status.currentData(),
            lead_unit_id=self.unit.currentData(),
            axis_number=self.axis.currentData(),
            department_code=self.department.currentData(),
            period=self.period.currentData(),
        )

    @guard_slot
    def _apply_filters(self, *_args, keep_selection: bool = False) -> None:
        """Query again with the filters; the tree becomes a flat list while any is set."""
        self._search_timer.stop()
        selected = self.current_code() if keep_selection else None
        self.criteria = self.current_criteria()
        flat = self.criteria.is_active
        self.model.reload(flat=flat)
        self.tree.setRootIsDecorated(not flat)
        self.tree.setColumnHidden(Col.PARENT, not flat)
        self.reveal_action.setEnabled(flat)
        self.delegate.set_tokens([fold(word) for word in programme_words(self.criteria.text)])
        self.tree.viewport().update()
        total = self.model.total
        if flat:
            text = self.tr("{n} programme(s) correspondent à la recherche et aux filtres").format(
                n=total
            )
        else:
            text = self.tr(
                "{n} programme(s) au premier niveau ; ouvrez-en un pour voir ses projets et "
                "actions. Entrée ou double-clic : modifier."
            ).format(n=total)
        self.caption.setText(text)
        self._show_list_state(flat, total)
        if selected:
            self._select(selected)
        elif self.model.rowCount() and flat:
            self.tree.setCurrentIndex(self.model.index(0, 0))

    # --- empty pages ----------------------------------------------------------------------------

    def _first_programme_actions(self) -> list[EmptyAction]:
        first = EmptyAction(
            self.tr("Créer le premier programme"),
            self.new_item,
            self.tr("Un programme, un dispositif ou un projet (Ctrl+N)"),
            writes=True,
        )
        return [first, *self.file_actions()]

    def _show_list_state(self, flat: bool, total: int) -> None:
        """The tree, or why it is empty: no programme at all (a new base), or none matching the
        search and filters. The count just read decides; only an empty filtered list costs one
        more (cheap) count, of the top level."""
        if total:
            self._no_programme = False
            self.caption.show()
            self.tree_stack.show_content()
            return
        self._no_programme = not flat or self._service.child_count(None) == 0
        self.caption.hide()  # « 0 programme(s) » says less than the message in its place
        if self._no_programme:
            self.tree_stack.show_empty(
                self.tr("Aucun programme pour l'instant"),
                self.tr(
                    "Le suivi recense les programmes (France 2030, CPER, Erasmus+…), leurs "
                    "projets et actions, avec jalons, indicateurs et financements. Créez le "
                    "premier programme, ou importez un classeur rempli à partir des modèles "
                    "de fichiers."
                ),
                self._first_programme_actions(),
            )
            return
        text = self.search.text().strip()
        chosen = [c.currentText() for c in self._combos() if c.currentData() is not None]
        title = (
            self.tr("Aucun résultat pour « {text} »").format(text=text)
            if text
            else self.tr("Aucun programme pour ces filtres")
        )
        if chosen:
            detail = self.tr("Aucun programme ne correspond {what} avec les filtres : {f}.").format(
                what=self.tr("à la recherche") if text else self.tr("à la fois"),
                f=", ".join(chosen),
            )
            detail += " " + self.tr("Effacez les filtres pour chercher dans tous les programmes.")
        else:
            detail = self.tr(
                "Aucun code, intitulé, pilote ni bénéficiaire ne contient ces mots (accents et "
                "majuscules ignorés) : vérifiez l'orthographe, ou tapez moins de lettres."
            )
        self.tree_stack.show_empty(
            title,
            detail,
            [EmptyAction(self.tr("Effacer les filtres"), self._on_clear_clicked,
                         self.tr("La recherche et tous les filtres"))],
        )  # fmt: skip

    def _show_roadmap_state(self) -> None:
        if self.roadmap.axes:
            self.roadmap_stack.show_content()
            return
        self.roadmap_stack.show_empty(
            self.tr("Aucune feuille de route pour l'instant"),
            self.tr(
                "La feuille de route régionale (ses lignes directrices, ses axes et leurs "
                "actions) s'importe d'un classeur : les modèles de fichiers en décrivent les "
                "colonnes. Les programmes s'y rattachent ensuite par leurs axes."
            ),
            self.file_actions(),
        )

    def _show_schedule_state(self) -> None:
        """With no programme at all there is no milestone to follow: say how to begin; else
        the échéancier, whose own caption counts what its filters keep."""
        if not self._no_programme:
            self.schedule_stack.show_content()
            self.schedule.refresh()
            return
        self.schedule_stack.show_empty(
            self.tr("Aucun jalon à suivre"),
            self.tr(
                "L'échéancier réunit les jalons de tous les programmes. Un jalon s'ajoute dans "
                "la page « Jalons » d'un programme ; créez d'abord le premier programme, ou "
                "importez vos programmes et leurs jalons."
            ),
            self._first_programme_actions(),
        )

    def _build_reveal_action(self) -> None:
        """« Afficher dans l'arborescence » (Ctrl+Entrée, context menu): a search result is
        reached in the tree, its parents opened, the way a user continues from it."""
        self.reveal_action = QAction(self.tr("Afficher dans l'&arborescence"), self.tree)
        self.reveal_action.setShortcuts(
            [QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Return),
             QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Enter)]
        )  # fmt: skip
        self.reveal_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.reveal_action.setStatusTip(
            self.tr(
                "Effacer la recherche et les filtres, et ouvrir l'arborescence sur ce programme"
            )
        )
        self.reveal_action.setEnabled(False)  # only a filtered list hides the tree
        self.reveal_action.triggered.connect(self._on_reveal_action_triggered)
        self.tree.addAction(self.reveal_action)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def _on_reveal_action_triggered(self) -> None:
        row = self._current_row()
        if row is None or not self.criteria.is_active:
            return
        self._on_clear_clicked()
        if self._select(row.code):
            self.tree.setFocus()

    def _on_clear_clicked(self) -> None:
        for combo in self._combos():
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._apply_filters()

    def current_code(self) -> str | None:
        row = self.model.row_at(self.tree.currentIndex())
        return row.code if row else None

    def _current_row(self):
        return self.model.row_at(self.tree.currentIndex())

    def _select(self, code: str) -> bool:
        if self.criteria.is_active:
            for number in range(self.model.rowCount()):
                index = self.model.index(number, 0)
                if self.model.row_at(index).code == code:
                    self.tree.setCurrentIndex(index)
                    self.tree.scrollTo(index)
                    return True
            return False
        chain = self._service.ancestors(code)
        if not chain:
            return False
        index = self.model.locate(chain)
        if not index.isValid():
            return False
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        return True

    def show_item(self, key: str) -> bool:
        """Show a programme by its code: the filters are cleared if they would hide it."""
        self.pages.setCurrentIndex(LIST)
        if not self._select(key):
            self._on_clear_clicked()
            if not self._select(key):
                return False
        self.tree.setFocus()
        return True

    def focus_search(self) -> bool:
        self.pages.setCurrentIndex(LIST)
        self.search.setFocus()
        self.search.selectAll()
        return True

    # --- editing ------------------------------------------------------------------------------

    def _editor_choices(self):
        if self._choices is None:
            self._choices = self._service.editor.choices()
        return self._choices

    def _open_editor(self, draft) -> bool:
        try:
            dialog = ProgrammeEditorDialog(
                self._service, self._conflicts, draft, self._editor_choices(), self
            )
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Pilotis"), str(error))
            return False
        dialog.saved.connect(self._on_editor_saved)
        dialog.budgets_requested.connect(self._on_editor_budgets_requested)
        self.editor = dialog
        dialog.open_dialog()
        return True

    def new_item(self) -> bool:
        return self._open_editor(self._service.editor.new_draft())

    def _on_new_child_clicked(self) -> None:
        row = self._current_row()
        try:  # the parent's family, lead unit and territory are read from the database
            draft = self._service.editor.new_draft(row.id if row else None)
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Pilotis"), str(error))
            return
        self._open_editor(draft)

    def edit_item(self) -> bool:
        row = self._current_row()
        if row is None:
            return False
        try:
            draft = self._service.editor.load(row.id)
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Pilotis"), str(error))
            return False
        return self._open_editor(draft)

    def delete_item(self) -> bool:
        row = self._current_row()
        if row is None:
            return False
        # Same question as the directory's: « Non » by default, so Enter never deletes.
        if not confirm.confirm(
            self,
            self.tr("Supprimer le programme"),
            self.tr(
                "Supprimer « {code} — {name} », ses jalons, indicateurs et lignes de "
                "financement ?\nCtrl+Z annule la suppression."
            ).format(code=row.code, name=row.name),
        ):
            return True
        try:
            draft = self._service.editor.load(row.id)
            batch = self._service.editor.delete(row.id, draft.version)
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Suppression impossible"), str(error))
            return True
        self.edited.emit(batch)
        self._refresh_after_edit(None)
        return True

    def _on_editor_saved(self, result) -> None:
        if result.batch:
            self.edited.emit(result.batch)
        self._refresh_after_edit(result.code)

    def _refresh_after_edit(self, code: str | None) -> None:
        self._choices = None
        self._pages_loaded = {LIST}
        self._apply_filters(keep_selection=code is None)
        if code:
            self.show_item(code)

    def _on_editor_budgets_requested(self, code: str) -> None:
        self.navigate_requested.emit("budgets", code)

    def _on_tree_activated(self, _index: QModelIndex) -> None:
        self.edit_item()

    # --- printing and export ------------------------------------------------------------------

    def print_document(self):
        from desktop.reports.programmes.sheets import roadmap_document, schedule_document

        page = self.pages.currentIndex()
        if page == ROADMAP:
            axes = self._service.roadmap.axes()
            linked = {a.id: self._service.roadmap.programmes(a.id) for a in axes}
            return roadmap_document(axes, linked)
        if page == SCHEDULE:
            self.schedule.settle()  # the milestones of the filters shown, not the last read
            return schedule_document(self.schedule.rows, self.schedule.horizon.currentText())
        code = self.current_code()
        if code is None:
            return None
        return self.sheet_document([code])

    def sheet_document(self, codes: list[str], subtitle: str = ""):
        from desktop.reports.programmes.sheets import sheets_document

        return sheets_document(self._service.sheets.sheets(codes), subtitle)

    def _on_sheet_clicked(self) -> None:
        from desktop.views.shell.printing import PrintPreview

        try:
            document = self.print_document() if self.pages.currentIndex() == LIST else None
        except PilotisError as error:  # the server went away: nothing to print, say why
            QMessageBox.warning(self, self.tr("Fiche programme"), str(error))
            return
        if document is None:
            QMessageBox.information(self, self.tr("Fiche programme"),
                                    self.tr("Sélectionnez d'abord un programme."))  # fmt: skip
            return
        PrintPreview(document, self).run()

    def _on_batch_clicked(self) -> None:
        """Every programme the list shows (with its filters) in one PDF, a page each."""
        from desktop.views.shell.printing import save_pdf

        try:
            codes = self._service.sheets.codes(self.criteria)
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Fiches programmes"), str(error))
            return
        if not codes:
            QMessageBox.information(self, self.tr("Fiches programmes"),
                                    self.tr("Aucun programme dans la liste."))  # fmt: skip
            return
        if len(codes) > 200:
            answer = QMessageBox.question(
                self, self.tr("Fiches programmes"),
                self.tr("{n} fiches à produire : continuer ?").format(n=len(codes)),
            )  # fmt: skip
            if answer != QMessageBox.StandardButton.Yes:
                return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            document = self.sheet_document(codes, self._filter_summary())
        except PilotisError as error:
            QApplication.restoreOverrideCursor()
            QMessageBox.warning(self, self.tr("Fiches programmes"), str(error))
            return
        QApplication.restoreOverrideCursor()
        stem = f"Fiches programmes {date.today():%Y-%m-%d}"
        save_pdf(document, self, str(Path(stem + ".pdf")))

    def _filter_summary(self) -> str:
        parts = [self.search.text().strip()] if self.search.text().strip() else []
        parts += [c.currentText() for c in self._combos() if c.currentData() is not None]
        return ", ".join(parts) or self.tr("tous les programmes")

    def export_table(self):
        if self.pages.currentIndex() == SCHEDULE:
            return self.schedule.export_table()
        if self.pages.currentIndex() != LIST:
            return None
        criteria = self.criteria if self.criteria.is_active else ProgrammeFilter(text=" ")
        rows = self._service.search(
            criteria, sort=self.model.sort_key, descending=self.model.descending, limit=None
        )
        return PROGRAMME_COLUMNS, rows, "Programmes"
