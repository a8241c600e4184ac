"""Where files live: bundled resources (frozen or not) and the user's local data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from desktop import APP_NAME


def project_root() -> Path:
    """The folder holding resources/ and migrations/: the bundle when frozen, else the checkout."""
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return Path(__file__).resolve().parent.parent


def resource_path(*parts: str) -> Path:
    """Every bundled file lookup goes through here, so the PyInstaller bundle finds them too."""
    return project_root().joinpath(*parts)


def user_data_dir() -> Path:
    """The local (not roaming) data folder: %LOCALAPPDATA%\\Pilotis on Windows.

    PILOTIS_HOME overrides it (tests, portable use). QStandardPaths is asked otherwise, because it
    knows each platform's rule; the roaming profile and Documents are avoided since they are often
    redirected to network shares, where SQLite's locking is unsafe.
    """
    override = os.environ.get("PILOTIS_HOME")
    if override:
        return Path(override)
    from PySide6.QtCore import QCoreApplication, QStandardPaths

    # With no organisation name Qt gives <local data>/Pilotis, e.g. %LOCALAPPDATA%\Pilotis.
    QCoreApplication.setOrganizationName("")
    QCoreApplication.setApplicationName(APP_NAME)
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(location) if location else Path.home() / f".{APP_NAME.lower()}"


def default_database_path() -> Path:
    return user_data_dir() / "pilotis.sqlite"
