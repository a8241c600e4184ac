"""Budgets: who funds what, prévu → engagé → versé, under shared filters; charts, tables with
subtotals, a cross-table, the declared totals that differ from their lines, and the printed
« Synthèse budgétaire ». Clicking a bar or activating a row narrows every view (drill-down).

The recipe of every tab: it receives its domain service (BudgetService) from desktop/app.py and
never builds one; slow reads — the figures of a filter, the cross-table — go through the shared
worker (views/shell/worker.py), which drops the figures of a filter already replaced; the
situations' commands live in a composed panel (budgets/snapshot_panel.py), not a mixin.
"""

from __future__ import annotations

from dataclasses import asdict

from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.reports.budgets.charts import CHARTS
from desktop.services.budgets.filters import BudgetFilter, describe
from desktop.services.budgets.service import BudgetOptions, BudgetOverview, BudgetService
from desktop.services.common.formatting import (
    format_date,
    format_euros,
    format_percent,
    format_short_euros,
)
from desktop.services.common.vocabulary import STAGES
from desktop.views.budgets.chain_panel import ChainPanel
from desktop.views.budgets.chart_view import ChartView
from desktop.views.budgets.discrepancy_panel import DiscrepancyPanel
from desktop.views.budgets.filter_bar import BudgetFilterBar
from desktop.views.budgets.pivot_panel import PivotPanel
from desktop.views.budgets.snapshot_panel import SnapshotPanel
from desktop.views.shell.empty_state import EmptyAction, EmptyStack
from desktop.views.shell.load_guard import guard_slot, guarded
from desktop.views.shell.tab_page import TabPage
from desktop.views.shell.worker import Worker

SYNTHESIS, CHARTS_PAGE, PIVOT, CHECKS, SNAPSHOTS = range(5)


def _int_or_none(value) -> int | None:
    return None if value in (None, "") else int(value)


