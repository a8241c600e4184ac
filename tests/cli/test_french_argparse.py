"""argparse's refusals as one French line: what the user typed wrong, and where to read more."""

from __future__ import annotations

import re

import pytest

from desktop.cli import main
from tests.conftest import run_cli

# Words of argparse's English templates that must not reach a French user.
ENGLISH = re.compile(
    r"\b(arguments?|invalid|expected|choose|required|unrecognized|ambiguous|could|ignored|error)\b"
)

MISTAKES = [
    (["export"], "valeurs obligatoires manquantes : TYPE, FICHIER"),
    (["check", "--nimporte"], "valeurs inconnues : --nimporte"),
    (["commande-inconnue"], "COMMANDE : choix invalide « commande-inconnue » (choix possibles : init,"),
    (["report", "liste", "--out", "x.pdf"], "ÉTAT : choix invalide « liste »"),
    (["report", "directory"], "valeurs obligatoires manquantes : --out"),
    (["generate", "--people", "beaucoup"], "--people : valeur invalide « beaucoup » (nombre entier attendu)"),
    (["backup", "--to"], "--to : une valeur est attendue"),
    (["report", "budget", "--out", "x.pdf", "--f", "X"], "option ambiguë : --f peut désigner --family, --funder"),
    (["init", "--empty=oui"], "--empty : cette option ne prend pas de valeur (« oui » donné)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "french"), MISTAKES, ids=lambda v: " ".join(v) if isinstance(v, list) else ""
)
def test_each_kind_of_mistake_is_one_french_line_naming_the_help(argv, french, capsys):
    """Each argparse refusal reads as French, names the faulty value and the help to read."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("pilotis : erreur : "), captured.err
    assert french in captured.err
    command = f"pilotis {argv[0]}" if argv[0] != "commande-inconnue" else "pilotis"
    assert captured.err.endswith(f"(voir « {command} --help »)\n"), captured.err
    assert not ENGLISH.search(captured.err), captured.err


def test_command_line_mistakes_are_told_in_french():
    """argparse's own messages (missing or unknown values) read as French sentences."""
    missing = run_cli("export")
    assert missing.returncode == 2
    assert "valeurs obligatoires manquantes : TYPE, FICHIER" in missing.stderr
    unknown = run_cli("check", "--nimporte")
    assert "valeurs inconnues : --nimporte" in unknown.stderr
    assert "argument" not in missing.stderr + unknown.stderr
