"""The Établissements page of the programme editor: search the Annuaire's establishments (UAI,
name or commune, accents ignored, in the database) and keep the programme's beneficiaries."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.programmes.tree import Choice
from desktop.views.programmes.widgets import KEY_ROLE

SEARCH_LIMIT = 50


class EstablishmentsPage(QWidget):
    """`search(text, limit)` and `labels(uais)` are the service's queries (lists of Choice)."""

    def __init__(
        self,
        search: Callable[[str, int], list[Choice]],
        labels: Callable[[tuple[str, ...]], list[Choice]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._search = search
        self._labels = labels
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(
            self.tr("UAI, nom ou commune — ex. « 0340001 », « lycée Béziers »")
        )
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(self.tr("Rechercher un établissement"))
        self.results = QListWidget(self)
        self.results.setAccessibleName(self.tr("Établissements trouvés"))
        self.results.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.results_label = QLabel(self)
        self.results_label.setWordWrap(True)
        self.chosen = QListWidget(self)
        self.chosen.setAccessibleName(self.tr("Établissements bénéficiaires du programme"))
        self.chosen.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.chosen.setSortingEnabled(True)
        self.add_button = QPushButton(self.tr("&Ajouter →"), self)
        self.remove_button = QPushButton(self.tr("← &Retirer"), self)
        self.count_label = QLabel(self)

        search_box = QGroupBox(self.tr("Annuaire de l'éducation"), self)
        search_layout = QVBoxLayout(search_box)
        caption = QLabel(self.tr("Re&chercher :"), search_box)
        caption.setBuddy(self.search_edit)
        search_layout.addWidget(caption)
        search_layout.addWidget(self.search_edit)
        search_layout.addWidget(self.results, 1)
        search_layout.addWidget(self.results_label)
        chosen_box = QGroupBox(self.tr("Établissements bénéficiaires"), self)
        chosen_layout = QVBoxLayout(chosen_box)
        chosen_layout.addWidget(self.chosen, 1)
        chosen_layout.addWidget(self.count_label)
        middle = QVBoxLayout()
        middle.addStretch(1)
        middle.addWidget(self.add_button)
        middle.addWidget(self.remove_button)
        middle.addStretch(1)
        grid = QGridLayout(self)
        grid.addWidget(search_box, 0, 0)
        grid.addLayout(middle, 0, 1)
        grid.addWidget(chosen_box, 0, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(2, 1)

        # A short pause after the last keystroke: one query per pause, not per letter.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.run_search)
        self.search_edit.textChanged.connect(lambda _text: self._timer.start())
        self.search_edit.returnPressed.connect(self.run_search)
        self.add_button.clicked.connect(self.add_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.results.itemDoubleClicked.connect(lambda _item: self.add_selected())
        self.chosen.itemDoubleClicked.connect(lambda _item: self.remove_selected())
        self.run_search()

    def set_uais(self, uais: tuple[str, ...]) -> None:
        self.chosen.clear()
        for choice in self._labels(uais):
            self._add_item(self.chosen, choice)
        self._update_count()

    def uais(self) -> tuple[str, ...]:
        return tuple(sorted(self.chosen.item(i).data(KEY_ROLE) for i in range(self.chosen.count())))

    def run_search(self) -> None:
        self._timer.stop()
        text = self.search_edit.text()
        self.results.clear()
        if not text.strip():
            self.results_label.setText(self.tr("Tapez une partie d'UAI, de nom ou de commune."))
            return
        found = self._search(text, SEARCH_LIMIT + 1)
        present = set(self.uais())
        for choice in found[:SEARCH_LIMIT]:
            item = self._add_item(self.results, choice)
            if choice.key in present:
                item.setForeground(Qt.GlobalColor.gray)
                item.setToolTip(self.tr("Déjà bénéficiaire"))
        if not found:
            self.results_label.setText(self.tr("Aucun établissement ne correspond."))
        elif len(found) > SEARCH_LIMIT:
            self.results_label.setText(
                self.tr("Les {n} premiers ; précisez la recherche.").format(n=SEARCH_LIMIT)
            )
        else:
            self.results_label.setText(self.tr("{n} établissement(s).").format(n=len(found)))

    def add_selected(self) -> None:
        present = set(self.uais())
        for item in self.results.selectedItems():
            key = item.data(KEY_ROLE)
            if key not in present:
                self._add_item(self.chosen, Choice(key, item.text()))
                present.add(key)
            item.setForeground(Qt.GlobalColor.gray)
            item.setToolTip(self.tr("Déjà bénéficiaire"))
        self._update_count()

    def remove_selected(self) -> None:
        for item in self.chosen.selectedItems():
            self.chosen.takeItem(self.chosen.row(item))
        self._update_count()

    @staticmethod
    def _add_item(target: QListWidget, choice: Choice) -> QListWidgetItem:
        item = QListWidgetItem(choice.label, target)
        item.setData(KEY_ROLE, choice.key)
        item.setToolTip(choice.label)
        return item

    def _update_count(self) -> None:
        count = self.chosen.count()
        self.count_label.setText(
            self.tr("{n} établissement(s) bénéficiaire(s).").format(n=count)
            if count
            else self.tr("Aucun établissement bénéficiaire.")
        )
