"""Budgets: funding per programme and funder at each stage, and declared totals vs computed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from desktop.services.formatting import format_euros
from desktop.views.context import Services
from desktop.views.item_views import make_table_view
from desktop.views.qt_models.rows_table_model import Column, RowsTableModel
from desktop.views.tab_page import TabPage


class BudgetsTab(TabPage):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._budgets = services.budgets
        self._checks = services.checks

        def money(header: str, getter) -> Column:
            return Column(header, getter, lambda r: format_euros(getter(r)), align_right=True)

        self.funding_caption = QLabel(self)
        self.funding_table = make_table_view(
            self, self.tr("Financements par programme et financeur")
        )
        self.funding_model = RowsTableModel(
            [
                Column(self.tr("Code"), lambda r: r.programme_code),
                Column(self.tr("Programme"), lambda r: r.programme_name),
                Column(self.tr("Financeur"), lambda r: r.funder_name),
                money(self.tr("Prévu"), lambda r: r.planned_cents),
                money(self.tr("Engagé"), lambda r: r.committed_cents),
                money(self.tr("Versé"), lambda r: r.paid_cents),
            ],
            self,
        )
        self.funding_table.setModel(self.funding_model)

        self.totals_caption = QLabel(self)
        self.totals_table = make_table_view(self, self.tr("Totaux déclarés et sommes calculées"))
        self.totals_model = RowsTableModel(
            [
                Column(self.tr("Programme"), lambda r: r.programme_code),
                Column(self.tr("Total déclaré"), lambda r: r.label),
                money(self.tr("Déclaré"), lambda r: r.declared_cents),
                money(self.tr("Calculé"), lambda r: r.computed_cents),
                money(self.tr("Écart"), lambda r: r.difference_cents),
                Column(self.tr("Source"), lambda r: r.source, tooltip=lambda r: r.source),
            ],
            self,
            emphasis=lambda r: "alert" if r.difference_cents else None,
        )
        self.totals_table.setModel(self.totals_model)

        top, bottom = QWidget(self), QWidget(self)
        for box, caption, table in (
            (top, self.funding_caption, self.funding_table),
            (bottom, self.totals_caption, self.totals_table),
        ):
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.addWidget(caption)
            box_layout.addWidget(table)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setSizes([500, 300])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

    def load(self) -> None:
        funding = self._budgets.funding_by_programme_and_funder()
        self.funding_model.set_rows(funding)
        planned = sum(r.planned_cents for r in funding)
        self.funding_caption.setText(
            self.tr(
                "Financements : {n} lignes programme × financeur, {total} prévus au total"
            ).format(n=len(funding), total=format_euros(planned))
        )
        totals = self._checks.declared_totals()
        self.totals_model.set_rows(totals)
        differing = [t for t in totals if t.difference_cents]
        self.totals_caption.setText(
            self.tr(
                "Totaux déclarés par les sources : {n}, "
                "dont {d} différent(s) de la somme des lignes"
            ).format(n=len(totals), d=len(differing))
        )
        for table in (self.funding_table, self.totals_table):
            table.resizeColumnsToContents()
            table.setColumnWidth(1, min(table.columnWidth(1), 360))
        self.loaded.emit()
