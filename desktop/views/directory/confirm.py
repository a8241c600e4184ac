"""The questions the directory asks before destructive edits (tests replace these functions)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def confirm(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def ask_delete_unit_mode(
    parent: QWidget, label: str, sub_units: int, posts: int, has_parent: bool
) -> str | None:
    """What to do with the content of a unit being deleted: "reattach", "cascade" or None."""
    parts = []
    if sub_units:
        parts.append(f"{sub_units} sous-service(s)")
    if posts:
        parts.append(f"{posts} poste(s) (en cours ou passés)")
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Supprimer le service")
    box.setText(f"« {label} » contient encore {' et '.join(parts)}.")
    box.setInformativeText(
        "Rattacher : ils passent au service parent, seul ce service disparaît.\n"
        "Tout supprimer : les sous-services et tous leurs postes sont supprimés "
        "(les personnes restent dans l'annuaire).\n"
        "Ctrl+Z annule la suppression."
    )
    reattach = box.addButton("&Rattacher au service parent", QMessageBox.ButtonRole.AcceptRole)
    reattach.setEnabled(has_parent)
    cascade = box.addButton("&Tout supprimer", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Annuler", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(reattach if has_parent else None)
    box.exec()
    clicked = box.clickedButton()
    if clicked is reattach:
        return "reattach"
    if clicked is cascade:
        return "cascade"
    return None
