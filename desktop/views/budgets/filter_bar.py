"""The filters shared by every chart and table of the Budgets tab, on two labelled rows."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.budgets.filters import BudgetFilter
from desktop.services.budgets.service import BudgetOptions
from desktop.services.common.vocabulary import FUNDER_KINDS, PROGRAMME_FAMILIES, STAGES

ALL = None


class FundersDialog(QDialog):
    """Tick several funders: arrows move, Space ticks, Enter confirms."""

    def __init__(self, funders, chosen: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Choisir plusieurs financeurs"))
        self.list = QListWidget(self)
        self.list.setAccessibleName(self.tr("Financeurs à retenir"))
        for funder in funders:
            item = QListWidgetItem(f"{funder.name} ({funder.code})", self.list)
            item.setData(Qt.ItemDataRole.UserRole, funder.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = funder.code in chosen
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.list.setCurrentRow(0)
        hint = QLabel(
            self.tr("Cocher les financeurs (Espace) ; aucun coché : tous les financeurs."), self
        )
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Filtrer"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(560, 480)

    def chosen(self) -> tuple[str, ...]:
        items = (self.list.item(row) for row in range(self.list.count()))
        return tuple(
            item.data(Qt.ItemDataRole.UserRole)
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        )


class BudgetFilterBar(QWidget):
    """Emits `filter_changed` with the new BudgetFilter each time the user changes a field."""

    filter_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._updating = False
        self.year_from = self._combo(self.tr("Première année"))
        self.year_to = self._combo(self.tr("Dernière année"))
        self.programme = self._combo(self.tr("Programme (et ses sous-programmes)"))
        self.programme.setEditable(True)
        self.programme.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.programme.setMinimumContentsLength(14)
        self.family = self._combo(self.tr("Famille de programmes"))
        self.funder = self._combo(self.tr("Financeur"))
        self.funder.setMinimumContentsLength(14)
        self.several_button = QPushButton(self.tr("P&lusieurs…"), self)
        self.several_button.setToolTip(self.tr("Filtrer sur plusieurs financeurs à la fois"))
        self.several_button.setAccessibleName(self.tr("Choisir plusieurs financeurs"))
        self.several_button.clicked.connect(self.choose_several_funders)
        self._funder_rows = ()
        self.funder_kind = self._combo(self.tr("Nature de financeur"))
        self.stage = self._combo(self.tr("Étape mesurée"))
        self.lead_unit = self._combo(self.tr("Service pilote (et ses sous-services)"))
        self.lead_unit.setMinimumContentsLength(10)
        self.department = self._combo(self.tr("Département"))
        self.reset_button = QPushButton(self.tr("&Tout afficher"), self)
        self.reset_button.setToolTip(self.tr("Effacer tous les filtres"))
        self.reset_button.clicked.connect(self._on_reset_clicked)
        self.back_button = QPushButton(self.tr("← &Retour"), self)
        self.back_button.setToolTip(self.tr("Revenir aux filtres précédents (Alt+Gauche)"))
        self.back_button.setShortcut("Alt+Left")
        self.back_button.setEnabled(False)

        for code, label in STAGES.items():
            self.stage.addItem(label, code)
        self.family.addItem(self.tr("Toutes"), ALL)
        for code, label in PROGRAMME_FAMILIES.items():
            self.family.addItem(label, code)
        self.funder_kind.addItem(self.tr("Toutes"), ALL)
        for code, label in FUNDER_KINDS.items():
            self.funder_kind.addItem(label, code)

        # No mnemonic takes a menu's letter (F, É, A): Alt+F must open the Fichier menu.
        # Three short rows rather than two long ones: the tab stays usable at 1024 px wide
        # and at 150 % scaling.
        rows = [
            [(self.tr("&Programme"), self.programme, 3), (self.tr("Fa&mille"), self.family, 1),
             (self.tr("P&ilote"), self.lead_unit, 2)],
            [(self.tr("Finan&ceur"), self.funder, 3), (self.tr("&Nature"), self.funder_kind, 1),
             (self.tr("Étape"), self.stage, 1)],
            [(self.tr("Année&s de"), self.year_from, 1), (self.tr("à"), self.year_to, 1),
             (self.tr("&Département"), self.department, 2)],
        ]  # fmt: skip
        grid = QVBoxLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        for index, fields in enumerate(rows):
            line = QHBoxLayout()
            line.setSpacing(6)
            for text, widget, stretch in fields:
                label = QLabel(text, self)
                label.setBuddy(widget)
                line.addWidget(label)
                line.addWidget(widget, stretch)
            if index == 1:
                line.insertWidget(2, self.several_button)  # just after the funder list
            if index == 0:
                line.addWidget(self.reset_button)
            elif index == 2:
                line.addWidget(self.back_button)
            grid.addLayout(line)
        for combo in self._combos():
            combo.currentIndexChanged.connect(self._on_field_changed)

    def _combo(self, accessible_name: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName(accessible_name)
        combo.setToolTip(accessible_name)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(6)
        return combo

    def _combos(self) -> list[QComboBox]:
        return [self.year_from, self.year_to, self.programme, self.family, self.funder,
                self.funder_kind, self.stage, self.lead_unit, self.department]  # fmt: skip

    def set_options(self, options: BudgetOptions) -> None:
        """Fill the lists from the database, keeping the current filter."""
        current = self.filter()
        self._updating = True
        try:
            for combo, all_label, items in (
                (self.year_from, self.tr("Toutes"), [(str(y), y) for y in options.years]),
                (self.year_to, self.tr("Toutes"), [(str(y), y) for y in options.years]),
                (self.programme, self.tr("Tous les programmes"),
                 [(c.label, c.code) for c in options.programmes]),
                (self.funder, self.tr("Tous"),
                 [(f"{f.name} ({f.code})", f.code) for f in options.funders]),
                (self.lead_unit, self.tr("Tous"), [(c.label, c.code) for c in options.units]),
                (self.department, self.tr("Tous"),
                 [(c.label, c.code) for c in options.departments]),
            ):  # fmt: skip
                combo.clear()
                combo.addItem(all_label, ALL)
                for text, data in items:
                    combo.addItem(text, data)
            self._funder_rows = options.funders
            completer = QCompleter(self.programme.model(), self.programme)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            self.programme.setCompleter(completer)
            self._apply(current)
        finally:
            self._updating = False

    def filter(self) -> BudgetFilter:
        funder = self.funder.currentData()  # a code, or a tuple of codes (several)
        funders = tuple(funder) if isinstance(funder, tuple | list) else (funder,) if funder else ()
        return BudgetFilter(
            year_from=self.year_from.currentData(),
            year_to=self.year_to.currentData(),
            programme=self.programme.currentData(),
            family=self.family.currentData(),
            funders=funders,
            funder_kind=self.funder_kind.currentData(),
            stage=self.stage.currentData() or "planned",
            lead_unit=self.lead_unit.currentData(),
            department=self.department.currentData(),
        )

    def set_filter(self, flt: BudgetFilter, announce: bool = True) -> None:
        """Show flt and announce it once (drill-down, back, reset). Codes that are not in the
        lists (deleted since) are left out."""
        known = {f.code for f in self._funder_rows}
        if self._funder_rows and any(code not in known for code in flt.funders):
            flt = flt.with_(funders=tuple(c for c in flt.funders if c in known))
        self._updating = True
        try:
            self._apply(flt)
        finally:
            self._updating = False
        if announce:
            self.filter_changed.emit(self.filter())

    def _show_several(self, funders: tuple[str, ...]) -> None:
        """The list's second item stands for several funders chosen at once (or is absent)."""
        if self.funder.count() > 1 and isinstance(self.funder.itemData(1), tuple):
            self.funder.removeItem(1)
        if len(funders) > 1:
            names = {f.code: f.name for f in self._funder_rows}
            text = self.tr("{n} financeurs : {names}").format(
                n=len(funders), names=", ".join(names.get(c, c) for c in funders)
            )
            self.funder.insertItem(1, text, tuple(funders))
            self.funder.setItemData(1, text, Qt.ItemDataRole.ToolTipRole)

    def choose_several_funders(self) -> bool:
        """Open the list of funders to tick; True when the filter changed."""
        dialog = self.make_funders_dialog()
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        chosen = dialog.chosen()
        if chosen == self.filter().funders:
            return False
        self.set_filter(self.filter().with_(funders=chosen))
        return True

    def make_funders_dialog(self) -> FundersDialog:
        return FundersDialog(self._funder_rows, self.filter().funders, self)

    def _apply(self, flt: BudgetFilter) -> None:
        self._show_several(flt.funders)
        values = {
            self.year_from: flt.year_from, self.year_to: flt.year_to,
            self.programme: flt.programme, self.family: flt.family,
            self.funder: flt.funders[0] if len(flt.funders) == 1 else None,
            self.funder_kind: flt.funder_kind, self.stage: flt.stage,
            self.lead_unit: flt.lead_unit, self.department: flt.department,
        }  # fmt: skip
        for combo, value in values.items():
            index = combo.findData(value)
            combo.setCurrentIndex(max(index, 0))
        if len(flt.funders) > 1:
            self.funder.setCurrentIndex(1)  # the « n financeurs » item
        self.programme.lineEdit().setCursorPosition(0)  # show the code, not the name's end

    def _on_field_changed(self, _index: int) -> None:
        if not self._updating:
            flt = self.filter()
            if (
                flt.year_from is not None
                and flt.year_to is not None
                and flt.year_to < flt.year_from
            ):
                self._updating = True
                self.year_to.setCurrentIndex(self.year_to.findData(flt.year_from))
                self._updating = False
                flt = self.filter()
            self.filter_changed.emit(flt)

    def _on_reset_clicked(self) -> None:
        self.set_filter(BudgetFilter(stage=self.filter().stage))
