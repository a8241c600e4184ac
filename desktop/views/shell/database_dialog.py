"""Fichier → Base de données…: a local file or a shared PostgreSQL server, and its password.

The choice is stored in the settings as a URL without password. The password is asked at start
when the server wants one, kept in the operating system's keyring when the optional `keyring`
package is installed, and otherwise asked at each start: it is never written in clear.
"""

from __future__ import annotations

import os

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import URL, make_url

from desktop.db import (
    STATEMENT_TIMEOUT_ENV,
    display_url,
    make_engine,
    resolve_url,
)
from desktop.db_errors import AuthenticationError
from desktop.errors import PilotisError
from desktop.settings import Settings

KEYRING_SERVICE = "Pilotis"
DEFAULT_PORT = 5432
# libpq's sslmode values, with what an administrator reads in the list.
SSL_MODES = {
    "prefer": "prefer — chiffré si le serveur le propose (défaut)",
    "require": "require — toujours chiffré",
    "verify-ca": "verify-ca — chiffré, certificat du serveur vérifié",
    "verify-full": "verify-full — chiffré, certificat et nom du serveur vérifiés",
    "disable": "disable — jamais chiffré (réseau de confiance seulement)",
}
PASSWORD_TRIES = 3


# --- URLs -------------------------------------------------------------------------------------


def server_url(host: str, port: int, database: str, user: str, sslmode: str = "prefer") -> str:
    """postgresql+psycopg://user@host:port/database[?sslmode=…], without password."""
    query = {} if sslmode == "prefer" else {"sslmode": sslmode}
    url = URL.create("postgresql+psycopg", user or None, None, host, port, database, query)
    return url.render_as_string(hide_password=False)


def is_server(value: str) -> bool:
    return "://" in value and make_url(value).get_backend_name() == "postgresql"


def with_password(value: str, password: str) -> str:
    return make_url(value).set(password=password).render_as_string(hide_password=False)


def without_password(value: str) -> str:
    url = make_url(value)
    # URL.set(password=None) keeps the old one: rebuild the URL without it.
    bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database,
                      url.query)  # fmt: skip
    return bare.render_as_string(hide_password=False)


def chosen_value(db_value: str | None, settings: Settings) -> str | None:
    """--db, else PILOTIS_DB, else the settings' choice, else None (the default local file).

    The settings' statement timeout for a server ([base] delai_requete) is applied too, unless
    PILOTIS_PG_STATEMENT_TIMEOUT already says otherwise (an unreadable value is refused in
    French when the server is opened)."""
    if settings.statement_timeout and STATEMENT_TIMEOUT_ENV not in os.environ:
        os.environ[STATEMENT_TIMEOUT_ENV] = settings.statement_timeout
    return db_value or os.environ.get("PILOTIS_DB") or settings.database_url or None


# --- password ---------------------------------------------------------------------------------


def _keyring():
    try:
        import keyring  # optional: the OS keyring (Windows Credential Manager, Secret Service)
    except ImportError:
        return None
    return keyring


def _keyring_key(value: str) -> str:
    return display_url(without_password(value))


def stored_password(value: str) -> str | None:
    ring = _keyring()
    if ring is None:
        return None
    try:
        return ring.get_password(KEYRING_SERVICE, _keyring_key(value))
    except Exception:  # noqa: BLE001 - a locked or absent keyring backend means "ask"
        return None


def store_password(value: str, password: str) -> None:
    ring = _keyring()
    if ring is not None:
        try:
            ring.set_password(KEYRING_SERVICE, _keyring_key(value), password)
        except Exception:  # noqa: BLE001 - no usable keyring: it is asked next time
            return


def forget_password(value: str) -> None:
    ring = _keyring()
    if ring is not None:
        try:
            ring.delete_password(KEYRING_SERVICE, _keyring_key(value))
        except Exception:  # noqa: BLE001 - nothing stored
            return


def ask_password(value: str, reason: str, parent: QWidget | None = None) -> str | None:
    """The password typed by the user (None if cancelled)."""
    text, ok = QInputDialog.getText(
        parent,
        "Pilotis — mot de passe",
        f"{reason}\n\nMot de passe de {display_url(without_password(value))} :",
        QLineEdit.EchoMode.Password,
    )
    return text if ok and text else None


def _probe(value: str) -> None:
    """Connect once (raises our French errors); the opening proper comes after."""
    engine = make_engine(value)
    try:
        engine.connect().close()
    finally:
        engine.dispose()


def with_server_password(value: str | None, parent: QWidget | None = None) -> str | None:
    """The value to open, with the password a server asks for: from the keyring, else typed
    (three tries). None when the user cancels. A file, a URL that carries its password, or a
    server that lets the user in without one (pgpass, PGPASSWORD, certificates) is unchanged;
    other faults are left to the opening, which reports them."""
    if value is None or not is_server(resolve_url(value)) or make_url(value).password:
        return value
    stored = stored_password(value)
    candidate, typed = (with_password(value, stored) if stored else value), None
    for attempt in range(PASSWORD_TRIES + 1):
        try:
            _probe(candidate)
        except AuthenticationError as error:
            if stored and typed is None:
                forget_password(value)  # a stale stored password is not tried again
            if attempt == PASSWORD_TRIES:
                return candidate  # the opening shows the refusal
            typed = ask_password(value, str(error), parent)
            if typed is None:
                return None
            candidate = with_password(value, typed)
            continue
        except PilotisError:
            return candidate
        if typed:
            store_password(value, typed)
        return candidate
    return candidate


# --- the dialog -------------------------------------------------------------------------------


