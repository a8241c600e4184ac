"""One fold: the same text in Python and in SQL, so every spelling finds the same rows."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import literal, select

from desktop.models import Programme
from desktop.services.common.folding import fold, folded, register_fold
from desktop.services.directory.edits import PersonInput
from desktop.services.directory.service import DirectoryService
from desktop.services.programmes.service import ProgrammeService
from desktop.services.programmes.tree import ProgrammeFilter

SPELLINGS = {
    "oeuvrard": ("oeuvrard", "Œuvrard", "OEUVRARD", "œuvrard", "ŒUVRARD"),
    "strasse": ("strasse", "Straße", "STRASSE", "straße"),
}
# What names and titles are written with: ASCII, Latin-1 and Latin Extended-A/B, typographic
# quotes and spaces, and a few signs the fold leaves alone.
ALPHABET = st.sampled_from(
    [chr(c) for c in range(0x20, 0x7F)]
    + [chr(c) for c in range(0xA0, 0x250)]
    + list("’‘ẞ€–—«»\u202f\u0301\u0308\u0327")
)


def test_python_fold_spells_out_ligatures_and_drops_accents():
    """« Œuvrard », « Straße », « L’ÉCOLE » fold to what a user types on a plain keyboard."""
    assert {fold(s) for s in SPELLINGS["oeuvrard"]} == {"oeuvrard"}
    assert {fold(s) for s in SPELLINGS["strasse"]} == {"strasse"}
    assert fold("L’ÉCOLE d'Ærø") == "l'ecole d'aero"
    assert fold("Çà et là, ÿ") == "ca et la, y"
    assert fold("Pre\u0301nom Noe\u0308l") == "prenom noel"  # decomposed, as macOS writes


@pytest.fixture
def people_and_programmes(database):
    """Œuvrard and Straße in the directory and among the programmes, plus a decoy of each."""
    directory = DirectoryService(database.session_factory)
    for last, first in [("Œuvrard", "Jeanne"), ("Straße", "Anna"), ("Ouvrard", "Paul"),
                        ("Strase", "Marc")]:  # fmt: skip
        directory.edits.create_person(PersonInput(last_name=last, first_name=first))
    with database.session_factory.begin() as session:
        for code, name in [("P-OE", "Prix Œuvrard"), ("P-SS", "Échange Straße"),
                           ("P-DECOY", "Ouvrages de la rue")]:  # fmt: skip
            session.add(Programme(code=code, name=name, family="national", kind="dispositif"))
    return directory, ProgrammeService(database.session_factory)


@pytest.mark.parametrize("word", sorted(SPELLINGS))
def test_every_spelling_finds_the_same_people_and_programmes(people_and_programmes, word):
    """« oeuvrard », « Œuvrard », « OEUVRARD » (and « strasse », « Straße ») find the same
    person and the same programme, on SQLite and PostgreSQL."""
    directory, programmes = people_and_programmes
    expected_person = {"oeuvrard": "ŒUVRARD Jeanne", "strasse": "STRASSE Anna"}[word]
    expected_code = {"oeuvrard": "P-OE", "strasse": "P-SS"}[word]
    for spelling in SPELLINGS[word]:
        labels = [label for _id, label in directory.find_people(spelling)]
        assert [label.upper() for label in labels] == [expected_person.upper()], spelling
        found = programmes.search(ProgrammeFilter(text=spelling))
        assert [row.code for row in found] == [expected_code], spelling


def test_the_directory_like_path_folds_the_same(database):
    """Without the full-text index (LIKE on folded text) « oeuvrard » still finds Œuvrard."""
    directory = DirectoryService(database.session_factory, use_fts=False)
    directory.edits.create_person(PersonInput(last_name="Œuvrard", first_name="Jeanne"))
    assert [label for _id, label in directory.find_people("OEUVRARD")] == ["Œuvrard Jeanne"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(ALPHABET, max_size=40))
def test_python_and_sql_folds_agree(database, text):
    """The database folds any such text exactly as Python does (SQLite's pilotis_fold and
    PostgreSQL's translate/replace expression alike)."""
    with database.session_factory() as session:
        register_fold(session)
        assert session.scalar(select(folded(literal(text)))) == fold(text)
