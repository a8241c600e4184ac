"""Base of the directory's edit dialogs: a form, a French error line, Enregistrer / Annuler.

The dialog calls its `save` callback itself, so a wrong field keeps the dialog open with the
reason shown under the form and the cursor in that field; nothing is written until it passes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import PilotisError
from desktop.services.directory_validation import DirectoryValidationError
from desktop.services.parsing import ParseError, parse_date


class EditDialog(QDialog):
    """Subclasses add their fields and define build_input(problems) -> the service's input,
    appending (field, reason) to problems for what they check themselves (dates)."""

    def __init__(self, title: str, save: Callable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self._save = save
        self.result_value = None  # what save returned (a batch or an EditResult)
        self.fields: dict[str, QWidget] = {}
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error_label.setAccessibleName(self.tr("Erreurs de saisie"))
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("&Enregistrer"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)

    # --- building ---------------------------------------------------------------------------

    def add_field(self, key: str, label: str, widget: QWidget, tip: str | None = None) -> QWidget:
        self.fields[key] = widget
        widget.setAccessibleName(label.replace("&", "").rstrip(" *"))
        if tip:
            widget.setToolTip(tip)
            widget.setAccessibleDescription(tip)
        caption = QLabel(label, self)
        caption.setBuddy(widget)
        self.form.addRow(caption, widget)
        return widget

    def line(self, key: str, label: str, text: str | None = None, **kw) -> QLineEdit:
        edit = QLineEdit(text or "", self)
        if "placeholder" in kw:
            edit.setPlaceholderText(kw.pop("placeholder"))
        return self.add_field(key, label, edit, **kw)

    @staticmethod
    def select_data(combo: QComboBox, value) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(max(index, 0))

    # --- saving -----------------------------------------------------------------------------

    def read_date(self, key: str, problems: list[tuple[str, str]]) -> date | None:
        text = self.fields[key].text().strip()
        if not text:
            return None
        try:
            return parse_date(text)
        except ParseError as exc:
            problems.append((key, f"{exc} (par exemple 01/09/2023)."))
            return None

    def show_problems(self, error: PilotisError) -> None:
        self.error_label.setText(str(error))
        self.error_label.show()
        if isinstance(error, DirectoryValidationError):
            widget = self.fields.get(error.first_field)
            if widget is not None:
                widget.setFocus()

    def _on_buttons_accepted(self) -> None:
        problems: list[tuple[str, str]] = []
        data = self.build_input(problems)
        try:
            if problems:
                raise DirectoryValidationError(problems)
            self.result_value = self._save(data)
        except PilotisError as error:
            self.show_problems(error)
            return
        self.accept()
