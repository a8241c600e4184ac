"""Base of the directory's edit dialogs: a form, a French error line, Enregistrer / Annuler.

The dialog calls its `save` callback itself, so a wrong field keeps the dialog open with the
reason shown under the form and the cursor in that field; nothing is written until it passes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import PilotisError
from desktop.services.common.parsing import ParseError, parse_date
from desktop.services.directory.validation import DirectoryValidationError


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
        self.buttons.rejected.connect(self._on_cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self._shown_values: tuple | None = None

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

    # --- where typing starts, and leaving -----------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """The first show puts the cursor in the first field and the buttons last in the Tab
        order: the buttons are built before the subclass adds its fields, so Qt would otherwise
        start on « Enregistrer », where a typed space saves the form."""
        super().showEvent(event)
        if self._shown_values is not None:
            return
        # A long unit name shows its beginning, once Qt has put the cursor at its end.
        QTimer.singleShot(0, self._show_beginnings)
        buttons = [b for b in self.buttons.buttons() if b.isVisibleTo(self)]
        last = self._last_in_focus_chain(buttons)
        for before, after in zip([last, *buttons], buttons, strict=False):
            if before is not None:
                QWidget.setTabOrder(before, after)
        widgets = [w for w in self.fields.values() if w.isEnabled() and w.isVisibleTo(self)]
        if widgets:
            widgets[0].setFocus()
            if isinstance(widgets[0], QLineEdit):
                widgets[0].selectAll()
        self._shown_values = self._values()

    def _show_beginnings(self) -> None:
        for widget in self.fields.values():
            if isinstance(widget, QComboBox) and widget.isEditable():
                widget.lineEdit().setCursorPosition(0)

    def _last_in_focus_chain(self, buttons: list) -> QWidget | None:
        """The last widget of the dialog, buttons aside, in the order Qt moves through with Tab
        (the order the widgets were made in): the buttons go after it, the rest keeps its order."""
        if not buttons:
            return None
        last, widget = None, buttons[0].nextInFocusChain()
        while widget is not buttons[0]:
            inside = self.isAncestorOf(widget) and not self.buttons.isAncestorOf(widget)
            if inside and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
                last = widget
            widget = widget.nextInFocusChain()
        return last

    def _values(self) -> tuple:
        """What the fields hold, to tell whether the user changed something."""
        values = []
        for widget in self.fields.values():
            if isinstance(widget, QLineEdit):
                values.append(widget.text())
            elif isinstance(widget, QComboBox):
                values.append((widget.currentIndex(), widget.currentText()))
            elif isinstance(widget, QCheckBox | QAbstractButton):
                values.append(widget.isChecked())
            elif isinstance(widget, QPlainTextEdit):
                values.append(widget.toPlainText())
            else:
                values.append(None)
        return tuple(values)

    def is_modified(self) -> bool:
        return self._shown_values is not None and self._values() != self._shown_values

    def confirm_leaving(self) -> bool:
        """Whether to close: at once when nothing was typed, else after asking (« Non » by
        default, so a stray Esc loses nothing)."""
        if not self.is_modified():
            return True
        answer = QMessageBox.question(
            self,
            self.windowTitle(),
            self.tr("Abandonner les modifications saisies ?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _on_cancel(self) -> None:
        if self.confirm_leaving():
            self.reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Esc is « Annuler »: it asks before losing typed text (QDialog rejects at once)."""
        if event.key() == Qt.Key.Key_Escape and not event.modifiers():
            self._on_cancel()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """The window's close button asks too; a close by the program (reject, tests) does not."""
        if event.spontaneous() and not self.confirm_leaving():
            event.ignore()
            return
        super().closeEvent(event)
