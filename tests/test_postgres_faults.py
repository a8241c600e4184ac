"""The server goes away while a tab reads its data: a French message, the screen kept, F5 retries.

Collected only when PILOTIS_TEST_PG_URL names a server (scripts/postgres.sh; CI always does).
The outage is real: the test's database stops accepting connections and its sessions are
terminated (as when the server restarts), then it accepts them again.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from desktop.app import build_main_window
from desktop.db import open_database
from desktop.settings import Settings
from tests import pg_support
from tests.factories.tabs import settled


@pytest.fixture
def server(pg_templates):
    """The 2023 dataset on the server, with a switch that cuts it off and brings it back."""
    name = pg_support.create_database(pg_templates["filled"])
    database = open_database(pg_support.url_for(name))
    admin = create_engine(pg_support.PG_URL, isolation_level="AUTOCOMMIT")

    class Server:
        def __init__(self) -> None:
            self.database = database

        def cut(self) -> None:
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :n AND pid <> pg_backend_pid()"
                    ),
                    {"n": name},
                )

        def restore(self) -> None:
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

    server = Server()
    yield server
    server.restore()
    database.dispose()
    admin.dispose()
    pg_support.drop_database(name)


@pytest.fixture
def window(qtbot, server, tmp_path):
    win = build_main_window(server.database, Settings(tmp_path / "pilotis.ini"))
    qtbot.addWidget(win)
    win.show()
    assert win.load_current_tab()
    return win


def _status(window) -> str:
    return window.statusBar().currentMessage()


def test_refresh_while_the_server_is_down_says_so_and_keeps_the_screen(window, server):
    """F5 with the server down: a French message, the units, posts and sites stay on screen;
    F5 once it is back reloads and the message goes away."""
    tab = window.directory_tab
    units, posts = tab.tree_model.rowCount(), tab.positions_model.rowCount()
    sites = tab.site_combo.count()
    assert posts > 10
    assert sites > 1
    server.cut()
    window.refresh_action.trigger()
    message = _status(window)
    assert message.startswith("Données non actualisées (F5 pour réessayer) : ")
    assert window.statusBar().toolTip() == message
    assert "serveur" in message
    assert "F5" in message
    assert (tab.tree_model.rowCount(), tab.positions_model.rowCount()) == (units, posts)
    assert tab.site_combo.count() == sites
    server.restore()
    window.refresh_action.trigger()
    assert _status(window) == "Données actualisées"
    assert window.statusBar().toolTip() == ""
    assert tab.positions_model.rowCount() == posts


def test_a_tab_first_shown_while_the_server_is_down_loads_with_f5(window, server):
    """Opening the Programmes and Budgets tabs while the server is down shows the message,
    not a traceback; F5 after the server is back fills the tab."""
    server.cut()
    window.tabs.setCurrentIndex(1)
    assert "F5" in _status(window)
    assert window.programmes_tab.model.rowCount() == 0
    window.tabs.setCurrentIndex(2)
    assert "F5" in _status(window)
    assert window.budgets_tab.key_figures.text() == ""
    server.restore()
    window.refresh_action.trigger()
    assert "Prévu" in window.budgets_tab.key_figures.text()
    assert _status(window) == "Données actualisées"
    window.tabs.setCurrentIndex(1)  # it failed before, so showing it again reads it
    assert window.programmes_tab.model.rowCount() > 5
    assert "F5" not in _status(window)


def test_typing_a_search_while_the_server_is_down_keeps_the_list(window, server, qtbot):
    """A search typed while the server is down leaves the list as it was with the message;
    the same search once the server is back finds people."""
    tab = window.directory_tab
    posts, count = tab.positions_model.rowCount(), tab.count_label.text()
    server.cut()
    qtbot.keyClicks(tab.search_edit, "bejean")
    assert "F5" in _status(window)
    assert (tab.positions_model.rowCount(), tab.count_label.text()) == (posts, count)
    server.restore()
    tab.search_edit.setText("béjean")
    assert tab.positions_model.rowCount() >= 1
    assert "F5" not in _status(window)


def test_changing_a_budget_filter_while_the_server_is_down_keeps_the_figures(window, server, qtbot):
    """A new budget filter while the server is down keeps the previous totals and says why;
    the filter works again once the server is back."""
    window.tabs.setCurrentIndex(2)
    tab = window.budgets_tab
    figures = tab.key_figures.text()
    assert "Prévu" in figures
    server.cut()
    tab.apply_filter(tab.current_filter().with_(year_from=2023, year_to=2023))
    settled(tab, qtbot)  # summed in a worker thread
    assert "F5" in _status(window)
    assert tab.key_figures.text() == figures
    server.restore()
    window.refresh_action.trigger()
    assert "Prévu" in tab.key_figures.text()


def test_the_directory_search_on_the_server_uses_its_trigram_index(server):
    """Typing in the directory on a server reads an index, not every person (1.6 s a keystroke
    at 100 000 people without it): the trigram indexes of migration 0007, on the folded text
    the server stores, match the search's queries (a word, a name start, a post title)."""
    from sqlalchemy.dialects import postgresql

    from desktop.services.directory.search import Matcher

    matcher = Matcher(use_fts=False, short_prefix=True, stored=True)
    for query, index in (
        (matcher.person_ids("bejean"), "ix_person_search_name_trgm"),
        (matcher.person_ids("be"), "ix_person_search_name_trgm"),
        (matcher.position_ids("responsable"), "ix_position_search_title_trgm"),
    ):
        dialect = postgresql.dialect()
        sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        with server.database.engine.connect() as conn:
            conn.execute(text("SET enable_seqscan = off"))  # a small table is scanned anyway
            plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {sql}")))
        assert index in plan
        assert "translate" not in plan  # the folding was done when the row was written


