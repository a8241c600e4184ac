"""A merge killed with SIGKILL at any moment leaves the receiving base as it was: the same rows,
the same history and positions; the same package then merges normally."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import date

from sqlalchemy import select

from desktop.db import backup_sqlite, open_database
from desktop.models import Change, ExchangePartner, Milestone, Programme
from desktop.services.exchange.checkout import checkout
from tests.conftest import ROOT
from tests.services.exchange.support import digest, edit, receive, rows_by_identity, send


def _many_milestones(session) -> None:
    programmes = session.scalars(select(Programme.id).order_by(Programme.id)).all()
    for i in range(3000):
        session.add(Milestone(programme_id=programmes[i % len(programmes)], title=f"Visite {i}",
                              due_on=date(2027, 1 + i % 12, 1 + i % 28)))  # fmt: skip


def _state(url: str):
    db = open_database(url, create=False)
    try:
        with db.session_factory() as session:
            history = session.scalars(select(Change.id).order_by(Change.id)).all()
            positions = session.execute(
                select(ExchangePartner.partner_uuid, ExchangePartner.received_upto)
            ).all()  # fmt: skip
        return rows_by_identity(url), history, sorted(positions)
    finally:
        db.dispose()


def _merge_process(url: str, package) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--db", url, "exchange", "merge", str(package)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip


def test_a_merge_killed_midway_changes_nothing(filled_db_path, tmp_path):
    """Killed at three moments of a merge of 3 000 new milestones: nothing of it is left."""
    source = str(filled_db_path)
    copy = str(tmp_path / "portable.sqlite")
    checkout(source, copy)
    edit(copy, _many_milestones)
    package = tmp_path / "envoi.zip"
    assert send(copy, package) == 3000
    reference = str(backup_sqlite(filled_db_path, tmp_path / "reference.sqlite"))
    started = time.perf_counter()
    assert _merge_process(reference, package).wait(timeout=300) == 0
    duration = time.perf_counter() - started
    merged = _state(reference)
    interrupted = 0
    for number, fraction in enumerate((0.3, 0.5, 0.7, 0.9)):
        target = str(backup_sqlite(filled_db_path, tmp_path / f"cible-{number}.sqlite"))
        before = _state(target)
        main_file = digest(target)
        process = _merge_process(target, package)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        if digest(target) == main_file and _state(target) == before:
            interrupted += 1  # killed before its commit: nothing of it is left
            summary = receive(target, package)  # and the package is still to be merged
            assert summary.counts.created == 3000
        else:  # killed after its commit (a loaded machine): then all of it is there
            assert _state(target) == merged
    assert interrupted >= 2
