"""RGPD: the export of everything held on a person, and the erasure that leaves no trace of them
in the directory or the history."""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlalchemy import select

from desktop.models import Change
from desktop.services.common.history import install_history
from desktop.services.directory.edits import PersonInput
from desktop.services.directory.service import DirectoryService
from desktop.services.safety.rgpd import ERASED, PersonNotFoundError, RgpdService
from tests.factories.rgpd import (
    CURRENT,
    FORMER,
    GONE,
    backup_folder,
    renamed_person,
)


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
    directory.edits.update_person(
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
    directory.edits.update_person(
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


# --- former values, the search index, the file, the backups ------------------------------------


def _texts(factory) -> list[str]:
    """Every text of the directory's live rows and of the history, folded."""
    from desktop.models import Person, Position, Unit
    from desktop.services.common.parsing import fold

    with factory() as session:
        rows = [
            *session.execute(select(Person.last_name, Person.first_name, Person.email)),
            *session.execute(select(Position.title)),
            *session.execute(select(Unit.name, Unit.email)),
            *session.execute(select(Change.old_value, Change.new_value)),
        ]
    return [fold(v) for row in rows for v in row if isinstance(v, str)]


def test_former_surname_and_email_leave_live_rows_and_history(services, filled_database):
    """A former surname and e-mail (from the history) leave the person's post title, another
    post naming « Mme LAFFITTE », and every history value, on SQLite and PostgreSQL; a lower
    case « petite enfance » in the same title stays."""
    _, rgpd = services
    factory = filled_database.session_factory
    person_id, post_id = renamed_person(factory)
    assert any("laffitte" in t for t in _texts(factory))
    summary = rgpd.erase(person_id)
    texts = _texts(factory)
    assert [t for t in texts if any(g in t for g in GONE)] == []
    from desktop.models import Position

    with factory() as session:
        titles = set(session.scalars(select(Position.title).where(Position.title.like("%effac%"))))
    assert titles == {f"Chargée de mission (dossier {ERASED})",
                      f"Adjoint de Mme {ERASED}, petite enfance"}  # fmt: skip
    assert post_id in summary.traces.post_ids
    assert {FORMER, CURRENT} <= summary.traces.last_names
    assert summary.rows_scrubbed >= 2


def test_former_surname_leaves_the_search_index_and_the_file(services, filled_db_path):
    """After erasure no FTS query finds the former or current surname, the index's shadow
    tables hold neither, and neither do the file's bytes nor its WAL (freed pages included)."""
    directory, rgpd = services
    factory = directory._sessions
    person_id, _ = renamed_person(factory)
    assert directory.find_people("laffitte") == []  # renamed: only the old post title says it
    summary = rgpd.erase(person_id)
    assert summary.compacted
    assert directory.find_people("marchand") == []
    assert directory.find_posts("laffitte") == []
    con = sqlite3.connect(filled_db_path)
    try:
        for index, column in (("person_fts", "last_name"), ("position_fts", "title")):
            for word in ("laffitte", "marchand"):
                hits = con.execute(
                    f"SELECT count(*) FROM {index} WHERE {index} MATCH ?", (f"{column}:{word}",)
                ).fetchone()[0]
                assert hits == 0, (index, word)
            for shadow in ("data", "idx", "docsize", "config"):
                blobs = con.execute(f"SELECT * FROM {index}_{shadow}").fetchall()
                raw = b"".join(
                    v if isinstance(v, bytes) else str(v).encode() for row in blobs for v in row
                )
                assert b"laffitte" not in raw.lower()
                assert b"marchand" not in raw.lower()
    finally:
        con.close()
    wal = filled_db_path.with_name(filled_db_path.name + "-wal")
    on_disk = (filled_db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")).lower()
    for gone in GONE:
        assert gone.encode() not in on_disk, gone


def test_erasure_keeps_a_same_surname_in_lower_case_elsewhere(services, filled_database):
    """Erasing Jean PETIT leaves « Mission petite enfance » of someone else's post whole: a
    surname alone is erased outside their own rows only written in capitals."""
    from desktop.models import Person, Position, Unit

    _, rgpd = services
    factory = filled_database.session_factory
    with factory.begin() as session:
        unit = session.scalars(select(Unit).where(Unit.acronym == "DRAJES")).one()
        person = Person(last_name="PETIT", first_name="Jean")
        session.add(person)
        session.add(Position(unit_id=unit.id, title="Mission petite enfance"))
        session.flush()
        person_id = person.id
    rgpd.erase(person_id)
    with factory() as session:
        assert session.scalars(
            select(Position.title).where(Position.title == "Mission petite enfance")
        ).all() == ["Mission petite enfance"]


def test_backups_holding_the_person_are_listed_then_purged(services, filled_db_path, tmp_path):
    """Every kind of backup made while the person existed is listed with what it holds; the
    purge rewrites the sound ones (still sound backups, everyone else kept, no byte of the
    person left) and deletes the damaged one it cannot rewrite."""
    from desktop.services.safety.backups import check_backup_file

    directory, rgpd = services
    person_id, _ = renamed_person(directory._sessions)
    service, manual, migration, damaged = backup_folder(tmp_path, filled_db_path)
    people_before = dict(check_backup_file(manual))["personnes"]
    summary = rgpd.erase(person_id)
    holding = rgpd.backups_holding(summary.traces, service, filled_db_path.stem)
    by_path = {h.info.path: h for h in holding}
    assert set(by_path) == {manual, migration, damaged}
    assert "la fiche" in by_path[manual].description
    assert "poste" in by_path[migration].description
    assert not by_path[damaged].rewritable
    assert "supprimée" in by_path[damaged].description
    purge = rgpd.purge_backups(summary.traces, holding)
    assert set(purge.rewritten) == {manual, migration}
    assert purge.deleted == (damaged,)
    assert not damaged.exists()
    for path in (manual, migration):
        assert dict(check_backup_file(path))["personnes"] == people_before - 1
        raw = path.read_bytes().lower()
        assert all(g.encode() not in raw for g in GONE), path
    assert rgpd.backups_holding(summary.traces, service, filled_db_path.stem) == []
    assert directory.find_people("bejean")  # the live database is untouched by the purge
