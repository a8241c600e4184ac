"""Two sessions on the same database (SQLite file or PostgreSQL server): a refused save, compared
and merged field by field, ends exactly as chosen, is in the history, and can be undone."""

from __future__ import annotations

import pytest

from desktop.services.common.history import HistoryService, install_history
from desktop.services.directory.edits import PersonInput
from desktop.services.directory.service import DirectoryService
from desktop.services.directory.validation import EditConflictError
from desktop.services.safety.conflicts import THEIRS, ConflictService, as_stored
from tests.history_support import opened_as, recorded_login


@pytest.fixture
def second(filled_database):
    """Bob's own engine (his own server account) on the same database as Alice's."""
    install_history(filled_database.session_factory, login="alice")
    with opened_as(filled_database, "bob") as other:
        yield other


def test_merge_after_a_refused_save_on_every_backend(filled_database, second):
    """Bob's refused save is merged with Alice's; the row, history and undo are exact."""
    alice = DirectoryService(filled_database.session_factory)
    bob = DirectoryService(second.session_factory)
    pid = bob.find_people("BÉJEAN", limit=1)[0][0]
    seen = bob.person_detail(pid)
    alice.edits.update_person(
        pid, seen.version, PersonInput("BÉJEAN", "Sophie", phone="0467000007")
    )
    mine = PersonInput("BÉJEAN", "Sophie", email="s.bejean@ac-montpellier.fr", phone=seen.phone)
    with pytest.raises(EditConflictError):
        bob.edits.update_person(pid, seen.version, mine)
    base = as_stored({"last_name": seen.last_name, "first_name": seen.first_name,
                      "email": seen.email, "phone": seen.phone, "site_id": seen.site_id})  # fmt: skip
    report = ConflictService(second.session_factory).compare(
        "person", pid, as_stored(mine.__dict__), base
    )
    assert report.their_login == recorded_login(filled_database, "alice")
    assert [(f.field, f.mine_changed) for f in report.differing] == [
        ("email", True), ("phone", False)
    ]  # fmt: skip
    batch = bob.edits.update_person(pid, report.their_version, PersonInput(**report.merge(
        {"phone": THEIRS})))  # fmt: skip
    final = alice.person_detail(pid)
    assert (final.email, final.phone) == ("s.bejean@ac-montpellier.fr", "04 67 00 00 07")
    history = HistoryService(second.session_factory)
    assert [(c.login, c.field) for c in history.changes(batch=batch)] == [("bob", "email")]
    with pytest.raises(EditConflictError):  # a save from the version Bob first saw stays refused
        bob.edits.update_person(pid, seen.version, mine)
    history.revert(batch)
    undone = alice.person_detail(pid)
    assert (undone.email, undone.phone) == (seen.email, "04 67 00 00 07")
