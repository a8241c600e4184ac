"""Fault injection: SIGKILL during imports and bursts of edits, a full disk, the file deleted,
replaced by garbage or locked by another process; prints faults injected, recoveries and rows lost.

    python bench/faults.py [--kills 300] [--stress SECONDS] [--json FILE]

Linux (fork + SIGKILL). Each kill hits a child process that runs the application's own services
(IngestService imports, DirectoryService edits) on a real SQLite file and logs each transaction it
starts ("B k") and each one it committed ("C k n"). After every kill the parent opens the file with
desktop.db.open_database (all its safety checks), runs PRAGMA integrity_check, and compares the
data with the log: every committed transaction must be there whole, the one in flight either whole
or absent, nothing else. Nothing here is timed; tests/faults/ runs a small subset.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

IMPORT_ROWS = 150  # people per import transaction: long enough to be killed in the middle
COUNTER = "COMPTEUR"


@dataclass
class Figures:
    scenario: str
    faults: int = 0
    recoveries: int = 0
    killed_mid_transaction: int = 0
    committed_transactions: int = 0
    rows_checked: int = 0
    rows_lost: int = 0
    partial_transactions: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.recoveries == self.faults and self.rows_lost == 0 and not self.partial_transactions
        )


# --- the child workloads ------------------------------------------------------------------------


def _log(fd: int, line: str) -> None:
    os.write(fd, (line + "\n").encode())


def _child_import(db: Path, log: Path, start: int) -> None:
    from desktop.db import open_database
    from desktop.services.transfer.ingest import IngestService

    database = open_database(str(db), create=False)
    service = IngestService(database.session_factory, login="faults")
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(READY_FD, b"r")
    k = start
    while True:
        rows = [
            {"last_name": f"IMPORT{i:04d}", "first_name": f"lot{k}"} for i in range(IMPORT_ROWS)
        ]
        _log(fd, f"B {k}")
        service.import_rows("people", rows)
        _log(fd, f"C {k} {IMPORT_ROWS}")
        k += 1


def _child_edits(db: Path, log: Path, start: int) -> None:
    from desktop.db import open_database
    from desktop.services.common.history import install_history
    from desktop.services.directory.edits import PersonInput
    from desktop.services.directory.service import DirectoryService

    database = open_database(str(db), create=False)
    install_history(database.session_factory)
    service = DirectoryService(database.session_factory)
    counter_id = service.find_people(COUNTER, limit=1)[0][0]
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(READY_FD, b"r")
    k = start
    while True:
        _log(fd, f"B {k}")
        if k % 2:
            version = service.person_detail(counter_id).version
            service.edits.update_person(counter_id, version, PersonInput(COUNTER, f"v{k}"))
        else:
            service.edits.create_person(PersonInput(f"EDIT{k}", "rafale"))
        _log(fd, f"C {k} 1")
        k += 1


READY_FD = -1


def _fork_child(target, db: Path, log: Path, start: int) -> tuple[int, int]:
    """Fork a child running target; returns (pid, read end of its ready pipe)."""
    global READY_FD
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns
        os.close(read_fd)
        READY_FD = write_fd
        code = 0
        try:
            target(db, log, start)
        except BaseException:  # noqa: BLE001 - report and leave without running parent code
            import traceback

            traceback.print_exc()
            code = 3
        os._exit(code)
    os.close(write_fd)
    return pid, read_fd


# --- reading the log and the database ------------------------------------------------------------


def read_log(log: Path) -> tuple[dict[int, int], set[int]]:
    """(committed {k: rows}, transactions begun but never logged as committed): a child killed
    between COMMIT and its log line leaves one that is in the file; each may be there or not,
    but only whole."""
    committed: dict[int, int] = {}
    begun: set[int] = set()
    if not log.exists():
        return committed, begun
    for line in log.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "B":
            begun.add(int(parts[1]))
        elif len(parts) == 3 and parts[0] == "C":
            committed[int(parts[1])] = int(parts[2])
            begun.discard(int(parts[1]))
    return committed, begun


def check_opens(db: Path) -> list[str]:
    """Open with all of Pilotis's checks, then integrity_check; the problems found."""
    from desktop.db import integrity_problems, open_database
    from desktop.errors import PilotisError

    try:
        database = open_database(str(db), create=False)
    except PilotisError as error:
        return [f"ne s'ouvre pas : {error}"]
    try:
        return integrity_problems(database.engine)
    finally:
        database.dispose()


