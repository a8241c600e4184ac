"""Import measured as a user runs it: file reading + header matching + the validated ingest
(TransferService.import_file), beside pandas + calamine reading the same file."""

from __future__ import annotations

from pathlib import Path

from bench.run import DATA, Result, _people_workbook, timed

PEOPLE = 100_000


def measure_file_import(_db: Path, runs: int) -> Result:
    import pandas as pd

    from desktop.db import open_database
    from desktop.services.transfer import TransferService

    path = _people_workbook(PEOPLE)
    baseline = timed(lambda: pd.read_excel(path, engine="calamine"), runs)

    def once() -> None:
        target = DATA / "import-file-target.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        database = open_database(str(target))
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


MEASURES = [measure_file_import]
