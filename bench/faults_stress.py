"""Several programs on one SQLite file at once: two editors on the services, command-line imports,
exports, backups and checks; counts saves, conflicts, refusals, raw errors and lost updates.

Run through `python bench/faults.py --stress SECONDS`; tests/faults/ runs a few seconds of it.

Each worker is a separate Python process (as two Pilotis windows and a terminal would be) and
logs one line per operation: what it committed, what was refused and with which message. The
parent then reads the file with plain sqlite3 and checks that every committed save is there
(an update by its version: two saves from the same version would be a lost update), that nothing
refused left a trace, and that no operation met an error that was not one French PilotisError.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 12  # people both editors update: few enough that they collide often
IMPORT_ROWS = 40
PAUSE = 0.1  # seconds, at most, between two operations of an editor (a fast user: one per 2 s)
EDITORS = ("poste1", "poste2")
COMMAND_LINES = ("imports", "exports")
# An English or low-level word in a refusal means a raw error reached the user.
_RAW_MARKS = ("Traceback", "Error", "error", "database is locked", "sqlite3", "OperationalError")


@dataclass
class StressFigures:
    scenario: str = "Plusieurs programmes sur une même base"
    processes: int = 0
    seconds: float = 0.0
    saves: int = 0  # committed edits (updates and new people) from the editors
    reads: int = 0  # searches of the editors
    imports: int = 0  # committed command-line imports
    exports: int = 0
    backups: int = 0  # start backups of the editors and `backup` commands
    checks: int = 0  # `check` commands that said the file is sound
    conflicts: int = 0  # expected: optimistic-lock refusals (someone saved the record first)
    busy: int = 0  # « La base est occupée … » and other French refusals
    raw_errors: int = 0  # must be 0
    lost_updates: int = 0  # must be 0: committed saves missing at the end
    partial: int = 0  # must be 0: refused operations that left something
    notes: list[str] = field(default_factory=list)

    @property
    def operations(self) -> int:
        return (
            self.saves + self.reads + self.imports + self.exports + self.backups + self.checks
            + self.conflicts + self.busy + self.raw_errors
        )  # fmt: skip

    @property
    def ok(self) -> bool:
        return not (self.raw_errors or self.lost_updates or self.partial) and self.saves > 0


def _raw(message: str) -> bool:
    return any(mark in message for mark in _RAW_MARKS)


def _write(handle, *parts: object) -> None:
    handle.write(" ".join(str(p).replace("\n", " ") for p in parts) + "\n")
    handle.flush()


# --- the workers (each in its own process) --------------------------------------------------------


def _editor(db: Path, log: Path, seconds: float, seed: int, name: str) -> None:
    """The GUI path: open_database, the history, the data guard and its start backup in a
    thread, then random edits, new people and searches through DirectoryService."""
    from desktop.db import open_database
    from desktop.errors import PilotisError
    from desktop.services.common.history import install_history
    from desktop.services.directory.edits import PersonInput
    from desktop.services.directory.service import DirectoryService
    from desktop.services.directory.validation import EditConflictError
    from desktop.services.safety.backups import BackupService
    from desktop.services.safety.guard import DataGuard, backup_before_open

    rng = random.Random(seed)
    backups = BackupService()
    deadline = time.monotonic() + seconds
    with log.open("a", encoding="utf-8") as out:
        database = None
        while database is None and time.monotonic() < deadline:
            try:
                database = open_database(str(db), create=False)
            except PilotisError as error:  # refused while the others write: try again
                _write(out, "RAW" if _raw(str(error)) else "B", "ouverture", error)
                time.sleep(0.2)
        if database is None:
            return
        install_history(database.session_factory, login=name)
        guard = DataGuard(database, backups)
        service = DirectoryService(database.session_factory)
        ids = [pid for pid, _ in service.find_people("STRESS", limit=PEOPLE)]
        taken = []
        started = threading.Thread(
            target=lambda: taken.append(backup_before_open(str(db), backups))
        )
        started.start()  # as app.py's worker does once the window shows
        k = 0
        while time.monotonic() < deadline:
            k += 1
            time.sleep(rng.uniform(0, PAUSE))
            choice = rng.random()
            value = f"{name}-{k}"
            try:
                if choice < 0.6:
                    pid = rng.choice(ids)
                    seen = service.person_detail(pid)
                    time.sleep(rng.uniform(0, PAUSE))  # the form is open: the other may save
                    service.edits.update_person(
                        pid, seen.version, PersonInput(seen.last_name, value)
                    )
                    _write(out, "U", pid, seen.version, value)
                elif choice < 0.85:
                    created = service.edits.create_person(PersonInput(f"CREE-{value}", "x"))
                    _write(out, "N", created.id, f"CREE-{value}")
                else:
                    service.find_people("STRESS", limit=PEOPLE)
                    _write(out, "L")
            except EditConflictError:
                _write(out, "X", value)
            except PilotisError as error:
                _write(out, "RAW" if _raw(str(error)) else "B", value, error)
            except Exception as error:  # noqa: BLE001 - what the stress counts
                _write(out, "RAW", value, f"{type(error).__name__}: {error}")
        started.join()
        _write(out, "K" if taken and taken[0] else "-")
        if not guard.check_file().ok:
            _write(out, "RAW", "-", "le fichier a changé sous le programme")
        closing = guard.at_close()
        _write(out, "K" if closing else "-")
        guard.close()
        database.dispose()


def _command_lines(db: Path, log: Path, seconds: float, seed: int, name: str) -> None:
    """`python main.py …` as a script or a colleague's terminal would run it: imports, or
    exports, backups and checks; each refusal must be one French line and exit 1."""
    rng = random.Random(seed)
    work = log.with_suffix(".d")
    work.mkdir(exist_ok=True)
    deadline = time.monotonic() + seconds
    k = 0
    with log.open("a", encoding="utf-8") as out:
        while time.monotonic() < deadline:
            k += 1
            if name == "imports":
                source = work / f"lot{k}.csv"
                rows = [f"IMPORT-{k}-{i:03d};lot{k}" for i in range(IMPORT_ROWS)]
                source.write_text("Nom;Prénom\n" + "\n".join(rows) + "\n", encoding="utf-8")
                what, args = "I", ["import", "people", str(source)]
            else:
                what, args = rng.choice(
                    [("E", ["export", "people", str(work / f"export{k}.csv")]),
                     ("K", ["backup"]), ("C", ["check"])]
                )  # fmt: skip
            done = subprocess.run(
                [sys.executable, str(ROOT / "main.py"), "--db", str(db), *args],
                capture_output=True, text=True, cwd=ROOT, env=os.environ.copy(),
            )  # fmt: skip
            lines = done.stderr.strip().splitlines()
            if done.returncode == 0 and not _raw(done.stderr):
                _write(out, what, k, IMPORT_ROWS if what == "I" else 0)
            elif done.returncode == 1 and len(lines) == 1 and not _raw(lines[0]):
                _write(out, "B", f"{what}{k}", lines[0])
            else:
                _write(out, "RAW", f"{what}{k}", f"rc {done.returncode}", done.stderr[-300:])


def worker_main(argv: list[str]) -> int:
    role, db, log, seconds, seed, name = argv
    target = _editor if role == "editor" else _command_lines
    target(Path(db), Path(log), float(seconds), int(seed), name)
    return 0


# --- the parent -----------------------------------------------------------------------------------


def _prepare(folder: Path) -> Path:
    from desktop.db import open_database
    from desktop.services.common.history import install_history
    from desktop.services.directory.edits import PersonInput
    from desktop.services.directory.service import DirectoryService

    db = folder / "plusieurs.sqlite"
    database = open_database(str(db))
    install_history(database.session_factory)
    service = DirectoryService(database.session_factory)
    for i in range(PEOPLE):
        service.edits.create_person(PersonInput(f"STRESS{i:02d}", "initial"))
    database.dispose()
    return db


def _read_logs(folder: Path) -> list[list[str]]:
    lines = []
    for log in sorted(folder.glob("stress-*.log")):
        text = log.read_text(encoding="utf-8")
        lines += [line.split(" ", 3) for line in text.splitlines() if line]
    return lines


def _read_back(con: sqlite3.Connection) -> tuple[dict, set, dict, str]:
    """(people by id, names, rows per import lot, every history value) as the file holds them."""
    people = {
        row[0]: row[1:]
        for row in con.execute("SELECT id, version, first_name, last_name FROM person")
    }
    names = {row[2] for row in people.values()}
    lots = dict(
        con.execute(
            "SELECT first_name, count(*) FROM person WHERE last_name LIKE 'IMPORT-%' "
            "GROUP BY first_name"
        ).fetchall()
    )
    history = "\n".join(r[0] or "" for r in con.execute("SELECT new_value FROM change"))
    return people, names, lots, history


def _verify(db: Path, entries: list[list[str]], fig: StressFigures) -> None:
    con = sqlite3.connect(f"file:{db.as_posix()}?mode=ro", uri=True)
    try:
        found = _read_back(con)
    except sqlite3.DatabaseError as exc:
        fig.lost_updates += 1
        fig.notes.insert(0, f"base illisible à la fin : {exc}")
        found = {}, set(), {}, ""
    finally:
        con.close()
    people, names, lots, history = found
    updates: dict[int, list[tuple[int, str]]] = {}
    for entry in entries:
        kind = entry[0]
        if kind == "U":
            updates.setdefault(int(entry[1]), []).append((int(entry[2]), entry[3]))
            fig.saves += 1
        elif kind == "N":
            fig.saves += 1
            if entry[2] not in names:
                fig.lost_updates += 1
                fig.notes.append(f"nouvelle fiche perdue : {entry[2]}")
        elif kind == "I":
            fig.imports += 1
            if lots.get(f"lot{entry[1]}", 0) != IMPORT_ROWS:
                fig.lost_updates += 1
                fig.notes.append(f"import lot{entry[1]} : {lots.get(f'lot{entry[1]}', 0)} lignes")
        elif kind == "L":
            fig.reads += 1
        elif kind == "E":
            fig.exports += 1
        elif kind == "K":
            fig.backups += 1
        elif kind == "C":
            fig.checks += 1
        elif kind in ("X", "B"):
            if kind == "X":
                fig.conflicts += 1
            else:
                fig.busy += 1
            refused = entry[1]
            if refused.startswith("I") and lots.get(f"lot{refused[1:]}"):
                fig.partial += 1  # a refused import must leave nothing
            elif "-" in refused and (f'"{refused}"' in history or f"CREE-{refused}" in names):
                fig.partial += 1  # a refused edit must leave nothing, not even history
            if kind == "B" and len(fig.notes) < 3:
                fig.notes.append(f"refus : {entry[-1][:150]}")
        elif kind == "RAW":
            fig.raw_errors += 1
            fig.notes.insert(0, f"erreur brute : {' '.join(entry[1:])[:200]}")
    for pid, saved in updates.items():
        versions = [version for version, _ in saved]
        if len(set(versions)) != len(versions):
            fig.lost_updates += len(versions) - len(set(versions))
            fig.notes.append(f"fiche {pid} : deux enregistrements depuis la même version")
        version, value = max(saved)
        stored_version, stored_value, _last = people.get(pid, (None, None, None))
        if (stored_version, stored_value) != (version + 1, value):
            fig.lost_updates += 1
            fig.notes.append(f"fiche {pid} : {stored_value} v{stored_version}, attendu {value}")


def stress_scenario(folder: Path, seconds: float = 30, seed: int = 1) -> StressFigures:
    """Two editors and two command-line loops on one file for `seconds`; then the checks."""
    from bench.faults import check_opens

    folder = Path(folder)
    db = _prepare(folder)
    env = {**os.environ, "PILOTIS_HOME": str(folder / "maison")}
    roles = [("editor", name) for name in EDITORS] + [("cli", name) for name in COMMAND_LINES]
    started = time.perf_counter()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("faults.py")),
                "--stress-worker",
                role,
                str(db),
                str(folder / f"stress-{name}.log"),
                str(seconds),
                str(seed * 100 + number),
                name,
            ],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for number, (role, name) in enumerate(roles)
    ]
    fig = StressFigures(processes=len(workers))
    for worker, (_role, name) in zip(workers, roles, strict=True):
        _out, err = worker.communicate(timeout=seconds + 300)
        if worker.returncode != 0:
            fig.raw_errors += 1
            fig.notes.append(f"{name} s'est arrêté (code {worker.returncode}) : {err[-300:]}")
    fig.seconds = time.perf_counter() - started
    _verify(db, _read_logs(folder), fig)
    problems = check_opens(db)
    if problems:
        fig.lost_updates += 1
        fig.notes.insert(0, f"base abîmée : {problems[0]}")
    return fig


def print_stress(fig: StressFigures) -> None:
    print(
        f"\n{fig.scenario} : {fig.processes} processus pendant {fig.seconds:.0f} s, "
        f"{fig.operations} opérations"
    )
    print(
        f"  enregistrements {fig.saves}, imports {fig.imports}, exports {fig.exports}, "
        f"sauvegardes {fig.backups}, vérifications {fig.checks}"
    )
    print(
        f"  conflits (attendus) {fig.conflicts}, refus « occupée » {fig.busy}, "
        f"erreurs brutes {fig.raw_errors}, enregistrements perdus {fig.lost_updates}, "
        f"refus partiels {fig.partial}"
    )
    for note in fig.notes[:4]:
        print(f"    · {note}")
