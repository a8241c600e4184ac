"""Add or edit a post: unit, title, role, holder (or vacant), interim, start and end dates.

Ending a post (an end date) keeps it in the holder's history; a change of post is the old one
ended and a new one added, never an overwrite.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QListWidget, QListWidgetItem, QWidget

from desktop.services.common.formatting import format_date
from desktop.services.common.vocabulary import POSITION_ROLES
from desktop.services.directory.edits import PositionInput
from desktop.services.directory.rows import PostRow, UnitRow
from desktop.views.directory.edit_dialog import EditDialog
from desktop.views.directory.unit_dialog import unit_combo

PersonFinder = Callable[[str], list[tuple[int, str]]]


class PositionDialog(EditDialog):
    def __init__(
        self,
        save: Callable[[PositionInput], object],
        units: list[UnitRow],
        find_people: PersonFinder,
        post: PostRow | None = None,
        unit_id: int | None = None,
        person: tuple[int, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = self.tr("Modifier le poste") if post else self.tr("Nouveau poste")
        super().__init__(title, save, parent)
        self._find_people = find_people
        self.post = post
        self.unit_combo = unit_combo(self, units, self.tr("(choisir un service)"))
        self.select_data(self.unit_combo, post.unit_id if post else unit_id)
        self.add_field("unit", self.tr("&Service *"), self.unit_combo)
        self.title_edit = self.line(
            "title", self.tr("&Fonction *"), post.title if post else "",
            placeholder=self.tr("Directrice, Adjoint au chef de service…"),
        )  # fmt: skip
        self.role_combo = QComboBox(self)
        for code, label in POSITION_ROLES.items():
            self.role_combo.addItem(label, code)
        self.select_data(self.role_combo, post.role if post else "member")
        self.add_field("role", self.tr("&Rôle *"), self.role_combo)

        self.vacant_check = QCheckBox(self.tr("Poste &vacant"), self)
        self.add_field("vacant", "", self.vacant_check)
        self.person_edit = self.line(
            "person", self.tr("&Titulaire"), placeholder=self.tr("Tapez un nom pour chercher")
        )
        self.person_list = QListWidget(self)
        self.person_list.setAccessibleName(self.tr("Personnes trouvées"))
        self.person_list.setMaximumHeight(120)
        self.form.addRow("", self.person_list)
        self.interim_check = QCheckBox(self.tr("Par &intérim"), self)
        self.interim_check.setChecked(bool(post and post.is_interim))
        self.add_field("interim", "", self.interim_check)
        start = format_date(post.start_on) if post and post.start_on else ""
        end = format_date(post.end_on) if post and post.end_on else ""
        self.start_edit = self.line("start_on", self.tr("&Début"), start, placeholder="JJ/MM/AAAA")
        self.end_edit = self.line(
            "end_on", self.tr("Fi&n"), end, placeholder="JJ/MM/AAAA",
            tip=self.tr("Une date de fin garde le poste dans l'historique de la personne"),
        )  # fmt: skip

        self.person_id: int | None = None
        holder = person or (
            (post.person_id, post.person_label) if post and post.person_id is not None else None
        )
        if holder is not None:
            self._choose(*holder)
        self.vacant_check.setChecked(post is not None and post.is_vacant)
        self.person_edit.textEdited.connect(self._on_person_edit_text_edited)
        self.person_list.itemActivated.connect(self._on_person_list_item_activated)
        self.person_list.itemClicked.connect(self._on_person_list_item_activated)
        self.vacant_check.toggled.connect(self._on_vacant_check_toggled)
        self._on_vacant_check_toggled(self.vacant_check.isChecked())

    def _choose(self, person_id: int, label: str) -> None:
        self.person_id = person_id
        self.person_edit.setText(label)
        self.person_list.clear()

    def _on_person_edit_text_edited(self, text: str) -> None:
        self.person_id = None
        self.person_list.clear()
        if len(text.strip()) < 2:
            return
        for person_id, label in self._find_people(text):
            item = QListWidgetItem(label, self.person_list)
            item.setData(Qt.ItemDataRole.UserRole, person_id)

    def _on_person_list_item_activated(self, item: QListWidgetItem) -> None:
        self._choose(item.data(Qt.ItemDataRole.UserRole), item.text())

    def _on_vacant_check_toggled(self, vacant: bool) -> None:
        for widget in (self.person_edit, self.person_list, self.interim_check):
            widget.setEnabled(not vacant)

    def build_input(self, problems: list[tuple[str, str]]) -> PositionInput:
        vacant = self.vacant_check.isChecked()
        if not vacant and self.person_id is None:
            problems.append(
                ("person", "choisissez la personne dans la liste, ou cochez « Poste vacant ».")
            )
        return PositionInput(
            unit_id=self.unit_combo.currentData(),
            title=self.title_edit.text(),
            role=self.role_combo.currentData(),
            person_id=None if vacant else self.person_id,
            is_interim=self.interim_check.isChecked() and not vacant,
            start_on=self.read_date("start_on", problems),
            end_on=self.read_date("end_on", problems),
        )
