"""The crafted-file trials of bench/faults.py, one round: every crafted file is refused at every
door (open, read-only open, backup check, restore), and none is changed."""

from __future__ import annotations

from bench.faults_crafted import crafted_scenario


def test_every_crafted_file_is_refused_unchanged_at_every_door(tmp_path):
    """0 refused files changed, 0 accepted, 0 raw errors over one round of the fault trials."""
    fig = crafted_scenario(tmp_path, rounds=1)
    assert fig.trials >= 60
    assert (fig.changed, fig.accepted, fig.raw_errors) == (0, 0, 0), fig.notes
    assert fig.refused == fig.trials
