"""The second save of a record someone else changed meanwhile: both versions field by field, and
the user keeps theirs, takes the other, or merges field by field; nothing is lost silently."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.safety.conflicts import MINE, THEIRS, ConflictReport, shown

KEEP_MINE, TAKE_THEIRS, MERGE, CANCEL = "keep_mine", "take_theirs", "merge", "cancel"
SHORT = 48  # characters shown of a long text (an objective); the tooltip has it whole


def _text(field, side: str) -> str:
    text = getattr(field, f"{side}_text")
    return text if text is not None else shown(getattr(field, side))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


class ConflictDialog(QDialog):
    """After exec: `action` and, unless cancelled, `values` (the field values to save, with
    `report.their_version` as the version the save now expects)."""

    def __init__(self, report: ConflictReport, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.action = CANCEL
        self.values: dict | None = None
        self.setWindowTitle(self.tr("Modifié par quelqu'un d'autre"))
        who = report.their_login or self.tr("quelqu'un d'autre")
        when = report.their_at.strftime(" le %d/%m/%Y à %H:%M") if report.their_at else ""
        if report.deleted:
            text = self.tr(
                "{what} a été supprimé(e) par {who}{when} pendant que vous le modifiiez. "
                "Vous pouvez abandonner vos changements, ou les recopier dans une nouvelle fiche."
            )
        else:
            text = self.tr(
                "{what} a été modifié(e) par {who}{when} depuis que vous l'avez ouvert(e). "
                "Rien n'a été enregistré. Pour chaque champ, choisissez la version à garder."
            )
        intro = QLabel(text.format(what=what, who=who, when=when), self)
        intro.setWordWrap(True)

        grid = QGridLayout()
        headers = (self.tr("Champ"), self.tr("Votre version"), self.tr("Version enregistrée"))
        for column, header in enumerate(headers):
            label = QLabel(f"<b>{header}</b>", self)
            grid.addWidget(label, 0, column)
        self.groups: dict[str, QButtonGroup] = {}
        for row, field in enumerate(report.fields, start=1):
            name = QLabel(field.label, self)
            grid.addWidget(name, row, 0)
            if not field.differs:
                same = QLabel(_short(_text(field, "mine")) + self.tr("  (identique)"), self)
                same.setStyleSheet("color: #555;")
                grid.addWidget(same, row, 1, 1, 2)
                continue
            name.setStyleSheet("font-weight: bold;")
            group = QButtonGroup(self)
            for column, (choice, side) in enumerate(((MINE, "mine"), (THEIRS, "theirs")), start=1):
                text = _text(field, side)
                button = QRadioButton(_short(text), self)
                button.setToolTip(text)
                button.setAccessibleName(f"{field.label} : {headers[column]}")
                button.setProperty("choice", choice)
                group.addButton(button)
                grid.addWidget(button, row, column)
                # A field this user did not touch proposes the other's value: undoing their
                # change must be a deliberate choice.
                button.setChecked(choice == (MINE if field.mine_changed else THEIRS))
            self.groups[field.field] = group

        buttons = QDialogButtonBox(self)
        self.keep_button = QPushButton(self.tr("Garder &ma version"), self)
        self.take_button = QPushButton(self.tr("Prendre l'&autre version"), self)
        self.merge_button = QPushButton(self.tr("&Fusionner les champs choisis"), self)
        for button in (self.merge_button, self.keep_button, self.take_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        buttons.rejected.connect(self.reject)
        self.keep_button.clicked.connect(lambda: self._finish(KEEP_MINE))
        self.take_button.clicked.connect(lambda: self._finish(TAKE_THEIRS))
        self.merge_button.clicked.connect(lambda: self._finish(MERGE))
        for button in (self.keep_button, self.merge_button):
            button.setEnabled(not report.deleted)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(buttons, 0, Qt.AlignmentFlag.AlignRight)
        self.setMinimumWidth(820)

    def choices(self) -> dict[str, str]:
        return {
            field: group.checkedButton().property("choice")
            for field, group in self.groups.items()
            if group.checkedButton() is not None
        }

    def _finish(self, action: str) -> None:
        self.action = action
        if action == KEEP_MINE:
            self.values = self.report.merge(default=MINE)
        elif action == TAKE_THEIRS:
            self.values = self.report.merge(default=THEIRS)
        else:
            self.values = self.report.merge(self.choices())
        self.accept()

    @classmethod
    def resolve(
        cls, report: ConflictReport, what: str, parent: QWidget | None = None
    ) -> tuple[str, dict | None]:
        """Modal; returns (action, values). Tests replace this class method."""
        dialog = cls(report, what, parent)
        dialog.exec()
        return dialog.action, dialog.values