class BudgetsTab(TabPage):
    def __init__(self, budgets: BudgetService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._budgets = budgets
        self._options: BudgetOptions | None = None
        self._overview: BudgetOverview | None = None
        self._history: list[BudgetFilter] = []
        self._stale: set[int] = set()
        self._situation = None  # the frozen situation shown (SnapshotRow), None: today
        self._discrepancies: list = []
        self._cross_rows: list | None = None
        self._requested: BudgetFilter | None = None  # the last filter asked for
        self._stepping_back = False
        self._restored: BudgetFilter | None = None  # filters of the last session, until loaded
        # The figures of a filter are summed by the shared worker: the database and numpy work
        # in a pool thread, the GUI thread only draws; an older filter's figures are dropped.
        self._figures = Worker(self)
        self._figures.busy_changed.connect(self._set_busy)

        self.filter_bar = BudgetFilterBar(self)
        self.filter_bar.filter_changed.connect(self._on_filter_bar_filter_changed)
        self.filter_bar.back_button.clicked.connect(self._on_back_clicked)
        self.situation = QComboBox(self)
        self.situation.setAccessibleName(self.tr("Situation montrée"))
        self.situation.setMinimumContentsLength(28)
        self.situation.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.situation.setToolTip(
            self.tr("Aujourd'hui, ou une situation arrêtée : tous les graphiques et tableaux "
                    "montrent alors les montants figés à sa date.")
        )  # fmt: skip
        self.situation.currentIndexChanged.connect(self._on_situation_changed)
        self.key_figures = QLabel(self)
        self.key_figures.setWordWrap(True)
        self.key_figures.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_figures.setAccessibleName(self.tr("Chiffres clés"))
        self.filters_label = QLabel(self)
        self.filters_label.setWordWrap(True)
        self.filters_label.setStyleSheet("color: #444;")

        self.chain = ChainPanel(self)
        self.splitter = self.chain.splitter  # the main window saves its state
        self.chain.drill.connect(self._on_chain_drill)
        self.chain.open_programme.connect(self._open_programme)

        self.chart_views = [ChartView(spec, self) for spec in CHARTS]
        charts_box = QWidget(self)
        grid = QGridLayout(charts_box)
        for index, view in enumerate(self.chart_views):
            view.picked.connect(self._on_chart_picked)
            grid.addWidget(view, index // 2, index % 2)
        self.charts_hint = QLabel(
            self.tr("Cliquer une barre ou une part filtre tous les graphiques et tableaux."), self
        )
        charts_page = QWidget(self)
        charts_layout = QVBoxLayout(charts_page)
        charts_layout.setContentsMargins(0, 4, 0, 0)
        charts_layout.addWidget(self.charts_hint)
        self.charts_scroll = QScrollArea(charts_page)
        self.charts_scroll.setWidgetResizable(True)
        self.charts_scroll.setWidget(charts_box)
        self.charts_scroll.setAccessibleName(self.tr("Graphiques des financements"))
        # Only the charts in view are drawn; the others when scrolled to.
        self.charts_scroll.verticalScrollBar().valueChanged.connect(self._draw_visible_charts)
        self.charts_scroll.viewport().installEventFilter(self)
        charts_layout.addWidget(self.charts_scroll, 1)

        self.pivot = PivotPanel(self)
        self.pivot.activated_line.connect(self._on_pivot_activated_line)
        self.checks = DiscrepancyPanel(self)
        self.checks.programme_activated.connect(self._open_programme)
        self.snapshots = SnapshotPanel(self._budgets.snapshots, self)
        self.snapshots.programme_activated.connect(self._open_programme)
        self.snapshots.changed.connect(self._reload_situations)
        self.snapshots.edited.connect(self.edited)  # Ctrl+Z undoes a freeze or a deletion
        # The funding and declared-totals tables under the names the main window tests use.
        self.funding_model = self.chain.programmes_model
        self.totals_model = self.checks.model

        # With no line to show, the three pages of figures say why (nothing recorded yet, or
        # filters that match nothing) instead of zeros, empty grids and seven blank charts.
        self.synthesis_stack = EmptyStack(self.chain, self)
        self.charts_stack = EmptyStack(charts_page, self)
        self.pivot_stack = EmptyStack(self.pivot, self)
        # « Aucun écart » would be true and misleading on a base with nothing recorded.
        self.checks_stack = EmptyStack(self.checks, self)
        self.pages = QTabWidget(self)
        self.pages.setAccessibleName(self.tr("Vues des budgets"))
        self.pages.addTab(self.synthesis_stack, self.tr("Synthèse prévu / engagé / versé"))
        self.pages.addTab(self.charts_stack, self.tr("Graphiques"))
        self.pages.addTab(self.pivot_stack, self.tr("Tableau croisé"))
        self.pages.addTab(self.checks_stack, self.tr("Totaux déclarés ≠ calculés"))
        self.pages.addTab(self.snapshots, self.tr("Situations arrêtées"))
        self.pages.currentChanged.connect(self._on_pages_current_changed)

        situation_row = QHBoxLayout()
        situation_label = QLabel(self.tr("S&ituation :"), self)
        situation_label.setBuddy(self.situation)
        situation_row.addWidget(situation_label)
        situation_row.addWidget(self.situation)
        situation_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter_bar)
        layout.addLayout(situation_row)
        layout.addWidget(self.key_figures)
        layout.addWidget(self.filters_label)
        layout.addWidget(self.pages, 1)

    # --- loading -----------------------------------------------------------------------------

    def load(self) -> None:
        self._options = self._budgets.options()
        self.filter_bar.set_options(self._options)
        if self._restored is not None:  # the filters of the last session, once codes are known
            self.filter_bar.set_filter(self._restored, announce=False)
            self._restored = None
        self._reload_situations(refresh=False)
        self.settle(self.filter_bar.filter())
        self.loaded.emit()

    def filter_state(self) -> dict:
        """The filters in force, for the settings file (restored at the next start)."""
        flt = self.current_filter() if self._options is not None else self._restored
        return asdict(flt or BudgetFilter())

    def restore_filter_state(self, state: dict | None) -> None:
        """Filters saved by filter_state; applied at the first load, unknown codes left out."""
        if not state:
            return
        try:
            flt = BudgetFilter(
                year_from=_int_or_none(state.get("year_from")),
                year_to=_int_or_none(state.get("year_to")),
                programme=state.get("programme") or None,
                family=state.get("family") or None,
                funders=tuple(str(code) for code in state.get("funders") or ()),
                funder_kind=state.get("funder_kind") or None,
                stage=state.get("stage") if state.get("stage") in STAGES else "planned",
                lead_unit=state.get("lead_unit") or None,
                department=state.get("department") or None,
            )
        except (TypeError, ValueError):
            return
        self._restored = flt
        if self._options is not None:
            self.apply_filter(flt)
            self._restored = None

    def current_filter(self) -> BudgetFilter:
        return self.filter_bar.filter()

    @property
    def busy(self) -> bool:
        """Whether figures for the current filter (or its cross-table) are still being summed."""
        return self._figures.busy or self.pivot.busy

    def _compute(self, flt: BudgetFilter, snapshot: int | None, pivot: bool):
        """(overview, discrepancies, cross-table rows or None): what the visible pages need;
        the cross-table only when it is the page shown (else summed when shown)."""
        budgets = self._budgets
        return (
            budgets.overview(flt, snapshot=snapshot),
            budgets.discrepancies(flt, snapshot=snapshot),
            budgets.cross_rows(flt, snapshot=snapshot) if pivot else None,
        )

    def _refresh(self, flt: BudgetFilter) -> None:
        """Re-aggregate for flt in a worker thread; the figures on screen stay until the new
        ones arrive, and the UI stays responsive meanwhile."""
        self._requested = flt
        snapshot, pivot = self._snapshot_id(), self.pages.currentIndex() == PIVOT
        self._figures.request(lambda: self._compute(flt, snapshot, pivot), self._show)

    def settle(self, flt: BudgetFilter | None = None) -> None:
        """Show the figures of flt (default: the current filter) now, in this thread; a
        computation under way is dropped. Used by loading, printing and exporting."""
        flt = flt or self.current_filter()
        self._requested = flt
        self._figures.drop()
        self._show(self._compute(flt, self._snapshot_id(), self.pages.currentIndex() == PIVOT))
        self.pivot.settle()

    def _set_busy(self, busy: bool) -> None:
        self.key_figures.setEnabled(not busy)
        self.key_figures.setToolTip(self.tr("Calcul en cours…") if busy else "")

    def _show(self, figures) -> None:
        """Show new figures; pages other than the visible one are redrawn when shown."""
        self._overview, self._discrepancies, self._cross_rows = figures
        self._show_key_figures()
        self._show_empty_state()
        self._stale = {SYNTHESIS, CHARTS_PAGE, PIVOT, CHECKS, SNAPSHOTS}
        self._update_page(self.pages.currentIndex())
        self._update_page(CHECKS)  # its count is in the tab title

    def _update_page(self, page: int) -> None:
        if page not in self._stale or self._overview is None:
            return
        self._stale.discard(page)
        flt = self._overview.filter
        if page == SYNTHESIS:
            self.chain.show_overview(self._overview)
        elif page == CHARTS_PAGE:
            for view in self.chart_views:
                view.set_overview(self._overview, self._chart_summary(view.spec.key))
            self._draw_visible_charts()
        elif page == PIVOT:
            stage = STAGES[flt.stage].lower()
            if self._cross_rows is not None:
                self.pivot.set_rows(self._cross_rows, stage)
            else:  # not summed with the overview: the page was hidden
                snapshot = self._snapshot_id()
                self.pivot.set_source(lambda: self._budgets.cross_rows(flt, snapshot=snapshot),
                                      stage)  # fmt: skip
        elif page == CHECKS:
            rows = self._discrepancies
            self.checks.set_rows(rows)
            self.pages.setTabText(
                CHECKS, self.tr("Totaux déclarés ≠ calculés ({n})").format(n=len(rows))
            )
        elif page == SNAPSHOTS:
            self.snapshots.reload(flt)

    def _draw_visible_charts(self, *_args) -> None:
        """Draw the charts of the « Graphiques » page that are in view and not yet drawn."""
        if self.pages.currentIndex() != CHARTS_PAGE or self.charts_stack.showing_empty:
            return  # nothing to chart: no matplotlib for seven blank charts
        box = self.charts_scroll.widget()
        box.layout().activate()
        seen = QRect(-box.x(), -box.y(), self.charts_scroll.viewport().width(),
                     self.charts_scroll.viewport().height())  # fmt: skip
        visible = [v for v in self.chart_views if v.geometry().intersects(seen)]
        for view in visible or self.chart_views[:2]:  # not laid out yet: the first row
            view.draw_if_needed()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize and watched is self.charts_scroll.viewport():
            self._draw_visible_charts()
        return super().eventFilter(watched, event)

    def _show_key_figures(self) -> None:
        total = self._overview.total
        frozen = ""
        if self._situation is not None:
            frozen = self.tr("<b>Situation arrêtée au {d}</b> — ").format(
                d=format_date(self._situation.taken_on)
            )
        self.key_figures.setText(
            frozen
            + self.tr(
                "<b>Prévu {planned}</b> · engagé {committed} (taux d'engagement {crate}) · "
                "versé {paid} (taux de paiement {prate}) · reste à engager {to_commit} · "
                "<b>reste à payer {to_pay}</b>"
            ).format(
                planned=format_euros(total.planned_cents),
                committed=format_euros(total.committed_cents),
                crate=format_percent(total.commitment_rate, 1),
                paid=format_euros(total.paid_cents),
                prate=format_percent(total.payment_rate, 1),
                to_commit=format_euros(total.to_commit_cents),
                to_pay=format_euros(total.to_pay_cents),
            )
        )
        labels = self._options.labels() if self._options else None
        self.filters_label.setText(
            self.tr("Filtres : {f}").format(f=" ; ".join(describe(self._overview.filter, labels)))
        )

    def _figure_stacks(self) -> tuple[EmptyStack, ...]:
        return (self.synthesis_stack, self.charts_stack, self.pivot_stack)

    def _show_empty_state(self) -> None:
        """Figures, or why there are none, from the overview just summed (no other query):
        nothing recorded at all, nothing in the frozen situation, or filters matching nothing
        (then « Effacer les filtres »)."""
        overview = self._overview
        empty = not overview.programmes and not overview.funder_totals
        nothing_at_all = empty and overview.filter.is_default and self._situation is None
        self.key_figures.setVisible(not nothing_at_all)  # « Prévu 0 € » says nothing
        self.filters_label.setVisible(not nothing_at_all)
        no_total = nothing_at_all and not self._discrepancies
        if not no_total:
            self.checks_stack.show_content()
        if not empty:
            for stack in self._figure_stacks():
                stack.show_content()
            return
        if nothing_at_all:
            title = self.tr("Aucun financement enregistré")
            text = self.tr(
                "Les lignes de financement d'un programme (prévu, engagé, versé, par financeur "
                "et par année) se saisissent dans sa page « Financement » : onglet Suivi des "
                "programmes, double-clic sur le programme. Les financeurs (État, Région, fonds "
                "européens…) s'importent d'un classeur, avec vos lignes si vous les avez déjà."
            )
            to_programmes = EmptyAction(
                self.tr("Aller aux programmes"),
                lambda: self.navigate_requested.emit("programmes", ""),
                self.tr("Ouvrir un programme, puis sa page « Financement »"),
            )
            actions = [to_programmes, *self.file_actions()]
        elif overview.filter.is_default:
            title = self.tr("Aucun financement dans cette situation arrêtée")
            text = self.tr(
                "La situation du {d} a été arrêtée alors qu'aucune ligne de financement "
                "n'était enregistrée."
            ).format(d=format_date(self._situation.taken_on))
            actions = [EmptyAction(self.tr("Revenir à aujourd'hui"), self._on_today_clicked)]
        else:
            labels = self._options.labels() if self._options else None
            title = self.tr("Aucun financement pour ces filtres")
            text = self.tr(
                "Aucune ligne de financement ne correspond à la fois à : {f}. Effacez les "
                "filtres pour revoir tous les financements."
            ).format(f=" ; ".join(describe(overview.filter, labels)[1:]))
            actions = [
                EmptyAction(
                    self.tr("Effacer les filtres"),
                    self._on_clear_filters,
                    self.tr("Tous les programmes, financeurs, années et départements"),
                )
            ]
        for stack in (*self._figure_stacks(), *([self.checks_stack] if no_total else [])):
            stack.show_empty(title, text, actions)

    @guard_slot
    def _on_clear_filters(self) -> None:
        """As « Tout afficher »: every filter cleared, the stage measured kept."""
        self.apply_filter(BudgetFilter(stage=self.current_filter().stage))

    def _on_today_clicked(self) -> None:
        self.situation.setCurrentIndex(0)

    # --- frozen situations --------------------------------------------------------------------

    def _snapshot_id(self) -> int | None:
        return None if self._situation is None else self._situation.id

    @guard_slot
    def _reload_situations(self, refresh: bool = True) -> None:
        """List today and the frozen situations; a deleted one shown falls back to today."""
        shown = self._snapshot_id()
        self.situation.blockSignals(True)
        self.situation.clear()
        self.situation.addItem(self.tr("aujourd'hui (chiffres du jour)"), None)
        for snapshot in self._budgets.snapshots.list():
            self.situation.addItem(snapshot.title, snapshot)
        index = next((i for i in range(1, self.situation.count())
                      if self.situation.itemData(i).id == shown), 0)  # fmt: skip
        self.situation.setCurrentIndex(index)
        self.situation.blockSignals(False)
        self._situation = self.situation.itemData(index)
        if refresh and shown != self._snapshot_id():
            self._refresh(self.current_filter())

    def show_situation(self, snapshot_id: int | None) -> None:
        """Show a frozen situation (its id), or today's figures (None), in every view."""
        index = next((i for i in range(1, self.situation.count())
                      if self.situation.itemData(i).id == snapshot_id), 0)  # fmt: skip
        self.situation.setCurrentIndex(index)

    @guard_slot
    def _on_situation_changed(self, index: int) -> None:
        self._situation = self.situation.itemData(index) if index >= 0 else None
        self._refresh(self.current_filter())

    def _chart_summary(self, key: str) -> str:
        """One line of text per chart: what a screen reader says, what a glance confirms."""
        overview = self._overview
        stage = overview.filter.stage
        if key in ("funder_bar", "funder_donut") and overview.funder_totals:
            top = overview.funder_totals[0]
            total = overview.total.stage_cents(stage) or 1
            return self.tr("Premier financeur : {f}, {a} ({p}).").format(
                f=top.funder_name, a=format_short_euros(top.stage_cents(stage)),
                p=format_percent(top.stage_cents(stage) / total),
            )  # fmt: skip
        if key in ("programme", "chain", "cofinancing") and overview.programmes:
            top = overview.programmes[0].subtotal
            return self.tr("{n} programme(s) ; le premier : {c}, {a}.").format(
                n=len(overview.programmes), c=top.programme_code,
                a=format_short_euros(top.stage_cents(stage)),
            )  # fmt: skip
        if key == "axis" and overview.axes:
            return self.tr(
                "Un programme rattaché à plusieurs axes compte dans chacun : la somme des axes "
                "peut dépasser le total."
            )
        if key == "year" and overview.years:
            return self.tr("Année : première année de la période (2022-2023 compte en 2022).")
        return ""

    # --- filters and drill-down --------------------------------------------------------------

    @guard_slot
    def _on_filter_bar_filter_changed(self, flt: BudgetFilter) -> None:
        previous = self._requested  # the last filter asked for, even if still being summed
        if previous is not None and flt != previous and not self._stepping_back:
            self._history.append(previous)
            self.filter_bar.back_button.setEnabled(True)
        self._refresh(flt)

    def apply_filter(self, flt: BudgetFilter) -> None:
        """Show flt in the filter bar, which re-aggregates every view."""
        if flt != self.current_filter():
            self.filter_bar.set_filter(flt)

    @guard_slot
    def _on_back_clicked(self) -> None:
        if not self._history:
            return
        previous = self._history.pop()
        self.filter_bar.back_button.setEnabled(bool(self._history))
        self._stepping_back = True  # so the step back is not recorded as a new step
        try:
            self.filter_bar.set_filter(previous)
        finally:
            self._stepping_back = False

    @guard_slot
    def _on_chain_drill(self, programme: str | None, funder: str | None) -> None:
        flt = self.current_filter()
        if programme:
            flt = flt.with_(programme=programme)
        if funder:
            flt = flt.with_(funders=(funder,))
        self.apply_filter(flt)

    @guard_slot
    def _on_chart_picked(self, gid: str) -> None:
        kind, _, key = gid.partition(":")
        flt = self.current_filter()
        if kind == "programme":
            if key == flt.programme:
                self._open_programme(key)
                return
            self.apply_filter(flt.with_(programme=key))
        elif kind == "funder":
            self.apply_filter(flt.with_(funders=(key,)))
        elif kind == "year" and key.isdigit():
            self.apply_filter(flt.with_(year_from=int(key), year_to=int(key)))

    @guard_slot
    def _on_pivot_activated_line(self, dimension: str, label: str) -> None:
        flt = self.current_filter()
        if dimension == "year" and label.isdigit():
            self.apply_filter(flt.with_(year_from=int(label), year_to=int(label)))
        elif dimension == "programme":
            self.apply_filter(flt.with_(programme=label.split(" — ", 1)[0]))
        elif dimension == "funder" and self._options is not None:
            code = next((f.code for f in self._options.funders if f.name == label), None)
            if code:
                self.apply_filter(flt.with_(funders=(code,)))

    def _open_programme(self, code: str) -> None:
        self.navigate_requested.emit("programmes", code)

    @guard_slot
    def _on_pages_current_changed(self, index: int) -> None:
        self._update_page(index)

    # --- commands routed by the main window ---------------------------------------------------

    def show_item(self, key: str) -> bool:
        """Show the budget of one programme (from another tab)."""
        if self._options is None and not guarded(self, self.load):
            return False
        if not any(c.code == key for c in self._options.programmes):
            return False
        self.apply_filter(BudgetFilter(programme=key, stage=self.current_filter().stage))
        return True

    def selected_charts(self) -> list[str]:
        return [view.spec.key for view in self.chart_views if view.print_box.isChecked()]

    def print_document(self):
        if self._overview is None:
            return None
        if self.busy or self._overview.filter != self.current_filter():
            self.settle()
        from desktop.reports.budgets.synthesis import synthesis

        labels = self._options.labels() if self._options else None
        return synthesis(
            self._overview,
            self._discrepancies,  # summed with the overview, for the same filter and situation
            labels,
            self.selected_charts(),
            situation=self._situation,
        )

    def export_table(self):
        if self._overview is None:
            return None
        if self.busy or self._overview.filter != self.current_filter():
            self.settle()
        page = self.pages.currentIndex()
        self._update_page(page)
        if page == PIVOT:
            return self.pivot.export()
        if page == CHECKS:
            return self.checks.export()
        if page == SNAPSHOTS:
            return self.snapshots.export()
        self._update_page(SYNTHESIS)
        funders = self.chain.funders_view.hasFocus()
        return self.chain.export(funders=funders)

    def take_snapshot(self) -> bool:
        """« Arrêter la situation… »: freeze today's figures, then show their comparison page."""
        self.pages.setCurrentIndex(SNAPSHOTS)
        return self.snapshots.take_snapshot()

    def focus_search(self) -> bool:
        self.filter_bar.programme.setFocus()
        self.filter_bar.programme.lineEdit().selectAll()
        return True
