"""Typed user settings over QSettings (an ini file in the user's local data folder)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from desktop.paths import private_dir, private_file, user_data_dir


class Settings:
    """Window geometry and state, last tab; the ini file is readable by IT if they need it."""

    def __init__(self, path: Path | None = None) -> None:
        own = path is None
        path = path or user_data_dir() / "pilotis.ini"
        private_dir(path.parent, tighten=own)
        # Created 0600 before Qt writes it: QSettings rewrites through QSaveFile, which keeps
        # the mode of the file it replaces (and would otherwise take the umask's 0644).
        private_file(path)
        self._qsettings = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def path(self) -> str:
        return self._qsettings.fileName()

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._qsettings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    @property
    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @window_geometry.setter
    def window_geometry(self, value: QByteArray) -> None:
        self._qsettings.setValue("window/geometry", value)

    @property
    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    @window_state.setter
    def window_state(self, value: QByteArray) -> None:
        self._qsettings.setValue("window/state", value)

    @property
    def last_tab(self) -> int:
        try:
            return int(self._qsettings.value("window/last_tab", 0))
        except (TypeError, ValueError):
            return 0

    @last_tab.setter
    def last_tab(self, value: int) -> None:
        self._qsettings.setValue("window/last_tab", int(value))

    @property
    def last_import_kind(self) -> str | None:
        """The data type last chosen in the import wizard (its combo's data), or None."""
        return self._qsettings.value("import/last_kind") or None

    @last_import_kind.setter
    def last_import_kind(self, value: str) -> None:
        self._qsettings.setValue("import/last_kind", value)

    def splitter_state(self, name: str) -> QByteArray | None:
        return self._bytes(f"splitters/{name}")

    def set_splitter_state(self, name: str, value: QByteArray) -> None:
        self._qsettings.setValue(f"splitters/{name}", value)

    def header_state(self, name: str) -> QByteArray | None:
        """A table's column widths and sort, as the user left them ([colonnes] <name>)."""
        return self._bytes(f"colonnes/{name}")

    def set_header_state(self, name: str, value: QByteArray) -> None:
        self._qsettings.setValue(f"colonnes/{name}", value)

    def _int(self, key: str, default: int) -> int:
        try:
            return max(int(self._qsettings.value(key, default)), 0)
        except (TypeError, ValueError):
            return default

    @property
    def backups_keep_last(self) -> int:
        """How many of the newest automatic backups are kept ([sauvegardes] garder_dernieres)."""
        return self._int("sauvegardes/garder_dernieres", 10)

    @property
    def backups_weekly_weeks(self) -> int:
        """For how many weeks one backup per week is kept ([sauvegardes] semaines)."""
        return self._int("sauvegardes/semaines", 13)

    def import_mapping(self, layout: str) -> list[str | None] | None:
        """The column mapping last chosen for a file layout (kind + headers), or None."""
        value = self._qsettings.value(f"import_mappings/{layout}")
        if not isinstance(value, str) or not value:
            return None
        return [name or None for name in value.split("|")]

    def set_import_mapping(self, layout: str, mapping: list[str | None]) -> None:
        self._qsettings.setValue(f"import_mappings/{layout}", "|".join(m or "" for m in mapping))

    @property
    def database_url(self) -> str:
        """The database chosen in Fichier → Base de données ([base] url): a file path or a
        server URL, never with a password; empty for the default local file."""
        value = self._qsettings.value("base/url", "")
        return value if isinstance(value, str) else ""

    @database_url.setter
    def database_url(self, value: str) -> None:
        self._qsettings.setValue("base/url", value)

    @property
    def statement_timeout(self) -> str:
        """The longest a server statement may run ([base] delai_requete: seconds, or "500ms",
        "2min", 0 for none); empty for the application's default."""
        value = self._qsettings.value("base/delai_requete", "")
        return str(value).strip() if value is not None else ""

    def filter_state(self, name: str) -> dict | None:
        """A tab's filters as they were when the window closed ([filtres] <name>, JSON)."""
        import json

        value = self._qsettings.value(f"filtres/{name}", "")
        try:
            state = json.loads(value) if isinstance(value, str) and value else None
        except ValueError:
            return None
        return state if isinstance(state, dict) else None

    def set_filter_state(self, name: str, state: dict) -> None:
        import json

        self._qsettings.setValue(f"filtres/{name}", json.dumps(state, ensure_ascii=False))

    def sync(self) -> None:
        self._qsettings.sync()
