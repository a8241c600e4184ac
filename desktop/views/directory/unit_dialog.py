"""Add or edit a unit: name, acronym, kind, parent, site, creation date and contacts."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QPlainTextEdit, QWidget

from desktop.services.common.formatting import format_date
from desktop.services.common.vocabulary import UNIT_KINDS
from desktop.services.directory.edits import UnitInput
from desktop.services.directory.rows import SiteRow, UnitDetail, UnitRow
from desktop.views.directory.edit_dialog import EditDialog


def unit_combo(parent: QWidget, units: list[UnitRow], none_label: str) -> QComboBox:
    """A searchable list of units (type to jump), in tree order, with a "no unit" first entry."""
    combo = QComboBox(parent)
    combo.addItem(none_label, None)
    for unit in units:
        combo.addItem(unit.display_name, unit.id)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.completer().setFilterMode(combo.completer().filterMode().MatchContains)
    combo.completer().setCompletionMode(combo.completer().completionMode().PopupCompletion)
    combo.setMaxVisibleItems(20)
    # A long name chosen shows its beginning (« DRAJES — Délégation… »), not its end.
    combo.currentIndexChanged.connect(lambda _index: combo.lineEdit().setCursorPosition(0))
    return combo


def site_combo(parent: QWidget, sites: list[SiteRow], current: int | None) -> QComboBox:
    combo = QComboBox(parent)
    combo.addItem("(aucun)", None)
    for site in sites:
        combo.addItem(site.name, site.id)
    index = combo.findData(current)
    combo.setCurrentIndex(max(index, 0))
    return combo


class UnitDialog(EditDialog):
    def __init__(
        self,
        save: Callable[[UnitInput], object],
        units: list[UnitRow],
        sites: list[SiteRow],
        unit: UnitDetail | None = None,
        parent_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = self.tr("Modifier le service") if unit else self.tr("Nouveau service")
        super().__init__(title, save, parent)
        self.unit = unit
        self.name_edit = self.line("name", self.tr("&Nom du service *"), unit.name if unit else "")
        self.acronym_edit = self.line(
            "acronym", self.tr("&Sigle"), unit.acronym if unit else "", placeholder="DRAJES"
        )
        self.kind_combo = QComboBox(self)
        for code, label in UNIT_KINDS.items():
            self.kind_combo.addItem(label, code)
        self.select_data(self.kind_combo, unit.kind if unit else "service")
        self.add_field("kind", self.tr("&Type *"), self.kind_combo)
        own = {unit.id} if unit else set()
        choices = [u for u in units if u.id not in own]
        self.parent_combo = unit_combo(self, choices, self.tr("(aucun — premier niveau)"))
        self.select_data(self.parent_combo, unit.parent_id if unit else parent_id)
        self.add_field(
            "parent", self.tr("&Rattaché à"), self.parent_combo,
            self.tr("Tapez un sigle ou un nom pour trouver le service"),
        )  # fmt: skip
        self.site_combo = site_combo(self, sites, unit.site_id if unit else None)
        self.add_field("site", self.tr("Si&te"), self.site_combo)
        created = format_date(unit.created_on) if unit and unit.created_on else ""
        self.created_edit = self.line(
            "created_on", self.tr("&Création"), created, placeholder="JJ/MM/AAAA"
        )
        self.email_edit = self.line("email", self.tr("C&ourriel"), unit.email if unit else "")
        self.phone_edit = self.line(
            "phone", self.tr("Télé&phone"), unit.phone if unit else "", placeholder="04 67 91 47 00"
        )
        self.address_edit = self.line("address", self.tr("&Adresse"), unit.address if unit else "")
        self.description_edit = QPlainTextEdit(unit.description or "" if unit else "", self)
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setFixedHeight(70)
        self.add_field("description", self.tr("&Description"), self.description_edit)

    def build_input(self, problems: list[tuple[str, str]]) -> UnitInput:
        return UnitInput(
            name=self.name_edit.text(),
            kind=self.kind_combo.currentData(),
            acronym=self.acronym_edit.text(),
            parent_id=self.parent_combo.currentData(),
            site_id=self.site_combo.currentData(),
            created_on=self.read_date("created_on", problems),
            email=self.email_edit.text(),
            phone=self.phone_edit.text(),
            address=self.address_edit.text(),
            description=self.description_edit.toPlainText(),
        )
