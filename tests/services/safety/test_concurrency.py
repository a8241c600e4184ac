"""Two sessions on the same SQLite file edit the same record: the second save is refused, the
first is kept, and the conflict report lets the second user merge without losing either."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace

import pytest

from desktop.db import open_database
from desktop.services.common.history import install_history
from desktop.services.directory.edits import PersonInput, UnitInput
from desktop.services.directory.service import DirectoryService
from desktop.services.directory.validation import EditConflictError
from desktop.services.programmes.drafts import ProgrammeConflictError
from desktop.services.programmes.service import ProgrammeService
from desktop.services.safety.conflicts import THEIRS, ConflictService
from tests.conftest import ROOT


@pytest.fixture
def two_sessions(filled_db_path):
    """Two independent engines on one file, as two instances of Pilotis would have."""
    first, second = open_database(str(filled_db_path)), open_database(str(filled_db_path))
    for db in (first, second):
        install_history(db.session_factory, login=f"agent{1 if db is first else 2}")
    yield first, second
    first.dispose()
    second.dispose()


def _person(service: DirectoryService, name: str):
    person_id = service.find_people(name, limit=1)[0][0]
    return service.person_detail(person_id)


def test_second_save_of_a_person_is_refused(two_sessions):
    """Alice and Bob open the same person; Alice saves, Bob's save is refused, Alice's stays."""
    a, b = (DirectoryService(db.session_factory) for db in two_sessions)
    seen_a, seen_b = _person(a, "BÉJEAN"), _person(b, "BÉJEAN")
    a.edits.update_person(
        seen_a.id, seen_a.version, PersonInput("BÉJEAN", "Sophie", phone="0467914700")
    )
    with pytest.raises(EditConflictError, match="modifié"):
        b.edits.update_person(
            seen_b.id, seen_b.version, PersonInput("BÉJEAN", "Sophie", email="x@y.fr")
        )
    stored = _person(b, "BÉJEAN")
    assert stored.phone == "04 67 91 47 00"
    assert stored.email is None


def test_second_save_of_a_unit_is_refused(two_sessions):
    """Two sessions rename the same unit: the first name is kept, the second save refused."""
    a, b = (DirectoryService(db.session_factory) for db in two_sessions)
    unit_a, unit_b = a.find_unit("DRAJES"), b.find_unit("DRAJES")
    detail_a = a.unit_detail(unit_a.id)
    base = UnitInput(name=detail_a.name, kind=detail_a.kind, acronym="DRAJES",
                     parent_id=detail_a.parent_id, site_id=detail_a.site_id)  # fmt: skip
    a.edits.update_unit(unit_a.id, unit_a.version, replace(base, name="Nom choisi par A"))
    with pytest.raises(EditConflictError):
        b.edits.update_unit(unit_b.id, unit_b.version, replace(base, name="Nom choisi par B"))
    assert b.unit_detail(unit_b.id).name == "Nom choisi par A"


def test_second_save_of_a_programme_is_refused(two_sessions):
    """Two programme editors on the same sheet: the second save is refused whole."""
    a, b = (ProgrammeService(db.session_factory) for db in two_sessions)
    from sqlalchemy import text

    with two_sessions[0].engine.connect() as conn:
        pid = conn.execute(text("SELECT id FROM programme WHERE code = 'SNU'")).scalar_one()
    draft_a, draft_b = a.editor.load(pid), b.editor.load(pid)
    a.editor.save(replace(draft_a, description="Description de A"))
    with pytest.raises(ProgrammeConflictError):
        b.editor.save(replace(draft_b, description="Description de B"))
    assert b.editor.load(pid).description == "Description de A"


def test_a_save_from_another_process_is_detected(filled_db_path, two_sessions):
    """A real second process saves first: this session's save is refused, nothing is lost."""
    _, mine = two_sessions
    service = DirectoryService(mine.session_factory)
    seen = _person(service, "FOURAR")
    script = textwrap.dedent(f"""
        from desktop.db import open_database
        from desktop.services.directory.edits import PersonInput
        from desktop.services.directory.service import DirectoryService
        from desktop.services.common.history import install_history
        db = open_database({str(filled_db_path)!r})
        install_history(db.session_factory, login="autre-poste")
        s = DirectoryService(db.session_factory)
        p = s.person_detail({seen.id})
        s.edits.update_person(p.id, p.version, PersonInput("FOURAR", "Mostafa", email="m.f@ac.fr"))
        db.dispose()
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with pytest.raises(EditConflictError):
        service.edits.update_person(
            seen.id, seen.version, PersonInput("FOURAR", "Mostafa", phone="0561000000")
        )
    report = ConflictService(mine.session_factory).compare(
        "person", seen.id, {"last_name": "FOURAR", "first_name": "Mostafa",
                            "email": None, "phone": "05 61 00 00 00"},
    )  # fmt: skip
    assert report.their_login == "autre-poste"
    assert [f.label for f in report.differing] == ["Courriel", "Téléphone"]
    merged = report.merge({"email": THEIRS})
    service.edits.update_person(seen.id, report.their_version, PersonInput(**merged))
    final = service.person_detail(seen.id)
    assert final.email == "m.f@ac.fr"
    assert final.phone == "05 61 00 00 00"


def test_conflict_report_on_a_deleted_record(two_sessions):
    """If the other session deleted the record, the report says so (no version to save onto)."""
    a, b = (DirectoryService(db.session_factory) for db in two_sessions)
    created = a.edits.create_person(PersonInput("ÉPHÉMÈRE", "Test"))
    seen = b.person_detail(created.id)
    a.edits.delete_person(created.id, seen.version)
    report = ConflictService(two_sessions[1].session_factory).compare(
        "person", created.id, {"last_name": "ÉPHÉMÈRE"}
    )
    assert report.deleted
