"""Declared vs computed: every total a source declares that differs from the sum of its lines,
by how much, with its source."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.services.budgets.declared import TotalCheckRow
from desktop.services.common.columns import TableColumn
from desktop.services.common.formatting import format_percent
from desktop.services.common.vocabulary import STAGES
from desktop.views.shell.item_views import make_table_view, remember_columns
from desktop.views.shell.rows_table_model import RowsTableModel


def scope_text(row: TotalCheckRow) -> str:
    parts = [row.funder_code, STAGES.get(row.stage or "", None), row.period]
    return ", ".join(p for p in parts if p) or "toutes les lignes"


def gap_rate(row: TotalCheckRow) -> float | None:
    return row.difference_cents / row.declared_cents if row.declared_cents else None


# The table of declared totals that differ from their lines, on screen and in its export.
COLUMNS = (
    TableColumn("programme", "Programme", lambda r: r.programme_code,
                tooltip=lambda r: r.programme_name),
    TableColumn("programme_name", "Nom du programme", lambda r: r.programme_name,
                on_screen=False),  # the code's tooltip on screen
    TableColumn("label", "Total déclaré", lambda r: r.label, tooltip=lambda r: r.label),
    TableColumn("scope", "Portée", scope_text),
    TableColumn("declared", "Déclaré", lambda r: r.declared_cents, "euros"),
    TableColumn("computed", "Somme des lignes", lambda r: r.computed_cents, "euros"),
    TableColumn("difference", "Écart", lambda r: r.difference_cents, "euros"),
    TableColumn("gap_rate", "Écart en %", gap_rate, "percent",
                text=lambda r: format_percent(gap_rate(r), 2)),
    TableColumn("source", "Source", lambda r: r.source, tooltip=lambda r: r.source),
)  # fmt: skip


class DiscrepancyPanel(QWidget):
    programme_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.view = make_table_view(self, self.tr("Totaux déclarés différents des sommes"))
        self.model = RowsTableModel(COLUMNS, self, emphasis=lambda r: "alert")
        self.view.setModel(self.model)
        self.columns = remember_columns(self.view, "budgets/ecarts", caps={1: 320, 7: 320})
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

    def _on_view_double_clicked(self, index) -> None:
        self.programme_activated.emit(self.model.row_at(index.row()).programme_code)

    def export(self):
        rows = [self.model.row_at(i) for i in range(self.model.rowCount())]
        return COLUMNS, rows, "Écarts entre totaux déclarés et sommes"
