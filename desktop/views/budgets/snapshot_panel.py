"""Frozen situations: « Arrêter la situation… » and the comparison of a frozen situation with
today's figures, per programme and funder, under the filters in force."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import PilotisError
from desktop.services.budgets.filters import BudgetFilter
from desktop.services.budgets.snapshots import (
    LABEL_MAX,
    BudgetSnapshotService,
    Comparison,
    ComparisonRow,
    SnapshotError,
    TotalComparisonRow,
)
from desktop.services.common.columns import TableColumn
from desktop.services.common.formatting import format_date, format_euros, format_percent
from desktop.services.common.vocabulary import STAGES
from desktop.views.shell.item_views import make_table_view, remember_columns
from desktop.views.shell.load_guard import guard_slot
from desktop.views.shell.rows_table_model import RowsTableModel


def rate_text(row: ComparisonRow) -> str:
    rate = row.change_rate
    if rate is None:
        return "nouveau" if row.now_cents else "—"
    return format_percent(rate, 2, signed=True)


def signed_euros(cents: int) -> str:
    return ("+" if cents > 0 else "") + format_euros(cents)


def maybe_euros(cents: int | None) -> str:
    return "—" if cents is None else format_euros(cents)


def comparison_columns(then: str = "Situation arrêtée") -> tuple[TableColumn, ...]:
    """The comparison with today, on screen and in its export; then names the frozen column
    (« Au 31/12/2023 » once a situation is chosen)."""
    return (
        TableColumn("programme", "Programme", lambda r: r.programme_code or "Total",
                    tooltip=lambda r: r.programme_name),
        TableColumn("programme_name", "Nom du programme", lambda r: r.programme_name,
                    tooltip=lambda r: r.programme_name),
        TableColumn("funder", "Financeur", lambda r: r.funder_name),
        TableColumn("then", then, lambda r: r.then_cents, "euros"),
        TableColumn("now", "Aujourd'hui", lambda r: r.now_cents, "euros"),
        TableColumn("difference", "Écart", lambda r: r.difference_cents, "euros",
                    text=lambda r: signed_euros(r.difference_cents)),
        TableColumn("change_rate", "Écart en %", lambda r: r.change_rate, "percent",
                    text=rate_text),
    )  # fmt: skip


# The declared totals then and now (shown, not exported: the comparison is the page's table).
TOTALS_COLUMNS = (
    TableColumn("programme", "Programme", lambda r: r.programme_code,
                tooltip=lambda r: r.programme_name),
    TableColumn("label", "Total déclaré", lambda r: r.label, tooltip=lambda r: r.label),
    TableColumn("then_declared", "Déclaré alors", lambda r: r.then_declared_cents, "euros",
                text=lambda r: maybe_euros(r.then_declared_cents)),
    TableColumn("then_computed", "Calculé alors", lambda r: r.then_computed_cents, "euros",
                text=lambda r: maybe_euros(r.then_computed_cents)),
    TableColumn("now_declared", "Déclaré aujourd'hui", lambda r: r.now_declared_cents, "euros",
                text=lambda r: maybe_euros(r.now_declared_cents)),
    TableColumn("now_computed", "Calculé aujourd'hui", lambda r: r.now_computed_cents, "euros",
                text=lambda r: maybe_euros(r.now_computed_cents)),
)  # fmt: skip


class SnapshotDialog(QDialog):
    """Asks the label, date and note of the situation to freeze."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Arrêter la situation"))
        self.label_edit = QLineEdit(self)
        self.label_edit.setMaxLength(LABEL_MAX)
        self.label_edit.setPlaceholderText(self.tr("par exemple : COPIL du 12 décembre"))
        self.date_edit = QDateEdit(QDate.currentDate(), self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.date_edit.setMaximumDate(QDate.currentDate())
        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setMaximumHeight(90)
        explanation = QLabel(
            self.tr(
                "Les montants de toutes les lignes de financement (prévu, engagé, versé, par "
                "programme, financeur et période) sont copiés tels qu'ils sont aujourd'hui. La "
                "situation arrêtée pourra être réimprimée et comparée avec les chiffres du jour."
            ),
            self,
        )
        explanation.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("&Libellé :"), self.label_edit)
        form.addRow(self.tr("Situation &au :"), self.date_edit)
        form.addRow(self.tr("&Note :"), self.note_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Arrêter"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def values(self) -> tuple[str, object, str]:
        return (
            self.label_edit.text(),
            self.date_edit.date().toPython(),
            self.note_edit.toPlainText(),
        )


class SnapshotPanel(QWidget):
    """programme_activated(code) asks the tab to open a programme (double-click on a row);
    changed tells that a situation was frozen or deleted, edited(batch) gives its history batch
    (Ctrl+Z)."""

    programme_activated = Signal(str)
    changed = Signal()
    edited = Signal(str)

    def __init__(self, service: BudgetSnapshotService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._filter = BudgetFilter()
        self._comparison: Comparison | None = None

        self.selector = QComboBox(self)
        self.selector.setAccessibleName(self.tr("Situation arrêtée à comparer"))
        self.selector.setMinimumContentsLength(30)
        self.take_button = QPushButton(self.tr("Arrêter la sit&uation…"), self)
        self.take_button.setToolTip(
            self.tr("Copier les montants d'aujourd'hui sous un libellé et une date")
        )
        self.delete_button = QPushButton(self.tr("Supprimer la situation"), self)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.view = make_table_view(self, self.tr("Comparaison avec aujourd'hui"))

        self.model = RowsTableModel(
            comparison_columns(), self, emphasis=lambda r: "alert" if r.difference_cents else None
        )
        self.view.setModel(self.model)
        self.columns = remember_columns(self.view, "budgets/situation", caps={1: 280, 2: 220})
        self.view.doubleClicked.connect(self._on_view_double_clicked)

        # The declared totals then and now: a frozen « déclaré ≠ calculé » beside today's.
        self.totals_caption = QLabel(self)
        self.totals_caption.setWordWrap(True)
        self.totals_view = make_table_view(self, self.tr("Totaux déclarés, alors et aujourd'hui"))
        self.totals_model = RowsTableModel(
            TOTALS_COLUMNS, self, emphasis=lambda r: "alert" if r.changed else None
        )
        self.totals_view.setModel(self.totals_model)
        self.totals_columns = remember_columns(
            self.totals_view, "budgets/situation_totaux", caps={1: 300}
        )
        self.totals_view.doubleClicked.connect(self._on_totals_double_clicked)
        totals_box = QWidget(self)
        totals_layout = QVBoxLayout(totals_box)
        totals_layout.setContentsMargins(0, 0, 0, 0)
        totals_layout.addWidget(self.totals_caption)
        totals_layout.addWidget(self.totals_view, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(totals_box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)

        bar = QHBoxLayout()
        label = QLabel(self.tr("Comparer avec au&jourd'hui :"), self)
        label.setBuddy(self.selector)
        bar.addWidget(label)
        bar.addWidget(self.selector, 1)
        bar.addWidget(self.delete_button)
        bar.addStretch(0)
        bar.addWidget(self.take_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.caption)
        layout.addWidget(self.splitter, 1)

        self.take_button.clicked.connect(self.take_snapshot)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.selector.currentIndexChanged.connect(self._on_selector_changed)

    # --- data ---------------------------------------------------------------------------------

    @guard_slot
    def reload(self, flt: BudgetFilter, select_id: int | None = None) -> None:
        """List the situations again and compare the chosen one under flt."""
        self._filter = flt
        current = select_id if select_id is not None else self.selector.currentData()
        self.selector.blockSignals(True)
        self.selector.clear()
        for snapshot in self._service.list():
            self.selector.addItem(snapshot.title, snapshot.id)
        index = self.selector.findData(current) if current is not None else -1
        self.selector.setCurrentIndex(index if index >= 0 else 0)
        self.selector.blockSignals(False)
        self._compare()

    def set_filter(self, flt: BudgetFilter) -> None:
        self._filter = flt
        self._compare()

    def _compare(self) -> None:
        snapshot_id = self.selector.currentData()
        self.delete_button.setEnabled(snapshot_id is not None)
        if snapshot_id is None:
            self._comparison = None
            self.model.set_rows([])
            self.totals_model.set_rows([])
            self.totals_caption.setText("")
            self.caption.setText(
                self.tr(
                    "Aucune situation arrêtée. « Arrêter la situation… » copie les montants du "
                    "jour pour pouvoir les réimprimer et les comparer plus tard."
                )
            )
            return
        try:
            comparison = self._service.compare(snapshot_id, self._filter)
        except SnapshotError as error:
            QMessageBox.warning(self, self.tr("Situation arrêtée"), str(error))
            self.reload(self._filter)
            return
        self._comparison = comparison
        snapshot = comparison.snapshot
        total = comparison.rows[-1]
        self.model.set_columns(comparison_columns(f"Au {format_date(snapshot.taken_on)}"))
        self.model.set_rows(comparison.rows[:-1])
        stage = STAGES[self._filter.stage].lower()
        self.caption.setText(
            self.tr(
                "Montants {stage} au {d} (arrêtés le {at} par {login}) comparés avec aujourd'hui, "
                "sous les filtres en vigueur : {then} → {now}, écart <b>{gap}</b> ; "
                "{n} ligne(s) programme × financeur ont changé.{note}"
            ).format(
                stage=stage, d=format_date(snapshot.taken_on),
                at=format_date(snapshot.taken_at.date()), login=snapshot.login,
                then=format_euros(total.then_cents), now=format_euros(total.now_cents),
                gap=signed_euros(total.difference_cents), n=comparison.changed,
                note=f" Note : {snapshot.note}" if snapshot.note else "",
            )
        )  # fmt: skip
        self._show_totals(snapshot_id)

    def _show_totals(self, snapshot_id: int) -> None:
        totals: list[TotalComparisonRow] = self._service.compare_totals(snapshot_id, self._filter)
        self.totals_model.set_rows(totals)
        changed = sum(1 for r in totals if r.changed)
        if not totals:
            text = self.tr(
                "Totaux déclarés : cette situation a été arrêtée sans eux (avant la version qui "
                "les fige)."
            )
        else:
            text = self.tr(
                "Totaux déclarés et sommes de leurs lignes, alors et aujourd'hui : {n} sur {t} "
                "ont changé."
            ).format(n=changed, t=len(totals))
        self.totals_caption.setText(text)

    def comparison(self) -> Comparison | None:
        return self._comparison

    # --- actions ------------------------------------------------------------------------------

    def make_dialog(self) -> SnapshotDialog:
        return SnapshotDialog(self)

    def take_snapshot(self) -> bool:
        """Ask the label and date, freeze the figures; the dialog stays open on a refusal."""
        dialog = self.make_dialog()
        while dialog.exec() == QDialog.DialogCode.Accepted:
            label, taken_on, note = dialog.values()
            try:
                snapshot = self._service.take(label, taken_on, note)
            except PilotisError as error:  # refused, or the server is away: nothing written
                QMessageBox.warning(self, self.tr("Arrêter la situation"), str(error))
                continue
            self.reload(self._filter, select_id=snapshot.id)
            self.changed.emit()
            if snapshot.batch:
                self.edited.emit(snapshot.batch)
            return True
        return False

    @guard_slot
    def _on_delete_clicked(self) -> None:
        snapshot_id = self.selector.currentData()
        if snapshot_id is None:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Supprimer la situation"),
            self.tr(
                "Supprimer la situation « {t} » ? Ses chiffres ne pourront plus être réimprimés."
            ).format(t=self.selector.currentText()),  # fmt: skip
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        batch = None
        try:
            batch = self._service.delete(snapshot_id)
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Supprimer la situation"), str(error))
        self.reload(self._filter)
        self.changed.emit()
        if batch:
            self.edited.emit(batch)

    @guard_slot
    def _on_selector_changed(self, _index: int) -> None:
        self._compare()

    def _on_view_double_clicked(self, index) -> None:
        self.programme_activated.emit(self.model.row_at(index.row()).programme_code)

    def _on_totals_double_clicked(self, index) -> None:
        self.programme_activated.emit(self.totals_model.row_at(index.row()).programme_code)

    def export(self):
        comparison = self._comparison
        if comparison is None:
            return None
        columns = comparison_columns(f"Au {format_date(comparison.snapshot.taken_on)}")
        rows = [self.model.row_at(i) for i in range(self.model.rowCount())] + [comparison.rows[-1]]
        return columns, rows, f"Comparaison {comparison.snapshot.label} avec aujourd'hui"
