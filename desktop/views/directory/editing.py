"""The directory tab's edit commands: dialogs, confirmations, and announcing each history batch.

Every command is one service call (one transaction); on success the tab emits `edited(batch)`
so that Ctrl+Z undoes it, then shows the result again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import date

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from desktop.errors import PilotisError
from desktop.services.directory.edits import PersonInput, PositionInput, UnitInput
from desktop.services.directory.service import DirectoryService
from desktop.services.directory.validation import EditConflictError
from desktop.services.safety.conflicts import ConflictReport, ConflictService, as_stored, shown
from desktop.views.directory import confirm as ask
from desktop.views.directory.link_dialog import LinkDialog
from desktop.views.directory.move_dialog import MoveDialog
from desktop.views.directory.person_dialog import PersonDialog
from desktop.views.directory.position_dialog import PositionDialog
from desktop.views.directory.post_link_dialog import PostLinkDialog
from desktop.views.directory.unit_dialog import UnitDialog
from desktop.views.safety.conflict_dialog import CANCEL, TAKE_THEIRS, ConflictDialog

# The fields compared when a move, delete or end of post is refused for a newer version.
CONFLICT_FIELDS = {
    "unit": ("parent_id", "code", "acronym", "name", "kind", "created_on"),
    "person": ("last_name", "first_name", "email", "phone", "site_id"),
    "position": ("unit_id", "person_id", "title", "role", "is_interim", "start_on", "end_on"),
}


def conflict_text(what: str, report: ConflictReport) -> str:
    """« Le service a été modifié par mdupont le 26/11/2026 à 14:05 : Nom : « A » → « B ». »"""
    who = f" par {report.their_login}" if report.their_login else " par quelqu'un d'autre"
    when = report.their_at.strftime(" le %d/%m/%Y à %H:%M") if report.their_at is not None else ""
    if report.deleted:
        return (
            f"{what} a été supprimé(e){who}{when} : rien n'a été fait.\n"
            "Recharger pour afficher l'annuaire à jour ?"
        )
    changes = [
        f"  • {f.label} : « {f.mine_text or shown(f.mine)} » → "
        f"« {f.theirs_text or shown(f.theirs)} »"
        for f in report.differing
    ] or ["  • (d'autres informations que celles affichées)"]
    return (
        f"{what} a été modifié(e){who}{when} depuis son affichage :\n"
        + "\n".join(changes)
        + "\nRien n'a été fait. Recharger la version actuelle, puis recommencer si besoin ?"
    )


class DirectoryEdits(QObject):
    """The directory tab's edit commands, composed into it (`tab.edits`): each one opens its
    dialog over the tab, calls the directory service once, then has the tab show the result.
    A save refused for a newer version is compared through the shared conflict service."""

    def __init__(self, tab: QWidget, service: DirectoryService, conflicts: ConflictService) -> None:
        # tab is the DirectoryTab (not imported: it imports this module): its tree, list and
        # card, and the show_*/select_unit/refresh_results/load methods that show a result.
        super().__init__(tab)
        self._tab = tab
        self._service = service
        self._conflicts = conflicts

    @staticmethod
    def run_dialog(dialog: QDialog) -> bool:
        return dialog.exec() == QDialog.DialogCode.Accepted

    def _warn(self, error: PilotisError) -> None:
        QMessageBox.warning(self._tab, self.tr("Annuaire des services"), str(error))

    def _announce(self, batch: str | None, message: str) -> None:
        """A save joins the undo stack and says in the status bar what it did, as in every tab
        (« Enregistré : … »; the directory names the act: « Poste terminé »)."""
        if batch:
            self._tab.edited.emit(batch)
            message = self.tr("Enregistré : {what} — Ctrl+Z pour annuler").format(
                what=message[:1].lower() + message[1:]
            )
        else:  # « Prendre l'autre version », or nothing changed: there is nothing to undo
            message = self.tr(
                "Rien n'a été enregistré : la fiche affichée est la version actuelle."
            )
        window = self._tab.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(message, 8000)

    # --- conflicts on move / delete / end of post ---------------------------------------------

    def _refused(self, error: PilotisError, table: str, loaded, what: str) -> None:
        """A refused command: a row changed since it was shown says who changed what and
        offers to reload it; any other refusal is shown as it is."""
        if not isinstance(error, EditConflictError):
            self._warn(error)
            return
        names = [n for n in CONFLICT_FIELDS[table] if hasattr(loaded, n)]
        mine = as_stored({n: getattr(loaded, n) for n in names})
        report = self._conflicts.compare(table, loaded.id, mine, mine)
        if self.ask_reload(conflict_text(what, report)):
            self._reload(table, loaded)

    def ask_reload(self, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Annuaire des services"), text)
        box.setParent(self._tab, box.windowFlags())
        reload = box.addButton(self.tr("&Recharger"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(reload)
        box.exec()
        return box.clickedButton() is reload

    def _reload(self, table: str, loaded) -> None:
        kind, shown = self._tab.shown_record()
        if table == "unit":
            self._tab.load()  # the tree itself may have changed
            if self._tab.tree_model.unit(loaded.id) is not None:
                self._tab.select_unit(loaded.id)
            return
        self._tab.refresh_results()
        try:
            if kind == "person":
                self._tab.show_person(shown)
            elif kind == "unit":
                self._tab.show_unit(shown)
        except PilotisError:
            self._tab.detail.show_nothing()

    def _after_edit(self, batch, message, *, unit_id=None, person_id=None, tree=False) -> None:
        self._announce(batch, message)
        if tree:
            self._tab.load()  # the tree changed: rebuild it, keeping the current unit
        else:
            self._tab.refresh_results()
        if unit_id is not None:
            self._tab.select_unit(unit_id) if tree else self._tab.show_unit(unit_id)
        elif person_id is not None:
            self._tab.show_person(person_id)

    def _resolving_save(
        self, table: str, loaded, what: str, save: Callable, make_input
    ) -> Callable:
        """The edit dialog's save callback: save(version, data); on a version conflict, the
        conflict dialog shows both versions, then the chosen values are saved against the
        version just compared, so a row changed again meanwhile is refused again (and shown
        again): no update is ever lost. « Prendre l'autre version » saves nothing and closes
        the form on the stored record; « Annuler » keeps the form as typed."""
        row_id = loaded.id
        base = as_stored({f.name: getattr(loaded, f.name, None) for f in fields(make_input)})

        def attempt(data):
            # Each click compares from the version the form loaded: if a merged save is then
            # refused for a wrong field, the next click compares again rather than overwriting.
            version = loaded.version
            while True:
                try:
                    return save(version, data)
                except EditConflictError:
                    conflicts = self._conflicts
                    report = conflicts.compare(table, row_id, as_stored(asdict(data)), base)
                    action, values = ConflictDialog.resolve(report, what, self._tab)
                    if action == CANCEL or values is None or report.deleted:
                        raise EditConflictError(self._kept_message(what, report.deleted)) from None
                    if action == TAKE_THEIRS:
                        return None  # the stored version stays; the tab shows it again
                    version = report.their_version
                    data = make_input(**values)

        return attempt

    def _kept_message(self, what: str, deleted: bool) -> str:
        if deleted:
            return self.tr(
                "{what} a été supprimé(e) par quelqu'un d'autre : rien n'a été enregistré. "
                "Vos saisies restent dans le formulaire ; Annuler pour le fermer."
            ).format(what=what)
        return self.tr(
            "{what} a été modifié(e) par quelqu'un d'autre : rien n'a été enregistré. "
            "Vos saisies restent dans le formulaire ; Enregistrer pour comparer à nouveau."
        ).format(what=what)

    # --- the tab's commands (Ctrl+N, F2, Suppr) --------------------------------------------

    def new_item(self) -> bool:
        if self._tab.tree.hasFocus():
            self.new_unit()
        else:
            self.new_person()
        return True

    def edit_item(self) -> bool:
        kind, item_id = self._tab.shown_record()
        if kind == "person":
            self.edit_person(item_id)
        elif kind == "unit":
            self.edit_unit(item_id)
        return kind is not None

    def delete_item(self) -> bool:
        kind, item_id = self._tab.shown_record()
        if kind == "person":
            self.delete_person(item_id)
        elif kind == "unit":
            self.delete_unit(item_id)
        return kind is not None

    # --- units ------------------------------------------------------------------------------

    def new_unit(self) -> None:
        dialog = UnitDialog(
            self._service.edits.create_unit, self._tab.tree_model.units(), self._service.sites(),
            parent_id=self._tab.current_unit_id(), parent=self._tab,
        )  # fmt: skip
        if self.run_dialog(dialog):
            result = dialog.result_value
            self._after_edit(result.batch, self.tr("Service ajouté"), unit_id=result.id, tree=True)

    def edit_unit(self, unit_id: int) -> None:
        try:
            unit = self._service.unit_detail(unit_id)
        except PilotisError as error:
            self._warn(error)
            return
        dialog = UnitDialog(
            self._resolving_save(
                "unit", unit, self.tr("Le service"),
                lambda version, data: self._service.edits.update_unit(unit.id, version, data),
                UnitInput,
            ),
            self._tab.tree_model.units(), self._service.sites(), unit=unit, parent=self._tab,
        )  # fmt: skip
        if self.run_dialog(dialog):
            self._after_edit(
                dialog.result_value, self.tr("Service modifié"), unit_id=unit_id, tree=True
            )

    def move_unit(self) -> None:
        kind, unit_id = self._tab.shown_record()
        unit_id = unit_id if kind == "unit" else self._tab.current_unit_id()
        unit = self._tab.tree_model.unit(unit_id)
        if unit is None:
            return
        below = self._service.subtree_ids(self._tab.tree_model.units(), unit.id)
        targets = [u for u in self._tab.tree_model.units() if u.id not in below]
        refused: list[EditConflictError] = []

        def save(parent_id: int | None):
            try:
                return self._service.edits.move_unit(unit.id, unit.version, parent_id)
            except EditConflictError as error:  # changed meanwhile: say by whom, offer reload
                refused.append(error)
                dialog.reject()
                raise

        dialog = MoveDialog(save, unit, targets, self._tab)
        if self.run_dialog(dialog):
            self._after_edit(
                dialog.result_value, self.tr("Service déplacé"), unit_id=unit.id, tree=True
            )
        elif refused:
            self._refused(refused[0], "unit", unit, self.tr("Le service"))

    def move_dropped_unit(self, unit_id: int, parent_id: int) -> None:
        unit, target = self._tab.tree_model.unit(unit_id), self._tab.tree_model.unit(parent_id)
        if unit is None or target is None or unit.parent_id == parent_id:
            return
        question = self.tr("Rattacher « {unit} » (avec ses sous-services) à « {target} » ?")
        if not ask.confirm(
            self._tab, self.tr("Déplacer le service"),
            question.format(unit=unit.display_name, target=target.display_name),
        ):  # fmt: skip
            return
        try:
            batch = self._service.edits.move_unit(unit.id, unit.version, parent_id)
        except PilotisError as error:
            self._refused(error, "unit", unit, self.tr("Le service"))
            return
        self._after_edit(batch, self.tr("Service déplacé"), unit_id=unit.id, tree=True)

    def delete_unit(self, unit_id: int) -> None:
        unit = self._tab.tree_model.unit(unit_id)
        if unit is None:
            return
        subs, posts = self._service.edits.unit_contents(unit_id)
        if subs or posts:
            mode = ask.ask_delete_unit_mode(
                self._tab, unit.display_name, subs, posts, unit.parent_id is not None
            )
            if mode is None:
                return
        else:
            mode = None
            text = self.tr("Supprimer le service « {unit} » ?").format(unit=unit.display_name)
            if not ask.confirm(self._tab, self.tr("Supprimer le service"), text):
                return
        try:
            batch = self._service.edits.delete_unit(unit_id, unit.version, mode)
        except PilotisError as error:
            self._refused(error, "unit", unit, self.tr("Le service"))
            return
        parent = unit.parent_id
        self._after_edit(batch, self.tr("Service supprimé"), unit_id=parent, tree=True)

    # --- people -----------------------------------------------------------------------------

    def new_person(self, unit_id: int | None = None) -> None:
        """A person, and their first post if the form is given one (same save, one Ctrl+Z);
        from a unit's card (« Ajouter une personne à ce service… ») that unit is chosen."""
        dialog = PersonDialog(
            self._service.edits.create_person_with_post, self._service.sites(), parent=self._tab,
            units=self._tab.tree_model.units(), unit_id=unit_id,
        )  # fmt: skip
        if self.run_dialog(dialog):
            result = dialog.result_value
            added = self.tr("Personne et poste ajoutés") if dialog.with_post else None
            self._after_edit(
                result.batch, added or self.tr("Personne ajoutée"), person_id=result.id
            )

    def edit_person(self, person_id: int) -> None:
        try:
            person = self._service.person_detail(person_id)
        except PilotisError as error:
            self._warn(error)
            return
        dialog = PersonDialog(
            self._resolving_save(
                "person", person, self.tr("La fiche"),
                lambda version, data: self._service.edits.update_person(person.id, version, data),
                PersonInput,
            ),
            self._service.sites(), person, self._tab,
        )  # fmt: skip
        if self.run_dialog(dialog):
            self._after_edit(dialog.result_value, self.tr("Fiche modifiée"), person_id=person_id)

    def delete_person(self, person_id: int) -> None:
        person = self._tab.detail.person
        if person is None or person.id != person_id:
            return
        text = self.tr(
            "Supprimer {name} de l'annuaire ?\nSes postes en cours resteront, vacants ; "
            "ses postes passés sont supprimés avec la fiche."
        ).format(name=person.full_name)
        if not ask.confirm(self._tab, self.tr("Supprimer la personne"), text):
            return
        try:
            batch = self._service.edits.delete_person(person_id, person.version)
        except PilotisError as error:
            self._refused(error, "person", person, self.tr("La fiche"))
            return
        self._after_edit(batch, self.tr("Personne supprimée"))
        self._tab.detail.show_nothing()

    # --- posts ------------------------------------------------------------------------------

    def new_post(self, *, unit_id: int | None = None, person_id: int | None = None) -> None:
        kind, shown = self._tab.shown_record()
        person = None
        if person_id is None and unit_id is None:
            if kind == "person":
                person_id = shown
            else:
                unit_id = shown if kind == "unit" else self._tab.current_unit_id()
        if person_id is not None:
            detail = self._service.person_detail(person_id)
            person = (detail.id, f"{detail.last_name} {detail.first_name}")
        dialog = PositionDialog(
            self._service.edits.create_post, self._tab.tree_model.units(),
            self._service.find_people, unit_id=unit_id, person=person, parent=self._tab,
            check_person=self._service.edits.check_person, sites=self._service.sites(),
        )  # fmt: skip
        if self.run_dialog(dialog):
            self._after_post(dialog.result_value.batch, self.tr("Poste ajouté"))

    def _after_post(self, batch: str | None, message: str) -> None:
        kind, shown = self._tab.shown_record()
        self._after_edit(
            batch, message,
            unit_id=shown if kind == "unit" else None,
            person_id=shown if kind == "person" else None,
        )  # fmt: skip

    def _post(self, position_id: int):
        detail = self._tab.detail.person or self._tab.detail.unit
        posts = list(detail.posts) + list(getattr(detail, "past_posts", []))
        return next((p for p in posts if p.id == position_id), None)

    def edit_post(self, position_id: int) -> None:
        post = self._post(position_id)
        if post is None:
            return
        dialog = PositionDialog(
            self._resolving_save(
                "position", post, self.tr("Le poste"),
                lambda version, data: self._service.edits.update_position(post.id, version, data),
                PositionInput,
            ),
            self._tab.tree_model.units(), self._service.find_people, post=post, parent=self._tab,
        )  # fmt: skip
        if self.run_dialog(dialog):
            self._after_post(dialog.result_value, self.tr("Poste modifié"))

    def end_post(self, position_id: int, on: date | None = None) -> None:
        post = self._post(position_id)
        if post is None:
            return
        on = on or date.today()
        text = self.tr(
            "Terminer le poste « {title} » au {day} ?\nIl restera dans l'historique."
        ).format(title=post.title, day=on.strftime("%d/%m/%Y"))
        if not ask.confirm(self._tab, self.tr("Terminer le poste"), text):
            return
        try:
            batch = self._service.edits.end_position(post.id, post.version, on)
        except PilotisError as error:
            self._refused(error, "position", post, self.tr("Le poste"))
            return
        self._after_post(batch, self.tr("Poste terminé"))

    def post_link_activated(self, action: str, argument: str) -> None:
        if action == "edit-post":
            self.edit_post(int(argument))
        elif action == "end-post":
            self.end_post(int(argument))
        elif action == "add-post":
            kind, _, item = argument.partition(":")
            if kind == "unit":
                self.new_post(unit_id=int(item))
            else:
                self.new_post(person_id=int(item))
        elif action == "add-person":
            self.new_person(unit_id=int(argument))
        elif action == "add-link":
            self.new_unit_link(int(argument))
        elif action == "delete-link":
            self.delete_unit_link(int(argument))
        elif action == "add-post-link":
            self.new_post_link(int(argument))
        elif action == "delete-post-link":
            self.delete_post_link(int(argument))

    # --- functional (dotted-line) links -----------------------------------------------------

    def new_unit_link(self, unit_id: int) -> None:
        unit = self._tab.tree_model.unit(unit_id)
        if unit is None:
            return
        dialog = LinkDialog(
            lambda other_id, note, supports: self._service.edits.create_unit_link(
                unit.id, other_id, note, supports=supports
            ),
            unit, self._tab.tree_model.units(), self._tab,
        )  # fmt: skip
        if self.run_dialog(dialog):
            self._after_edit(
                dialog.result_value.batch, self.tr("Lien fonctionnel ajouté"), unit_id=unit_id
            )

    def delete_unit_link(self, link_id: int) -> None:
        unit = self._tab.detail.unit
        link = next((k for k in unit.links if k.id == link_id), None) if unit else None
        if link is None:
            return
        text = self.tr("Supprimer le lien fonctionnel entre « {a} » et « {b} » ?").format(
            a=unit.display_name, b=link.unit.label
        )
        if not ask.confirm(self._tab, self.tr("Supprimer le lien"), text):
            return
        try:
            batch = self._service.edits.delete_unit_link(link.id, link.version)
        except PilotisError as error:
            self._link_refused(error)
            return
        self._after_edit(batch, self.tr("Lien fonctionnel supprimé"), unit_id=unit.id)

    def _link_refused(self, error: PilotisError) -> None:
        """A link deleted meanwhile (links are never edited, only added and deleted): say so
        and offer to show the card as it is now."""
        if not isinstance(error, EditConflictError):
            self._warn(error)
            return
        if self.ask_reload(str(error) + "\n" + self.tr("Recharger la fiche ?")):
            self._after_post(None, "")

    def new_post_link(self, position_id: int) -> None:
        post = self._post(position_id)
        if post is None:
            return
        dialog = PostLinkDialog(
            lambda other_id, note, supports: self._service.edits.create_position_link(
                post.id, other_id, note, supports=supports
            ),
            post, self._service.find_posts, self._tab,
        )  # fmt: skip
        if self.run_dialog(dialog):
            self._after_post(dialog.result_value.batch, self.tr("Lien fonctionnel ajouté"))

    def delete_post_link(self, link_id: int) -> None:
        detail = self._tab.detail.person or self._tab.detail.unit
        found = [(p, k) for p in detail.posts for k in p.links if k.id == link_id] if detail else []
        if not found:
            return
        post, link = found[0]
        text = self.tr(
            "Supprimer le lien fonctionnel entre le poste « {a} » et le poste « {b} » ?"
        ).format(a=post.title, b=link.label)
        if not ask.confirm(self._tab, self.tr("Supprimer le lien"), text):
            return
        try:
            batch = self._service.edits.delete_position_link(link.id, link.version)
        except PilotisError as error:
            self._link_refused(error)
            return
        self._after_post(batch, self.tr("Lien fonctionnel supprimé"))
