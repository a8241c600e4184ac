"""Errors a user can cause, each with its French message; CLI and GUI show str(error) as is."""

from __future__ import annotations


class PilotisError(Exception):
    """Base of the errors that are the user's or the file's, not a bug: shown, never a traceback."""


class DatabaseOpenError(PilotisError):
    """The database could not be opened; `path` is the file concerned (None for a server)."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class MissingDatabaseError(DatabaseOpenError):
    """The file (or its folder) does not exist."""


class NotADatabaseError(DatabaseOpenError):
    """A folder, a damaged file or not an SQLite file at all."""


class ForeignDatabaseError(DatabaseOpenError):
    """Another program's SQLite file: Pilotis will not take it over."""


class ReadOnlyDatabaseError(DatabaseOpenError):
    """The file or its folder cannot be written."""


class LockedDatabaseError(DatabaseOpenError):
    """Another program holds the write lock."""


class DatabaseTooNewError(DatabaseOpenError):
    """Written by a newer Pilotis: its schema is unknown here."""


class BadDatabaseUrlError(DatabaseOpenError):
    """An unreadable URL or a database kind Pilotis does not support."""
