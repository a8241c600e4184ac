"""Fichier → Base de données: the local file or a shared server, saved without any password."""

from __future__ import annotations

from desktop.settings import Settings
from desktop.views.shell.database_dialog import DatabaseDialog, chosen_value, server_url


def test_a_shared_server_is_saved_without_password(qtbot, tmp_path):
    """Choosing the server, port, base, user and TLS mode saves one URL, and no password."""
    settings = Settings(tmp_path / "pilotis.ini")
    dialog = DatabaseDialog(settings, None)
    qtbot.addWidget(dialog)
    dialog.server_radio.setChecked(True)
    dialog.host_edit.setText("pilotis.ac-occitanie.fr")
    dialog.port_spin.setValue(5433)
    dialog.database_edit.setText("pilotis")
    dialog.user_edit.setText("jdupont")
    dialog.ssl_combo.setCurrentIndex(dialog.ssl_combo.findData("verify-full"))
    dialog.accept()
    assert dialog.result() == DatabaseDialog.DialogCode.Accepted
    expected = (
        "postgresql+psycopg://jdupont@pilotis.ac-occitanie.fr:5433/pilotis?sslmode=verify-full"
    )
    assert Settings(tmp_path / "pilotis.ini").database_url == expected
    assert "password" not in (tmp_path / "pilotis.ini").read_text().lower()


def test_a_missing_user_is_named_and_nothing_is_saved(qtbot, tmp_path):
    """Without a user name the dialog stays open, says what is missing, and saves nothing."""
    settings = Settings(tmp_path / "pilotis.ini")
    dialog = DatabaseDialog(settings, None)
    qtbot.addWidget(dialog)
    dialog.server_radio.setChecked(True)
    dialog.host_edit.setText("serveur")
    dialog.accept()
    assert dialog.error_label.text() == "Indiquez l'utilisateur."
    assert settings.database_url == ""
    assert dialog.local_box.isEnabled() is False


def test_the_saved_server_is_shown_again_and_used_at_start(qtbot, tmp_path, monkeypatch):
    """The next time, the dialog shows the saved server; without --db or PILOTIS_DB, it is
    the base Pilotis opens."""
    settings = Settings(tmp_path / "pilotis.ini")
    settings.database_url = server_url("srv.local", 5432, "pilotis", "mmartin", "require")
    dialog = DatabaseDialog(settings, settings.database_url)
    qtbot.addWidget(dialog)
    assert dialog.server_radio.isChecked()
    assert (dialog.host_edit.text(), dialog.user_edit.text()) == ("srv.local", "mmartin")
    assert dialog.ssl_combo.currentData() == "require"
    assert chosen_value(None, settings) == settings.database_url
    monkeypatch.setenv("PILOTIS_DB", "/tmp/autre.sqlite")
    assert chosen_value(None, settings) == "/tmp/autre.sqlite"
    assert chosen_value("/tmp/cli.sqlite", settings) == "/tmp/cli.sqlite"


def test_main_window_menu_opens_the_dialog(qtbot, filled_database, tmp_path, monkeypatch):
    """Fichier → Base de données… opens the dialog and confirms in the status bar."""
    from desktop.app import build_main_window

    window = build_main_window(filled_database, Settings(tmp_path / "pilotis.ini"))
    qtbot.addWidget(window)
    seen = []
    monkeypatch.setattr(DatabaseDialog, "run", classmethod(lambda cls, *a: seen.append(a) or True))
    window.database_action.trigger()
    assert len(seen) == 1
    assert "prochain démarrage" in window.statusBar().currentMessage()
