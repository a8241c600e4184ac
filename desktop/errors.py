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
    pass


class NotADatabaseError(DatabaseOpenError):
    pass


class ForeignDatabaseError(DatabaseOpenError):
    pass


class ReadOnlyDatabaseError(DatabaseOpenError):
    pass


class LockedDatabaseError(DatabaseOpenError):
    pass


class DatabaseTooNewError(DatabaseOpenError):
    pass


class BadDatabaseUrlError(DatabaseOpenError):
    pass
