"""The cross-table page: the user picks the row and column dimensions (funder, programme, year)
and sees the sums with a subtotal per group and a grand total, summed off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.services.budgets.pivot import DIMENSIONS, PivotLine, PivotTable, pivot
from desktop.services.transfer.export import ExportColumn
from desktop.views.budgets.pivot_table_model import LINE_ROLE, BudgetPivotTableModel
from desktop.views.shell.item_views import make_table_view
from desktop.views.shell.worker import Worker

NONE = ""


class PivotPanel(QWidget):
    """activated_line(dimension, label) asks the tab to filter on a double-clicked row."""

    activated_line = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple] | None = None  # (funder, programme, year, cents), once read
        self._source = None  # what reads the rows, until they are read
        self._stage_label = ""
        # pandas re-arranges 200 000 lines in a pool thread; a newer choice drops an older one.
        self._worker = Worker(self)
        self.outer = self._combo(self.tr("Lignes : premier niveau"), "funder", allow_none=False)
        self.inner = self._combo(self.tr("Lignes : second niveau"), "programme", allow_none=True)
        self.columns = self._combo(self.tr("Colonnes"), "year", allow_none=False)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.view = make_table_view(self, self.tr("Tableau croisé financeur × programme × année"))
        self.model = BudgetPivotTableModel(self)
        self.view.setModel(self.model)
        self.view.doubleClicked.connect(self._on_view_double_clicked)
        bar = QHBoxLayout()
        for text, combo in ((self.tr("&Lignes"), self.outer), (self.tr("puis"), self.inner),
                            (self.tr("C&olonnes"), self.columns)):  # fmt: skip
            label = QLabel(text, self)
            label.setBuddy(combo)
            bar.addWidget(label)
            bar.addWidget(combo)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)
        for combo in (self.outer, self.inner, self.columns):
            combo.currentIndexChanged.connect(self._on_dimensions_changed)

    def _combo(self, name: str, current: str, *, allow_none: bool) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName(name)
        if allow_none:
            combo.addItem(self.tr("(aucun)"), NONE)
        for code, label in DIMENSIONS.items():
            combo.addItem(label, code)
        combo.setCurrentIndex(combo.findData(current))
        return combo

    def dimensions(self) -> tuple[tuple[str, ...], str]:
        outer, inner, column = (
            self.outer.currentData(), self.inner.currentData(), self.columns.currentData(),
        )  # fmt: skip
        rows = (outer,) if not inner or inner == outer else (outer, inner)
        if column in rows:  # keep the choice valid: columns take the dimension left over
            column = next(d for d in DIMENSIONS if d not in rows)
        return rows, column

    @property
    def busy(self) -> bool:
        """Whether the table for the latest rows or dimensions is still being summed."""
        return self._worker.busy

    def set_rows(self, rows: list[tuple], stage_label: str) -> None:
        """Show the cross-table of rows (summed already, with the overview)."""
        self._rows, self._source = rows, None
        self._stage_label = stage_label
        self._refresh()

    def set_source(self, read_rows, stage_label: str) -> None:
        """Read the rows with read_rows() and show their cross-table, both off the GUI thread."""
        self._rows, self._source = None, read_rows  # the rows shown are another filter's
        self._stage_label = stage_label
        row_dims, column = self.dimensions()

        def read() -> tuple[list[tuple], PivotTable]:
            rows = read_rows()
            return rows, pivot(rows, row_dims, column)

        self._worker.request(read, self._show_read)

    def settle(self) -> None:
        """The table asked for, now (printing and exporting cannot wait)."""
        self._worker.settle()

    def _refresh(self) -> None:
        rows, (row_dims, column) = self._rows, self.dimensions()
        self._worker.request(lambda: pivot(rows, row_dims, column), self._show_table)

    def _show_read(self, read: tuple[list[tuple], PivotTable]) -> None:
        (self._rows, table), self._source = read, None
        self._show_table(table)

    def _show_table(self, table: PivotTable) -> None:
        row_dims = table.row_dims
        self.model.set_table(table)
        self.caption.setText(
            self.tr(
                "Montants {stage} par {rows}, en colonnes par {col} ; sous-totaux en gras, "
                "total en dernière ligne. Double-clic : filtrer sur la ligne."
            ).format(
                stage=self._stage_label,
                rows=" puis ".join(DIMENSIONS[d].lower() for d in row_dims),
                col=DIMENSIONS[table.column_dim].lower(),
            )
        )
        self.view.resizeColumnsToContents()
        for section in range(len(row_dims)):
            self.view.setColumnWidth(section, min(self.view.columnWidth(section), 340))

    def _on_dimensions_changed(self, _index: int) -> None:
        if self._rows is not None:
            self._refresh()
        elif self._source is not None:  # the rows are still being read: read them again
            self.set_source(self._source, self._stage_label)

    def _on_view_double_clicked(self, index) -> None:
        line: PivotLine = index.data(LINE_ROLE)
        table = self.model.table
        if line is None or table is None or line.kind == "total":
            return
        if index.column() == 1 and len(table.row_dims) == 2 and line.kind == "line":
            self.activated_line.emit(table.row_dims[1], line.inner)
        else:
            self.activated_line.emit(table.row_dims[0], line.outer)

    def export(self) -> tuple[list[ExportColumn], list[PivotLine], str] | None:
        self.settle()
        table: PivotTable | None = self.model.table
        if table is None:
            return None
        labels = len(table.row_dims)
        columns = []
        for index, header in enumerate(table.headers):
            if index < labels:
                columns.append(
                    ExportColumn(header, lambda line, i=index: self.model.value(line, i))
                )
            else:
                columns.append(
                    ExportColumn(header, lambda line, i=index: self.model.value(line, i), "money")
                )
        return columns, self.model.lines(), "Tableau croisé des financements"
