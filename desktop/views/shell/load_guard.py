"""Reading a tab's data safely: a server fault while loading shows one French message in the
status bar, keeps what is on screen, and F5 tries again once the server answers."""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMainWindow, QWidget

from desktop.errors import PilotisError

# A property of the status bar marks a message put there by the guard, so that a later
# successful read clears it (and only it: other messages are left alone).
_GUARD_PROPERTY = "pilotisLoadError"


def _status_bar(widget: QWidget):
    window = widget.window()
    return window.statusBar() if isinstance(window, QMainWindow) else None


def load_error_message(error: PilotisError) -> str:
    """The sentence shown when reading failed: the error's own French text and how to retry."""
    return QCoreApplication.translate(
        "load_guard", "Données non actualisées (F5 pour réessayer) : {error}"
    ).format(error=str(error).strip())


def show_load_error(widget: QWidget, error: PilotisError) -> None:
    """Show error in widget's main window status bar until the next successful read."""
    bar = _status_bar(widget)
    if bar is None:
        return
    message = load_error_message(error)
    bar.showMessage(message)  # no timeout: it stays until a read succeeds
    bar.setToolTip(message)  # the whole sentence when the bar is too narrow for it
    bar.setProperty(_GUARD_PROPERTY, True)


def clear_load_error(widget: QWidget) -> None:
    bar = _status_bar(widget)
    if bar is not None and bar.property(_GUARD_PROPERTY):
        bar.setProperty(_GUARD_PROPERTY, False)
        bar.setToolTip("")
        bar.clearMessage()


# Guards nest (a tab's load() calls its own guarded slots, directly or through signals): an
# inner failure is caught where it happens, and the outermost guard then reports failure too.
_depth = 0
_failed = False


def guarded(widget: QWidget, action: Callable[[], object]) -> bool:
    """Run action (a read of data for widget); on a PilotisError (server down, connection lost,
    timeout…) show its French message instead of a traceback. True when the read succeeded."""
    global _depth, _failed
    outer = _depth == 0
    if outer:
        _failed = False
    _depth += 1
    try:
        action()
    except PilotisError as error:
        show_load_error(widget, error)
        _failed = True
    finally:
        _depth -= 1
    succeeded = not _failed
    if outer and succeeded:
        clear_load_error(widget)
    return succeeded


def guard_slot(method: Callable) -> Callable:
    """Decorate a tab's slot that reads data (a search, a filter): a server fault is shown in
    the status bar and the slot's widgets keep their previous content."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs) -> None:
        guarded(self, lambda: method(self, *args, **kwargs))

    return wrapper
