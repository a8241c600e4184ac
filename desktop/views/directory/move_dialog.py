"""Déplacer… : choose the new parent of a unit (its own sub-units are not offered)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QWidget

from desktop.services.directory.rows import UnitRow
from desktop.views.directory.edit_dialog import EditDialog
from desktop.views.directory.unit_dialog import unit_combo


class MoveDialog(EditDialog):
    def __init__(
        self,
        save: Callable[[int | None], object],
        unit: UnitRow,
        targets: list[UnitRow],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("Déplacer le service"), save, parent)
        intro = QLabel(
            self.tr("Déplacer « {unit} » avec ses sous-services et ses postes sous :").format(
                unit=unit.display_name
            ),
            self,
        )
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.parent_combo = unit_combo(self, targets, self.tr("(aucun — premier niveau)"))
        self.select_data(self.parent_combo, unit.parent_id)
        self.add_field(
            "parent", self.tr("&Nouveau rattachement"), self.parent_combo,
            self.tr("Tapez un sigle ou un nom pour trouver le service"),
        )  # fmt: skip

    def build_input(self, problems: list[tuple[str, str]]) -> int | None:
        return self.parent_combo.currentData()
