"""The Financement page of the programme editor: the programme's funding lines, their sums by
funder and stage (sub-programmes included), and each declared total beside the computed sum."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.formatting import format_euros
from desktop.services.parsing import ParseError, parse_money_cents, parse_period
from desktop.services.programme_drafts import FundingDraft
from desktop.services.programme_editing import FundingContext
from desktop.services.vocabulary import STAGES
from desktop.views.programmes.widgets import (
    ALERT,
    ALERT_TEXT,
    ChoiceDelegate,
    cell_key,
    cell_text,
    grid_buttons,
    make_grid,
    text_item,
)

FUNDER, STAGE, PERIOD, AMOUNT, NOTE = range(5)
ID_ROLE = Qt.ItemDataRole.UserRole + 20


class FundingPage(QWidget):
    budgets_requested = Signal()

    def __init__(self, funders: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = FundingContext(0, {}, [], dict(funders))
        self.lines = make_grid(
            self,
            [self.tr("Financeur"), self.tr("Étape"), self.tr("Période"), self.tr("Montant (€)"),
             self.tr("Note")],
            self.tr("Lignes de financement du programme"),
        )  # fmt: skip
        self.lines.setItemDelegateForColumn(FUNDER, ChoiceDelegate(funders, self.lines))
        self.lines.setItemDelegateForColumn(STAGE, ChoiceDelegate(list(STAGES.items()),
                                                                  self.lines))  # fmt: skip
        for column, width in ((FUNDER, 240), (STAGE, 80), (PERIOD, 90), (AMOUNT, 120)):
            self.lines.setColumnWidth(column, width)
        buttons, self.add_button, self.remove_button = grid_buttons(
            self, self.tr("&Ajouter une ligne"), self.tr("&Retirer la ligne")
        )
        self.budgets_button = QPushButton(self.tr("Voir dans l'onglet &Budgets"), self)
        buttons.layout().addWidget(self.budgets_button)
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        self.summary = make_grid(
            self,
            [self.tr("Financeur"), self.tr("Prévu"), self.tr("Engagé"), self.tr("Versé")],
            self.tr("Sommes par financeur et par étape"),
        )
        self.summary.setEditTriggers(self.summary.EditTrigger.NoEditTriggers)
        self.totals = make_grid(
            self,
            [self.tr("Total déclaré"), self.tr("Déclaré"), self.tr("Calculé"), self.tr("Écart"),
             self.tr("Source")],
            self.tr("Totaux déclarés et sommes calculées"),
        )  # fmt: skip
        self.totals.setEditTriggers(self.totals.EditTrigger.NoEditTriggers)
        header = self.summary.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header = self.totals.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)
        self.totals.setColumnWidth(4, 140)
        bottom = QHBoxLayout()
        boxes = (
            (self.tr("Par financeur et par étape"), self.summary),
            (self.tr("Totaux déclarés par les sources"), self.totals),
        )
        for title, table in boxes:
            box = QGroupBox(title, self)
            box_layout = QVBoxLayout(box)
            box_layout.addWidget(table)
            bottom.addWidget(box, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.lines, 1)
        layout.addWidget(buttons)
        layout.addWidget(self.summary_label)
        layout.addLayout(bottom, 1)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.lines.itemChanged.connect(lambda _item: self.refresh_summary())
        self.budgets_button.clicked.connect(self.budgets_requested)

    def set_lines(self, lines: tuple[FundingDraft, ...], context: FundingContext) -> None:
        self.context = context
        self.lines.blockSignals(True)
        self.lines.setRowCount(0)
        for line in lines:
            self._append(line)
        self.lines.blockSignals(False)
        self.refresh_summary()

    def _append(self, line: FundingDraft) -> int:
        row = self.lines.rowCount()
        self.lines.insertRow(row)
        funder = text_item(self.context.funder_names.get(line.funder_code, line.funder_code),
                           line.funder_code)  # fmt: skip
        funder.setData(ID_ROLE, (line.id, line.version))
        self.lines.setItem(row, FUNDER, funder)
        self.lines.setItem(row, STAGE, text_item(STAGES.get(line.stage, line.stage), line.stage))
        self.lines.setItem(row, PERIOD, text_item(line.period))
        amount = text_item(line.amount)
        amount.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.lines.setItem(row, AMOUNT, amount)
        self.lines.setItem(row, NOTE, text_item(line.note))
        return row

    def funding(self) -> tuple[FundingDraft, ...]:
        drafts = []
        for row in range(self.lines.rowCount()):
            ident = self.lines.item(row, FUNDER).data(ID_ROLE) or (None, None)
            drafts.append(
                FundingDraft(
                    cell_key(self.lines, row, FUNDER) or "",
                    cell_text(self.lines, row, AMOUNT),
                    cell_key(self.lines, row, STAGE) or "planned",
                    cell_text(self.lines, row, PERIOD),
                    cell_text(self.lines, row, NOTE),
                    ident[0],
                    ident[1],
                )  # fmt: skip
            )
        return tuple(drafts)

    def _on_add_clicked(self) -> None:
        self.lines.blockSignals(True)
        row = self._append(FundingDraft("", ""))
        self.lines.blockSignals(False)
        self.lines.setCurrentCell(row, FUNDER)
        self.lines.editItem(self.lines.item(row, FUNDER))

    def _on_remove_clicked(self) -> None:
        row = self.lines.currentRow()
        if row >= 0:
            self.lines.removeRow(row)
            self.refresh_summary()

    def _own_lines(self) -> list[tuple[str, str, str | None, int]]:
        """The lines typed so far that read correctly: (funder, stage, period, cents)."""
        found = []
        for line in self.funding():
            try:
                cents = parse_money_cents(line.amount)
                period = parse_period(line.period) if line.period.strip() else None
            except ParseError:
                continue
            if line.funder_code:
                found.append((line.funder_code, line.stage, period, cents))
        return found

    def refresh_summary(self) -> None:
        """Sums update as the user types: own lines plus those of the sub-programmes."""
        own = self._own_lines()
        sums: dict[str, dict[str, int]] = {}
        for (funder, stage), cents in self.context.subprogramme_sums.items():
            sums.setdefault(funder, {}).setdefault(stage, 0)
            sums[funder][stage] += cents
        for funder, stage, _period, cents in own:
            sums.setdefault(funder, {}).setdefault(stage, 0)
            sums[funder][stage] += cents
        names = self.context.funder_names
        rows = sorted(sums.items(), key=lambda kv: -sum(kv[1].values()))
        self.summary.setRowCount(0)
        totals = {"planned": 0, "committed": 0, "paid": 0}
        for funder, stages in [*rows, (None, None)]:
            row = self.summary.rowCount()
            self.summary.insertRow(row)
            label = names.get(funder, funder) if funder else self.tr("Total")
            self.summary.setItem(row, 0, text_item(label, editable=False))
            for column, stage in enumerate(("planned", "committed", "paid"), start=1):
                cents = stages.get(stage, 0) if stages else totals[stage]
                if stages:
                    totals[stage] += cents
                item = text_item(format_euros(cents), editable=False)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.summary.setItem(row, column, item)
            if stages is None:
                for column in range(4):
                    font = self.summary.item(row, column).font()
                    font.setBold(True)
                    self.summary.item(row, column).setFont(font)
        count = self.context.subprogramme_count
        self.summary_label.setText(
            self.tr("Sommes des lignes ci-dessus et de celles des {n} sous-programme(s).").format(
                n=count
            )
            if count
            else self.tr("Sommes des lignes ci-dessus.")
        )
        self._refresh_totals(own)

    def _refresh_totals(self, own) -> None:
        self.totals.setRowCount(0)
        self.differences = 0
        for total in self.context.declared:
            computed = total.others_cents + sum(
                cents
                for funder, stage, period, cents in own
                if (total.funder_code is None or funder == total.funder_code)
                and (total.stage is None or stage == total.stage)
                and (total.period is None or period == total.period)
            )
            difference = total.declared_cents - computed
            row = self.totals.rowCount()
            self.totals.insertRow(row)
            cells = [total.label, format_euros(total.declared_cents), format_euros(computed),
                     format_euros(difference), total.source]  # fmt: skip
            for column, text in enumerate(cells):
                item = text_item(text, editable=False)
                item.setToolTip(text)
                if column in (1, 2, 3):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if difference:
                    item.setBackground(ALERT)
                    if column == 3:
                        item.setForeground(QBrush(ALERT_TEXT))
                self.totals.setItem(row, column, item)
            self.differences += bool(difference)

    def select_row(self, row: int) -> None:
        if 0 <= row < self.lines.rowCount():
            self.lines.setCurrentCell(row, FUNDER)
            self.lines.setFocus()
