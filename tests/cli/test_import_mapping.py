"""`main.py import KIND FILE --mapping MAPPING` as a script runs it on a partner's file: the
dry run's counts, the base's bytes kept, the import, and a wrong mapping refused in French."""

from __future__ import annotations

import hashlib
import sqlite3

from tests.conftest import run_cli
from tests.factories.partner_files import MAPPING, PARTNER


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _units(path) -> list[tuple]:
    with sqlite3.connect(path) as con:
        return con.execute(
            "SELECT code, kind, address, phone FROM unit WHERE code LIKE 'SDJES-%' ORDER BY code"
        ).fetchall()


def test_a_partner_file_is_checked_then_imported_with_its_mapping(filled_db_path, tmp_path):
    """--dry-run says what the import will add and leaves the base's bytes; the import then
    adds exactly that, the derived address and phone stored as the form stores them."""
    data, mapping = tmp_path / "services.csv", tmp_path / "services.toml"
    data.write_text(PARTNER, encoding="utf-8")
    mapping.write_text(MAPPING, encoding="utf-8")
    before = _sha(filled_db_path)
    args = ("--db", str(filled_db_path), "import", "units", str(data), "--mapping", str(mapping))
    checked = run_cli(*args, "--dry-run")
    assert checked.returncode == 0, checked.stderr
    assert "Services : 2 ajouté(s)" in checked.stdout
    assert "Colonne(s) ignorée(s) (1) : Observations" in checked.stdout
    assert _sha(filled_db_path) == before
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    assert "Services : 2 ajouté(s)" in done.stdout
    assert _units(filled_db_path) == [
        ("SDJES-31", "service", "75 rue Saint-Roch, 31400 Toulouse", "05 61 17 80 00"),
        ("SDJES-34", "service", "31 rue de l'Université, 34064 Montpellier", "04 67 91 47 00"),
    ]


def test_a_wrong_mapping_stops_the_command_in_french(filled_db_path, tmp_path):
    """A field the kind does not have: exit 1, the mapping's file and entry named, nothing
    written."""
    data, mapping = tmp_path / "services.csv", tmp_path / "faux.toml"
    data.write_text(PARTNER, encoding="utf-8")
    mapping.write_text('[colonnes]\n"Identifiant" = "matricule"\n', encoding="utf-8")
    before = _sha(filled_db_path)
    result = run_cli("--db", str(filled_db_path), "import", "units", str(data),
                     "--mapping", str(mapping))  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith(
        "pilotis : Fichier de correspondance « faux.toml », « colonnes », « Identifiant » : "
        "« matricule » n'est pas un champ des services"
    )
    assert "Traceback" not in result.stderr
    assert _sha(filled_db_path) == before
