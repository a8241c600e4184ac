"""Many real clients saving edits on one PostgreSQL server: throughput, latency, conflicts, and
proof that no update is lost.

    python bench/pg_clients.py --url postgresql+psycopg://user:pw@127.0.0.1:55432/base \
        [--clients 20] [--seconds 60] [--people 30]

The URL's database is created if missing (needs CREATEDB) and filled with the 2023 dataset if
empty. Each client is its own process with its own connection pool, and loops: read a person
(one of the first --people, so that clients collide), then save the person with the version it
read through DirectoryService.edits.update_person — the same path as the edit dialog. Each save
writes a counter one above the one it read (in the e-mail field), so after the run, for each person,
the counter must have grown by exactly the number of successful saves: anything less is a lost
update. Conflicts (EditConflictError: the version changed since the read) are the expected
"someone else saved first" dialog.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COUNTER = re.compile(r"^bench(\d+)@exemple\.fr$")


def _counter(email: str | None) -> int:
    match = COUNTER.match(email or "")
    return int(match.group(1)) if match else 0


def _ensure_database(url: str) -> list[int]:
    from sqlalchemy import create_engine, select, text
    from sqlalchemy.engine import make_url

    from desktop.db import open_database
    from desktop.models import Person
    from desktop.services.transfer.dataset import load_default_dataset

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        ).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    db = open_database(url)
    try:
        with db.session_factory() as session:
            if session.scalar(select(Person.id).limit(1)) is None:
                load_default_dataset(db.session_factory)
        with db.session_factory() as session:
            return list(session.scalars(select(Person.id).order_by(Person.id)))
    finally:
        db.dispose()


def _client(number: int, url: str, ids: list[int], deadline: float, queue) -> None:
    from sqlalchemy import select

    from desktop.db import open_database
    from desktop.errors import PilotisError
    from desktop.models import Person
    from desktop.services.common.history import install_history
    from desktop.services.directory.edits import PersonInput
    from desktop.services.directory.service import DirectoryService
    from desktop.services.directory.validation import EditConflictError

    db = open_database(url)
    install_history(db.session_factory, login=f"client{number:02d}")
    service = DirectoryService(db.session_factory)
    rng = random.Random(number)
    saves: Counter[int] = Counter()
    latencies: list[float] = []
    conflicts = 0
    errors: Counter[str] = Counter()
    while time.time() < deadline:
        person_id = rng.choice(ids)
        with db.session_factory() as session:
            person = session.execute(select(Person).where(Person.id == person_id)).scalar_one()
            version, count = person.version, _counter(person.email)
            data = PersonInput(person.last_name, person.first_name,
                               f"bench{count + 1}@exemple.fr", person.phone,
                               person.site_id)  # fmt: skip
        started = time.perf_counter()
        try:
            service.edits.update_person(person_id, version, data)
        except EditConflictError:
            conflicts += 1
            continue
        except PilotisError as error:
            errors[type(error).__name__] += 1
            continue
        latencies.append(time.perf_counter() - started)
        saves[person_id] += 1
    db.dispose()
    queue.put((dict(saves), latencies, conflicts, dict(errors)))


def _counters(url: str, ids: list[int]) -> dict[int, int]:
    from sqlalchemy import select

    from desktop.db import open_database
    from desktop.models import Person

    db = open_database(url)
    try:
        with db.session_factory() as session:
            rows = session.execute(select(Person.id, Person.email).where(Person.id.in_(ids)))
            return {pid: _counter(email) for pid, email in rows}
    finally:
        db.dispose()


def _email_records(url: str, ids: list[int]) -> int:
    """History records of the e-mail field (the counter) of the edited people."""
    from sqlalchemy import bindparam, create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            query = text(
                "SELECT count(*) FROM change WHERE table_name = 'person' AND field = 'email' "
                "AND row_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True))
            return conn.execute(query, {"ids": ids}).scalar()
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("PILOTIS_BENCH_PG_URL"))
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--people", type=int, default=30, help="people edited (collisions)")
    args = parser.parse_args()
    if not args.url:
        parser.error("--url (or PILOTIS_BENCH_PG_URL) is required")
    ids = _ensure_database(args.url)[: args.people]
    before = _counters(args.url, ids)
    records_before = _email_records(args.url, ids)
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    deadline = time.time() + 8 + args.seconds  # spawned interpreters need a few seconds to start
    processes = [
        ctx.Process(target=_client, args=(n, args.url, ids, deadline, queue))
        for n in range(args.clients)
    ]
    for process in processes:
        process.start()
    results = [queue.get(timeout=args.seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    after = _counters(args.url, ids)
    records = _email_records(args.url, ids) - records_before

    saves: Counter[int] = Counter()
    latencies: list[float] = []
    conflicts = 0
    errors: Counter[str] = Counter()
    for client_saves, client_latencies, client_conflicts, client_errors in results:
        saves.update(client_saves)
        latencies += client_latencies
        conflicts += client_conflicts
        errors.update(client_errors)
    lost = sum(saves[pid] - (after[pid] - before[pid]) for pid in ids)
    total = sum(saves.values())
    print(f"clients              {args.clients} processus, {args.seconds:.0f} s, "
          f"{len(ids)} personnes modifiées")  # fmt: skip
    print(f"enregistrements      {total} ({total / args.seconds:.1f} /s)")
    if latencies:
        q = statistics.quantiles(latencies, n=20)
        print(f"latence médiane      {statistics.median(latencies) * 1000:.1f} ms "
              f"(p95 {q[18] * 1000:.1f} ms)")  # fmt: skip
    print(f"conflits (attendus)  {conflicts}")
    print(f"autres erreurs       {dict(errors) or 0}")
    print(f"mises à jour perdues {lost}")
    # One save, one history record (written by the server's triggers since migration 0010).
    print(f"historique           {records} enregistrement(s) pour {total} sauvegarde(s)")
    return 0 if lost == 0 and not errors and records == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
