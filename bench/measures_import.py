"""Import measured as a user runs it: file reading + header matching + the validated ingest
(TransferService.import_file), beside pandas + calamine reading the same file; the peak memory
of one import, in a child process of its own."""

from __future__ import annotations

from pathlib import Path

from bench.run import DATA, Result, _people_workbook, run_python, timed

PEOPLE = 100_000

_CHILD = """
import resource, sys
from pathlib import Path
from desktop.db import open_database
from desktop.services.transfer import TransferService
target = Path(sys.argv[2])
for suffix in ("", "-wal", "-shm"):
    Path(f"{target}{suffix}").unlink(missing_ok=True)
database = open_database(str(target))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = TransferService(database.session_factory).import_file("people", sys.argv[1])
assert result.report.inserted == int(sys.argv[3]), result.errors[:3]
database.dispose()
print(before / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _fresh_target(name: str) -> Path:
    target = DATA / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    return target


def measure_file_import(_db: Path, runs: int) -> Result:
    import pandas as pd

    from desktop.db import open_database
    from desktop.services.transfer import TransferService

    path = _people_workbook(PEOPLE)
    baseline = timed(lambda: pd.read_excel(path, engine="calamine"), runs)

    def once() -> None:
        database = open_database(str(_fresh_target("import-file-target.sqlite")))
        try:
            result = TransferService(database.session_factory).import_file("people", path)
            assert result.report.inserted == PEOPLE, result.errors[:3]
        finally:
            database.dispose()

    result = Result(
        f"Import de {PEOPLE} personnes par le chemin complet (lecture + correspondance + ingest)",
        "s", timed(once, runs), baseline_name="lecture pandas + calamine seule",
        baseline_samples=baseline, target="≤ 1,5 × la lecture seule",
    )  # fmt: skip
    result.met = result.ratio is not None and result.ratio <= 1.5
    return result


def measure_import_memory(_db: Path, _runs: int) -> Result:
    """Peak resident memory of a process that opens a base and imports the 100 000 people."""
    path = _people_workbook(PEOPLE)
    target = _fresh_target("import-memory-target.sqlite")
    done = run_python(["-c", _CHILD, str(path), str(target), str(PEOPLE)])
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    before, peak = (float(v) for v in done.stdout.split()[-2:])
    return Result(
        f"Mémoire (pic RSS) d'un import de {PEOPLE} personnes (.xlsx)", "Mo", [peak],
        target="< 1 024 Mo", met=peak < 1024,
        note=f"dont {before:.0f} Mo avant l'import (base ouverte, modules chargés)",
    )  # fmt: skip


MEASURES = [measure_file_import, measure_import_memory]
