"""After an erasure the window lists the backups still holding the person and purges them on
« Oui »; on « Non » they are left as they are."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMainWindow, QMessageBox

from desktop.services.common.history import install_history
from desktop.services.safety.guard import DataGuard
from desktop.services.safety.rgpd import RgpdService
from desktop.views.safety.rgpd_purge import offer_backup_purge
from tests.factories.rgpd import GONE, backup_folder, renamed_person

# Backups are copies of a SQLite file: there are none of a PostgreSQL database.
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def erased(qtbot, filled_database, filled_db_path, tmp_path):
    factory = filled_database.session_factory
    install_history(factory, login="secretariat")
    person_id, _ = renamed_person(factory)
    backups, *paths = backup_folder(tmp_path, filled_db_path)
    guard = DataGuard(filled_database, backups)
    rgpd = RgpdService(factory)
    summary = rgpd.erase(person_id)
    window = QMainWindow()
    qtbot.addWidget(window)
    yield window, rgpd, summary, guard, paths
    guard.close()


def test_yes_purges_the_backups_listed(erased, monkeypatch):
    """« 3 sauvegarde(s) contiennent encore des données de Claire MARCHAND : les purger ? »
    lists each backup; Oui rewrites the two sound ones and deletes the damaged one."""
    window, rgpd, summary, guard, (manual, migration, damaged) = erased
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question",
        lambda _p, _t, text, *a, **k: asked.append(text) or QMessageBox.StandardButton.Yes,
    )  # fmt: skip
    offer_backup_purge(window, rgpd, summary, guard)
    assert asked[0].startswith(
        "3 sauvegarde(s) contiennent encore des données de Claire MARCHAND : les purger ?"
    )
    assert manual.name in asked[0]
    assert migration.name in asked[0]
    assert "2 réécrite(s), 1 supprimée(s)" in window.statusBar().currentMessage()
    assert not damaged.exists()
    for path in (manual, migration):
        assert all(g.encode() not in path.read_bytes().lower() for g in GONE)


def test_no_leaves_the_backups_untouched(erased, monkeypatch):
    """Non changes no backup, byte for byte."""
    window, rgpd, summary, guard, paths = erased
    before = [p.read_bytes() for p in paths]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    offer_backup_purge(window, rgpd, summary, guard)
    assert [p.read_bytes() for p in paths] == before