def verify_import(db: Path, log: Path, fig: Figures) -> None:
    committed, begun = read_log(log)
    con = sqlite3.connect(db)
    try:
        counts = dict(
            con.execute(
                "SELECT first_name, count(*) FROM person WHERE last_name LIKE 'IMPORT%' "
                "GROUP BY first_name"
            ).fetchall()
        )
        # The history of an import: one record per row, or one record listing the rows' ids.
        recorded: set[int] = set()
        for row_id, value in con.execute(
            "SELECT row_id, new_value FROM change WHERE table_name = 'person' AND action = 'insert'"
        ):
            if row_id is not None:
                recorded.add(row_id)
            elif value and '"ids"' in value:
                for first, last in json.loads(value)["ids"]:
                    recorded.update(range(first, last + 1))
        changes: dict[str, int] = {}
        for person_id, name in con.execute(
            "SELECT id, first_name FROM person WHERE last_name LIKE 'IMPORT%'"
        ):
            if person_id in recorded:
                changes[name] = changes.get(name, 0) + 1
    finally:
        con.close()
    for k, n in committed.items():
        found = counts.get(f"lot{k}", 0)
        fig.rows_checked += n
        if found != n:
            fig.rows_lost += n - found
    for name, found in counts.items():
        k = int(name[3:])
        if k not in committed and (k not in begun or found != IMPORT_ROWS):
            fig.partial_transactions += 1
        if changes.get(name, 0) != found:  # a row without its history, or the reverse
            fig.partial_transactions += 1
    fig.committed_transactions = len(committed)


def verify_edits(db: Path, log: Path, fig: Figures) -> None:
    committed, begun = read_log(log)
    con = sqlite3.connect(db)
    try:
        created = {
            int(r[0][4:])
            for r in con.execute("SELECT last_name FROM person WHERE last_name LIKE 'EDIT%'")
        }
        counter = con.execute(
            "SELECT first_name FROM person WHERE last_name = ?", (COUNTER,)
        ).fetchone()[0]
        history = con.execute(
            "SELECT count(*) FROM change c JOIN person p ON p.id = c.row_id AND "
            "c.table_name = 'person' AND c.action = 'insert' WHERE p.last_name LIKE 'EDIT%'"
        ).fetchone()[0]
    finally:
        con.close()
    creates = {k for k in committed if k % 2 == 0}
    fig.rows_checked += len(committed)
    fig.rows_lost += len(creates - created)
    if created - creates - begun:
        fig.partial_transactions += len(created - creates - begun)
    updates = sorted(k for k in committed if k % 2)
    last = updates[-1] if updates else 0
    allowed = {f"v{last}"} if updates else {"initial"}
    allowed |= {f"v{k}" for k in begun if k % 2 and k > last}
    if counter not in allowed:
        fig.rows_lost += 1
    if history != len(created):
        fig.partial_transactions += 1
    fig.committed_transactions = len(committed)


# --- scenarios -----------------------------------------------------------------------------------


def _new_database(folder: Path, name: str = "faults.sqlite") -> Path:
    from desktop.db import open_database
    from desktop.services.common.history import install_history
    from desktop.services.directory.edits import PersonInput
    from desktop.services.directory.service import DirectoryService

    path = folder / name
    database = open_database(str(path))
    install_history(database.session_factory)
    DirectoryService(database.session_factory).edits.create_person(PersonInput(COUNTER, "initial"))
    database.dispose()
    return path