def test_the_folded_search_text_follows_every_change_of_a_name(server):
    """The server computes the folded names itself: a person renamed by any path, here plain
    SQL that no application code sees, is found under the new name at once."""
    from desktop.services.directory.search import search_tokens
    from desktop.services.directory.service import DirectoryService, SearchFilter

    service = DirectoryService(server.database.session_factory)
    with server.database.engine.begin() as conn:
        conn.execute(
            text("UPDATE person SET last_name = 'ÉTIÉVANT', first_name = 'Zoé' WHERE id = ("
                 " SELECT min(id) FROM person)")
        )  # fmt: skip
        stored = conn.execute(
            text("SELECT search_name FROM person WHERE id = (SELECT min(id) FROM person)")
        ).scalar_one()
    assert stored == "etievant|zoe"
    assert search_tokens("Étiévant Zoé") == ["etievant", "zoe"]
    found = service.entries(SearchFilter("étiév zo"))
    assert [(e.last_name, e.first_name) for e in found][:1] == [("ÉTIÉVANT", "Zoé")]


def test_the_programme_list_search_reads_the_folded_text_the_server_keeps(server):
    """Typing in the programme list on a server uses the trigram index on the folded text the
    server stores (0.5 s a keystroke at 10 000 programmes when it folded every one), and a
    programme renamed by plain SQL is found under its new name and sorted by it."""
    from desktop.services.programmes.service import ProgrammeService
    from desktop.services.programmes.tree import ProgrammeFilter

    service = ProgrammeService(server.database.session_factory)
    with server.database.engine.begin() as conn:
        conn.execute(
            text("UPDATE programme SET name = 'Œuvre ÉTUDIANTE à Béziers' WHERE code = 'SNU'")
        )
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            row[0]
            for row in conn.execute(
                text("EXPLAIN SELECT id FROM programme WHERE search_text LIKE '%beziers%'")
            )
        )
    assert "ix_programme_search_text_trgm" in plan
    found = service.search(ProgrammeFilter(text="étudiante BEZIERS"))
    assert [row.code for row in found] == ["SNU"]
    assert [row.code for row in service.search(ProgrammeFilter(text="snu"))][:1] == ["SNU"]
    by_name = [row.name for row in service.search(ProgrammeFilter(), limit=None)]
    before = by_name[by_name.index("Œuvre ÉTUDIANTE à Béziers") - 1]
    assert before.lower().startswith(("n", "o"))  # among the O, by its folded name


# --- saving while the server is away ----------------------------------------------------------


def _first_person(database):
    from desktop.services.directory.service import DirectoryService

    service = DirectoryService(database.session_factory)
    return service.person_detail(service.find_people("béjean", limit=1)[0][0])


def test_a_person_saved_while_the_server_is_away_keeps_the_form_and_saves_once_back(
    window, server, qtbot, monkeypatch
):
    """The server goes away while a person's form is open: Enregistrer says so in French, the
    form stays open with what was typed; once the server is back, Enregistrer saves it once,
    the history names the change, and Ctrl+Z has a batch to undo."""
    from PySide6.QtWidgets import QDialogButtonBox

    from desktop.services.common.history import HistoryService
    from desktop.views.directory.person_dialog import PersonDialog

    tab = window.directory_tab
    person = _first_person(server.database)
    new_email = "sophie.bejean@region-academique-occitanie.fr"
    history = HistoryService(server.database.session_factory)
    before = len(history.changes(table_name="person", row_id=person.id))
    seen: dict = {}

    def fake_exec(dialog):
        dialog.show()
        dialog.email_edit.setText(new_email)
        save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
        server.cut()
        save.click()
        seen["error"] = dialog.error_label.text()
        seen["open"] = dialog.isVisible()
        seen["typed"] = dialog.email_edit.text()
        server.restore()
        seen["stored"] = _first_person(server.database).email
        save.click()
        seen["closed"] = not dialog.isVisible()
        return dialog.result()

    monkeypatch.setattr(PersonDialog, "exec", fake_exec)
    with qtbot.waitSignal(tab.edited) as signal:
        tab.edits.edit_person(person.id)
    assert "refuse pour le moment les connexions" in seen["error"], seen["error"]
    assert "Rien n'a été enregistré : vos saisies sont conservées" in seen["error"]
    assert seen["open"]
    assert seen["typed"] == new_email
    assert seen["stored"] == person.email  # nothing was written while it was away
    assert seen["closed"]
    saved = _first_person(server.database)
    assert saved.email == new_email
    assert saved.version == person.version + 1
    rows = history.changes(batch=signal.args[0])
    assert [(r.field, json.loads(r.new_value)) for r in rows] == [("email", new_email)]
    assert len(history.changes(table_name="person", row_id=person.id)) == before + 1


