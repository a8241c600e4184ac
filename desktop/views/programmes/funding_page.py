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

from desktop.services.budgets.declared import covered_cents
from desktop.services.common.formatting import format_euros
from desktop.services.common.parsing import ParseError, parse_money_cents, parse_period
from desktop.services.common.vocabulary import STAGES
from desktop.services.programmes.drafts import DeclaredTotalDraft, FundingDraft
from desktop.services.programmes.editing import FundingContext
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
# Columns of the declared totals: what the user types, then the computed sum and difference.
T_LABEL, T_FUNDER, T_STAGE, T_PERIOD, T_DECLARED, T_COMPUTED, T_DIFF, T_SOURCE = range(8)
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
            [self.tr("Libellé"), self.tr("Financeur"), self.tr("Étape"), self.tr("Période"),
             self.tr("Déclaré (€)"), self.tr("Calculé"), self.tr("Écart"), self.tr("Source")],
            self.tr("Totaux déclarés et sommes calculées"),
        )  # fmt: skip
        self.totals.setItemDelegateForColumn(
            T_FUNDER, ChoiceDelegate([("", self.tr("(tous)")), *funders], self.totals)
        )
        self.totals.setItemDelegateForColumn(
            T_STAGE,
            ChoiceDelegate([("", self.tr("(toutes)")), *STAGES.items()], self.totals),
        )
        totals_buttons, self.add_total_button, self.remove_total_button = grid_buttons(
            self, self.tr("Ajouter un &total déclaré"), self.tr("Retirer le total")
        )
        header = self.summary.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header = self.totals.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(T_LABEL, QHeaderView.ResizeMode.Stretch)
        for column, width in ((T_FUNDER, 190), (T_STAGE, 80), (T_PERIOD, 80), (T_DECLARED, 120),
                              (T_COMPUTED, 120), (T_DIFF, 110), (T_SOURCE, 200)):  # fmt: skip
            self.totals.setColumnWidth(column, width)
        # The lines and their sums side by side; the declared totals, with their eight columns,
        # get the whole width below.
        top = QHBoxLayout()
        lines_box = QWidget(self)
        lines_layout = QVBoxLayout(lines_box)
        lines_layout.setContentsMargins(0, 0, 0, 0)
        lines_layout.addWidget(self.lines, 1)
        lines_layout.addWidget(buttons)
        lines_layout.addWidget(self.summary_label)
        summary_box = QGroupBox(self.tr("Par financeur et par étape"), self)
        QVBoxLayout(summary_box).addWidget(self.summary)
        top.addWidget(lines_box, 3)
        top.addWidget(summary_box, 2)
        totals_box = QGroupBox(self.tr("Totaux déclarés par les sources"), self)
        totals_layout = QVBoxLayout(totals_box)
        totals_layout.addWidget(self.totals)
        totals_layout.addWidget(totals_buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 3)
        layout.addWidget(totals_box, 2)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.add_total_button.clicked.connect(self._on_add_total_clicked)
        self.remove_total_button.clicked.connect(self._on_remove_total_clicked)
        self.lines.itemChanged.connect(lambda _item: self.refresh_summary())
        self.totals.itemChanged.connect(self._on_total_changed)
        self.budgets_button.clicked.connect(self.budgets_requested)

    def set_lines(
        self,
        lines: tuple[FundingDraft, ...],
        context: FundingContext,
        declared: tuple[DeclaredTotalDraft, ...] = (),
    ) -> None:
        self.context = context
        self.lines.blockSignals(True)
        self.lines.setRowCount(0)
        for line in lines:
            self._append(line)
        self.lines.blockSignals(False)
        self.totals.blockSignals(True)
        self.totals.setRowCount(0)
        for total in declared:
            self._append_total(total)
        self.totals.blockSignals(False)
        self.refresh_summary()

    def _append_total(self, total: DeclaredTotalDraft) -> int:
        row = self.totals.rowCount()
        self.totals.insertRow(row)
        label = text_item(total.label)
        label.setData(ID_ROLE, (total.id, total.version))
        self.totals.setItem(row, T_LABEL, label)
        funder = self.context.funder_names.get(total.funder_code, total.funder_code)
        self.totals.setItem(row, T_FUNDER, text_item(funder or self.tr("(tous)"),
                                                     total.funder_code))  # fmt: skip
        stage = STAGES.get(total.stage, total.stage) or self.tr("(toutes)")
        self.totals.setItem(row, T_STAGE, text_item(stage, total.stage))
        self.totals.setItem(row, T_PERIOD, text_item(total.period))
        self.totals.setItem(row, T_DECLARED, text_item(total.amount))
        for column in (T_COMPUTED, T_DIFF):
            self.totals.setItem(row, column, text_item("", editable=False))
        self.totals.setItem(row, T_SOURCE, text_item(total.source))
        for column in (T_DECLARED, T_COMPUTED, T_DIFF):
            self.totals.item(row, column).setTextAlignment(
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
        return row

    def declared(self) -> tuple[DeclaredTotalDraft, ...]:
        drafts = []
        for row in range(self.totals.rowCount()):
            ident = self.totals.item(row, T_LABEL).data(ID_ROLE) or (None, None)
            drafts.append(
                DeclaredTotalDraft(
                    cell_text(self.totals, row, T_LABEL),
                    cell_text(self.totals, row, T_DECLARED),
                    cell_text(self.totals, row, T_SOURCE),
                    cell_key(self.totals, row, T_FUNDER) or "",
                    cell_key(self.totals, row, T_STAGE) or "",
                    cell_text(self.totals, row, T_PERIOD),
                    ident[0],
                    ident[1],
                )  # fmt: skip
            )
        return tuple(drafts)

    def _on_add_total_clicked(self) -> None:
        self.totals.blockSignals(True)
        row = self._append_total(DeclaredTotalDraft("", "", ""))
        self.totals.blockSignals(False)
        self._refresh_totals(self._own_lines())
        self.totals.setCurrentCell(row, T_LABEL)
        self.totals.editItem(self.totals.item(row, T_LABEL))

    def _on_remove_total_clicked(self) -> None:
        row = self.totals.currentRow()
        if row >= 0:
            self.totals.removeRow(row)

    def _on_total_changed(self, item) -> None:
        if item.column() not in (T_COMPUTED, T_DIFF):
            self._refresh_totals(self._own_lines())

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
        totals = dict.fromkeys(STAGES, 0)
        for funder, stages in [*rows, (None, None)]:
            row = self.summary.rowCount()
            self.summary.insertRow(row)
            label = names.get(funder, funder) if funder else self.tr("Total")
            self.summary.setItem(row, 0, text_item(label, editable=False))
            for column, stage in enumerate(STAGES, start=1):
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
        """Each total's computed sum and difference, recomputed as lines or totals are typed;
        a total that does not read yet (amount or period being typed) shows no comparison."""
        sub_lines = self.context.subprogramme_lines
        self.differences = 0
        self.totals.blockSignals(True)
        for row, total in enumerate(self.declared()):
            try:
                declared = parse_money_cents(total.amount)
                period = parse_period(total.period) if total.period.strip() else None
            except ParseError:
                declared = None
            computed = difference = None
            if declared is not None:
                # the programme's own lines (as typed) are one programme, keyed None
                lines = [(None, *line) for line in own]
                lines += [(*key, cents) for key, cents in sub_lines.items()]
                computed = covered_cents(
                    lines,
                    funder=total.funder_code or None,
                    stage=total.stage or None,
                    period=period,
                )
                difference = declared - computed
            self.totals.item(row, T_COMPUTED).setText(
                "" if computed is None else format_euros(computed)
            )
            self.totals.item(row, T_DIFF).setText(
                "" if difference is None else format_euros(difference)
            )
            for column in range(self.totals.columnCount()):
                item = self.totals.item(row, column)
                item.setToolTip(item.text())
                item.setBackground(ALERT if difference else QBrush())
                if column == T_DIFF:
                    item.setForeground(QBrush(ALERT_TEXT) if difference else QBrush())
            self.differences += bool(difference)
        self.totals.blockSignals(False)

    def select_row(self, row: int) -> None:
        if 0 <= row < self.lines.rowCount():
            self.lines.setCurrentCell(row, FUNDER)
            self.lines.setFocus()