def kill_scenario(kind: str, kills: int, folder: Path, seed: int = 1) -> Figures:
    """Kill a child `kills` times at random moments; verify after every kill."""
    rng = random.Random(seed)
    fig = Figures(
        f"SIGKILL pendant {'un import' if kind == 'import' else 'une rafale de modifications'}"
    )
    db = _new_database(folder, f"{kind}.sqlite")
    log = folder / f"{kind}.log"
    target, verify = (
        (_child_import, verify_import) if kind == "import" else (_child_edits, verify_edits)
    )
    max_delay = 0.12 if kind == "import" else 0.06
    for _ in range(kills):
        committed, begun = read_log(log)
        start = max([*committed, *begun, 0]) + 1
        pid, ready = _fork_child(target, db, log, start)
        if os.read(ready, 1) != b"r":  # the child died before it was ready
            os.close(ready)
            os.waitpid(pid, 0)
            fig.notes.append("un processus n'a pas démarré")
            continue
        os.close(ready)
        time.sleep(rng.uniform(0, max_delay))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        fig.faults += 1
        last_line = log.read_text().splitlines()[-1:] if log.exists() else []
        if last_line and last_line[0].startswith("B "):
            fig.killed_mid_transaction += 1
        problems = check_opens(db)
        check = Figures(fig.scenario)
        verify(db, log, check)
        # Data accumulates across kills, so a loss would show in every later check: keep the
        # worst check, not a sum of re-counts.
        fig.rows_lost = max(fig.rows_lost, check.rows_lost)
        fig.partial_transactions = max(fig.partial_transactions, check.partial_transactions)
        fig.rows_checked, fig.committed_transactions = (
            check.rows_checked,
            check.committed_transactions,
        )
        if problems:
            fig.notes.append(problems[0])
        elif not check.rows_lost and not check.partial_transactions:
            fig.recoveries += 1
    return fig


def full_disk_scenario(folder: Path) -> Figures:
    """Imports until the disk is full: the failing one changes nothing, the file stays sound, and
    writing works again once space is freed."""
    from desktop.db import open_database
    from desktop.services.transfer.ingest import IngestService

    fig = Figures("Disque plein")
    mount = folder / "petit-disque"
    mount.mkdir()
    mounted = False
    if os.geteuid() == 0 and shutil.which("mount"):
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True
        )
        mounted = done.returncode == 0
    try:
        if mounted:
            fig.notes.append("système de fichiers tmpfs de 2 Mo monté (vrai disque plein, ENOSPC)")
        else:
            fig.notes.append("pas de montage possible : écriture refusée par RLIMIT_FSIZE (EFBIG)")
        db = _new_database(mount if mounted else folder, "plein.sqlite")
        log = folder / "plein.log"
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                if not mounted:
                    import resource

                    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                    limit = db.stat().st_size + 1_500_000
                    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
                database = open_database(str(db), create=False)
                service = IngestService(database.session_factory, login="faults")
                fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
                for k in range(1, 10_000):
                    rows = [
                        {"last_name": f"IMPORT{i:04d}", "first_name": f"lot{k}",
                         "email": f"personne{i}.lot{k}@exemple.fr"}
                        for i in range(IMPORT_ROWS)
                    ]  # fmt: skip
                    _log(fd, f"B {k}")
                    try:
                        service.import_rows("people", rows)
                    except Exception as exc:  # noqa: BLE001 - the expected failure
                        _log(fd, f"E {k} {type(exc).__name__}: {str(exc)[:80]}")
                        break
                    _log(fd, f"C {k} {IMPORT_ROWS}")
                database.dispose()
            except BaseException:  # noqa: BLE001
                code = 3
            os._exit(code)
        os.waitpid(pid, 0)
        fig.faults = 1
        errors = [line for line in log.read_text().splitlines() if line.startswith("E ")]
        fig.notes.append(errors[0][2:] if errors else "aucune erreur d'écriture")
        # Free space: a filler is not needed, the failed transaction left nothing; just retry
        # on a database moved to a roomy place, as a user would after cleaning up.
        roomy = folder / "apres-menage.sqlite"
        shutil.copy(db, roomy)
        for suffix in ("-wal",):
            if Path(f"{db}{suffix}").exists():
                shutil.copy(f"{db}{suffix}", f"{roomy}{suffix}")
        problems = check_opens(db)
        _, begun = read_log(log)
        verify_import(db, log, fig)
        if not problems and not fig.rows_lost and not fig.partial_transactions and errors:
            database = open_database(str(roomy), create=False)
            try:
                IngestService(database.session_factory, login="faults").import_rows(
                    "people", [{"last_name": "APRES", "first_name": "menage"}]
                )
                fig.recoveries = 1
            finally:
                database.dispose()
        elif problems:
            fig.notes.append(problems[0])
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)
    return fig