class DatabaseDialog(QDialog):
    """Choose the local file or a shared server; saved in the settings, used at next start."""

    def __init__(self, settings: Settings, current: str | None, parent: QWidget | None = None):
        super().__init__(parent)
        self._settings = settings
        self.setWindowTitle(self.tr("Base de données"))
        self.local_radio = QRadioButton(self.tr("Fichier sur ce poste (SQLite)"), self)
        self.server_radio = QRadioButton(self.tr("Serveur partagé (PostgreSQL)"), self)
        group = QButtonGroup(self)
        group.addButton(self.local_radio)
        group.addButton(self.server_radio)

        self.path_edit = QLineEdit(self)
        self.path_edit.setPlaceholderText(self.tr("Fichier par défaut de l'utilisateur"))
        browse = QPushButton(self.tr("Parcourir…"), self)
        browse.clicked.connect(self._on_browse_clicked)
        local_box = QGroupBox(self)
        local_row = QHBoxLayout(local_box)
        local_row.addWidget(self.path_edit, 1)
        local_row.addWidget(browse)

        self.host_edit = QLineEdit(self)
        self.host_edit.setPlaceholderText("pilotis.ac-occitanie.fr")
        self.port_spin = QSpinBox(self)
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(DEFAULT_PORT)
        self.database_edit = QLineEdit("pilotis", self)
        self.user_edit = QLineEdit(self)
        self.user_edit.setPlaceholderText(self.tr("votre identifiant sur le serveur"))
        self.ssl_combo = QComboBox(self)
        for mode, label in SSL_MODES.items():
            self.ssl_combo.addItem(label, mode)
        self.server_box = QGroupBox(self)
        form = QFormLayout(self.server_box)
        form.addRow(self.tr("Serveur :"), self.host_edit)
        form.addRow(self.tr("Port :"), self.port_spin)
        form.addRow(self.tr("Base :"), self.database_edit)
        form.addRow(self.tr("Utilisateur :"), self.user_edit)
        self.ssl_combo.setToolTip(self.tr("Option sslmode de PostgreSQL (TLS)"))
        self.port_spin.setMaximumWidth(self.port_spin.sizeHint().width() * 2)
        form.addRow(self.tr("Chiffrement :"), self.ssl_combo)
        self.local_box = local_box

        note = QLabel(
            self.tr(
                "Le mot de passe est demandé au démarrage ; il n'est jamais enregistré en clair "
                "(trousseau du système s'il est disponible). Le changement prend effet au "
                "prochain démarrage de Pilotis."
            ),
            self,
        )
        note.setWordWrap(True)
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Enregistrer"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.local_radio)
        layout.addWidget(local_box)
        layout.addWidget(self.server_radio)
        layout.addWidget(self.server_box)
        layout.addWidget(note)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.local_radio.toggled.connect(self._update_enabled)
        self._show(current or "")
        self.setMinimumWidth(560)

    def _show(self, value: str) -> None:
        if value and is_server(value):
            url = make_url(value)
            self.server_radio.setChecked(True)
            self.host_edit.setText(url.host or "")
            self.port_spin.setValue(url.port or DEFAULT_PORT)
            self.database_edit.setText(url.database or "")
            self.user_edit.setText(url.username or "")
            index = self.ssl_combo.findData(url.query.get("sslmode", "prefer"))
            self.ssl_combo.setCurrentIndex(max(index, 0))
        else:
            self.local_radio.setChecked(True)
            self.path_edit.setText(value)
        self._update_enabled()

    def _update_enabled(self) -> None:
        local = self.local_radio.isChecked()
        self.local_box.setEnabled(local)
        self.server_box.setEnabled(not local)

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Fichier de base de données"), self.path_edit.text(),
            self.tr("Base Pilotis (*.sqlite *.db);;Tous les fichiers (*)"),
            options=QFileDialog.Option.DontConfirmOverwrite,
        )  # fmt: skip
        if path:
            self.path_edit.setText(path)

    def value(self) -> str:
        """The chosen database: a file path, a server URL (no password), or "" (default)."""
        if self.local_radio.isChecked():
            return self.path_edit.text().strip()
        return server_url(
            self.host_edit.text().strip(), self.port_spin.value(),
            self.database_edit.text().strip(), self.user_edit.text().strip(),
            self.ssl_combo.currentData(),
        )  # fmt: skip

    def _problem(self) -> str | None:
        if self.local_radio.isChecked():
            return None
        for label, edit in ((self.tr("le serveur"), self.host_edit),
                            (self.tr("la base"), self.database_edit),
                            (self.tr("l'utilisateur"), self.user_edit)):  # fmt: skip
            if not edit.text().strip():
                edit.setFocus()
                return self.tr("Indiquez {what}.").format(what=label)
        return None

    def accept(self) -> None:
        problem = self._problem()
        if problem:
            self.error_label.setText(problem)
            return
        self._settings.database_url = self.value()
        self._settings.sync()
        super().accept()

    @classmethod
    def run(cls, settings: Settings, current: str | None, parent: QWidget | None = None) -> bool:
        """Show the dialog modally; True when a new choice was saved (tests replace this)."""
        return cls(settings, current, parent).exec() == QDialog.DialogCode.Accepted


def database_action(window, settings: Settings) -> QAction:
    """The Fichier → Base de données… action of the main window."""
    action = QAction(window.tr("&Base de données…"), window)
    action.setStatusTip(window.tr("Fichier local ou serveur partagé PostgreSQL"))

    def _on_triggered() -> None:
        if DatabaseDialog.run(settings, settings.database_url, window):
            window.statusBar().showMessage(
                window.tr("Base enregistrée : elle sera ouverte au prochain démarrage."), 8000
            )

    action.triggered.connect(_on_triggered)
    return action
