"""A dry run is the import itself rolled back: its counts are the import's (added, updated,
unchanged, refused, closed), and the base file keeps every byte."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from desktop.db import open_database
from desktop.services.transfer.establishments import AnnuaireImporter
from desktop.services.transfer.service import TransferService, summary_lines

ANNUAIRE = Path(__file__).parents[2] / "data/external/fr-en-annuaire-education_occitanie.csv"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _counts(result) -> dict[str, tuple[int, int, int, int]]:
    return {
        kind: (r.inserted, r.updated, r.unchanged, r.rejected)
        for kind, r in result.report.results.items()
    }


def _people_file(service: TransferService, path: Path) -> Path:
    """The base's people with two phones changed, two people added and one bad e-mail."""
    lines = ["Nom;Prénom;Courriel;Téléphone;Site"]
    for index, row in enumerate(service.rows("people")):
        phone = f"05 61 00 00 {index:02d}" if index < 2 else (row["phone"] or "")
        cells = [row["last_name"], row["first_name"], row["email"] or "", phone, row["site"] or ""]
        lines.append(";".join(str(c) for c in cells))
    lines += [
        "NOUVELLE;Agnès;agnes.nouvelle@ac-toulouse.fr;;",
        "NOUVEAU;Léon;leon.nouveau@ac-montpellier.fr;05 67 00 00 01;",
        "FAUX;Courriel;faux@ac-montpellier;;",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_dry_run_counts_are_those_of_the_import(filled_database, tmp_path):
    """Added, updated, unchanged and refused: the dry run gives the figures the import then
    gives, with the first refusal named by row, column and reason, and writes nothing."""
    service = TransferService(filled_database.session_factory)
    path = _people_file(service, tmp_path / "personnes.csv")
    before = service.rows("people")
    checked = service.import_file("people", path, update=True, partial=True, dry_run=True)
    assert service.rows("people") == before
    done = service.import_file("people", path, update=True, partial=True)
    assert done.written
    assert _counts(checked) == _counts(done)
    added, updated, unchanged, refused = _counts(done)["people"]
    assert (added, updated, refused) == (2, 2, 1)
    assert unchanged == len(before) - 2
    assert [(e.row, e.column) for e in checked.errors] == [(len(before) + 4, "email")]
    assert checked.errors[0].reason == done.errors[0].reason


def test_a_refused_file_s_dry_run_counts_what_its_valid_rows_would_do(filled_database, tmp_path):
    """All or nothing: the dry run says the file would be refused, and gives the valid rows'
    figures as « Importer seulement les lignes valides » would then write them."""
    service = TransferService(filled_database.session_factory)
    path = _people_file(service, tmp_path / "personnes.csv")
    before = service.rows("people")
    checked = service.import_file("people", path, update=True, dry_run=True)
    assert service.rows("people") == before
    refused = service.import_file("people", path, update=True)
    assert not refused.written
    assert service.rows("people") == before
    partial = service.import_file("people", path, update=True, partial=True)
    assert _counts(checked) == _counts(partial)
    lines = summary_lines(checked)
    assert lines[0].startswith("Personnes : 1 refusé(s), ")
    assert "qui donneraient seules 2 ajouté(s), 2 modifié(s)" in lines[0]
    assert "l'import serait refusé en entier" in lines[1]


def test_a_bulk_dry_run_leaves_the_base_file_byte_for_byte(filled_db_path, tmp_path):
    """20 000 new people go through the bulk path (indexes dropped and rebuilt, the search
    index fed) inside the dry run's transaction: once rolled back, the base file and the
    imported file are the bytes they were, and no journal is left beside the base."""
    lines = ["Nom;Prénom;Courriel"]
    lines += [f"AGENT{n};Claude;agent{n}@ac-toulouse.fr" for n in range(20_000)]
    path = tmp_path / "personnes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    base, source = _sha(filled_db_path), _sha(path)
    database = open_database(str(filled_db_path), create=False)
    try:
        result = TransferService(database.session_factory).import_file("people", path, dry_run=True)
    finally:
        database.dispose()
    assert _counts(result) == {"people": (20_000, 0, 0, 0)}
    assert (_sha(filled_db_path), _sha(path)) == (base, source)
    assert not Path(f"{filled_db_path}-wal").exists()


def test_the_annuaire_dry_run_counts_its_closures_as_the_import_does(filled_database, tmp_path):
    """The Ministry's directory re-imported without ten of its schools and with a renamed
    one: the dry run lists the same added, changed and closed establishments as the import,
    and changes nothing."""
    importer = AnnuaireImporter(filled_database.session_factory)
    first = importer.import_file(shutil.copy(ANNUAIRE, tmp_path / "annuaire.csv"))
    assert first.written
    assert not first.report.errors
    lines = ANNUAIRE.read_text(encoding="utf-8").splitlines()
    kept = [lines[0], *lines[11:]]
    kept[1] = kept[1].replace(kept[1].split(";")[1], "Nom changé par le ministère", 1)
    again = tmp_path / "annuaire-2.csv"
    again.write_text("\n".join(kept) + "\n", encoding="utf-8")
    service = TransferService(filled_database.session_factory)
    before = service.rows("establishments")
    checked = importer.import_file(again, dry_run=True)
    assert service.rows("establishments") == before
    done = importer.import_file(again)
    assert done.written
    assert len(checked.closed) == len(done.closed) >= 10
    assert [c.uai for c in checked.changed] == [c.uai for c in done.changed]
    assert (len(checked.added), _counts(checked)) == (len(done.added), _counts(done))
