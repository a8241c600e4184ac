"""Where files live: bundled resources (frozen or not) and the user's local data folder."""

from __future__ import annotations

import contextlib
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


# Personal data: the folders and files Pilotis creates are its user's alone on POSIX (umask 022
# would make them readable by every account of the machine). On Windows, os.chmod only sets the
# read-only flag: there the per-user %LOCALAPPDATA% folder's ACLs already keep others out.
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
POSIX = os.name == "posix"


def private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Create the folder (and missing parents) readable by its owner only; tighten also narrows
    an existing folder, for the ones that are Pilotis's own (its data and backup folders)."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        tighten = True  # mkdir's mode goes through the umask, which may be narrower or wider
    if tighten and POSIX:
        _narrow(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Create an empty file readable by its owner only, for SQLite or Qt to fill (SQLite gives
    the file's -wal, -shm and -journal the file's own mode); an existing file is narrowed."""
    path = Path(path)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    keep_private(path)
    return path


def keep_private(path: Path) -> None:
    """Narrow a file Pilotis writes to its owner (a file from an older version was 0644)."""
    if POSIX:
        _narrow(Path(path), PRIVATE_FILE)


def _narrow(path: Path, mode: int) -> None:
    # A file that is not ours to change (another account's, a read-only medium) is left as it is.
    with contextlib.suppress(OSError):
        status = path.stat()
        if status.st_mode & 0o777 != mode and status.st_uid == os.getuid():
            os.chmod(path, mode)
