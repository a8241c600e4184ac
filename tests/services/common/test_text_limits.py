"""Search boxes take any text: wildcards typed are literal, and a pasted page is cut to the
search limit instead of making the database refuse the query."""

from __future__ import annotations

import pytest

from desktop.models import Unit
from desktop.services.common.history import install_history
from desktop.services.common.text_limits import MAX_SEARCH_CHARS, capped, is_cut
from desktop.services.directory.search import SearchFilter
from desktop.services.directory.service import DirectoryService
from desktop.services.programmes.service import ProgrammeService
from desktop.services.programmes.tree import ProgrammeFilter
from desktop.services.safety.history import HistoryFilter, HistoryQueryService

# 100 000 characters: SQLite refuses a LIKE or GLOB pattern past 50 000, and a query of a
# thousand words past its expression depth.
ONE_WORD = "a" * 100_000
MANY_WORDS = "zqx " * 25_000


@pytest.fixture
def history(database):
    install_history(database.session_factory, login="claire")
    with database.session_factory.begin() as session:
        for code, name in (("U1", "Taux 100%"), ("U2", "Taux 1000"), ("U3", "dossier a_b"),
                           ("U4", "dossier axb")):  # fmt: skip
            session.add(Unit(code=code, name=name, kind="service"))
    return HistoryQueryService(database.session_factory)


def _names(entries) -> set[str]:
    return {e.new_text.split("Nom : ")[1].split(" ;")[0] for e in entries}


def test_history_search_matches_percent_and_underscore_literally(history):
    """« 100% » finds the 100 % rate and not « 1000 »; « a_b » finds a_b and not « axb »."""
    assert _names(history.search(HistoryFilter(text="100%"))) == {"Taux 100%"}
    assert _names(history.search(HistoryFilter(text="a_b"))) == {"dossier a_b"}
    assert _names(history.search(HistoryFilter(text="%"))) == {"Taux 100%"}


def test_history_search_of_a_pasted_page_uses_its_first_characters(history):
    """A 100 000-character search is answered from its first 200 characters, never refused."""
    assert history.search(HistoryFilter(text=ONE_WORD)) == []
    assert history.search(HistoryFilter(text=MANY_WORDS)) == []
    padded = "dossier a_b" + " " * 100_000 + "zzz"
    assert _names(history.search(HistoryFilter(text=padded))) == {"dossier a_b"}


@pytest.mark.parametrize("use_fts", [None, False])
def test_directory_search_of_a_pasted_page_is_cut_not_refused(filled_database, use_fts):
    """The directory (full-text index or LIKE) answers a 100 000-character search, from its
    first 200 characters: « bejean » followed by a page of spaces still finds BÉJEAN."""
    directory = DirectoryService(filled_database.session_factory, use_fts=use_fts)
    for text in (ONE_WORD, MANY_WORDS):
        assert directory.entries(SearchFilter(text)) == []
        assert directory.count_entries(SearchFilter(text)) == 0
        assert directory.find_people(text) == []
    padded = "bejean" + " " * 100_000 + "zzz"
    assert [n.split(" — ")[0] for _, n in directory.find_people(padded)] == ["BÉJEAN Sophie"]


def test_programme_search_of_a_pasted_page_is_cut_not_refused(filled_database):
    """The programme list answers a 100 000-character search from its first 200 characters."""
    programmes = ProgrammeService(filled_database.session_factory)
    for text in (ONE_WORD, MANY_WORDS):
        assert programmes.search(ProgrammeFilter(text=text)) == []
        assert programmes.count(ProgrammeFilter(text=text)) == 0
    padded = "erasmus" + " " * 100_000 + "zzz"
    assert (
        programmes.count(ProgrammeFilter(text=padded))
        == programmes.count(ProgrammeFilter(text="erasmus"))
        > 0
    )


def test_establishment_search_of_a_pasted_page_is_cut_not_refused(filled_database):
    """The programme editor's establishment picker answers a 100 000-character search."""
    editor = ProgrammeService(filled_database.session_factory).editor
    assert editor.search_establishments(ONE_WORD) == []
    assert editor.search_establishments(MANY_WORDS) == []


def test_the_cut_is_the_first_200_characters():
    """What a search uses and whether the view must say the text was cut."""
    assert MAX_SEARCH_CHARS == 200
    assert capped("x" * 201) == "x" * 200
    assert is_cut("x" * 201)
    assert capped(None) == ""
    assert not is_cut(None)
    assert not is_cut("x" * 200)