def deleted_and_garbage_scenario(folder: Path) -> list[Figures]:
    """The file deleted while open (rescued by the guard), then replaced by garbage after close
    (restored from the close backup); rows lost are committed edits missing afterwards."""
    from desktop.db import open_database
    from desktop.errors import NotADatabaseError
    from desktop.services.common.history import install_history
    from desktop.services.directory.edits import PersonInput
    from desktop.services.directory.service import DirectoryService
    from desktop.services.safety.backups import BackupService
    from desktop.services.safety.guard import DataGuard

    backups = BackupService(folder / "sauvegardes")
    deleted, garbage = (
        Figures("Fichier supprimé pendant l'utilisation"),
        Figures("Fichier remplacé par des données aléatoires"),
    )
    for round_number in range(5):
        db = _new_database(folder, f"efface{round_number}.sqlite")
        database = open_database(str(db))
        install_history(database.session_factory)
        guard = DataGuard(database, backups)
        service = DirectoryService(database.session_factory)
        names = [f"AVANT{round_number}-{i}" for i in range(5)]
        for name in names:
            service.edits.create_person(PersonInput(name, "x"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        deleted.faults += 1
        after = [f"APRES{round_number}-{i}" for i in range(5)]
        for name in after:
            service.edits.create_person(PersonInput(name, "x"))
        status = guard.check_file()
        guard.close()
        database.dispose()
        if status.rescued is not None:
            backups.restore(status.rescued.path, db)
            con = sqlite3.connect(db)
            have = {r[0] for r in con.execute("SELECT last_name FROM person")}
            con.close()
            lost = len(set(names + after) - have)
            deleted.rows_lost += lost
            deleted.rows_checked += len(names) + len(after)
            if not lost and not check_opens(db):
                deleted.recoveries += 1
        else:
            deleted.rows_lost += len(names) + len(after)

        # Garbage after a session that closed normally (its close backup is the way back).
        database = open_database(str(db))
        install_history(database.session_factory)
        guard = DataGuard(database, backups)
        DirectoryService(database.session_factory).edits.create_person(PersonInput("FIN", "x"))
        closing = guard.at_close()
        guard.close()
        database.dispose()
        con = sqlite3.connect(db)
        expected = {r[0] for r in con.execute("SELECT last_name FROM person")}
        con.close()
        noise = os.urandom(db.stat().st_size or 4096)
        db.write_bytes(noise)
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        garbage.faults += 1
        try:
            open_database(str(db), create=False).dispose()
        except NotADatabaseError:
            refused = True  # the expected outcome: garbage is never taken for a database
        else:
            refused = False
        if not refused:
            garbage.notes.append("un fichier aléatoire a été ouvert")
            continue
        if db.read_bytes() != noise:
            garbage.notes.append("le fichier refusé a été modifié")
            continue
        latest = backups.latest_good(db.stem)
        if closing is None or latest is None:
            garbage.notes.append("pas de sauvegarde à la fermeture")
            continue
        saved = backups.restore(latest.path, db)
        con = sqlite3.connect(db)
        have = {r[0] for r in con.execute("SELECT last_name FROM person")}
        con.close()
        garbage.rows_checked += len(expected)
        garbage.rows_lost += len(expected - have)
        if have == expected and saved.path.read_bytes() == noise and not check_opens(db):
            garbage.recoveries += 1
    return [deleted, garbage]


def locked_scenario(folder: Path, rounds: int = 5) -> Figures:
    """Another process holds the write lock: opening is refused in French, an edit fails whole
    after the busy timeout, and once the lock is gone everything works with nothing lost."""
    from desktop.db import open_database
    from desktop.errors import LockedDatabaseError
    from desktop.services.common.history import install_history
    from desktop.services.directory.edits import PersonInput
    from desktop.services.directory.service import DirectoryService

    fig = Figures("Base verrouillée par un autre processus")
    db = _new_database(folder, "verrou.sqlite")
    for round_number in range(rounds):
        database = open_database(str(db), busy_timeout_ms=300)
        install_history(database.session_factory)
        service = DirectoryService(database.session_factory)
        service.edits.create_person(PersonInput(f"AVANT{round_number}", "x"))
        holder = subprocess.Popen(
            [sys.executable, "-c",
             "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None);"
             "c.execute('BEGIN EXCLUSIVE'); print('ok', flush=True); time.sleep(60)", str(db)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        holder.stdout.readline()
        fig.faults += 1
        refused_open = refused_edit = False
        try:
            open_database(str(db), busy_timeout_ms=300).dispose()
        except LockedDatabaseError:
            refused_open = True
        try:
            service.edits.create_person(PersonInput(f"PENDANT{round_number}", "x"))
        except Exception:  # noqa: BLE001 - "database is locked"
            refused_edit = True
        holder.kill()
        holder.wait()
        service.edits.create_person(PersonInput(f"APRES{round_number}", "x"))
        database.dispose()
        con = sqlite3.connect(db)
        have = {r[0] for r in con.execute("SELECT last_name FROM person")}
        con.close()
        expected = {f"AVANT{round_number}", f"APRES{round_number}"}
        fig.rows_checked += 2
        fig.rows_lost += len(expected - have)
        half_written = f"PENDANT{round_number}" in have
        if refused_open and refused_edit and not half_written and not check_opens(db):
            fig.recoveries += 1
        elif half_written:
            fig.partial_transactions += 1
    return fig


def run_all(kills: int, folder: Path, seed: int = 1) -> list[Figures]:
    per_kind = max(kills // 2, 1)
    figures = [
        kill_scenario("import", per_kind, folder, seed),
        kill_scenario("edits", kills - per_kind, folder, seed + 1),
        full_disk_scenario(folder),
        *deleted_and_garbage_scenario(folder),
        locked_scenario(folder),
    ]
    return figures


def print_figures(figures: list[Figures]) -> None:
    header = f"{'scénario':48} {'fautes':>7} {'reprises':>9} {'en pleine transaction':>22} " \
             f"{'transactions validées':>22} {'lignes perdues':>15} {'partielles':>11}"  # fmt: skip
    print(header)
    print("-" * len(header))
    for f in figures:
        print(
            f"{f.scenario:48} {f.faults:>7} {f.recoveries:>9} {f.killed_mid_transaction:>22} "
            f"{f.committed_transactions:>22} {f.rows_lost:>15} {f.partial_transactions:>11}"
        )
        for note in f.notes[:3]:
            print(f"    · {note}")
    total = sum(f.faults for f in figures)
    print(
        f"\nTotal : {total} fautes injectées, {sum(f.recoveries for f in figures)} reprises, "
        f"{sum(f.rows_lost for f in figures)} ligne(s) perdue(s), "
        f"{sum(f.partial_transactions for f in figures)} transaction(s) partielle(s)."
    )


def main(argv: list[str] | None = None) -> int:
    from bench import faults_stress

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--stress-worker"]:  # one of the processes of the stress trial
        return faults_stress.worker_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=300, help="SIGKILL au total (défaut 300)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="FICHIER", help="écrire aussi les chiffres en JSON")
    parser.add_argument(
        "--crafted", type=int, default=0, metavar="TOURS",
        help="ajouter les fichiers piégés ou refusés, TOURS fois (bench/faults_crafted.py)",
    )  # fmt: skip
    parser.add_argument(
        "--stress", type=float, default=0, metavar="SECONDES",
        help="ajouter l'essai à plusieurs programmes sur une même base (défaut : aucun)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    started = time.perf_counter()
    stress = None
    with tempfile.TemporaryDirectory(prefix="pilotis-faults-") as tmp:
        os.environ["PILOTIS_HOME"] = tmp
        figures = run_all(args.kills, Path(tmp), args.seed)
        crafted = None
        if args.crafted:
            from bench import faults_crafted

            (Path(tmp) / "pieges").mkdir()
            crafted = faults_crafted.crafted_scenario(Path(tmp) / "pieges", args.crafted)
        if args.stress:
            (Path(tmp) / "plusieurs").mkdir()
            stress = faults_stress.stress_scenario(Path(tmp) / "plusieurs", args.stress, args.seed)
    print_figures(figures)
    if crafted is not None:
        faults_crafted.print_crafted(crafted)
    if stress is not None:
        faults_stress.print_stress(stress)
    print(f"Durée : {time.perf_counter() - started:.0f} s")
    if args.json:
        found = [asdict(f) for f in figures] + ([asdict(stress)] if stress else [])
        found += [asdict(crafted)] if crafted else []
        Path(args.json).write_text(json.dumps(found, ensure_ascii=False, indent=2))
    crafted_ok = crafted is None or crafted.ok
    return 0 if all(f.ok for f in figures) and (stress is None or stress.ok) and crafted_ok else 1


if __name__ == "__main__":
    sys.exit(main())
