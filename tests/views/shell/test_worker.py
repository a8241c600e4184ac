"""The one background worker: reads off the GUI thread, the newest result only, French errors."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QMainWindow

from desktop.errors import PilotisError
from desktop.views.shell.worker import Worker


def idle(worker: Worker, qtbot) -> None:
    """Wait until the worker's newest result was delivered (the pool thread let run)."""

    def done() -> bool:
        QThreadPool.globalInstance().waitForDone(10000)
        return not worker.busy

    qtbot.waitUntil(done, timeout=20000)


def window(qtbot) -> QMainWindow:
    main = QMainWindow()
    qtbot.addWidget(main)
    return main


def test_a_slow_first_read_never_lands_after_a_newer_one(qtbot):
    """A read still running when a newer request comes is dropped: only the newest shows."""
    main = window(qtbot)
    worker = Worker(main)
    release = threading.Event()
    finished: list[str] = []
    shown: list[str] = []

    def slow() -> str:
        release.wait(10)
        finished.append("first")
        return "first"

    worker.request(slow, shown.append)
    worker.request(lambda: "second", shown.append)
    assert worker.busy
    release.set()
    idle(worker, qtbot)
    assert finished == ["first"]  # it did run to its end…
    assert shown == ["second"]  # …and its result was never shown


def test_requests_made_while_a_read_runs_keep_only_the_newest(qtbot):
    """Ten filters typed during one read: one more read runs after it, for the last one."""
    main = window(qtbot)
    worker = Worker(main)
    release = threading.Event()
    reads: list[int] = []
    shown: list[int] = []

    def read(n: int):
        def run() -> int:
            if n == 0:
                release.wait(10)
            reads.append(n)
            return n

        return run

    for n in range(10):
        worker.request(read(n), shown.append)
    release.set()
    idle(worker, qtbot)
    assert reads == [0, 9]
    assert shown == [9]


def test_the_read_runs_off_the_gui_thread_and_the_result_is_shown_in_it(qtbot):
    """The database work happens in a pool thread; widgets are touched in the GUI thread only."""
    main = window(qtbot)
    worker = Worker(main)
    threads: dict[str, threading.Thread] = {}

    def read() -> int:
        threads["read"] = threading.current_thread()
        return 1

    worker.request(read, lambda _result: threads.setdefault("show", threading.current_thread()))
    idle(worker, qtbot)
    assert threads["read"] is not threading.main_thread()
    assert threads["show"] is threading.main_thread()


def test_a_failed_read_shows_the_french_message_and_keeps_the_screen(qtbot):
    """A server fault in the thread: « Données non actualisées (F5…) » in the status bar."""
    main = window(qtbot)
    worker = Worker(main)
    shown: list[object] = []

    def read():
        raise PilotisError("Le serveur PostgreSQL ne répond pas.")

    worker.request(read, shown.append)
    idle(worker, qtbot)
    assert shown == []
    assert main.statusBar().currentMessage() == (
        "Données non actualisées (F5 pour réessayer) : Le serveur PostgreSQL ne répond pas."
    )


def test_settle_finishes_the_newest_request_at_once(qtbot):
    """Printing cannot wait: settle() shows the newest request's result before returning."""
    main = window(qtbot)
    worker = Worker(main)
    release = threading.Event()
    shown: list[str] = []

    def slow() -> str:
        release.wait(10)
        return "old"

    worker.request(slow, shown.append)
    worker.request(lambda: "new", shown.append)
    worker.settle()
    assert shown == ["new"]
    assert not worker.busy
    release.set()
    QThreadPool.globalInstance().waitForDone(10000)
    qtbot.wait(50)  # the dropped read's result arrives, and is not shown
    assert shown == ["new"]
