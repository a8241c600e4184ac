"""Declared vs computed: every total a source declares that differs from the sum of its lines,
by how much, with its source."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.services.budgets.declared import TotalCheckRow
from desktop.services.common.formatting import format_euros, format_percent
from desktop.services.common.vocabulary import STAGES
from desktop.services.transfer.export import ExportColumn
from desktop.views.shell.item_views import make_table_view
from desktop.views.shell.rows_table_model import Column, RowsTableModel


def scope_text(row: TotalCheckRow) -> str:
    parts = [row.funder_code, STAGES.get(row.stage or "", None), row.period]
    return ", ".join(p for p in parts if p) or "toutes les lignes"


def gap_rate(row: TotalCheckRow) -> float | None:
    return row.difference_cents / row.declared_cents if row.declared_cents else None


class DiscrepancyPanel(QWidget):
    programme_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

        def money(header: str, getter) -> Column:
            return Column(header, getter, lambda r: format_euros(getter(r)), align_right=True)

        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.view = make_table_view(self, self.tr("Totaux déclarés différents des sommes"))
        self.model = RowsTableModel(
            [
                Column(self.tr("Programme"), lambda r: r.programme_code,
                       tooltip=lambda r: r.programme_name),
                Column(self.tr("Total déclaré"), lambda r: r.label, tooltip=lambda r: r.label),
                Column(self.tr("Portée"), scope_text),
                money(self.tr("Déclaré"), lambda r: r.declared_cents),
                money(self.tr("Somme des lignes"), lambda r: r.computed_cents),
                money(self.tr("Écart"), lambda r: r.difference_cents),
                Column(self.tr("Écart en %"), gap_rate,
                       lambda r: format_percent(gap_rate(r), 2), align_right=True),
                Column(self.tr("Source"), lambda r: r.source, tooltip=lambda r: r.source),
            ],
            self,
            emphasis=lambda r: "alert",
        )  # fmt: skip
        self.view.setModel(self.model)
        self.view.doubleClicked.connect(self._on_view_double_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)

    def set_rows(self, rows: list[TotalCheckRow]) -> None:
        self.model.set_rows(rows)
        if rows:
            self.caption.setText(
                self.tr(
                    "{n} total(aux) déclaré(s) par les sources diffèrent de la somme de leurs "
                    "lignes (programme et sous-programmes, restreintes au financeur, à l'étape "
                    "et à la période du total quand il les précise). Double-clic : ouvrir le "
                    "programme."
                ).format(n=len(rows))
            )
        else:
            self.caption.setText(
                self.tr("Aucun écart : chaque total déclaré égale la somme de ses lignes.")
            )
        self.view.resizeColumnsToContents()
        for column in (1, 7):
            self.view.setColumnWidth(column, min(self.view.columnWidth(column), 320))

    def _on_view_double_clicked(self, index) -> None:
        self.programme_activated.emit(self.model.row_at(index.row()).programme_code)

    def export(self):
        columns = [
            ExportColumn("Programme", lambda r: r.programme_code),
            ExportColumn("Nom du programme", lambda r: r.programme_name),
            ExportColumn("Total déclaré", lambda r: r.label),
            ExportColumn("Portée", scope_text),
            ExportColumn("Déclaré", lambda r: r.declared_cents, "money"),
            ExportColumn("Somme des lignes", lambda r: r.computed_cents, "money"),
            ExportColumn("Écart", lambda r: r.difference_cents, "money"),
            ExportColumn("Écart en %", gap_rate, "percent"),
            ExportColumn("Source", lambda r: r.source),
        ]
        rows = [self.model.row_at(i) for i in range(self.model.rowCount())]
        return columns, rows, "Écarts entre totaux déclarés et sommes"
