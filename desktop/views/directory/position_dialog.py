"""Add or edit a post: unit, title, role, holder (or vacant), interim, start and end dates.

Ending a post (an end date) keeps it in the holder's history; a change of post is the old one
ended and a new one added, never an overwrite.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from desktop.services.common.formatting import format_date
from desktop.services.common.vocabulary import POSITION_ROLES
from desktop.services.directory.edits import NewPersonInput, PersonInput, PositionInput
from desktop.services.directory.rows import PostRow, SiteRow, UnitRow
from desktop.views.directory.edit_dialog import EditDialog
from desktop.views.directory.person_dialog import PersonDialog
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
        *,
        check_person: Callable[[PersonInput], PersonInput] | None = None,
        sites: list[SiteRow] = (),
    ) -> None:
        """check_person (a new post only): « Nouvelle personne… » types a holder not yet in the
        directory, checked by it; save then receives a NewPersonInput (person and post)."""
        title = self.tr("Modifier le poste") if post else self.tr("Nouveau poste")
        super().__init__(title, save, parent)
        self._find_people = find_people
        self._check_person = check_person
        self._sites = list(sites)
        self.new_person: PersonInput | None = None
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
        self.new_person_button = None
        if post is None and check_person is not None:
            self.new_person_button = QPushButton(self.tr("Nouvelle &personne…"), self)
            self.new_person_button.setToolTip(self.tr(
                "Le titulaire n'est pas encore dans l'annuaire : sa fiche est enregistrée avec le "
                "poste, en une fois"
            ))  # fmt: skip
            self.new_person_button.clicked.connect(self._on_new_person_clicked)
            self.form.addRow("", self.new_person_button)
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
        self.new_person = None
        self.person_edit.setText(label)
        self.person_list.clear()

    def _on_new_person_clicked(self) -> None:
        dialog = PersonDialog(self._check_person, self._sites, parent=self)
        words = self.person_edit.text().split()
        if words:  # what was typed to search: « Lefèvre » or « Lefèvre Anaïs »
            dialog.last_name_edit.setText(words[0])
            dialog.first_name_edit.setText(" ".join(words[1:]))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.person_id = None
        self.new_person = dialog.result_value
        self.person_edit.setText(
            self.tr("{last} {first} (nouvelle fiche)").format(
                last=self.new_person.last_name.strip(), first=self.new_person.first_name.strip()
            )
        )
        self.person_list.clear()
        self.vacant_check.setChecked(False)

    def _on_person_edit_text_edited(self, text: str) -> None:
        self.person_id = None
        self.new_person = None
        self.person_list.clear()
        if len(text.strip()) < 2:
            return
        for person_id, label in self._find_people(text):
            item = QListWidgetItem(label, self.person_list)
            item.setData(Qt.ItemDataRole.UserRole, person_id)

    def _on_person_list_item_activated(self, item: QListWidgetItem) -> None:
        self._choose(item.data(Qt.ItemDataRole.UserRole), item.text())

    def _on_vacant_check_toggled(self, vacant: bool) -> None:
        widgets = [self.person_edit, self.person_list, self.interim_check, self.new_person_button]
        for widget in widgets:
            if widget is not None:
                widget.setEnabled(not vacant)

    def build_input(self, problems: list[tuple[str, str]]) -> PositionInput | NewPersonInput:
        vacant = self.vacant_check.isChecked()
        new_person = None if vacant else self.new_person
        if not vacant and self.person_id is None and new_person is None:
            problems.append(("person", self._choose_holder_reason()))
        post = PositionInput(
            unit_id=self.unit_combo.currentData(),
            title=self.title_edit.text(),
            role=self.role_combo.currentData(),
            person_id=None if vacant else self.person_id,
            is_interim=self.interim_check.isChecked() and not vacant,
            start_on=self.read_date("start_on", problems),
            end_on=self.read_date("end_on", problems),
        )
        return post if new_person is None else NewPersonInput(new_person, post)

    def _choose_holder_reason(self) -> str:
        if self.new_person_button is None:
            return "choisissez la personne dans la liste, ou cochez « Poste vacant »."
        return (
            "choisissez la personne dans la liste, « Nouvelle personne… » si elle n'est pas "
            "encore dans l'annuaire, ou cochez « Poste vacant »."
        )
