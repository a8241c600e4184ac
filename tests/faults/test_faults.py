"""Crash safety, a fast subset of bench/faults.py: kills in the middle of imports and edits, a
full disk, the file deleted, replaced by garbage or locked; nothing committed is ever lost."""

from __future__ import annotations

import pytest

from bench import faults


@pytest.mark.parametrize("kind", ["import", "edits"])
def test_sigkill_loses_no_committed_transaction(tmp_path, kind):
    """Killed at random moments, the file always opens sound with exactly what was committed."""
    fig = faults.kill_scenario(kind, 12, tmp_path, seed=7)
    assert fig.faults == 12
    assert fig.recoveries == 12, fig.notes
    assert fig.rows_lost == 0
    assert fig.partial_transactions == 0
    assert fig.committed_transactions > 0


def test_full_disk_fails_one_import_whole_and_keeps_the_rest(tmp_path):
    """When the disk fills up, the failing import writes nothing and earlier ones stay."""
    fig = faults.full_disk_scenario(tmp_path)
    assert fig.recoveries == 1, fig.notes
    assert fig.rows_lost == 0
    assert fig.partial_transactions == 0
    assert fig.committed_transactions > 0


def test_deleted_or_garbage_file_loses_nothing(tmp_path):
    """A file deleted while open is rescued; a file replaced by garbage is restored, kept aside."""
    for fig in faults.deleted_and_garbage_scenario(tmp_path):
        assert fig.faults == fig.recoveries == 5, fig.notes
        assert fig.rows_lost == 0


def test_locked_file_refuses_cleanly_and_works_after(tmp_path):
    """Locked by another process: refused in French, nothing half-written, works once freed."""
    fig = faults.locked_scenario(tmp_path, rounds=2)
    assert fig.recoveries == 2, fig.notes
    assert fig.rows_lost == 0
    assert fig.partial_transactions == 0
