"""Add or edit a person: name, first name, e-mail, phone and site; a new person may be given
their first post in the same form (service, function, role, start), saved together."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QWidget

from desktop.services.common.vocabulary import POSITION_ROLES
from desktop.services.directory.edits import NewPersonInput, PersonInput, PositionInput
from desktop.services.directory.rows import PersonDetail, SiteRow, UnitRow
from desktop.services.directory.validation import DirectoryValidationError
from desktop.views.directory.edit_dialog import EditDialog
from desktop.views.directory.unit_dialog import site_combo, unit_combo


class PersonDialog(EditDialog):
    def __init__(
        self,
        save: Callable[[PersonInput], object] | Callable[[NewPersonInput], object],
        sites: list[SiteRow],
        person: PersonDetail | None = None,
        parent: QWidget | None = None,
        *,
        units: list[UnitRow] | None = None,
        unit_id: int | None = None,
    ) -> None:
        """units: a new person's form offers their first post in one of these units (none
        chosen unless unit_id says so: a person is often added alone); save then receives a
        NewPersonInput."""
        title = self.tr("Modifier la fiche") if person else self.tr("Nouvelle personne")
        if person is None and units is not None:
            save = self._hinted(save)
        super().__init__(title, save, parent)
        self.person = person
        self.last_name_edit = self.line(
            "last_name", self.tr("&Nom *"), person.last_name if person else "",
            tip=self.tr("Tel qu'il s'imprime, majuscules et accents compris : BÉJEAN"),
        )  # fmt: skip
        self.first_name_edit = self.line(
            "first_name", self.tr("&Prénom *"), person.first_name if person else ""
        )
        self.email_edit = self.line(
            "email", self.tr("C&ourriel"), person.email if person else "",
            placeholder="prenom.nom@ac-montpellier.fr",
        )  # fmt: skip
        self.phone_edit = self.line(
            "phone", self.tr("Télé&phone"), person.phone if person else "",
            placeholder="04 67 91 47 00",
            tip=self.tr("Numéro français à 10 chiffres ; +33 accepté, il est remis en forme"),
        )  # fmt: skip
        self.site_combo = site_combo(self, sites, person.site_id if person else None)
        self.add_field("site", self.tr("Si&te"), self.site_combo)
        self.unit_combo: QComboBox | None = None
        if person is None and units is not None:
            self._add_post_fields(units, unit_id)

    def _hinted(self, save: Callable[[NewPersonInput], object]) -> Callable:
        """A missing function of the first post says how to add the person alone."""
        hint = self.tr(
            "obligatoire pour le premier poste ; pour ajouter la personne seule, choisissez "
            "« (aucun poste pour l'instant) » dans Service."
        )

        def hinted_save(data: NewPersonInput) -> object:
            try:
                return save(data)
            except DirectoryValidationError as error:
                problems = [(f, hint if f == "title" else r) for f, r in error.problems]
                raise DirectoryValidationError(problems) from error

        return hinted_save

    def _add_post_fields(self, units: list[UnitRow], unit_id: int | None) -> None:
        """The first post: left on « aucun poste » the person is added alone."""
        heading = QLabel(self.tr("<b>Premier poste</b> (facultatif)"), self)
        self.form.addRow(heading)
        self.unit_combo = unit_combo(self, units, self.tr("(aucun poste pour l'instant)"))
        self.select_data(self.unit_combo, unit_id)
        self.add_field("unit", self.tr("Ser&vice"), self.unit_combo)
        self.title_edit = self.line(
            "title",
            self.tr("&Fonction"),
            placeholder=self.tr("Directrice, Adjoint au chef de service…"),
        )
        self.role_combo = QComboBox(self)
        for code, label in POSITION_ROLES.items():
            self.role_combo.addItem(label, code)
        self.select_data(self.role_combo, "member")
        self.add_field("role", self.tr("&Rôle"), self.role_combo)
        self.interim_check = QCheckBox(self.tr("Par &intérim"), self)
        self.add_field("interim", "", self.interim_check)
        self.start_edit = self.line("start_on", self.tr("&Début"), placeholder="JJ/MM/AAAA")
        self.unit_combo.currentIndexChanged.connect(self._on_unit_changed)
        self._on_unit_changed()

    def _on_unit_changed(self, _index: int = 0) -> None:
        chosen = self.with_post
        for widget in (self.title_edit, self.role_combo, self.interim_check, self.start_edit):
            widget.setEnabled(chosen)

    @property
    def with_post(self) -> bool:
        """Whether the form adds a first post with the person."""
        return self.unit_combo is not None and self.unit_combo.currentData() is not None

    def build_input(self, problems: list[tuple[str, str]]) -> PersonInput | NewPersonInput:
        person = PersonInput(
            last_name=self.last_name_edit.text(),
            first_name=self.first_name_edit.text(),
            email=self.email_edit.text(),
            phone=self.phone_edit.text(),
            site_id=self.site_combo.currentData(),
        )
        if self.unit_combo is None:
            return person
        if not self.with_post:
            return NewPersonInput(person)
        post = PositionInput(
            unit_id=self.unit_combo.currentData(),
            title=self.title_edit.text(),
            role=self.role_combo.currentData(),
            is_interim=self.interim_check.isChecked(),
            start_on=self.read_date("start_on", problems),
        )
        return NewPersonInput(person, post)
