"""The File menu's offline entries on a real main window: take a copy, send from it, receive
here — the changes arrive as one Ctrl+Z step, and a conflict is shown and written down."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import select

from desktop.app import attach_database
from desktop.db import open_database
from desktop.models import Unit
from desktop.services.exchange.service import ExchangeService
from desktop.settings import Settings
from desktop.views.exchange.exchange_actions import ExchangeActions
from desktop.views.shell.main_window import MainWindow
from tests.services.exchange.support import edit


def _drajes(session) -> Unit:
    return session.scalar(select(Unit).where(Unit.acronym == "DRAJES"))


def _email(url: str) -> str | None:
    db = open_database(url, create=False)
    try:
        with db.session_factory() as session:
            return _drajes(session).email
    finally:
        db.dispose()


def test_copy_send_and_receive_from_the_file_menu(qtbot, tmp_path, filled_db_path, monkeypatch):
    """The three entries sit in the File menu; a received package is one undoable step and its
    conflict is listed in the box and in the report file."""
    database = open_database(str(filled_db_path), create=False)
    window = MainWindow(Settings(tmp_path / "pilotis.ini"))
    qtbot.addWidget(window)
    attach_database(window, database)
    actions = window.exchange_actions
    texts = [a.text() for a in window.file_menu.actions()]
    for label in ("Travailler &hors connexion…", "En&voyer mes modifications…",
                  "Rece&voir des modifications…"):  # fmt: skip
        assert label in texts
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: shown.append(a[2]))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    copy = tmp_path / "portable.sqlite"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(copy), ""))
    assert actions.take_copy() == str(copy)
    assert "Copie hors connexion prête" in shown[-1]

    edit(str(copy), lambda s: (setattr(_drajes(s), "email", "train@ac-occitanie.fr"),
                               setattr(_drajes(s), "phone", "04 67 00 00 20")))  # fmt: skip
    edit(str(filled_db_path), lambda s: setattr(_drajes(s), "email", "bureau@ac-occitanie.fr"))
    package = tmp_path / "envoi.pilotis-echange"
    copy_db = open_database(str(copy), create=False)
    ExchangeService(copy_db.session_factory, str(copy)).export(package)
    copy_db.dispose()

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(package), ""))
    boxes: list[QMessageBox] = []
    monkeypatch.setattr(ExchangeActions, "show_result", staticmethod(boxes.append))
    summary = actions.receive()
    (box,) = boxes
    assert "1 champ(s) modifié(s)" in box.text()
    assert "Service « DRAJES » — Courriel : modifié des deux côtés." in box.detailedText()
    assert Path(f"{package}.conflits.txt").is_file()
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()  # Ctrl+Z takes the whole merge back
    db = open_database(str(filled_db_path), create=False)
    with db.session_factory() as session:
        assert _drajes(session).phone != "04 67 00 00 20"
    db.dispose()
    assert summary.batch
    assert _email(str(filled_db_path)) == "bureau@ac-occitanie.fr"
    database.dispose()
