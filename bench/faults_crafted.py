"""Fault trials with untrusted files: each crafted file is offered to every door Pilotis has
(open, read-only open, backup check, restore) and must be refused, unchanged byte for byte.

    python bench/faults.py --crafted 5       (or: python bench/faults_crafted.py --rounds 5)

The files are the test suite's (tests/test_untrusted_files.py), so the script and the tests
exercise the same crafted files: a newer, foreign or damaged base with a pending -wal (with and
without its -shm) or a hot -journal, and bases carrying planted SQL (triggers on change or on
alembic_version, a view in place of a table, unknown tables and views, changed columns, a
rewritten Pilotis trigger, a planted ON DELETE CASCADE). Counted: refusals, refused files
changed (must be 0), files wrongly accepted (must be 0), raw errors (must be 0).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass
class CraftedFigures:
    scenario: str = "fichiers piégés ou refusés (4 portes chacun)"
    trials: int = 0
    refused: int = 0
    changed: int = 0
    accepted: int = 0
    raw_errors: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.refused == self.trials and not (self.changed or self.accepted)


def _doors(path: Path, folder: Path):
    """(name, action) for each way a file reaches Pilotis."""
    from desktop.db import open_database
    from desktop.services.safety.backups import BackupService, check_backup_file

    target = folder / "cible.sqlite"

    def restore() -> None:
        if not target.exists():
            open_database(str(target)).dispose()
        BackupService(folder / "sauvegardes").restore(path, target)

    return [
        ("ouverture", lambda: open_database(str(path)).dispose()),
        ("lecture seule", lambda: open_database(str(path), read_only=True).dispose()),
        ("contrôle de sauvegarde", lambda: check_backup_file(path)),
        ("restauration", restore),
    ]


def crafted_scenario(folder: Path, rounds: int = 1) -> CraftedFigures:
    from desktop.errors import PilotisError
    from tests import test_untrusted_files as crafted_files

    makers = {name: case[0] for name, case in crafted_files.CASES.items()}
    for name, (statements, _words) in crafted_files.CRAFTED.items():
        makers[name] = lambda path, s=statements: crafted_files.crafted(path, s)
    makers["trigger-on-alembic_version"] = lambda path: crafted_files.crafted(
        path, [crafted_files.TRIGGER_ON_VERSION], revision="0008"
    )
    fig = CraftedFigures()
    for round_ in range(rounds):
        for name, make in makers.items():
            work = folder / f"{round_}-{name}"
            work.mkdir()
            path = make(work / "recu.sqlite")
            before = crafted_files.digests(path)
            for door, action in _doors(path, work):
                fig.trials += 1
                try:
                    action()
                except PilotisError:
                    fig.refused += 1
                except Exception:  # noqa: BLE001 - a raw error is what this trial looks for
                    fig.raw_errors += 1
                    fig.notes.append(f"{name} / {door} : {traceback.format_exc(limit=1)}")
                else:
                    fig.accepted += 1
                    fig.notes.append(f"{name} / {door} : accepté")
                if crafted_files.digests(path) != before:
                    fig.changed += 1
                    fig.notes.append(f"{name} / {door} : fichier modifié")
                    before = crafted_files.digests(path)
    return fig


def print_crafted(fig: CraftedFigures) -> None:
    print(
        f"\n{fig.scenario} : {fig.trials} essais, {fig.refused} refus, {fig.changed} fichier(s) "
        f"refusé(s) modifié(s), {fig.accepted} accepté(s) à tort, {fig.raw_errors} erreur(s) "
        "brute(s)."
    )
    for note in fig.notes[:5]:
        print(f"    · {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="tours (défaut 1)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pilotis-pieges-") as tmp:
        fig = crafted_scenario(Path(tmp), args.rounds)
    print_crafted(fig)
    return 0 if fig.ok else 1


if __name__ == "__main__":
    sys.exit(main())
