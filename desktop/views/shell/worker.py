"""The one background worker of the tabs: a read runs in a pool thread, only the newest lands.

A tab (or a panel) owns one `Worker` per stream of requests (the budget figures, the cross-table,
the directory's full count). `request(read, show)` runs `read()` in a pool thread and `show(result)`
in the GUI thread. Requests do not pile up: one read runs at a time, a request made meanwhile waits
(only the newest: it supersedes the one waiting), and the result of a read that is no longer the
newest is dropped, never shown — a slow first read finishing after a fast second one cannot
overwrite it. A failure goes through load_guard: a server fault shows « Données non actualisées
(F5 pour réessayer) : … » in the status bar and the screen keeps what it showed. Reads make their
own sessions (the services open one per call), so the thread shares nothing with the GUI.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QWidget

from desktop.views.shell.load_guard import guarded


class _Results(QObject):
    """Carries a read's result (or its error) back to the GUI thread (queued signals)."""

    done = Signal(int, object)  # generation, result
    failed = Signal(int, object)  # generation, exception


class _Read(QRunnable):
    def __init__(self, generation: int, read: Callable[[], Any], results: _Results) -> None:
        super().__init__()
        self._generation = generation
        self._read = read
        self._results = results

    def run(self) -> None:
        try:
            result = self._read()
        except Exception as error:  # noqa: BLE001 - shown (or raised) in the GUI thread
            self._emit(self._results.failed, error)
        else:
            self._emit(self._results.done, result)

    def _emit(self, signal, value) -> None:
        with contextlib.suppress(RuntimeError):  # the widget was closed meanwhile
            signal.emit(self._generation, value)


class Worker(QObject):
    """One stream of reads for `owner` (the widget whose window shows a failure)."""

    busy_changed = Signal(bool)

    def __init__(self, owner: QWidget) -> None:
        super().__init__(owner)
        self._owner = owner
        self._generation = 0  # of the newest request; a result of another one is stale
        self._running = False  # a pool thread is reading (maybe for a stale request)
        self._waiting: tuple[int, Callable[[], Any], Callable[[Any], None]] | None = None
        self._newest: tuple[Callable[[], Any], Callable[[Any], None]] | None = None
        self._show: Callable[[Any], None] | None = None  # of the read running
        self._results = _Results(self)
        self._results.done.connect(self._on_results_done)
        self._results.failed.connect(self._on_results_failed)

    @property
    def busy(self) -> bool:
        """Whether the newest request's result is still to come."""
        return self._newest is not None

    def request(self, read: Callable[[], Any], show: Callable[[Any], None]) -> None:
        """Run read() off the GUI thread, then show(result) in it, unless a newer request came."""
        was_busy = self.busy
        self._generation += 1
        self._waiting = (self._generation, read, show)
        self._newest = (read, show)
        if not self._running:
            self._start_waiting()
        if not was_busy:
            self.busy_changed.emit(True)

    def settle(self) -> None:
        """Finish the newest request now, in this thread: what a print or an export needs at
        once. Nothing when no request is under way; a read's error is raised to the caller."""
        if self._newest is None:
            return
        read, show = self._newest
        self.drop()
        show(read())

    def drop(self) -> None:
        """Forget the requests under way: their results will not be shown."""
        was_busy = self.busy
        self._generation += 1
        self._waiting = None
        self._newest = None
        if was_busy:
            self.busy_changed.emit(False)

    def _start_waiting(self) -> None:
        generation, read, show = self._waiting
        self._waiting = None
        self._running = True
        self._show = show
        QThreadPool.globalInstance().start(_Read(generation, read, self._results))

    def _finish(self, generation: int) -> bool:
        """After a read: start the waiting one if any; True when this result is to be shown."""
        self._running = False
        if self._waiting is not None:  # a newer request waits: this result is stale
            self._start_waiting()
            return False
        if generation != self._generation:  # dropped or settled meanwhile
            return False
        self._newest = None
        self.busy_changed.emit(False)
        return True

    def _on_results_done(self, generation: int, result: Any) -> None:
        show = self._show
        if self._finish(generation):
            guarded(self._owner, lambda: show(result))

    def _on_results_failed(self, generation: int, error: Exception) -> None:
        if self._finish(generation):

            def fail() -> None:
                raise error

            guarded(self._owner, fail)  # a server fault: « Données non actualisées (F5…) »
