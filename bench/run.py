"""Pilotis benchmark: builds a database at scale once, measures every promise of the issues beside
a baseline measured in the same run, prints a table and writes JSON + Markdown to bench/results/.

    python bench/run.py [--quick] [--runs N] [--rebuild]

--quick uses a tenth of the scale (for trying the script); figures in the issues come from the
full run. Nothing here is a test: no assertion fails on a slow machine; targets are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")

DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
SCALE = {
    "people": 100_000,
    "units": 5_000,
    "programmes": 10_000,
    "milestones": 50_000,
    "funding_lines": 200_000,
}


@dataclass
class Result:
    name: str
    unit: str
    samples: list[float]
    target: str = ""
    met: bool | None = None
    baseline_name: str = ""
    baseline_samples: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def spread(self) -> str:
        if len(self.samples) < 2:
            return ""
        return f"{min(self.samples):.3g}–{max(self.samples):.3g}"

    @property
    def baseline_median(self) -> float | None:
        return statistics.median(self.baseline_samples) if self.baseline_samples else None

    @property
    def ratio(self) -> float | None:
        base = self.baseline_median
        return self.median / base if base else None


def timed(function: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def run_python(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, **(env or {})}, timeout=600,
    )  # fmt: skip


def wall(args: list[str], runs: int) -> list[float]:
    def once() -> None:
        result = run_python(args)
        if result.returncode != 0:
            raise RuntimeError(result.stderr[-2000:])

    return timed(once, runs)


# --- the scale database ------------------------------------------------------------------------


def build_database(scale: dict[str, int], rebuild: bool) -> tuple[Path, Result | None]:
    """The scale database, generated once and kept in bench/data (reused unless --rebuild)."""
    from desktop.db import open_database
    from desktop.devtools.generator import generate

    tag = "-".join(str(v) for v in scale.values())
    path = DATA / f"scale-{tag}.sqlite"
    if path.exists() and not rebuild:
        return path, None
    DATA.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    database = open_database(str(path))
    try:
        summary = generate(database.engine, **scale, seed=1)
    finally:
        database.dispose()
    rate = summary.total / summary.seconds
    result = Result(
        "Génération de la base (lignes/s)", "lignes/s", [rate],
        target="1 000 000 lignes < 60 s (≥ 16 667 lignes/s)", met=rate >= 1_000_000 / 60,
        note=f"{summary.total} lignes en {summary.seconds:.1f} s",
    )  # fmt: skip
    return path, result


# --- measures ----------------------------------------------------------------------------------


def embedded_database() -> Path:
    """A base holding the embedded 2023 dataset, created once in bench/data."""
    path = DATA / "embedded.sqlite"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        result = run_python(["main.py", "--db", str(path), "init"])
        if result.returncode != 0:
            raise RuntimeError(result.stderr[-2000:])
    return path


def measure_cold_start(db: Path, runs: int) -> list[Result]:
    """First paint and window with data, on the embedded dataset and at bench scale."""
    from bench.measures_start import measure_start

    embedded = DATA / "embedded-work.sqlite"
    shutil.copyfile(embedded_database(), embedded)
    return [
        *measure_start(Result, run_python, embedded, "jeu de données 2023", runs),
        *measure_start(Result, run_python, db, "à l'échelle du banc", runs),
    ]


def measure_gui_memory(db: Path) -> Result:
    result = run_python(["bench/gui_memory.py", str(db)])
    if result.returncode != 0:
        return Result("Mémoire de l'interface (RSS max)", "Mo", [], note=result.stderr[-300:])
    rss = float(result.stdout.strip().splitlines()[-1])
    return Result(
        "Mémoire de l'interface (RSS max, trois onglets chargés)", "Mo", [rss],
        target="≤ 300 Mo", met=rss <= 300,
    )  # fmt: skip


def _people_workbook(count: int) -> Path:
    """An .xlsx of `count` people as a partner would send it (cached)."""
    import random

    import xlsxwriter

    path = DATA / f"people-{count}.xlsx"
    if path.exists():
        return path
    rng = random.Random(7)
    from desktop.devtools.generator import FIRST_NAMES, LAST_NAMES

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Personnes")
    sheet.write_row(0, 0, ["Nom", "Prénom", "Courriel", "Téléphone"])
    for row in range(1, count + 1):
        last = rng.choice(LAST_NAMES)
        first = rng.choice(FIRST_NAMES)[0]
        mail = f"agent{row}@ac-montpellier.fr"
        sheet.write_row(
            row, 0, [last, first, mail, f"04 67 {row % 100:02d} {row // 100 % 100:02d} 00"]
        )
    workbook.close()
    return path


def measure_export(db: Path, runs: int) -> Result:
    from sqlalchemy import select

    from desktop.db import open_database
    from desktop.models import Funder, FundingLine, Programme
    from desktop.services.transfer.export import ExportColumn, export_rows

    database = open_database(str(db))
    out = DATA / "export-funding.xlsx"
    columns = [
        ExportColumn("Programme", lambda r: r[0]), ExportColumn("Financeur", lambda r: r[1]),
        ExportColumn("Étape", lambda r: r[2]), ExportColumn("Période", lambda r: r[3]),
        ExportColumn("Montant", lambda r: r[4], "money"),
    ]  # fmt: skip

    def once() -> None:
        with database.session_factory() as session:
            rows = session.execute(
                select(Programme.code, Funder.code, FundingLine.stage, FundingLine.period,
                       FundingLine.amount_cents)
                .join(Programme, FundingLine.programme_id == Programme.id)
                .join(Funder, FundingLine.funder_id == Funder.id)
            ).all()  # fmt: skip
        export_rows(out, columns, rows)

    try:
        samples = timed(once, runs)
        with database.session_factory() as session:
            from sqlalchemy import func

            count = session.scalar(select(func.count()).select_from(FundingLine))
    finally:
        database.dispose()
    return Result(
        f"Export de {count} lignes de financement (.xlsx)", "s", samples,
        target="< 15 s", met=statistics.median(samples) < 15,
    )  # fmt: skip


# Measures contributed by the tabs: name -> callable(db_path, runs) -> Result.
TAB_MEASURES: list[Callable[[Path, int], Result]] = []


def _load_tab_measures() -> None:
    """Measures contributed by each tab or issue: bench/tab_measures.py and bench/measures_*.py,
    each defining MEASURES, a list of callables (db_path, runs) -> Result."""
    import importlib

    names = ["tab_measures"] + sorted(p.stem for p in (ROOT / "bench").glob("measures_*.py"))
    for name in names:
        if (ROOT / "bench" / f"{name}.py").exists():
            module = importlib.import_module(f"bench.{name}")
            TAB_MEASURES.extend(getattr(module, "MEASURES", []))


# --- output ------------------------------------------------------------------------------------


def machine() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:  # not Linux: the processor's name is left out
        lines = []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    cpu = names[0] if names else ""
    python = platform.python_version()
    system = f"{platform.system()} {platform.release()}"
    return f"{system}, {os.cpu_count()} cœurs {cpu}, Python {python}"


def fmt(value: float | None, unit: str) -> str:
    if value is None or value != value:
        return "—"
    if unit == "s" and value < 1:
        return f"{value * 1000:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:,.0f} {unit}".replace(",", " ")


def table(results: list[Result]) -> str:
    lines = [
        "| mesure | médiane | étendue | base de comparaison | rapport | objectif | atteint |",
        "| --- | ---: | --- | --- | ---: | --- | --- |",
    ]
    for r in results:
        base = f"{r.baseline_name} : {fmt(r.baseline_median, r.unit)}" if r.baseline_name else ""
        ratio = f"{r.ratio:.2f} ×" if r.ratio else ""
        met = {True: "oui", False: "**non**", None: "—"}[r.met]
        note = f" ({r.note})" if r.note else ""
        lines.append(
            f"| {r.name}{note} | {fmt(r.median, r.unit)} | {r.spread} | {base} | {ratio} | "
            f"{r.target} | {met} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="un dixième de l'échelle")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="régénérer la base")
    parser.add_argument(
        "--db", metavar="URL",
        help="mesurer les onglets sur cette base déjà remplie (ex. PostgreSQL), sans la générer",
    )  # fmt: skip
    parser.add_argument(
        "--only", metavar="NOMS",
        help="seulement ces mesures des onglets (noms de fonctions séparés par des virgules, "
        "ex. directory_keystroke,redraw,editor_open ; cold_start : le démarrage) ; rien n'est "
        "écrit dans bench/results",
    )  # fmt: skip
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    scale = {k: v // 10 for k, v in SCALE.items()} if args.quick else SCALE
    started = time.perf_counter()
    results: list[Result] = []
    print(f"Base à l'échelle : {scale}", flush=True)
    if args.db:  # a database filled beforehand (`main.py --db URL generate …`): tabs only
        work, steps = args.db, []
    else:
        db, generated = build_database(scale, args.rebuild)
        if generated:
            results.append(generated)
        work = DATA / ("work-only.sqlite" if only else "work.sqlite")
        shutil.copyfile(db, work)
        steps = [
            lambda: measure_cold_start(work, args.runs),
            lambda: measure_gui_memory(work),
            lambda: measure_export(work, max(1, args.runs // 3)),
        ]
        if only:  # the measures named, nothing else (« cold_start » names the start-up)
            steps = steps[:1] if "cold_start" in only else []
    _load_tab_measures()
    measures = [m for m in TAB_MEASURES if only is None or m.__name__ in only]
    steps += [lambda m=m: m(work, args.runs) for m in measures]
    for step in steps:
        try:
            produced = step()
        except Exception as exc:  # noqa: BLE001 - a broken measure is reported, the others run
            produced = Result(getattr(step, "__name__", "mesure"), "s", [], note=f"échec : {exc!r}")
        for result in produced if isinstance(produced, list) else [produced]:
            results.append(result)
            print(f"- {result.name} : {fmt(result.median, result.unit)}", flush=True)
    elapsed = time.perf_counter() - started
    report = table(results)
    print()
    print(report)
    print(f"\nDurée totale : {elapsed:.0f} s — {machine()}")
    if only:  # a partial run for comparing before/after: the session's results stay as they are
        return 0
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%d")
    suffix = "-quick" if args.quick else ""
    if args.db:
        stamp = f"{'postgres' if args.db.startswith('postgresql') else 'db'}-{stamp}"
    payload = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "scale": scale,
        "seconds": round(elapsed, 1),
        "results": [
            {
                **asdict(r),
                "median": r.median,
                "baseline_median": r.baseline_median,
                "ratio": r.ratio,
            }
            for r in results
        ],
    }
    (RESULTS / f"{stamp}{suffix}.json").write_text(
        json.dumps(payload, indent=2, ensure_ascii=False)
    )
    (RESULTS / f"{stamp}{suffix}.md").write_text(
        f"# Benchmark {stamp}{suffix}\n\n{machine()}\n\nÉchelle : {scale}\n\n{report}\n\n"
        f"Durée totale : {elapsed:.0f} s\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
