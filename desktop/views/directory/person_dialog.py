"""Add or edit a person: name, first name, e-mail, phone and site."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from desktop.services.directory.edits import PersonInput
from desktop.services.directory.rows import PersonDetail, SiteRow
from desktop.views.directory.edit_dialog import EditDialog
from desktop.views.directory.unit_dialog import site_combo


class PersonDialog(EditDialog):
    def __init__(
        self,
        save: Callable[[PersonInput], object],
        sites: list[SiteRow],
        person: PersonDetail | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = self.tr("Modifier la fiche") if person else self.tr("Nouvelle personne")
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

    def build_input(self, problems: list[tuple[str, str]]) -> PersonInput:
        return PersonInput(
            last_name=self.last_name_edit.text(),
            first_name=self.first_name_edit.text(),
            email=self.email_edit.text(),
            phone=self.phone_edit.text(),
            site_id=self.site_combo.currentData(),
        )
