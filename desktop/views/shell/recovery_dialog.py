"""When the database cannot be opened at start: say why in French and offer the right way out
(read-only, the latest good backup, another file, a new database); the original is never
overwritten."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop.db import Database, open_database, resolve_url, sqlite_path
from desktop.errors import (
    DatabaseOpenError,
    DatabaseTooNewError,
    ForeignDatabaseError,
    LockedDatabaseError,
    MissingDatabaseError,
    NotADatabaseError,
    PilotisError,
    ReadOnlyDatabaseError,
)
from desktop.paths import user_data_dir
from desktop.services.safety.backups import BackupInfo, BackupService
from desktop.services.safety.guard import backup_before_open, start_backup_is_urgent

READ_ONLY, RESTORE, RETRY, OTHER, NEW, QUIT = (
    "read_only", "restore", "retry", "other", "new", "quit",
)  # fmt: skip

ADVICE = {
    NotADatabaseError: "Le fichier est endommagé ou n'est pas une base Pilotis. Il n'a pas été "
    "modifié. Vous pouvez restaurer la dernière sauvegarde valide (le fichier endommagé est mis "
    "de côté dans le dossier des sauvegardes), ouvrir un autre fichier ou créer une base neuve.",
    MissingDatabaseError: "Le fichier a été déplacé, renommé ou supprimé. Restaurez la dernière "
    "sauvegarde, ou choisissez l'endroit où il se trouve maintenant.",
    LockedDatabaseError: "Un autre programme (ou une autre fenêtre de Pilotis) écrit dans ce "
    "fichier. Fermez-le puis réessayez, ou consultez la base en lecture seule en attendant.",
    ReadOnlyDatabaseError: "Vous n'avez pas le droit d'écrire dans ce fichier ou son dossier. "
    "Vous pouvez le consulter en lecture seule, ou le copier dans un dossier à vous.",
    ForeignDatabaseError: "Ce fichier SQLite a été créé par un autre programme : Pilotis ne le "
    "modifie pas. Choisissez votre base Pilotis ou créez-en une.",
    DatabaseTooNewError: "Une version plus récente de Pilotis a écrit ce fichier. Installez-la, "
    "ou ouvrez une autre base.",
}


@dataclass(frozen=True)
class RecoveryChoice:
    action: str
    path: Path | None = None


def _date_text(info: BackupInfo) -> str:
    return info.at.strftime("%d/%m/%Y à %H:%M")


class RecoveryDialog(QDialog):
    """One message, one explanation, and the buttons that make sense for this error."""

    def __init__(
        self,
        error: DatabaseOpenError,
        latest: BackupInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Pilotis — ouverture de la base impossible"))
        self.error = error
        self.choice = RecoveryChoice(QUIT)
        self.buttons: dict[str, QPushButton] = {}

        icon = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size)
        )
        title = QLabel(self.tr("La base de données ne peut pas être ouverte."), self)
        title.setStyleSheet("font-weight: bold; font-size: 12pt;")
        self.message = QLabel(str(error), self)
        self.message.setWordWrap(True)
        advice = next((t for kind, t in ADVICE.items() if isinstance(error, kind)), "")
        self.advice = QLabel(advice, self)
        self.advice.setWordWrap(True)
        texts = QVBoxLayout()
        texts.addWidget(title)
        texts.addWidget(self.message)
        texts.addWidget(self.advice)
        top = QHBoxLayout()
        top.addWidget(icon, 0)
        top.addLayout(texts, 1)

        actions = QVBoxLayout()
        exists = error.path is not None and Path(error.path).is_file()
        if isinstance(error, LockedDatabaseError):
            self._button(actions, RETRY, self.tr("&Réessayer"))
        if exists and isinstance(error, LockedDatabaseError | ReadOnlyDatabaseError):
            self._button(actions, READ_ONLY, self.tr("Ouvrir en &lecture seule"))
        if latest is not None and isinstance(error, NotADatabaseError | MissingDatabaseError):
            label = self.tr("Restaurer la dernière &sauvegarde valide ({when}, {counts})").format(
                when=_date_text(latest), counts=latest.counts_text or self.tr("vide")
            )
            self._button(actions, RESTORE, label)
        self._button(actions, OTHER, self.tr("&Choisir un autre fichier…"))
        self._button(actions, NEW, self.tr("Créer une &nouvelle base…"))
        self._button(actions, QUIT, self.tr("&Quitter"))
        first = next(iter(self.buttons.values()))
        first.setDefault(True)
        first.setFocus()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addSpacing(8)
        layout.addLayout(actions)
        self.setMinimumWidth(620)

    def _button(self, layout: QVBoxLayout, action: str, text: str) -> None:
        button = QPushButton(text, self)
        button.setAccessibleName(text.replace("&", ""))
        button.clicked.connect(lambda: self._on_action_clicked(action))
        layout.addWidget(button)
        self.buttons[action] = button

    def _on_action_clicked(self, action: str) -> None:
        path = None
        if action == OTHER:
            name, _ = QFileDialog.getOpenFileName(
                self, self.tr("Choisir une base Pilotis"), str(user_data_dir()),
                self.tr("Bases Pilotis (*.sqlite *.db);;Tous les fichiers (*)"),
            )  # fmt: skip
            if not name:
                return
            path = Path(name)
        elif action == NEW:
            path = self._ask_new_path()
            if path is None:
                return
        self.choice = RecoveryChoice(action, path)
        self.accept()

    def _ask_new_path(self) -> Path | None:
        suggested = user_data_dir() / "pilotis-nouvelle.sqlite"
        number = 2
        while suggested.exists():
            suggested = user_data_dir() / f"pilotis-nouvelle-{number}.sqlite"
            number += 1
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Créer une nouvelle base"), str(suggested),
            self.tr("Bases Pilotis (*.sqlite)"),
        )  # fmt: skip
        if not name:
            return None
        path = Path(name)
        if path.exists():
            QMessageBox.warning(
                self,
                self.tr("Créer une nouvelle base"),
                self.tr("{path} existe déjà : Pilotis ne remplace pas un fichier existant. "
                        "Choisissez un autre nom.").format(path=path),
            )  # fmt: skip
            return None
        return path

    @classmethod
    def ask(
        cls, error: DatabaseOpenError, latest: BackupInfo | None, parent: QWidget | None = None
    ) -> RecoveryChoice:
        """Show the dialog modally; tests replace this class method."""
        dialog = cls(error, latest, parent)
        dialog.exec()
        return dialog.choice


def _open(value: str | None, read_only: bool) -> Database:
    if read_only:
        return open_database(value, create=False, read_only=True)
    from desktop.services.transfer.dataset import open_with_dataset

    return open_with_dataset(value)


def open_or_recover(
    db_value: str | None,
    *,
    read_only: bool = False,
    smoke: bool = False,
    backups: BackupService,
) -> Database | None:
    """Open the database (after the start backup, kept by backups); on failure ask the user
    what to do, until a database opens or they quit (None)."""
    value = db_value
    while True:
        if start_backup_is_urgent(value):
            backup_before_open(value, backups, read_only=read_only)
        try:
            return _open(value, read_only)
        except DatabaseOpenError as error:
            if smoke:
                raise
            path = error.path or _file_of(value)
            latest = backups.latest_good(Path(path).stem) if path else None
            choice = RecoveryDialog.ask(error, latest)
        if choice.action == QUIT:
            return None
        if choice.action == READ_ONLY:
            read_only = True
        elif choice.action == RETRY:
            continue
        elif choice.action == RESTORE and latest is not None and path:
            try:
                backups.restore(latest.path, Path(path))
            except PilotisError as error:
                QMessageBox.warning(None, "Pilotis", str(error))
            read_only = False
        elif choice.action in (OTHER, NEW) and choice.path is not None:
            value, read_only = str(choice.path), False


def _file_of(value: str | None) -> str | None:
    try:
        path = sqlite_path(resolve_url(value))
    except PilotisError:
        return None
    return str(path) if path else None
