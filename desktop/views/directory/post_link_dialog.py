"""Lien fonctionnel… on a post: record a dotted-line link between that post and another one."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QListWidget, QListWidgetItem, QWidget

from desktop.services.directory.rows import PostRow
from desktop.views.directory.edit_dialog import EditDialog

PostFinder = Callable[[str], list[tuple[int, str]]]


class PostLinkDialog(EditDialog):
    """`save(other_post_id, note, supports)` is the service call; its result is kept."""

    def __init__(
        self,
        save: Callable[[int | None, str, bool], object],
        post: PostRow,
        find_posts: PostFinder,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            self.tr("Nouveau lien fonctionnel entre postes"), lambda d: save(*d), parent
        )
        self._find_posts = find_posts
        holder = post.person_label or self.tr("poste vacant")
        intro = QLabel(
            self.tr(
                "Un lien fonctionnel (en pointillés) relie le poste « {title} » ({holder}, "
                "{unit}) à un poste hors de sa ligne hiérarchique."
            ).format(title=post.title, holder=holder, unit=post.unit_label),
            self,
        )
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.direction = QComboBox(self)
        self.direction.addItem(self.tr("Ce poste appuie le poste lié"), True)
        self.direction.addItem(self.tr("Ce poste est appuyé par le poste lié"), False)
        self.add_field("direction", self.tr("S&ens"), self.direction)
        self.search = self.line(
            "target_post", self.tr("&Poste lié *"),
            placeholder=self.tr("Tapez un nom, une fonction ou un sigle"),
        )  # fmt: skip
        self.found = QListWidget(self)
        self.found.setAccessibleName(self.tr("Postes trouvés"))
        self.found.setMaximumHeight(140)
        self.form.addRow("", self.found)
        self.note = self.line(
            "note", self.tr("&Note"), placeholder=self.tr("ex. coordination académique du dossier")
        )
        self.note.setMaxLength(500)
        self.post_id = post.id
        self.target_id: int | None = None
        self.search.textEdited.connect(self._on_search_text_edited)
        self.found.itemActivated.connect(self._on_found_item_activated)
        self.found.itemClicked.connect(self._on_found_item_activated)
        self.search.setFocus()

    def _on_search_text_edited(self, text: str) -> None:
        self.target_id = None
        self.found.clear()
        if len(text.strip()) < 2:
            return
        for post_id, label in self._find_posts(text):
            if post_id == self.post_id:
                continue
            item = QListWidgetItem(label, self.found)
            item.setData(Qt.ItemDataRole.UserRole, post_id)

    def _on_found_item_activated(self, item: QListWidgetItem) -> None:
        self.target_id = item.data(Qt.ItemDataRole.UserRole)
        self.search.setText(item.text())
        self.found.clear()

    def build_input(self, problems: list[tuple[str, str]]) -> tuple[int | None, str, bool]:
        return self.target_id, self.note.text(), self.direction.currentData()
