"""The conflict dialog: both versions field by field; keep mine, take theirs, or merge."""

from __future__ import annotations

from datetime import datetime

from desktop.services.safety.conflicts import THEIRS, ConflictReport, FieldConflict
from desktop.views.safety.conflict_dialog import MERGE, TAKE_THEIRS, ConflictDialog

REPORT = ConflictReport(
    "person", 7, 3,
    (
        FieldConflict("last_name", "Nom", "MARTIN", "MARTIN"),
        FieldConflict("email", "Courriel", "moi@ac.fr", "autre@ac.fr"),
        FieldConflict("phone", "Téléphone", "04 67 00 00 00", None),
    ),
    "bob", datetime(2024, 3, 5, 14, 30),
)  # fmt: skip


def test_dialog_names_who_changed_what(qtbot):
    """The user sees who saved, when, and a choice only for the fields that differ."""
    dialog = ConflictDialog(REPORT, "La fiche")
    qtbot.addWidget(dialog)
    assert list(dialog.groups) == ["email", "phone"]
    texts = [b.text() for b in dialog.groups["phone"].buttons()]
    assert texts == ["04 67 00 00 00", "(vide)"]


def test_merge_by_field_and_take_theirs(qtbot):
    """Merging keeps the chosen side of each field; « Prendre l'autre version » takes theirs."""
    dialog = ConflictDialog(REPORT, "La fiche")
    qtbot.addWidget(dialog)
    theirs = next(b for b in dialog.groups["email"].buttons() if b.property("choice") == THEIRS)
    theirs.setChecked(True)
    dialog.merge_button.click()
    assert dialog.action == MERGE
    assert dialog.values == {"last_name": "MARTIN", "email": "autre@ac.fr",
                             "phone": "04 67 00 00 00"}  # fmt: skip
    other = ConflictDialog(REPORT, "La fiche")
    qtbot.addWidget(other)
    other.take_button.click()
    assert other.action == TAKE_THEIRS
    assert other.values["phone"] is None


def test_deleted_record_only_allows_giving_up(qtbot):
    """When the other person deleted the record, keeping or merging is not offered."""
    deleted = ConflictReport("person", 7, None, REPORT.fields)
    dialog = ConflictDialog(deleted, "La fiche")
    qtbot.addWidget(dialog)
    assert not dialog.keep_button.isEnabled()
    assert not dialog.merge_button.isEnabled()
    assert dialog.take_button.isEnabled()


def test_a_field_i_did_not_touch_proposes_the_other_version(qtbot):
    """A field the user left as loaded is preselected on the other's value, not undone."""
    untouched = ConflictReport(
        "person", 7, 3,
        (FieldConflict("email", "Courriel", "moi@ac.fr", "autre@ac.fr"),
         FieldConflict("phone", "Téléphone", None, "04 67 00 00 01", mine_changed=False)),
    )  # fmt: skip
    dialog = ConflictDialog(untouched, "La fiche")
    qtbot.addWidget(dialog)
    assert dialog.choices() == {"email": "mine", "phone": "theirs"}
    dialog.merge_button.click()
    assert dialog.values == {"email": "moi@ac.fr", "phone": "04 67 00 00 01"}
