"""`pilotis copy` at scale, timed: a SQLite file to a new PostgreSQL database and back to a new
file, each leg checked by row counts and sums, then every row of the returned file compared
with the original (a digest per table).

    python -m bench.pg_copy --sqlite bench/data/scale-….sqlite --server postgresql+psycopg://…/db

--server names any database of the server (its user must be allowed to CREATE DATABASE): the
copy goes to a new database, dropped at the end. Figures go to bench/results/pg-copy-<date>.json
and .md. Not a test: nothing fails on a slow machine; a difference is reported loudly.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"


def digests(url: str) -> dict[str, tuple[int, str]]:
    """(rows, SHA-256 of every row in key order) per table."""
    from sqlalchemy import select

    from desktop.db import open_database
    from desktop.services.transfer.copy import tables

    database = open_database(url, create=False, read_only=True)
    found = {}
    try:
        with database.engine.connect() as conn:
            for table in tables():
                digest, rows = hashlib.sha256(), 0
                query = select(table).order_by(*table.primary_key.columns)
                for row in conn.execution_options(yield_per=5000).execute(query):
                    digest.update(repr(tuple(row)).encode())
                    rows += 1
                found[table.name] = (rows, digest.hexdigest())
    finally:
        database.dispose()
    return found


def _server_database(server: str, name: str, create: bool) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    engine = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if create:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            else:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _verdict(ok: bool) -> str:
    return "identique" if ok else "DIFFÉRENT"


def main() -> int:
    from desktop.services.common.formatting import format_number
    from desktop.services.transfer.copy import copy_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", required=True, help="fichier SQLite source (à l'échelle)")
    parser.add_argument("--server", required=True, help="une base du serveur PostgreSQL")
    args = parser.parse_args()
    source = str(Path(args.sqlite).absolute())
    name = f"pilotis_copy_{uuid.uuid4().hex[:8]}"
    middle = _server_database(args.server, name, create=True)
    try:
        with tempfile.TemporaryDirectory() as folder:
            back = str(Path(folder) / "retour.sqlite")
            there = copy_database(source, middle)
            again = copy_database(middle, back)
            started = time.perf_counter()
            before, after = digests(source), digests(back)
            compared = time.perf_counter() - started
    finally:
        _server_database(args.server, name, create=False)
    different = [t for t in before if before[t] != after.get(t)]
    rows = there.rows
    lines = [
        f"# Copie SQLite → PostgreSQL → SQLite à l'échelle — {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"{platform.platform()}, {os.cpu_count()} cœurs ; serveur sur la boucle locale. Machine "
        "partagée avec d'autres processus pendant la mesure.",
        f"Source : {Path(source).name} ({Path(source).stat().st_size / 1e6:.0f} Mo).",
        "",
        "| étape | lignes | durée | lignes/s | contrôle (lignes et sommes) |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| fichier → serveur | {format_number(there.rows)} | {there.seconds:.1f} s | "
        f"{format_number(there.rows / there.seconds)} | {_verdict(there.ok)} |",
        f"| serveur → nouveau fichier | {format_number(again.rows)} | {again.seconds:.1f} s | "
        f"{format_number(again.rows / again.seconds)} | {_verdict(again.ok)} |",
        "",
        f"Contenu du fichier revenu comparé ligne à ligne à l'original ({len(before)} tables, "
        f"empreinte SHA-256 par table, {compared:.1f} s) : "
        + ("**identique**." if not different else f"**DIFFÉRENT** : {', '.join(different)}."),
    ]
    print("\n".join(lines))
    figures = {
        "source": source,
        "rows": rows,
        "to_server_s": there.seconds,
        "to_file_s": again.seconds,
        "checks_ok": there.ok and again.ok,
        "identical": not different,
        "tables": {t: {"rows": before[t][0], "same": before[t] == after.get(t)} for t in before},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = f"pg-copy-{datetime.now():%Y-%m-%d}"
    (RESULTS / f"{stamp}.json").write_text(json.dumps(figures, indent=1))
    (RESULTS / f"{stamp}.md").write_text("\n".join(lines) + "\n")
    return 0 if not different and figures["checks_ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
