"""Writes resources/schema/sqlite-schemas.json: the SQLite schema each migration revision creates.

    python scripts/sqlite_schemas.py            regenerate the file (after adding a migration)
    python scripts/sqlite_schemas.py --check    exit 1 if the committed file differs (tests)

An empty file is upgraded one revision at a time with the real migrations, and its schema is
described after each (desktop.db_schema.describe): what desktop.db compares an untrusted file
with before opening it.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop.db import alembic_config, make_engine  # noqa: E402
from desktop.db_schema import SCHEMA_FILE, describe, schema_document  # noqa: E402


def schemas_from_migrations(folder: Path) -> dict[str, dict]:
    """{revision: description}, upgrading one empty file in folder revision by revision."""
    from alembic import command
    from alembic.script import ScriptDirectory

    path = folder / "schemas.sqlite"
    url = f"sqlite:///{path}"
    script = ScriptDirectory.from_config(alembic_config(url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    # Foreign keys off, as desktop.db.run_migrations does (batch rebuilds drop parent tables).
    engine = make_engine(url, foreign_keys=False)
    result = {}
    try:
        for revision in revisions:
            with engine.connect() as conn, conn.begin():
                config = alembic_config(url)
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
            con = sqlite3.connect(path)
            try:
                description = describe(con)
            finally:
                con.close()
            del description["duplicates"]
            result[revision] = description
    finally:
        engine.dispose()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        text = schema_document(schemas_from_migrations(Path(folder)))
    target = ROOT.joinpath(*SCHEMA_FILE)
    if args.check:
        current = target.read_text(encoding="utf-8") if target.is_file() else ""
        if current != text:
            print(f"{target} ne correspond plus aux migrations : relancez {__file__}.")
            return 1
        print(f"{target} correspond aux migrations.")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"{target} écrit ({text.count(chr(10))} lignes).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
