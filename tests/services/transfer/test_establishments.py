"""The Ministry's Annuaire de l'éducation (real Occitanie extract) into the establishments."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop.models import Establishment
from desktop.services.transfer.establishments import AnnuaireImporter, normalise_phone

# The real file, committed with its provenance and licence (tests/data/external/SOURCES.md).
SOURCE = Path(__file__).parents[2] / "data/external/fr-en-annuaire-education_occitanie.csv"


@pytest.fixture
def annuaire(tmp_path) -> Path:
    return Path(shutil.copy(SOURCE, tmp_path / "annuaire.csv"))


def _establishments(database) -> dict[str, Establishment]:
    with database.session_factory() as session:
        return {e.uai: e for e in session.scalars(select(Establishment))}


def test_phone_numbers_in_three_forms_come_out_alike():
    """0561000000, 05 61 00 00 00 and 05.61.00.00.00 read as the same number."""
    assert {normalise_phone(p) for p in ("0561000000", "05 61 00 00 00", "05.61.00.00.00")} == {
        "05 61 00 00 00"
    }
    assert normalise_phone("") is None


def test_the_real_annuaire_loads_with_its_quirks(filled_database, annuaire):
    """6 240 rows: 3 UAIs listed twice are reported and kept once, départements « 031 » are
    found, coordinates come from latitude/longitude, phones are normalised."""
    result = AnnuaireImporter(filled_database.session_factory).import_file(annuaire)
    assert result.report.errors == []
    assert result.written
    assert len(result.duplicates) == 3
    assert all("déjà présent" in note for note in result.duplicates)
    assert result.rows == 6237
    establishments = _establishments(filled_database)
    assert len(establishments) >= 6237
    lycee = establishments["0311131L"]
    assert lycee.name == "Lycée polyvalent privé Sainte-Thérèse"
    assert (lycee.sector, lycee.postal_code, lycee.commune) == ("prive", "31800", "Saint-Gaudens")
    assert lycee.phone == "05 62 00 95 10"
    assert lycee.latitude == pytest.approx(43.105090299028824)
    assert lycee.status == "OUVERT"
    with filled_database.session_factory() as session:
        from desktop.models import Academie, Department

        assert session.get(Department, lycee.department_id).code == "31"
        assert session.get(Academie, lycee.academie_id).code == "TOULOUSE"
    without = [e for e in establishments.values() if e.latitude is None]
    assert len(without) == 31
    assert all("." not in (e.phone or "") for e in establishments.values())


def test_reimport_reports_added_changed_and_closed(filled_database, annuaire, tmp_path):
    """A newer file: a changed name, a closed school (FERME) and one no longer listed are
    reported as such; nothing is deleted; importing the same file again changes nothing."""
    importer = AnnuaireImporter(filled_database.session_factory)
    importer.import_file(annuaire)
    lines = annuaire.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(";")
    name_at, state_at = header.index("Nom_etablissement"), header.index("etat")
    edited = [lines[0]]
    for line in lines[1:]:
        cells = line.split(";")
        if cells[0] == "0311131L":
            cells[name_at] = "Lycée Sainte-Thérèse (nouveau nom)"
        if cells[0] == "0340042L":
            cells[state_at] = "FERME"
        if cells[0] == "0300058A":
            continue  # no longer listed
        edited.append(";".join(cells))
    newer = tmp_path / "annuaire-2025.csv"
    newer.write_text("\n".join(edited) + "\n", encoding="utf-8-sig")
    result = importer.import_file(newer)
    assert result.report.errors == []
    assert {c.uai for c in result.changed} == {"0340042L", "0311131L"}
    assert {c.uai for c in result.closed} == {"0340042L", "0300058A"}
    assert result.added == []
    establishments = _establishments(filled_database)
    assert establishments["0300058A"].status == "FERME"
    assert establishments["0311131L"].name == "Lycée Sainte-Thérèse (nouveau nom)"
    again = importer.import_file(newer)
    assert (again.added, again.changed, again.closed) == ([], [], [])


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_cut_at_one_megabyte_is_refused_and_closes_nothing(filled_db_path, annuaire):
    """The Annuaire cut at 1 MB (its last row incomplete) is refused with the row named; no
    establishment is stored with empty fields, none is marked FERME: the base keeps its bytes."""
    from desktop.db import open_database
    from desktop.services.transfer.readers import FileReadError

    database = open_database(str(filled_db_path))
    try:
        AnnuaireImporter(database.session_factory).import_file(annuaire)
    finally:
        database.dispose()
    cut = annuaire.with_name("annuaire-coupe.csv")
    cut.write_bytes(annuaire.read_bytes()[: 1 << 20])
    before = _sha(filled_db_path)
    database = open_database(str(filled_db_path))
    try:
        with pytest.raises(FileReadError, match=r"ligne \d+ : \d+ champ\(s\) pour \d+ colonnes"):
            AnnuaireImporter(database.session_factory).import_file(cut)
    finally:
        database.dispose()
    assert _sha(filled_db_path) == before


def test_an_extract_closing_many_establishments_needs_close_missing(filled_database, annuaire):
    """A file listing a fraction of the known establishments of its départements says how many
    and which it would close, writes nothing, and closes them only with close_missing."""
    from desktop.services.transfer.establishments import MassClosureError

    importer = AnnuaireImporter(filled_database.session_factory)
    importer.import_file(annuaire)
    lines = annuaire.read_text(encoding="utf-8-sig").splitlines()
    extract = annuaire.with_name("extrait.csv")
    extract.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8-sig")
    with pytest.raises(MassClosureError) as refused:
        importer.import_file(extract)
    assert "Rien n'a été modifié" in str(refused.value)
    assert "--close-missing" in str(refused.value)
    closing = refused.value.closing
    assert len(closing) > 100
    assert all(e.status != "FERME" for e in _establishments(filled_database).values())
    result = importer.import_file(extract, close_missing=True)
    assert len(result.closed) == len(closing)
    establishments = _establishments(filled_database)
    assert {uai for uai, _name in closing} <= {
        uai for uai, e in establishments.items() if e.status == "FERME"
    }
