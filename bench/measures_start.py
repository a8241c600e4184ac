"""Cold start: first paint and window with data, on the embedded dataset and at bench scale,
each beside a bare PySide6 window timed by turns in the same run (issue 16)."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

# `--smoke` prints « Démarrage : 0.412 s (premier affichage 0.141 s, base ouverte en …) »:
# both figures count from the first line of main.py, as bare_window.py counts from its own.
_SMOKE = re.compile(r"Démarrage : ([\d.]+) s \(premier affichage ([\d.]+) s")


def start_samples(run_python, db: Path, runs: int) -> tuple[list, list, list]:
    """(first paint, window with data, bare window) seconds, the three taken by turns so that a
    noisy stretch of the machine weighs on all of them alike."""
    paint, data, bare = [], [], []
    for _ in range(runs):
        result = run_python(["main.py", "--db", str(db), "--smoke"])
        found = _SMOKE.search(result.stdout)
        if result.returncode != 0 or found is None:
            raise RuntimeError(f"--smoke a échoué : {result.stdout[-300:]} {result.stderr[-1500:]}")
        data.append(float(found.group(1)))
        paint.append(float(found.group(2)))
        baseline = run_python(["bench/bare_window.py"])
        bare.append(float(baseline.stdout.split()[-1]))
    return paint, data, bare


def measure_start(result_class, run_python, db: Path, label: str, runs: int) -> list:
    paint, data, bare = start_samples(run_python, db, runs)
    results = []
    for name, samples, factor in (
        ("premier affichage (fenêtre, onglets, chargement)", paint, 2),
        ("fenêtre avec données", data, 4),
    ):
        result = result_class(
            f"Démarrage à froid, {label} : {name}", "s", samples,
            baseline_name="fenêtre PySide6 nue", baseline_samples=bare,
            target=f"≤ {factor} × la fenêtre nue",
        )  # fmt: skip
        result.met = result.ratio is not None and result.ratio <= factor
        result.note = f"{statistics.median(samples) / statistics.median(bare):.2f} ×"
        results.append(result)
    return results
