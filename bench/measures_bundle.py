"""Benchmark measures of the PyInstaller bundle (dist/pilotis): its size and its cold start.

Only run when the bundle exists (`packaging/build`); packaging/verify uses the same functions.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.run import Result, run_python, timed

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "pilotis"
SIZE_TARGET_MB = 250
START_TARGET_S = 1.5


def executable(bundle: Path) -> Path:
    """The bundle's program: pilotis (Linux), pilotis-cli.exe (Windows: the console variant)."""
    for name in ("pilotis", "pilotis-cli.exe", "pilotis.exe"):
        if (bundle / name).is_file():
            return bundle / name
    raise FileNotFoundError(f"aucun exécutable pilotis dans {bundle}")


def clean_env(home: Path) -> dict[str, str]:
    """What `env -i HOME=… QT_QPA_PLATFORM=offscreen PATH=/usr/bin:/bin` leaves: no venv, no
    PYTHONPATH, no user's data folder."""
    return {"HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}


def size_mb(folder: Path) -> float:
    """Bytes on disk, in MB; symbolic links (aliases of bundled libraries) count for nothing."""
    files = (p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return sum(p.stat().st_size for p in files) / 1_000_000


def size_breakdown(bundle: Path, top: int = 10) -> list[tuple[str, float]]:
    """The largest entries of the bundle and of its _internal/ folder, in MB."""
    entries = [p for p in bundle.iterdir() if p.name != "_internal"]
    internal = bundle / "_internal"
    if internal.is_dir():
        entries += list(internal.iterdir())
    sizes = []
    for entry in (e for e in entries if not e.is_symlink()):
        mb = size_mb(entry) if entry.is_dir() else entry.stat().st_size / 1_000_000
        sizes.append((str(entry.relative_to(bundle)), round(mb, 1)))
    return sorted(sizes, key=lambda pair: -pair[1])[:top]


def smoke_samples(bundle: Path, db: Path, runs: int, home: Path) -> tuple[list[float], list[float]]:
    """Wall-clock seconds of `pilotis --db DB --smoke` (process start to exit), and the start-up
    time the program prints itself (process start to window shown with data)."""
    program = executable(bundle)
    env = clean_env(home)
    walls, reported = [], []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(
            [str(program), "--db", str(db), "--smoke"],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        walls.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise RuntimeError(f"--smoke a échoué ({result.returncode}) : {result.stderr[-500:]}")
        match = re.search(r"Démarrage : ([\d.]+) s", result.stdout)
        if match:
            reported.append(float(match.group(1)))
    return walls, reported


def measure_bundle_size(_db: Path, _runs: int) -> Result:
    total = size_mb(BUNDLE)
    biggest = ", ".join(f"{name} {mb:g}" for name, mb in size_breakdown(BUNDLE, 4))
    return Result(
        "Taille du bundle PyInstaller décompressé", "Mo", [total],
        target=f"< {SIZE_TARGET_MB} Mo", met=total < SIZE_TARGET_MB, note=biggest,
    )  # fmt: skip


def measure_bundle_start(db: Path, runs: int) -> Result:
    """Cold start of the bundle to the window with data, beside `python main.py` on the same
    database."""
    with tempfile.TemporaryDirectory(prefix="pilotis-bench-") as home:
        samples, _reported = smoke_samples(BUNDLE, db, runs, Path(home))
    baseline = timed(lambda: run_python(["main.py", "--db", str(db), "--smoke"]), runs)
    result = Result(
        "Démarrage à froid du bundle jusqu'à la fenêtre avec données", "s", samples,
        baseline_name="python main.py (environnement virtuel)", baseline_samples=baseline,
        target=f"< {START_TARGET_S} s", met=statistics.median(samples) < START_TARGET_S,
    )  # fmt: skip
    return result


# bench/run.py runs these with (database, runs); nothing to measure before `packaging/build`.
MEASURES = [measure_bundle_size, measure_bundle_start] if BUNDLE.is_dir() else []
