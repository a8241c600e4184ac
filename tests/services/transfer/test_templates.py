"""Import templates speak French: « Import d'établissements », keys named by their labels."""

from __future__ import annotations

from desktop.services.transfer.templates import write_template
from tests.xlsx_reader import read_cells


def _notes(path) -> list[str]:
    rows = read_cells(path, sheet=1)
    return [row[0] for row in rows if row and isinstance(row[0], str) and "Clé" in row[0]]


def test_template_notes_name_the_kind_and_its_key_in_french(tmp_path):
    """The documentation says « Import d'établissements » and names keys by their French
    labels (« nom + prénom + courriel »), never by field names such as last_name."""
    assert _notes(write_template("establishments", tmp_path / "e.xlsx")) == [
        "Import d'établissements. Clé pour la mise à jour : UAI."
    ]
    (people,) = _notes(write_template("people", tmp_path / "p.xlsx"))
    assert people == "Import de personnes. Clé pour la mise à jour : nom + prénom + courriel."
    (lines,) = _notes(write_template("funding_lines", tmp_path / "f.xlsx"))
    assert "le montant de la ligne de même programme + financeur + étape" in lines
