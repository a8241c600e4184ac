"""Annuaire des services: organisation tree, search-as-you-type people table, detail card.

The recipe of every tab: it receives its domain service (here DirectoryService) and the shared
services it needs (ConflictService) from desktop/app.py and never builds one; slow reads (the
full count) go through the shared worker (views/shell/worker.py); edit commands are a composed
object (`self.edits`, directory/editing.py); each table is described once, for the screen and
for export (services/common/columns.py).
Search, filters and sorting run in SQL (the service); the people table fetches page by page,
so 100 000 people scroll without loading them all.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import PilotisError
from desktop.services.common.formatting import format_number
from desktop.services.common.text_limits import MAX_SEARCH_CHARS
from desktop.services.common.vocabulary import UNIT_KINDS
from desktop.services.directory.search import SearchFilter
from desktop.services.directory.service import DirectoryService
from desktop.services.safety.conflicts import ConflictService
from desktop.views.directory.detail_panel import DetailPanel
from desktop.views.directory.editing import DirectoryEdits
from desktop.views.directory.highlight_delegate import HighlightDelegate
from desktop.views.directory.org_chart_panel import OrgChartPanel
from desktop.views.directory.people_table_model import COLUMNS as PEOPLE_COLUMNS
from desktop.views.directory.people_table_model import PeopleColumn, PeopleTableModel
from desktop.views.directory.unit_tree_model import UnitTreeModel
from desktop.views.directory.unit_tree_view import UnitTreeView
from desktop.views.shell.empty_state import EmptyAction, EmptyStack
from desktop.views.shell.item_views import make_table_view, remember_columns
from desktop.views.shell.load_guard import guard_slot, show_load_error
from desktop.views.shell.tab_page import TabPage
from desktop.views.shell.worker import Worker

UNIT_ROLE = Qt.ItemDataRole.UserRole + 1
# Counting stops here: past it the label says « plus de 5 000 lignes » and the list still
# scrolls to the end page by page.
COUNT_CAP = 5000
# While typing, counting stops past one page (cheap: the database stops at the 201st match);
# the full count comes when typing pauses.
QUICK_CAP = 200
COUNT_DELAY_MS = 400


class DirectoryTab(TabPage):
    def __init__(
        self,
        directory: DirectoryService,
        conflicts: ConflictService,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = directory
        self.edits = DirectoryEdits(self, directory, conflicts)
        self._filter = SearchFilter()
        self._building = False
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(COUNT_DELAY_MS)
        self._count_timer.timeout.connect(self._on_count_timer_timeout)
        # The full count (up to COUNT_CAP) is read by the shared worker once typing pauses: the
        # window stays responsive, and the count of a search already replaced never shows.
        self._counts = Worker(self)

        # --- search bar -----------------------------------------------------------------
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(
            self.tr("Rechercher une personne, un service, une fonction… (Ctrl+F)")
        )
        self.search_edit.setAccessibleName(self.tr("Rechercher dans l'annuaire"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMaxLength(MAX_SEARCH_CHARS)  # a pasted page shows what is searched
        self.search_edit.installEventFilter(self)
        self.site_combo = QComboBox(self)
        self.site_combo.setAccessibleName(self.tr("Filtrer par site"))
        self.kind_combo = QComboBox(self)
        self.kind_combo.setAccessibleName(self.tr("Filtrer par type de service"))
        self.kind_combo.addItem(self.tr("Tous les types"), None)
        for code, label in UNIT_KINDS.items():
            self.kind_combo.addItem(label, code)
        self.scope_check = QCheckBox(self.tr("Service choisi et ses &sous-services"), self)
        self.scope_check.setToolTip(
            self.tr("Limiter la liste au service sélectionné dans l'arbre et à ce qui en dépend")
        )
        self.scope_check.setChecked(True)
        self.count_label = QLabel(self)
        self.count_label.setAccessibleName(self.tr("Nombre de résultats"))
        search_row = QHBoxLayout()
        search_row.addWidget(self.search_edit, 3)
        search_row.addWidget(self.site_combo, 1)
        search_row.addWidget(self.kind_combo, 1)
        search_row.addWidget(self.scope_check)

        # --- command buttons ------------------------------------------------------------
        self.buttons: dict[str, QPushButton] = {}
        button_row = QHBoxLayout()
        for key, text, tip in (
            ("new_unit", self.tr("Nouveau service…"), self.tr("Sous le service sélectionné")),
            ("new_person", self.tr("Nouvelle personne…"), self.tr("Ctrl+N dans la liste")),
            ("new_post", self.tr("Nouveau poste…"), self.tr("Dans le service ou pour la personne")),
            ("edit", self.tr("Modifier…"), self.tr("F2 : la fiche affichée à droite")),
            ("move", self.tr("Déplacer…"), self.tr("Changer le rattachement du service")),
            ("delete", self.tr("Supprimer…"), self.tr("Suppr : la fiche affichée à droite")),
        ):
            button = QPushButton(text, self)
            button.setToolTip(tip)
            button.setAccessibleName(text.rstrip("…"))
            self.buttons[key] = button
            button_row.addWidget(button)
        button_row.addStretch(1)
        button_row.addWidget(self.count_label)
        # The middle pane shows the people list or the chart of the selected unit.
        self.list_button = QPushButton(self.tr("&Liste"), self)
        self.chart_button = QPushButton(self.tr("&Organigramme"), self)
        self.view_group = QButtonGroup(self)
        for button, tip in (
            (self.list_button, self.tr("Personnes et postes (Alt+L)")),
            (self.chart_button, self.tr("Organigramme du service sélectionné (Alt+O)")),
        ):
            button.setCheckable(True)
            button.setToolTip(tip)
            button.setAccessibleName(tip.split(" (")[0])
            self.view_group.addButton(button)
        self.list_button.setChecked(True)

        # --- tree | matches + people | detail --------------------------------------------
        self.tree_model = UnitTreeModel(self)
        self.tree = UnitTreeView(self)
        self.tree.setModel(self.tree_model)
        self.units_caption = QLabel(self.tr("Services trouvés :"), self)
        self.units_list = QListWidget(self)
        self.units_list.setAccessibleName(self.tr("Services trouvés"))
        self.units_list.setMaximumHeight(110)
        self.units_caption.setBuddy(self.units_list)
        self.table = make_table_view(self, self.tr("Personnes et postes"))
        self.positions_model = PeopleTableModel(self)
        self.table.setModel(self.positions_model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.delegate = HighlightDelegate(self.table)
        self.table.setItemDelegate(self.delegate)
        self.table.horizontalHeader().setSortIndicator(
            PeopleColumn.NAME, Qt.SortOrder.AscendingOrder
        )
        self.columns = remember_columns(self.table, "annuaire/personnes", PeopleColumn.TITLE)
        self.table.installEventFilter(self)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.detail = DetailPanel(self)

        list_page = QWidget(self)
        middle_layout = QVBoxLayout(list_page)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addWidget(self.units_caption)
        middle_layout.addWidget(self.units_list)
        # An empty list says why (nobody in the unit, no result) and what to do next.
        self.table_stack = EmptyStack(self.table, list_page)
        middle_layout.addWidget(self.table_stack)
        self.chart_panel = OrgChartPanel(self)
        self.middle = QStackedWidget(self)
        self.middle.addWidget(list_page)
        self.middle.addWidget(self.chart_panel)
        # The switch sits above the middle pane, so the command row keeps its width.
        middle = QWidget(self)
        switch_row = QHBoxLayout()
        switch_row.addWidget(self.list_button)
        switch_row.addWidget(self.chart_button)
        switch_row.addStretch(1)
        middle_column = QVBoxLayout(middle)
        middle_column.setContentsMargins(0, 0, 0, 0)
        middle_column.addLayout(switch_row)
        middle_column.addWidget(self.middle, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([300, 620, 340])
        # An empty directory (a new base) shows, instead of three empty panes, how to begin.
        self.body = EmptyStack(self.splitter, self)
        layout = QVBoxLayout(self)
        layout.addLayout(search_row)
        layout.addLayout(button_row)
        layout.addWidget(self.body, 1)
        self._show_unit_matches([])
        # Keyboard order follows reading order: search, filters, buttons, tree, list, detail.
        order = [
            self.search_edit, self.site_combo, self.kind_combo, self.scope_check,
            *self.buttons.values(), self.list_button, self.chart_button, self.tree,
            self.units_list, self.table, *self.chart_panel.buttons.values(),
            self.chart_panel.view, self.detail,
        ]  # fmt: skip
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

        self.search_edit.textChanged.connect(self._on_search_changed)
        self.site_combo.currentIndexChanged.connect(self._on_search_changed)
        self.kind_combo.currentIndexChanged.connect(self._on_search_changed)
        self.scope_check.toggled.connect(self._on_search_changed)
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)
        self.tree.unit_dropped.connect(self.edits.move_dropped_unit)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self.positions_model.load_failed.connect(self._on_load_failed)
        self.table.activated.connect(self._on_table_activated)
        self.units_list.itemActivated.connect(self._on_units_list_item_activated)
        self.units_list.itemClicked.connect(self._on_units_list_item_activated)
        self.detail.link_activated.connect(self._on_detail_link_activated)
        self.chart_button.toggled.connect(self._on_chart_button_toggled)
        self.chart_panel.unit_clicked.connect(self._on_chart_unit_clicked)
        self.chart_panel.root_requested.connect(self._on_chart_root_requested)
        edits = self.edits
        for key, command in (("new_unit", edits.new_unit), ("new_person", edits.new_person),
                             ("new_post", edits.new_post), ("edit", edits.edit_item),
                             ("move", edits.move_unit), ("delete", edits.delete_item)):  # fmt: skip
            self.buttons[key].clicked.connect(command)

    # --- loading ----------------------------------------------------------------------------

    def load(self) -> None:
        current = self.current_unit_id()
        # Read before changing any widget: a server fault here leaves the screen as it was.
        sites, units = self._service.sites(), self._service.units()
        self._building = True
        try:
            self.site_combo.blockSignals(True)
            chosen = self.site_combo.currentData()
            self.site_combo.clear()
            self.site_combo.addItem(self.tr("Tous les sites"), None)
            for site in sites:
                self.site_combo.addItem(site.name, site.id)
            self.site_combo.setCurrentIndex(max(self.site_combo.findData(chosen), 0))
            self.site_combo.blockSignals(False)
            self.tree_model.set_units(units)
            self.tree.expandToDepth(0)
            self.tree.setColumnHidden(1, True)  # the kind is on the card; the name needs room
        finally:
            self._building = False
        index = self.tree_model.index_of(current) if current is not None else QModelIndex()
        if not index.isValid():
            index = self.tree_model.index(0, 0)
        if index.isValid():
            self.tree.setCurrentIndex(index)  # shows the unit and refreshes the list
            self.tree.scrollTo(index)
        else:
            self.refresh_results()
        if self.chart_mode:
            root = self.chart_panel.view.root_id
            self.show_chart(root if self.tree_model.unit(root) else self.current_unit_id())
        self.loaded.emit()

    def current_unit_id(self) -> int | None:
        return UnitTreeModel.unit_id_at(self.tree.currentIndex())

    def current_filter(self) -> SearchFilter:
        under = self.current_unit_id() if self.scope_check.isChecked() else None
        return SearchFilter(
            text=self.search_edit.text(),
            site_id=self.site_combo.currentData(),
            unit_kind=self.kind_combo.currentData(),
            under_unit_id=under,
        )

    def refresh_results(self) -> None:
        """Run the search again (typing, a filter, another unit, after an edit)."""
        flt = self.current_filter()
        self._filter = flt
        self._counts.drop()  # a full count under way is another search's
        service = self._service

        def pages(offset: int, limit: int, sort: str, descending: bool):
            return service.entries(
                flt, sort=sort, descending=descending, offset=offset, limit=limit
            )

        total = service.count_entries(flt, cap=QUICK_CAP)
        self.delegate.set_tokens(flt.tokens)
        self.positions_model.set_source(pages, total)
        self._show_unit_matches(service.matching_units(flt) if flt.tokens else [])
        self._show_count(total, QUICK_CAP)
        self._show_list_state(flt, total)
        if total > QUICK_CAP:
            self._count_timer.start()  # restarted by each keystroke
        else:
            self._count_timer.stop()
        current = self.tree_model.unit(self.current_unit_id())
        self.scope_check.setText(
            self.tr("Seulement {unit} et ses &sous-services").format(unit=current.short_label)
            if current
            else self.tr("Service choisi et ses &sous-services")
        )
        # The scope in the box itself, where the eye is when typing.
        scoped = self.tree_model.unit(flt.under_unit_id)
        self.search_edit.setPlaceholderText(
            self.tr("Rechercher dans {unit} et ses sous-services… (Ctrl+F)").format(
                unit=scoped.short_label
            )
            if scoped is not None
            else self.tr("Rechercher une personne, un service, une fonction… (Ctrl+F)")
        )

    def _show_list_state(self, flt: SearchFilter, total: int) -> None:
        """The panes, or what to do when there is nothing to show: no unit at all (a new base),
        no result for the search, nobody in the unit. Decided from what the search just read
        (the tree and the first count), so it costs no query."""
        if not self.tree_model.units():
            first_unit = EmptyAction(
                self.tr("Créer le premier service"),
                self.edits.new_unit,
                self.tr("Le sommet de l'organisation ; les autres services s'y rattachent"),
                writes=True,
            )
            self.body.show_empty(
                self.tr("Aucun service pour l'instant"),
                self.tr(
                    "L'annuaire décrit l'organisation : ses services, les personnes et leurs "
                    "postes. Créez le premier service (la région académique, par exemple), puis "
                    "ceux qui en dépendent ; ou importez un classeur rempli à partir des "
                    "modèles de fichiers."
                ),
                [first_unit, *self.file_actions()],
            )
            return
        self.body.show_content()
        if total:
            self.table_stack.show_content()
            return
        unit = self.tree_model.unit(flt.under_unit_id)
        filtered = flt.site_id is not None or flt.unit_kind is not None
        where = (
            self.tr("dans {unit} et ses sous-services").format(unit=unit.short_label)
            if unit is not None
            else self.tr("dans l'annuaire")
        ) + self._filter_words(flt)
        widen = []
        if unit is not None:
            widen.append(
                EmptyAction(
                    self.tr("Chercher partout"),
                    self._on_search_everywhere,
                    self.tr("Dans tout l'annuaire, pas seulement {unit}").format(
                        unit=unit.short_label
                    ),
                )
            )
        if filtered:
            widen.append(
                EmptyAction(
                    self.tr("Effacer les filtres"),
                    self._on_clear_filters,
                    self.tr("Tous les sites et tous les types de service"),
                )
            )
        if flt.tokens:
            hint = (
                self.tr("Les services dont le nom correspond sont listés au-dessus.")
                if self.units_list.count()
                else self.tr(
                    "La recherche ignore les accents et les majuscules : vérifiez "
                    "l'orthographe, ou tapez moins de lettres."
                )
            )
            clear = EmptyAction(self.tr("Effacer la recherche"), self.search_edit.clear)
            self.table_stack.show_empty(
                self.tr("Aucun résultat pour « {text} »").format(text=flt.text.strip()),
                self.tr("Aucune personne ni aucun poste ne correspond {where}.").format(where=where)
                + " "
                + hint,
                [*widen, clear],
            )
        elif filtered:
            self.table_stack.show_empty(
                self.tr("Aucune personne pour ces filtres"),
                self.tr("Aucune personne ni aucun poste {where}.").format(where=where),
                widen,
            )
        else:
            new = [
                EmptyAction(self.tr("Nouvelle personne…"), self.edits.new_person, writes=True),
                EmptyAction(self.tr("Nouveau poste…"), self.edits.new_post, writes=True),
            ]
            self.table_stack.show_empty(
                self.tr("Aucune personne dans {unit} pour l'instant").format(unit=unit.short_label)
                if unit is not None
                else self.tr("Aucune personne dans l'annuaire pour l'instant"),
                self.tr(
                    "Ajoutez une personne, puis son poste dans ce service ; un poste peut aussi "
                    "être créé vacant et pourvu plus tard."
                ),
                new if unit is not None else [*new, *self.file_actions()],
            )

    def _filter_words(self, flt: SearchFilter) -> str:
        """« (Site de Toulouse, type Direction) » for the filters set, else ""."""
        words = []
        if flt.site_id is not None:
            words.append(self.site_combo.currentText())
        if flt.unit_kind is not None:
            words.append(self.tr("type {kind}").format(kind=self.kind_combo.currentText()))
        return f" ({', '.join(words)})" if words else ""

    def _on_search_everywhere(self) -> None:
        self.scope_check.setChecked(False)  # toggled: the search runs again

    def _on_clear_filters(self) -> None:
        self._building = True  # one search for both lists, not one per list
        try:
            self.site_combo.setCurrentIndex(0)
            self.kind_combo.setCurrentIndex(0)
        finally:
            self._building = False
        self._on_search_changed()

    def _show_count(self, total: int, cap: int) -> None:
        unit = self.tree_model.unit(self._filter.under_unit_id)
        scope = self.tr(" dans {unit}").format(unit=unit.short_label) if unit else ""
        if total > cap:
            count = self.tr("plus de {n} lignes").format(n=format_number(cap))
        else:
            count = self.tr("{n} ligne(s)").format(n=format_number(total))
        self.count_label.setText(count + scope)

    def _on_count_timer_timeout(self) -> None:
        flt, service = self._filter, self._service
        self._counts.request(
            lambda: service.count_entries(flt, cap=COUNT_CAP),
            lambda total: self._show_count(total, COUNT_CAP),
        )

    def _show_unit_matches(self, units) -> None:
        self.units_list.clear()
        for unit in units:
            item = QListWidgetItem(f"{unit.display_name} ({unit.kind_label})", self.units_list)
            item.setData(UNIT_ROLE, unit.id)
        visible = bool(units)
        self.units_caption.setVisible(visible)
        self.units_list.setVisible(visible)

    # --- selection --------------------------------------------------------------------------

    @guard_slot
    def _on_search_changed(self, *_args) -> None:
        if not self._building:
            if self.chart_mode and self.search_edit.text().strip():
                self.list_button.setChecked(True)  # results are a list
            self.refresh_results()

    @guard_slot
    def _on_tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._building:
            return
        unit_id = UnitTreeModel.unit_id_at(current)
        if unit_id is not None:
            self.show_unit(unit_id)
        self.refresh_results()
        if self.chart_mode and unit_id is not None:
            # A unit already drawn is highlighted; another one gets its own chart.
            if self.chart_panel.view.contains(unit_id):
                self.chart_panel.view.select(unit_id)
            else:
                self.show_chart(unit_id)

    def _on_load_failed(self, error) -> None:
        show_load_error(self, error)  # a page of the list, while scrolling or sorting

    def _on_table_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.show_entry(self.positions_model.row_at(current.row()))

    def _on_table_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.show_entry(self.positions_model.row_at(index.row()))
            self.detail.setFocus()

    def _on_units_list_item_activated(self, item: QListWidgetItem) -> None:
        self.show_unit(item.data(UNIT_ROLE))
        self.detail.setFocus()

    def show_entry(self, entry) -> None:
        if entry.person_id is not None:
            self.show_person(entry.person_id)
        elif entry.unit_id is not None:
            self.show_unit(entry.unit_id)

    def show_person(self, person_id: int) -> None:
        try:
            self.detail.show_person(self._service.person_detail(person_id))
        except PilotisError as error:
            self.detail.setPlainText(str(error))

    def show_unit(self, unit_id: int) -> None:
        try:
            self.detail.show_unit(self._service.unit_detail(unit_id))
        except PilotisError as error:
            self.detail.setPlainText(str(error))

    def select_unit(self, unit_id: int) -> bool:
        index = self.tree_model.index_of(unit_id)
        if not index.isValid():
            return False
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        self.show_unit(unit_id)
        return True

    def _on_detail_link_activated(self, action: str, argument: str) -> None:
        if action == "unit":
            self.show_unit(int(argument))
        elif action == "person":
            self.show_person(int(argument))
        elif action == "programme":
            self.navigate_requested.emit("programmes", argument)
        else:
            self.edits.post_link_activated(action, argument)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if watched is self.search_edit:
                if key == Qt.Key.Key_Escape and self.search_edit.text():
                    self.search_edit.clear()
                    return True
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    self.open_first_result()
                    return True
                if key == Qt.Key.Key_Down and self.positions_model.rowCount():
                    self.table.setFocus()
                    self.table.selectRow(0)
                    return True
            elif watched is self.table and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._on_table_activated(self.table.currentIndex())
                return True
        return super().eventFilter(watched, event)

    def open_first_result(self) -> None:
        """Enter in the search box: the first person, else the first unit found, in detail."""
        if self.positions_model.rowCount():
            self.table.selectRow(0)
            self.show_entry(self.positions_model.row_at(0))
        elif self.units_list.count():
            self.show_unit(self.units_list.item(0).data(UNIT_ROLE))

    # --- organisation chart ------------------------------------------------------------------

    @property
    def chart_mode(self) -> bool:
        return self.chart_button.isChecked()

    def _on_chart_button_toggled(self, checked: bool) -> None:
        self.middle.setCurrentWidget(self.chart_panel if checked else self.middle.widget(0))
        if checked:
            self.show_chart(self.current_unit_id())
            self.chart_panel.view.setFocus()

    def show_chart(self, root_id: int | None) -> None:
        """Draw the chart of root_id (the first root when None) and highlight the current unit."""
        if root_id is None:
            roots = [u for u in self.tree_model.units() if u.parent_id is None]
            if not roots:
                return
            root_id = roots[0].id
        try:
            units = self._service.charts.chart_units(root_id)
        except PilotisError as error:
            self.detail.setPlainText(str(error))
            return
        root = self.tree_model.unit(root_id)
        self.chart_panel.show_chart(units, root_id, root.parent_id if root else None)
        self.chart_panel.view.select(self.current_unit_id(), ensure_visible=False)

    def _on_chart_unit_clicked(self, unit_id: int) -> None:
        self.select_unit(unit_id)

    def _on_chart_root_requested(self, unit_id: int) -> None:
        self.show_chart(unit_id)
        self.select_unit(unit_id)

    # --- TabPage commands -------------------------------------------------------------------

    def new_item(self) -> bool:
        return self.edits.new_item()

    def edit_item(self) -> bool:
        return self.edits.edit_item()

    def delete_item(self) -> bool:
        return self.edits.delete_item()

    def shown_record(self) -> tuple[str | None, int | None]:
        """("person" or "unit", its id) of the card shown, (None, None) when it is empty: what
        F2, Suppr and Édition → Historique… act on."""
        if self.detail.person is not None:
            return "person", self.detail.person.id
        if self.detail.unit is not None:
            return "unit", self.detail.unit.id
        return None, None

    def focus_search(self) -> bool:
        self.search_edit.setFocus()
        self.search_edit.selectAll()
        return True

    def show_item(self, key: str) -> bool:
        try:
            unit = self._service.find_unit(key)
        except PilotisError as error:  # a link followed while the server is away
            show_load_error(self, error)
            return False
        return unit is not None and self.select_unit(unit.id)

    def card_unit_id(self) -> int | None:
        """The unit the card shows, which Ctrl+P and Ctrl+E follow rather than the tree."""
        return self.detail.unit.id if self.detail.unit is not None else None

    def print_document(self):
        if self.chart_mode and self.chart_panel.view.root_id is not None:
            from desktop.reports.directory.org_chart import build_document as chart_document

            root_id = self.chart_panel.view.root_id
            root = self.tree_model.unit(root_id)
            units = list(self.chart_panel.view.units.values())
            return chart_document(units, root_id, root.short_label if root else "")
        from desktop.reports.directory.listing import build_document

        unit_id = self.card_unit_id() or self.current_unit_id()
        unit = self.tree_model.unit(unit_id)
        units = self._service.report_units(unit_id)
        return build_document(units, unit.short_label if unit else self.tr("tous les services"))

    def export_table(self):
        sort, descending = self.positions_model.sort_key
        flt = self._filter
        card = self.card_unit_id()
        if card is not None and card != self.current_unit_id():
            # A unit opened from a search or a link is what the user looks at: export its
            # people, not the list of the tree's unit behind it.
            flt = SearchFilter(under_unit_id=card)
        rows = self._service.entries(flt, sort=sort, descending=descending, limit=None)
        unit = self.tree_model.unit(flt.under_unit_id)
        stem = f"Annuaire {unit.short_label}" if unit else "Annuaire"
        return PEOPLE_COLUMNS, rows, stem
