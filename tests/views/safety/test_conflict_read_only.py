"""Leaving read-only when the database itself refuses writes (a server account with only the
right to read): the mode stays on, the user is told why, and the banner says the right thing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop.app import build_main_window
from desktop.services.directory.edits import PersonInput
from desktop.services.directory.service import DirectoryService
from desktop.services.safety import guard as safety_guard
from desktop.services.safety.backups import BackupService
from desktop.services.safety.guard import DataGuard, ReadOnlyError
from desktop.settings import Settings
from desktop.views.safety.backup_dialog import install_safety


@pytest.fixture
def reader_account(monkeypatch):
    """The reopened database answers read-only whatever is asked, as PostgreSQL does for an
    account with only pilotis_lecteur (open_database reads the account's rights on a server)."""
    real = safety_guard.DataGuard._reopen

    def open_as_reader(guard, read_only):
        return replace(real(guard, read_only), read_only=True)

    monkeypatch.setattr(safety_guard.DataGuard, "_reopen", open_as_reader)


@pytest.mark.sqlite_only
def test_mode_follows_the_database_not_the_request(filled_database, tmp_path, reader_account):
    """Unticking read-only on a reader account keeps it read-only and says why in French."""
    guard = DataGuard(filled_database, BackupService(tmp_path / "s"))
    try:
        guard.set_read_only(True)
        with pytest.raises(ReadOnlyError, match="droit de lecture"):
            guard.set_read_only(False)
        assert guard.read_only
        assert guard.account_read_only
        service = DirectoryService(filled_database.session_factory)
        with pytest.raises(ReadOnlyError, match="pilotis_editeur"):
            service.edits.create_person(PersonInput("ÉCRIT", "Jamais"))
    finally:
        guard.close()


@pytest.mark.sqlite_only
def test_banner_names_the_account_and_the_toggle_is_off(
    qtbot, filled_database, tmp_path, monkeypatch, reader_account
):
    """The banner tells a reader account to ask for pilotis_editeur, not to untick the menu."""
    window = build_main_window(filled_database, Settings(tmp_path / "pilotis.ini"))
    qtbot.addWidget(window)
    guard = install_safety(window, filled_database, BackupService(tmp_path / "s"))
    try:
        window.show()
        warnings: list[str] = []
        monkeypatch.setattr(
            QMessageBox, "warning", lambda parent, title, text, *a: warnings.append(text)
        )
        safety = window.safety
        safety.read_only_action.trigger()  # on: the database answers read-only, as asked
        assert "Fichier → Lecture seule pour modifier" in safety.banner.text()
        safety.read_only_action.trigger()  # off: the account refuses
        assert guard.read_only
        assert warnings
        assert "droit de lecture" in warnings[0]
        assert safety.banner_bar.isVisible()
        assert "pilotis_editeur" in safety.banner.text()
        assert "Fichier → Lecture seule" not in safety.banner.text()
        assert not safety.read_only_action.isEnabled()
        assert not window.new_action.isEnabled()
    finally:
        guard.close()
