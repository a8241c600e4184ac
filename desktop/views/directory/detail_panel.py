"""The detail panel: the card of the selected person or unit, with links to follow."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QTextBrowser, QWidget

from desktop.services.directory.rows import PersonDetail, UnitDetail
from desktop.views.directory.detail_html import person_html, unit_html


class DetailPanel(QTextBrowser):
    # (action, argument): ("unit", "12"), ("person", "3"), ("programme", "SNU"),
    # ("edit-post", "7"), ("end-post", "7"), ("add-post", "unit:12" | "person:3")
    link_activated = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Fiche détaillée"))
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.anchorClicked.connect(self._on_anchor_clicked)
        self.person: PersonDetail | None = None
        self.unit: UnitDetail | None = None
        self.show_nothing()

    def show_nothing(self) -> None:
        self.person = self.unit = None
        self.setHtml(
            "<p style='color:#5a5a5a'>"
            + self.tr("Choisissez un service dans l'arbre ou une personne dans la liste.")
            + "</p>"
        )

    def show_person(self, person: PersonDetail) -> None:
        self.person, self.unit = person, None
        self.setHtml(person_html(person))

    def show_unit(self, unit: UnitDetail) -> None:
        self.person, self.unit = None, unit
        self.setHtml(unit_html(unit))

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == "mailto":
            QDesktopServices.openUrl(url)
            return
        action, _, argument = url.toString().partition(":")
        self.link_activated.emit(action, argument)
