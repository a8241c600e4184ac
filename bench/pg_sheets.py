"""100 programme sheets to one PDF, on SQLite and PostgreSQL, sheets read one by one (as before)
and in one batch (one query per kind of data), measured alternately in the same run.

    python -m bench.pg_sheets --sqlite bench/data/scale-….sqlite --url postgresql+psycopg://…/db

Both databases should hold the same data (`main.py copy --from FILE --to URL`). Each run times
the loading of the 100 sheets, then the document (blocks and charts) and the PDF. Figures go to
bench/results/pg-sheets-<date>.json and .md. Not a test: nothing fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")

RESULTS = ROOT / "bench" / "results"


def measure(url: str, runs: int) -> dict[str, list[float]]:
    """Per run: load one by one, load as a batch, then document + PDF (same for both)."""
    from PySide6.QtWidgets import QApplication

    from desktop.db import open_database
    from desktop.reports.document import write_pdf
    from desktop.reports.programmes.sheets import sheets_document
    from desktop.services.programmes.service import ProgrammeService
    from desktop.services.programmes.tree import ProgrammeFilter

    QApplication.instance() or QApplication([])
    database = open_database(url)
    service = ProgrammeService(database.session_factory)
    samples: dict[str, list[float]] = {"one_by_one": [], "batch": [], "render": []}
    try:
        codes = [r.code for r in service.search(ProgrammeFilter(family="cper"), limit=100)]
        service.sheets.sheets(codes)  # warm the caches of both sides once
        for _ in range(runs):
            started = time.perf_counter()
            single = [service.sheets.sheet(code) for code in codes]
            samples["one_by_one"].append(time.perf_counter() - started)
            started = time.perf_counter()
            batch = service.sheets.sheets(codes)
            samples["batch"].append(time.perf_counter() - started)
            assert batch == single, "the batch differs from the sheets read one by one"
            started = time.perf_counter()
            with tempfile.TemporaryDirectory() as folder:
                pages = write_pdf(sheets_document(batch), Path(folder) / "fiches.pdf")
            samples["render"].append(time.perf_counter() - started)
    finally:
        database.dispose()
    samples["pages"] = [pages]
    samples["sheets"] = [len(codes)]
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", required=True, help="fichier SQLite à l'échelle")
    parser.add_argument("--url", required=True, help="la même base sur PostgreSQL")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    figures = {
        "sqlite": measure(args.sqlite, args.runs),
        "postgresql": measure(args.url, args.runs),
    }
    median = statistics.median
    lines = [
        f"# 100 fiches programme en PDF — {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"{platform.platform()}, {os.cpu_count()} cœurs ; {args.runs} passages, médianes. Machine "
        "partagée avec d'autres processus : comparer les colonnes d'un même passage.",
        "",
        "| base | lecture fiche par fiche (avant) | lecture groupée (après) | document + PDF "
        "| total avant | total après | objectif |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, f in figures.items():
        before = median(f["one_by_one"]) + median(f["render"])
        after = median(f["batch"]) + median(f["render"])
        lines.append(
            f"| {name} ({f['sheets'][0]} fiches, {f['pages'][0]} pages) "
            f"| {median(f['one_by_one']):.2f} s | {median(f['batch']):.2f} s "
            f"| {median(f['render']):.2f} s | {before:.2f} s | {after:.2f} s | < 20 s |"
        )
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = f"pg-sheets-{datetime.now():%Y-%m-%d}"
    (RESULTS / f"{stamp}.json").write_text(json.dumps(figures, indent=1))
    (RESULTS / f"{stamp}.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