def test_a_programme_saved_while_the_server_is_away_keeps_the_sheet(
    window, server, qtbot, monkeypatch
):
    """The programme editor the same way: the French message, the sheet kept as typed; once
    the server is back, Enregistrer saves it once."""
    from PySide6.QtWidgets import QMessageBox
    from sqlalchemy import select

    from desktop.models import Programme
    from desktop.services.common.history import HistoryService
    from desktop.views.programmes.editor_dialog import ProgrammeEditorDialog

    window.tabs.setCurrentIndex(1)
    tab = window.programmes_tab
    with server.database.session_factory() as session:
        snu = session.scalar(select(Programme).where(Programme.code == "SNU"))
    warnings: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda parent, title, text, *a: warnings.append(text)
    )
    seen: dict = {}

    def fake_open(dialog):
        dialog.show()
        dialog.general.name.setText("Service national universel — séjours 2024")
        server.cut()
        dialog.save_button.click()
        seen["open"] = dialog.isVisible()
        seen["typed"] = dialog.general.name.text()
        server.restore()
        dialog.save_button.click()
        seen["closed"] = not dialog.isVisible()
        return dialog.result()

    monkeypatch.setattr(ProgrammeEditorDialog, "open_dialog", fake_open)
    tab._open_editor(tab._service.editor.load(snu.id))
    assert len(warnings) == 1
    assert "refuse pour le moment les connexions" in warnings[0]
    assert seen["open"]
    assert seen["typed"] == "Service national universel — séjours 2024"
    assert seen["closed"]
    with server.database.session_factory() as session:
        saved = session.scalar(select(Programme).where(Programme.code == "SNU"))
    assert saved.name == "Service national universel — séjours 2024"
    assert saved.version == snu.version + 1
    rows = HistoryService(server.database.session_factory).changes(
        table_name="programme", row_id=snu.id
    )
    assert [json.loads(r.new_value) for r in rows if r.field == "name"] == [saved.name]


def test_sorting_the_directory_while_the_server_is_down_keeps_the_list(window, server):
    """A click on a column header asks the server for the new order: while it is down, the
    list stays as it was with the message; once it is back the same click sorts."""
    from PySide6.QtCore import Qt

    tab = window.directory_tab
    model = tab.positions_model
    before = [model.text(n, 0) for n in range(model.rowCount())]
    server.cut()
    tab.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # Site, Z→A
    assert "F5" in _status(window)
    assert [model.text(n, 0) for n in range(model.rowCount())] == before
    assert model.sort_key == ("name", False)
    server.restore()
    tab.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    assert model.sort_key == ("site", True)
    assert [model.text(n, 0) for n in range(model.rowCount())] != before


def test_the_history_while_the_server_is_down_says_so(window, server, monkeypatch):
    """Ctrl+H while the server is down: one French message, no dialog. Open, then the server
    goes: a new filter keeps the rows shown and says why; back, the filter applies."""
    from PySide6.QtWidgets import QMessageBox

    from desktop.services.directory.edits import PersonInput
    from desktop.services.directory.service import DirectoryService
    from desktop.views.safety.history_dialog import add_history_action

    service = DirectoryService(server.database.session_factory)
    for name, email in (("béjean", "s.bejean@exemple.fr"), ("arnaud", "g.arnaud@exemple.fr")):
        p = service.person_detail(service.find_people(name, limit=1)[0][0])
        service.edits.update_person(
            p.id, p.version, PersonInput(p.last_name, p.first_name, email, p.phone, p.site_id)
        )
    history_action = add_history_action(window)
    warnings: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda parent, title, text, *a: warnings.append(text)
    )
    server.cut()
    history_action.trigger()
    assert len(warnings) == 1
    assert "serveur" in warnings[0]
    server.restore()
    history_action.trigger()
    dialog = window.history_dialog
    dialog.record_check.setChecked(False)  # every change, not only the unit on screen
    shown = dialog.model.rowCount()
    assert shown > 0
    server.cut()
    dialog.text_edit.setText("s.bejean@")
    dialog.refresh()
    assert dialog.problem.text().startswith("Historique non actualisé : ")
    assert dialog.model.rowCount() == shown
    server.restore()
    dialog.refresh()
    assert dialog.problem.isHidden()
    assert 0 < dialog.model.rowCount() < shown
    dialog.close()
