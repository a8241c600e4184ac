"""The server goes away while a tab reads its data: a French message, the screen kept, F5 retries.

Collected only when PILOTIS_TEST_PG_URL names a server (scripts/postgres.sh; CI always does).
The outage is real: the test's database stops accepting connections and its sessions are
terminated (as when the server restarts), then it accepts them again.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from desktop.app import build_main_window
from desktop.db import open_database
from desktop.settings import Settings
from tests import pg_support


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


def test_changing_a_budget_filter_while_the_server_is_down_keeps_the_figures(window, server):
    """A new budget filter while the server is down keeps the previous totals and says why;
    the filter works again once the server is back."""
    window.tabs.setCurrentIndex(2)
    tab = window.budgets_tab
    figures = tab.key_figures.text()
    assert "Prévu" in figures
    server.cut()
    tab.apply_filter(tab.current_filter().with_(year_from=2023, year_to=2023))
    assert "F5" in _status(window)
    assert tab.key_figures.text() == figures
    server.restore()
    window.refresh_action.trigger()
    assert "Prévu" in tab.key_figures.text()


def test_the_directory_search_on_the_server_uses_its_trigram_index(server):
    """Typing in the directory on a server reads an index, not every person (1.6 s a keystroke
    at 100 000 people without it): the index of migration 0004 matches the search's query."""
    from sqlalchemy.dialects import postgresql

    from desktop.services.directory_search import Matcher

    query = Matcher(use_fts=False).person_ids("bejean")
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with server.database.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))  # a small table would be scanned anyway
        plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {sql}")))
    assert "ix_person_last_name_trgm" in plan
    assert "ix_person_first_name_trgm" in plan
