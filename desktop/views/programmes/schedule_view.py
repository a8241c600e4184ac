"""The échéancier: milestones not done across programmes, overdue ones in red, by lead unit and
horizon; a milestone can be marked done from here."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import PilotisError
from desktop.services.common.columns import TableColumn
from desktop.services.programmes.schedule import ScheduleRow, ScheduleService
from desktop.services.programmes.tree import Choice
from desktop.views.shell.empty_state import EmptyAction, EmptyStack
from desktop.views.shell.item_views import make_table_view, remember_columns
from desktop.views.shell.rows_table_model import RowsTableModel
from desktop.views.shell.worker import Worker

HORIZONS = ((30, "30 prochains jours"), (90, "3 prochains mois"), (182, "6 prochains mois"),
            (365, "12 prochains mois"), (None, "toutes les échéances à venir"))  # fmt: skip


# The échéancier, on screen and in its export (which adds the precision of each date).
COLUMNS = (
    TableColumn("due_on", "Échéance", lambda r: r.due_on, "date", text=lambda r: r.due_label),
    TableColumn("precision", "Précision", lambda r: r.precision_label, on_screen=False),
    TableColumn("state", "État", lambda r: r.state_label, sort=lambda r: r.days),
    TableColumn("title", "Jalon", lambda r: r.title, tooltip=lambda r: r.note),
    TableColumn("programme", "Programme", lambda r: r.programme_code),
    TableColumn("programme_name", "Intitulé du programme", lambda r: r.programme_name,
                tooltip=lambda r: r.programme_name),
    TableColumn("lead_unit", "Service pilote", lambda r: r.lead_unit),
    TableColumn("note", "Note", lambda r: r.note),
)  # fmt: skip


class ScheduleView(QWidget):
    programme_activated = Signal(str)
    edited = Signal(str)  # history batch of a milestone marked done

    def __init__(self, service: ScheduleService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.rows: list[ScheduleRow] = []
        # The milestones of all programmes (50 000 at scale) are read by the shared worker: the
        # filters stay responsive, and the rows of a filter already changed are dropped.
        self._reads = Worker(self)
        self.unit = QComboBox(self)
        self.unit.setAccessibleName(self.tr("Service pilote"))
        self.unit.setMinimumContentsLength(12)
        self.unit.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.horizon = QComboBox(self)
        self.horizon.setAccessibleName(self.tr("Horizon"))
        self.horizon.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.horizon.setMinimumContentsLength(12)
        for days, label in HORIZONS:
            self.horizon.addItem(label, days)
        self.horizon.setCurrentIndex(1)
        self.overdue = QCheckBox(self.tr("avec les jalons en &retard"), self)
        self.overdue.setChecked(True)
        self.done_button = QPushButton(self.tr("Marquer comme &fait"), self)
        unit_label = QLabel(self.tr("&Service pilote :"), self)
        unit_label.setBuddy(self.unit)
        horizon_label = QLabel(self.tr("É&chéances :"), self)
        horizon_label.setBuddy(self.horizon)
        bar = QHBoxLayout()
        for widget in (unit_label, self.unit, horizon_label, self.horizon, self.overdue):
            bar.addWidget(widget)
        bar.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.done_button)
        bottom.addStretch(1)
        self.caption = QLabel(self)
        self.table = make_table_view(self, self.tr("Échéancier des jalons"))
        self.model = RowsTableModel(
            COLUMNS, self, emphasis=lambda r: "alert" if r.is_overdue else None
        )
        self.table.setModel(self.model)
        self.columns = remember_columns(self.table, "programmes/echeancier", caps={2: 320, 4: 360})
        self.table_stack = EmptyStack(self.table, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.caption)
        layout.addWidget(self.table_stack, 1)
        layout.addLayout(bottom)
        self.unit.currentIndexChanged.connect(self.refresh)
        self.horizon.currentIndexChanged.connect(self.refresh)
        self.overdue.toggled.connect(self.refresh)
        self.done_button.clicked.connect(self._on_done_clicked)
        self.table.doubleClicked.connect(self._on_table_activated)
        self.table.activated.connect(self._on_table_activated)

    def set_units(self, units: list[Choice]) -> None:
        current = self.unit.currentData()
        self.unit.blockSignals(True)
        self.unit.clear()
        self.unit.addItem(self.tr("Tous les services"), None)
        for choice in units:
            self.unit.addItem(choice.label, choice.key)
        self.unit.setCurrentIndex(max(self.unit.findData(current), 0))
        self.unit.blockSignals(False)

    @property
    def busy(self) -> bool:
        """Whether the milestones of the filters shown are still being read."""
        return self._reads.busy

    def refresh(self) -> None:
        """Read the milestones of the filters shown, off the GUI thread."""
        service, unit, horizon = self._service, self.unit.currentData(), self.horizon.currentData()
        overdue = self.overdue.isChecked()
        self._reads.request(
            lambda: service.milestones(unit_id=unit, horizon_days=horizon, overdue=overdue),
            self._show_rows,
        )

    def settle(self) -> None:
        """The milestones asked for, now (printing and exporting cannot wait)."""
        self._reads.settle()

    def _show_rows(self, rows: list[ScheduleRow]) -> None:
        self.rows = rows
        self.model.set_rows(self.rows)
        late = sum(1 for r in self.rows if r.is_overdue)
        self.caption.setText(
            self.tr("{n} jalon(s) à suivre, dont {late} en retard (en rouge)").format(
                n=len(self.rows), late=late
            )
        )
        self.done_button.setEnabled(bool(self.rows))
        self.caption.setVisible(bool(self.rows))  # the empty state says it in words
        if self.rows:
            self.table_stack.show_content()
        else:
            self._show_nothing_due()

    def _show_nothing_due(self) -> None:
        """No milestone in the chosen scope: say which scope, and offer the widest one."""
        scope = self.horizon.currentText()
        if self.unit.currentData() is not None:
            scope += self.tr(", pour {unit}").format(unit=self.unit.currentText())
        actions = []
        if self.horizon.currentData() is not None or self.unit.currentData() is not None:
            actions.append(EmptyAction(self.tr("Voir toutes les échéances"), self._show_everything))
        self.table_stack.show_empty(
            self.tr("Aucun jalon à suivre"),
            self.tr("Aucun jalon à faire sur cette période : {scope}. Les jalons se saisissent "
                    "dans l'onglet « Jalons » de chaque programme.").format(scope=scope),
            actions,
        )  # fmt: skip

    def _show_everything(self) -> None:
        for widget in (self.unit, self.horizon, self.overdue):
            widget.blockSignals(True)
        self.unit.setCurrentIndex(0)
        self.horizon.setCurrentIndex(self.horizon.count() - 1)
        self.overdue.setChecked(True)
        for widget in (self.unit, self.horizon, self.overdue):
            widget.blockSignals(False)
        self.refresh()

    def _current(self) -> ScheduleRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _on_table_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.programme_activated.emit(self.model.row_at(index.row()).programme_code)

    def _on_done_clicked(self) -> None:
        row = self._current()
        if row is None:
            return
        try:
            batch = self._service.set_done(row.id, row.version, True)
        except PilotisError as error:
            QMessageBox.warning(self, self.tr("Pilotis"), str(error))
            return
        self.edited.emit(batch)
        self.refresh()

    def export_table(self):
        self.settle()
        return COLUMNS, list(self.rows), "Échéancier des jalons"
