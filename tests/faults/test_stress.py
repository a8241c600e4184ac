"""Several programs on one file, a few seconds of bench/faults.py --stress: two editors on the
services, command-line imports, exports, backups and checks; no raw error, no lost save."""

from __future__ import annotations

from bench import faults_stress


def test_two_editors_and_the_command_line_at_once_lose_nothing(tmp_path):
    """Saves, imports, exports, backups and checks interleave on one file: every committed save
    is found at the end, refusals are French, nothing refused left a trace, no raw error."""
    fig = faults_stress.stress_scenario(tmp_path, seconds=6, seed=3)
    assert fig.raw_errors == 0, fig.notes
    assert fig.lost_updates == 0, fig.notes
    assert fig.partial == 0, fig.notes
    assert fig.saves > 50
    assert fig.imports + fig.exports + fig.backups + fig.checks > 0
