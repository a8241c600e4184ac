"""Prove the PyInstaller bundle is complete: run it from an empty folder with no Python around.

    packaging/verify [--rebuild] [--runs N]

Builds dist/pilotis with packaging/build when it is missing or older than the sources (or with
--rebuild), copies it to an empty temp folder and runs it there under `env -i HOME=<tmp>
QT_QPA_PLATFORM=offscreen PATH=/usr/bin:/bin`: --version, --smoke, init, check, the three reports
(with their text read back by pdftotext) and a refused command. Then measures the bundle's size
and cold start (median of N `--smoke` runs) into bench/results/bundle-<date>.json.
Exit code 0 when every check passed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measures_bundle import (  # noqa: E402 - needs ROOT on sys.path
    BUNDLE,
    SIZE_TARGET_MB,
    START_TARGET_S,
    clean_env,
    executable,
    size_breakdown,
    size_mb,
    smoke_samples,
)
from bench.run import machine  # noqa: E402

SOURCES = ["main.py", "desktop", "migrations", "resources", "packaging/pilotis.spec"]

# (arguments, expected exit code, text the output must contain, PDF written and its expected text)
CHECKS: list[tuple[list[str], int, str, tuple[str, list[str]] | None]] = [
    (["--smoke"], 0, "Démarrage :", None),
    (["--db", "x.sqlite", "init"], 0, "Base créée (avec le jeu de données 2023)", None),
    (["--db", "x.sqlite", "init"], 0, "Base à jour", None),
    (["--db", "x.sqlite", "check"], 0, "Intégrité : aucun problème", None),
    (
        ["--db", "x.sqlite", "report", "budget", "--out", "budget.pdf"],
        0,
        "budget.pdf :",
        ("budget.pdf", ["Région académique Occitanie", "Synthèse budgétaire", "Prévu"]),
    ),
    (
        ["--db", "x.sqlite", "report", "directory", "--unit", "DRAJES", "--out", "annuaire.pdf"],
        0,
        "annuaire.pdf :",
        ("annuaire.pdf", ["Annuaire des services — DRAJES", "Direction de région académique"]),
    ),
    (
        ["--db", "x.sqlite", "report", "programme", "--code", "AMI-CMA", "--out", "fiche.pdf"],
        0,
        "fiche.pdf :",
        ("fiche.pdf", ["Fiche programme — AMI-CMA", "Compétences et métiers d'avenir"]),
    ),
    # The data generator is a developers' tool: the installed application has no such command.
    (["--db", "x.sqlite", "generate"], 2, "choix invalide « generate »", None),
    # A refused command: one French line, exit 1, no traceback (the bundle's error path works).
    (["--db", "absente.sqlite", "check"], 1, "n'existe pas", None),
    # PostgreSQL: psycopg and libpq are in the bundle (no server on that port: a clear refusal,
    # not an ImportError).
    (
        ["--db", "postgresql+psycopg://pilotis@127.0.0.1:9/pilotis", "check"],
        1,
        "refuse les connexions",
        None,
    ),
]


def version() -> str:
    text = (ROOT / "desktop" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def newest_source() -> float:
    times = []
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else path.rglob("*")
        times += [f.stat().st_mtime for f in files if f.is_file() and "__pycache__" not in f.parts]
    return max(times)


def ensure_bundle(rebuild: bool) -> None:
    try:
        stale = executable(BUNDLE).stat().st_mtime < newest_source()
    except FileNotFoundError:
        stale = True
    if rebuild or stale:
        print("Construction du bundle (packaging/build)…", flush=True)
        subprocess.run(["bash", str(ROOT / "packaging" / "build")], check=True)
    else:
        print(f"Bundle à jour réutilisé : {BUNDLE}")


class Checker:
    def __init__(self) -> None:
        self.passed = 0
        self.failures: list[str] = []

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        print(f"  {'ok  ' if ok else 'ÉCHEC'} {what}")
        if detail and not ok:
            print(f"        {detail}")
        if ok:
            self.passed += 1
        else:
            self.failures.append(what)
        return ok


def run_checks(program: Path, work: Path, home: Path, checker: Checker) -> None:
    env = clean_env(home)
    result = subprocess.run(
        [str(program), "--version"], capture_output=True, text=True, env=env, cwd=work, timeout=60
    )
    checker.check(
        result.returncode == 0 and result.stdout.strip() == f"Pilotis {version()}",
        f"--version → « Pilotis {version()} »",
        result.stdout.strip() or result.stderr[-300:],
    )
    for args, code, expected, pdf in CHECKS:
        result = subprocess.run(
            [str(program), *args], capture_output=True, text=True, env=env, cwd=work, timeout=300
        )
        output = result.stdout + result.stderr
        ok = result.returncode == code and expected in output and "Traceback" not in output
        shown = " ".join(args)
        if not checker.check(ok, f"pilotis {shown} → code {code}", "" if ok else output[-800:]):
            continue
        if pdf:
            name, needles = pdf
            text = subprocess.run(
                ["pdftotext", "-layout", str(work / name), "-"], capture_output=True, text=True
            ).stdout
            text = " ".join(text.split())
            missing = [n for n in needles if n not in text]
            checker.check(
                not missing,
                f"{name} : texte lisible ({len(text)} caractères)",
                f"absent : {missing}" if missing else "",
            )
    # Nothing from the PATH either: the same start with an empty PATH.
    empty = work / "vide"
    empty.mkdir()
    result = subprocess.run(
        [str(program), "--db", "x.sqlite", "--smoke"],
        capture_output=True,
        text=True,
        env={**env, "PATH": str(empty)},
        cwd=work,
        timeout=120,
    )
    checker.check(result.returncode == 0, "--smoke avec un PATH vide", result.stderr[-500:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="reconstruire le bundle")
    parser.add_argument("--runs", type=int, default=5, help="démarrages mesurés (défaut 5)")
    args = parser.parse_args()
    ensure_bundle(args.rebuild)
    if not shutil.which("pdftotext"):
        print("pdftotext manquant (paquet poppler-utils)", file=sys.stderr)
        return 1
    checker = Checker()
    with tempfile.TemporaryDirectory(prefix="pilotis-verify-") as tmp:
        tmp = Path(tmp)
        copy = tmp / "Pilotis"
        shutil.copytree(BUNDLE, copy, symlinks=True)
        work, home = tmp / "travail", tmp / "home"
        work.mkdir()
        home.mkdir()
        program = executable(copy)
        print(f"Bundle copié dans {copy} ; exécution sans Python ni environnement virtuel :")
        run_checks(program, work, home, checker)
        total = size_mb(copy)
        breakdown = size_breakdown(copy)
        checker.check(total < SIZE_TARGET_MB, f"taille {total:.0f} Mo < {SIZE_TARGET_MB} Mo")
        walls, reported = smoke_samples(copy, work / "x.sqlite", args.runs, home)
    start = statistics.median(walls)
    print(
        f"Démarrage (--smoke, médiane de {len(walls)}) : {start:.2f} s "
        f"(objectif < {START_TARGET_S} s) ; mesuré par l'application : "
        f"{statistics.median(reported):.2f} s"
        if reported
        else ""
    )
    print("Ce qui prend la place : " + ", ".join(f"{n} {mb:g} Mo" for n, mb in breakdown[:6]))
    write_results(total, breakdown, walls, reported, checker)
    if checker.failures:
        print(f"Vérification du bundle : {len(checker.failures)} échec(s) : {checker.failures}")
        return 1
    print(f"Vérification du bundle : les {checker.passed} contrôles sont passés.")
    return 0


def write_results(total, breakdown, walls, reported, checker: Checker) -> None:
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    now = datetime.now()
    payload = {
        "date": now.isoformat(timespec="seconds"),
        "machine": machine(),
        "version": version(),
        "bundle": {
            "size_mb": round(total, 1),
            "target_mb": SIZE_TARGET_MB,
            "met": total < SIZE_TARGET_MB,
            "largest_mb": dict(breakdown),
        },
        "cold_start": {
            "what": "pilotis --db <base du jeu 2023> --smoke, processus lancé → fenêtre avec "
            "données, puis sortie ; bundle copié, env -i",
            "samples_s": [round(s, 3) for s in walls],
            "median_s": round(statistics.median(walls), 3),
            "reported_by_app_s": [round(s, 3) for s in reported],
            "target_s": START_TARGET_S,
            "met": statistics.median(walls) < START_TARGET_S,
        },
        "checks": {"passed": checker.passed, "failed": checker.failures},
    }
    path = results / f"bundle-{now:%Y-%m-%d}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Résultats : {path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
