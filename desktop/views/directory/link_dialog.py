"""Nouveau lien fonctionnel… : record a dotted-line link between the shown unit and another."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from desktop.services.directory.rows import UnitRow
from desktop.views.directory.edit_dialog import EditDialog
from desktop.views.directory.unit_dialog import unit_combo


class LinkDialog(EditDialog):
    """`save(other_unit_id, note, supports)` is the service call; its result is kept."""

    def __init__(
        self,
        save: Callable[[int | None, str, bool], object],
        unit: UnitRow,
        units: list[UnitRow],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            self.tr("Nouveau lien fonctionnel"),
            lambda data: save(*data),
            parent,
        )
        intro = QLabel(
            self.tr(
                "Un lien fonctionnel (en pointillés sur l'organigramme) relie « {unit} » à un "
                "service hors de sa ligne hiérarchique."
            ).format(unit=unit.display_name),
            self,
        )
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.direction = QComboBox(self)
        name = unit.short_label
        self.direction.addItem(self.tr("{unit} appuie le service lié").format(unit=name), True)
        self.direction.addItem(
            self.tr("{unit} est appuyé par le service lié").format(unit=name), False
        )
        self.add_field("direction", self.tr("S&ens"), self.direction)
        others = [u for u in units if u.id != unit.id]
        self.target = unit_combo(self, others, self.tr("(choisissez un service)"))
        self.add_field(
            "target", self.tr("&Service lié *"), self.target,
            self.tr("Tapez un sigle ou un nom pour trouver le service"),
        )  # fmt: skip
        self.note = self.line(
            "note", self.tr("&Note"), placeholder=self.tr("ex. appui informatique des DSDEN")
        )
        self.note.setMaxLength(500)
        self.target.setFocus()

    def build_input(self, problems: list[tuple[str, str]]) -> tuple[int | None, str, bool]:
        return self.target.currentData(), self.note.text(), self.direction.currentData()
