"""Change packages at bench scale, timed: a generated base, an offline copy of it, 10 000
changes made on the copy (edits, creations, deletions in the three domains), then the package
built on the copy and merged into the base, each in a process of its own for its peak memory.

    python -m bench.exchange [--people 100000 --programmes 10000 --funding-lines 200000]

Figures go to bench/results/exchange-<date>.md. Not a test: nothing fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"


def _step(action: str, db: str, package: str) -> dict:
    """Run one side in this process and report its time and peak memory."""
    from desktop.db import open_database
    from desktop.services.exchange.service import ExchangeService

    database = open_database(db, create=False)
    service = ExchangeService(database.session_factory, db)
    started = time.perf_counter()
    if action == "export":
        done = service.export(Path(package))
        detail = {"rows": done.rows, "bytes": Path(package).stat().st_size}
    else:
        summary = service.merge(Path(package))
        c = summary.counts
        detail = {"created": c.created, "updated": c.updated, "deleted": c.deleted,
                  "conflicts": len(summary.conflicts)}  # fmt: skip
    seconds = time.perf_counter() - started
    database.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"seconds": round(seconds, 2), "peak_mb": round(peak, 1), **detail}


def _edits(copy: str, changes: int) -> None:
    """About `changes` history records on the copy, in a few user actions."""
    from sqlalchemy import select

    from desktop.db import open_database
    from desktop.models import FundingLine, Milestone, Person, Programme
    from desktop.services.common.history import install_history

    database = open_database(copy, create=False)
    install_history(database.session_factory, "agent-portable")
    quarter = changes // 4
    with database.session_factory.begin() as s:
        for i, person in enumerate(s.scalars(select(Person).order_by(Person.id).limit(quarter))):
            person.phone = f"04 67 {i // 10000 % 100:02d} {i // 100 % 100:02d} {i % 100:02d}"
    with database.session_factory.begin() as s:
        programmes = s.scalars(select(Programme.id).order_by(Programme.id).limit(quarter)).all()
        for i, programme_id in enumerate(programmes):
            s.add(
                Milestone(programme_id=programme_id, title=f"Visite {i}", due_on=date(2027, 5, 1))
            )
    with database.session_factory.begin() as s:
        lines = s.scalars(select(FundingLine).order_by(FundingLine.id).limit(quarter))
        for line in lines:
            line.amount_cents += 100
    with database.session_factory.begin() as s:
        for milestone in s.scalars(select(Milestone).order_by(Milestone.id).limit(quarter)):
            s.delete(milestone)
    database.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", choices=["export", "merge"])
    parser.add_argument("--db")
    parser.add_argument("--package")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--programmes", type=int, default=10_000)
    parser.add_argument("--milestones", type=int, default=30_000)
    parser.add_argument("--funding-lines", type=int, default=200_000)
    parser.add_argument("--changes", type=int, default=10_000)
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(_step(args.step, args.db, args.package)))
        return 0
    from desktop.db import open_database
    from desktop.devtools.generator import generate
    from desktop.services.exchange.checkout import checkout

    with tempfile.TemporaryDirectory() as folder:
        base, copy = f"{folder}/base.sqlite", f"{folder}/portable.sqlite"
        package = f"{folder}/envoi.pilotis-echange"
        database = open_database(base)
        generate(database.engine, people=args.people, units=args.units,
                 programmes=args.programmes, milestones=args.milestones,
                 funding_lines=args.funding_lines, seed=7)  # fmt: skip
        database.dispose()
        started = time.perf_counter()
        checkout(base, copy)
        checkout_seconds = round(time.perf_counter() - started, 2)
        _edits(copy, args.changes)
        figures = {"checkout_seconds": checkout_seconds}
        for step, db in (("export", copy), ("merge", base)):
            out = subprocess.run(
                [sys.executable, "-m", "bench.exchange", "--step", step, "--db", db,
                 "--package", package], capture_output=True, text=True, cwd=ROOT, check=True,
            )  # fmt: skip
            figures[step] = json.loads(out.stdout.strip().splitlines()[-1])
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%d")
    scale = (f"{args.people} people, {args.programmes} programmes, {args.funding_lines} "
             f"funding lines; {args.changes} changes on the copy")  # fmt: skip
    lines = [
        f"# Exchange packages at scale ({stamp}, {platform.processor() or platform.machine()})",
        "", scale, "",
        "| step | seconds | peak MB | detail |", "| --- | --- | --- | --- |",
        f"| checkout (copy of the base) | {figures['checkout_seconds']} | | |",
    ]  # fmt: skip
    for step in ("export", "merge"):
        f = figures[step]
        detail = ", ".join(f"{k} {v}" for k, v in f.items() if k not in ("seconds", "peak_mb"))
        lines.append(f"| {step} | {f['seconds']} | {f['peak_mb']} | {detail} |")
    (RESULTS / f"exchange-{stamp}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
