"""RGPD: the export of everything held on a person, and the erasure that leaves no trace of them
in the directory or the history."""

from __future__ import annotations

import json
import sqlite3

import pytest

from desktop.services.directory_edits import PersonInput
from desktop.services.directory_service import DirectoryService
from desktop.services.history import install_history
from desktop.services.rgpd import ERASED, PersonNotFoundError, RgpdService


@pytest.fixture
def services(filled_database):
    install_history(filled_database.session_factory, login="secretariat")
    factory = filled_database.session_factory
    return DirectoryService(factory), RgpdService(factory)


def _bejean(directory: DirectoryService):
    return directory.person_detail(directory.find_people("BÉJEAN", limit=1)[0][0])


def test_export_json_holds_the_person_posts_and_history(services, tmp_path):
    """The JSON export gives the person's record, every post and the changes naming them."""
    directory, rgpd = services
    person = _bejean(directory)
    directory.update_person(
        person.id, person.version, PersonInput("BÉJEAN", "Sophie", email="s.bejean@ac.fr")
    )
    path = rgpd.export(person.id, tmp_path / "bejean.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["personne"]["nom"] == "BÉJEAN"
    assert data["personne"]["courriel"] == "s.bejean@ac.fr"
    assert len(data["postes"]) >= 2
    assert any("Rectrice" in post["intitulé"] for post in data["postes"])
    assert any(e["champ"] == "email" and e["après"] == "s.bejean@ac.fr" for e in data["historique"])


def test_export_xlsx_lists_every_value(services, tmp_path):
    """The Excel export has one row per value, the person's name and posts included."""
    from python_calamine import CalamineWorkbook

    directory, rgpd = services
    person = _bejean(directory)
    path = rgpd.export(person.id, tmp_path / "bejean.xlsx")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    flat = [str(c) for row in rows for c in row]
    assert "BÉJEAN" in flat
    assert any(c.startswith("Poste") for c in flat)


def test_erasure_removes_the_person_and_anonymises_history(services, filled_db_path):
    """After erasure no table, no history value and no file page holds the person's name or
    e-mail; their current posts stay, vacant."""
    directory, rgpd = services
    person = _bejean(directory)
    directory.update_person(
        person.id, person.version, PersonInput("BÉJEAN", "Sophie", email="sophie.bejean@ac.fr")
    )
    summary = rgpd.erase(person.id)
    assert summary.name == "Sophie BÉJEAN"
    assert summary.posts_vacated >= 2
    assert summary.history_anonymised >= 1
    con = sqlite3.connect(filled_db_path)
    try:
        assert con.execute("SELECT count(*) FROM person WHERE last_name='BÉJEAN'").fetchone() == (
            0,
        )
        hits = con.execute(
            "SELECT count(*) FROM change WHERE old_value LIKE '%BÉJEAN%' OR new_value LIKE "
            "'%BÉJEAN%' OR old_value LIKE '%sophie.bejean%' OR new_value LIKE '%sophie.bejean%'"
        ).fetchone()
        assert hits == (0,)
        erased = con.execute(
            "SELECT count(*) FROM change WHERE old_value LIKE ? OR new_value LIKE ?",
            (f"%{ERASED}%", f"%{ERASED}%"),
        ).fetchone()[0]
        assert erased >= 1
        vacant = con.execute(
            "SELECT count(*) FROM position WHERE person_id IS NULL AND title LIKE 'Rectrice%'"
        ).fetchone()[0]
        assert vacant >= 1
    finally:
        con.close()
    wal = filled_db_path.with_name(filled_db_path.name + "-wal")
    on_disk = filled_db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert b"bejean" not in on_disk.lower()  # nor in the search index or freed pages
    assert "BÉJEAN".encode() not in on_disk
    with pytest.raises(PersonNotFoundError):
        rgpd.collect(person.id)


def test_erasure_leaves_other_people_alone(services):
    """Erasing one person changes nobody else's record or history."""
    directory, rgpd = services
    other = directory.person_detail(directory.find_people("FOURAR", limit=1)[0][0])
    rgpd.erase(_bejean(directory).id)
    again = directory.person_detail(other.id)
    assert (again.last_name, again.first_name, again.version) == (
        other.last_name, other.first_name, other.version,
    )  # fmt: skip
