"""The Indicateurs page of the programme editor: indicators, their baseline, target and actual
per period, the progress towards the target as a bar, and a small trend chart."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.reports.programmes.charts import indicator_trend
from desktop.services.common.parsing import ParseError, parse_float, parse_period
from desktop.services.programmes.drafts import IndicatorDraft, PeriodDraft
from desktop.services.programmes.progress import indicator_progress, period_key
from desktop.views.programmes.widgets import (
    ProgressDelegate,
    cell_text,
    grid_buttons,
    make_grid,
    text_item,
)

CODE, NAME, UNIT = range(3)
PERIOD, BASELINE, TARGET, ACTUAL, PROGRESS = range(5)


def _values(period: PeriodDraft) -> list[tuple[str, str, float]]:
    """The period's typed values that parse; the others wait for validation on save."""
    try:
        key = parse_period(period.period)
    except ParseError:
        return []
    found = []
    for kind, text in (("baseline", period.baseline), ("target", period.target),
                       ("actual", period.actual)):  # fmt: skip
        try:
            if text.strip():
                found.append((key, kind, parse_float(text)))
        except ParseError:
            continue
    return found


class IndicatorsPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: list[dict] = []  # indicator fields + its periods, edited in place
        self._canvas = None
        self._pending: tuple | None = None  # chart to draw once the page is shown
        self.indicators = make_grid(
            self, [self.tr("Code"), self.tr("Indicateur"), self.tr("Unité")],
            self.tr("Indicateurs du programme"),
        )  # fmt: skip
        self.indicators.setColumnWidth(CODE, 90)
        self.indicators.setColumnWidth(NAME, 260)
        ind_buttons, self.add_indicator_button, self.remove_indicator_button = grid_buttons(
            self, self.tr("Ajouter un &indicateur"), self.tr("Retirer l'indicateur")
        )
        self.values = make_grid(
            self,
            [self.tr("Période"), self.tr("Référence"), self.tr("Cible"), self.tr("Réalisé"),
             self.tr("Progression")],
            self.tr("Valeurs de l'indicateur par période"),
        )  # fmt: skip
        self.values.setItemDelegateForColumn(PROGRESS, ProgressDelegate(self.values))
        for column, width in ((PERIOD, 100), (BASELINE, 90), (TARGET, 90), (ACTUAL, 90)):
            self.values.setColumnWidth(column, width)
        val_buttons, self.add_period_button, self.remove_period_button = grid_buttons(
            self, self.tr("Ajouter une &période"), self.tr("Retirer la période")
        )
        self.progress_label = QLabel(self.tr("Progression vers la cible"), self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setAccessibleName(self.tr("Progression vers la cible"))
        self.progress.setFormat("%p %")
        self.chart_box = QWidget(self)
        self.chart_box.setMinimumHeight(170)
        self.chart_layout = QVBoxLayout(self.chart_box)
        self.chart_layout.setContentsMargins(0, 0, 0, 0)
        hint = QLabel(self.tr("Périodes : une année (2023) ou une année scolaire (2022-2023). "
                              "La progression part de la valeur de référence."), self)  # fmt: skip
        hint.setWordWrap(True)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.indicators)
        left_layout.addWidget(ind_buttons)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.values, 1)
        right_layout.addWidget(val_buttons)
        bar = QHBoxLayout()
        bar.addWidget(self.progress_label)
        bar.addWidget(self.progress, 1)
        right_layout.addLayout(bar)
        right_layout.addWidget(self.chart_box)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([420, 520])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(hint)

        self.add_indicator_button.clicked.connect(self._on_add_indicator_clicked)
        self.remove_indicator_button.clicked.connect(self._on_remove_indicator_clicked)
        self.add_period_button.clicked.connect(self._on_add_period_clicked)
        self.remove_period_button.clicked.connect(self._on_remove_period_clicked)
        self.indicators.itemChanged.connect(self._on_indicators_item_changed)
        self.indicators.currentCellChanged.connect(self._on_indicators_current_cell_changed)
        self.values.itemChanged.connect(self._on_values_item_changed)

    # --- in and out ---------------------------------------------------------------------------

    def set_indicators(self, indicators: tuple[IndicatorDraft, ...]) -> None:
        self._entries = [
            {
                "id": i.id,
                "version": i.version,
                "code": i.code,
                "name": i.name,
                "unit": i.unit,
                "periods": list(i.periods),
            }  # fmt: skip
            for i in indicators
        ]
        self.indicators.blockSignals(True)
        self.indicators.setRowCount(0)
        for entry in self._entries:
            self._append_indicator_row(entry)
        self.indicators.blockSignals(False)
        if self._entries:
            self.indicators.setCurrentCell(0, NAME)
        self._show_values()

    def indicators_draft(self) -> tuple[IndicatorDraft, ...]:
        return tuple(
            IndicatorDraft(
                e["code"], e["name"], e["unit"], tuple(e["periods"]), e["id"], e["version"]
            )  # fmt: skip
            for e in self._entries
        )

    def _append_indicator_row(self, entry: dict) -> int:
        row = self.indicators.rowCount()
        self.indicators.insertRow(row)
        for column, key in ((CODE, "code"), (NAME, "name"), (UNIT, "unit")):
            self.indicators.setItem(row, column, text_item(entry[key]))
        return row

    def _current(self) -> dict | None:
        row = self.indicators.currentRow()
        return self._entries[row] if 0 <= row < len(self._entries) else None

    # --- slots --------------------------------------------------------------------------------

    def _on_add_indicator_clicked(self) -> None:
        entry = {"id": None, "version": None, "code": "", "name": "", "unit": "", "periods": []}
        self._entries.append(entry)
        self.indicators.blockSignals(True)
        row = self._append_indicator_row(entry)
        self.indicators.blockSignals(False)
        self.indicators.setCurrentCell(row, CODE)
        self.indicators.editItem(self.indicators.item(row, CODE))

    def _on_remove_indicator_clicked(self) -> None:
        row = self.indicators.currentRow()
        if 0 <= row < len(self._entries):
            del self._entries[row]
            self.indicators.removeRow(row)
            self._show_values()

    def _on_add_period_clicked(self) -> None:
        entry = self._current()
        if entry is None:
            return
        entry["periods"].append(PeriodDraft(""))
        self._show_values()
        row = self.values.rowCount() - 1
        self.values.setCurrentCell(row, PERIOD)
        self.values.editItem(self.values.item(row, PERIOD))

    def _on_remove_period_clicked(self) -> None:
        entry, row = self._current(), self.values.currentRow()
        if entry is not None and 0 <= row < len(entry["periods"]):
            del entry["periods"][row]
            self._show_values()

    def _on_indicators_item_changed(self, item: QTableWidgetItem) -> None:
        row = item.row()
        if 0 <= row < len(self._entries):
            key = {CODE: "code", NAME: "name", UNIT: "unit"}[item.column()]
            self._entries[row][key] = item.text()

    def _on_indicators_current_cell_changed(self, row: int, _c: int, previous: int, _p: int):
        if row != previous:
            self._show_values()

    def _on_values_item_changed(self, item: QTableWidgetItem) -> None:
        entry = self._current()
        if entry is None or item.column() == PROGRESS:
            return
        row = item.row()
        old = entry["periods"][row]
        entry["periods"][row] = PeriodDraft(
            cell_text(self.values, row, PERIOD), cell_text(self.values, row, BASELINE),
            cell_text(self.values, row, TARGET), cell_text(self.values, row, ACTUAL), old.stored,
        )  # fmt: skip
        self._update_progress(entry)

    # --- display ------------------------------------------------------------------------------

    def _show_values(self) -> None:
        entry = self._current()
        self.values.blockSignals(True)
        self.values.setRowCount(0)
        for period in entry["periods"] if entry else []:
            row = self.values.rowCount()
            self.values.insertRow(row)
            for column, text in ((PERIOD, period.period), (BASELINE, period.baseline),
                                 (TARGET, period.target), (ACTUAL, period.actual)):  # fmt: skip
                self.values.setItem(row, column, text_item(text))
            self.values.setItem(row, PROGRESS, text_item("", editable=False))
        self.values.blockSignals(False)
        enabled = entry is not None
        for widget in (self.values, self.add_period_button, self.remove_period_button):
            widget.setEnabled(enabled)
        self._update_progress(entry)

    def _update_progress(self, entry: dict | None) -> None:
        """Each period's bar measures its actual against its target, from the baseline."""
        periods = entry["periods"] if entry else []
        everything = [v for p in periods for v in _values(p)]
        baselines = [v for v in everything if v[1] == "baseline"]
        self.values.blockSignals(True)
        for row, period in enumerate(periods):
            own = [v for v in _values(period) if v[1] != "baseline"]
            progress = indicator_progress(baselines + own)
            item = self.values.item(row, PROGRESS)
            if item is not None:
                item.setData(Qt.ItemDataRole.UserRole, progress.ratio if progress else None)
                item.setText(f"{progress.percent} %" if progress else "")
        self.values.blockSignals(False)
        overall = indicator_progress(everything)
        self.progress.setValue(max(0, min(100, overall.percent)) if overall else 0)
        self.progress.setFormat(
            self.tr("{p} % en {period}").format(p=overall.percent, period=overall.period)
            if overall
            else self.tr("pas encore mesurée")
        )
        self._draw_chart(entry, everything)

    def _draw_chart(self, entry: dict | None, values: list[tuple[str, str, float]]) -> None:
        """The trend of target and actual; matplotlib is imported here, on first need."""
        if not self.isVisible() and self._canvas is None:
            self._pending = (entry, values)
            return
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        if self._canvas is None:
            self._canvas = FigureCanvasQTAgg(Figure(figsize=(5, 1.8), dpi=90))
            self._canvas.setAccessibleName(self.tr("Évolution de l'indicateur"))
            self.chart_layout.addWidget(self._canvas)
        indicator_trend(self._canvas.figure, values, entry["unit"] if entry else None, period_key)
        self._canvas.draw_idle()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        pending = self._pending
        if pending is not None:
            self._pending = None
            self._draw_chart(*pending)

    def select_row(self, row: int) -> None:
        if 0 <= row < self.indicators.rowCount():
            self.indicators.setCurrentCell(row, CODE)
            self.indicators.setFocus()
