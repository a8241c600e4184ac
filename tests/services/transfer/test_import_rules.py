"""One rule per field, and an import that changes nothing leaves the base file as it was."""

from __future__ import annotations

import hashlib

import pytest

from desktop.services.directory.edits import PersonInput
from desktop.services.directory.service import DirectoryService
from desktop.services.directory.validation import DirectoryValidationError
from desktop.services.transfer.service import TransferService


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("field", "header", "value"),
    [("email", "Courriel", "zoe.oeuvrard@ac-montpellier"), ("phone", "Téléphone", "12345")],
)
def test_the_import_refuses_what_the_person_form_refuses_with_the_same_reason(
    database, tmp_path, field, header, value
):
    """A value the person form refuses is refused by the import with the very same reason."""
    with pytest.raises(DirectoryValidationError) as form:
        DirectoryService(database.session_factory).edits.create_person(
            PersonInput("OEUVRARD", "Zoé", **{field: value})
        )
    form_reason = dict(form.value.problems)[field]
    path = tmp_path / "personnes.csv"
    path.write_text(f"Nom;Prénom;{header}\nOEUVRARD;Zoé;{value}\n", encoding="utf-8")
    result = TransferService(database.session_factory).import_file("people", path)
    assert not result.written
    assert [(e.column, e.reason) for e in result.errors] == [(field, form_reason)]


def test_the_import_stores_a_phone_as_the_form_does(database, tmp_path):
    """« +33 4 67 91 47 00 » and a spreadsheet number 467914700 are stored as the form stores
    them, so the person can be saved again from the form without retyping it."""
    path = tmp_path / "personnes.csv"
    path.write_text("Nom;Prénom;Téléphone\nA;B;+33 4 67 91 47 00\nC;D;0467914700\n", "utf-8")
    service = TransferService(database.session_factory)
    assert service.import_file("people", path).written
    assert [r["phone"] for r in service.rows("people")] == ["04 67 91 47 00"] * 2


def test_a_header_only_file_leaves_the_base_file_byte_for_byte(filled_db_path, tmp_path):
    """A file with its header and no row writes nothing: same bytes, same change counter."""
    from desktop.db import open_database

    path = tmp_path / "vide.csv"
    path.write_text("Nom;Prénom;Courriel\n", encoding="utf-8")
    before = _sha(filled_db_path)
    database = open_database(str(filled_db_path))
    try:
        result = TransferService(database.session_factory).import_file("people", path)
    finally:
        database.dispose()
    assert result.report.inserted == 0
    assert not result.errors
    assert _sha(filled_db_path) == before


@pytest.mark.parametrize("kind", ["people", "units", "programmes", "establishments"])
def test_an_exported_file_imported_again_with_update_changes_nothing(
    filled_db_path, tmp_path, kind
):
    """Export, then import the same file with --update: every row unchanged, no history batch,
    and the base file keeps its bytes."""
    from desktop.db import open_database

    path = tmp_path / f"{kind}.xlsx"
    database = open_database(str(filled_db_path))
    try:
        TransferService(database.session_factory).export_kinds([kind], path)
    finally:
        database.dispose()
    before = _sha(filled_db_path)
    database = open_database(str(filled_db_path))
    try:
        result = TransferService(database.session_factory).import_file(kind, path, update=True)
    finally:
        database.dispose()
    assert not result.errors
    assert result.report.updated == 0
    assert result.report.inserted == 0
    assert _sha(filled_db_path) == before


def test_c1_control_characters_are_read_as_windows_1252_and_reported(database, tmp_path):
    """« l\\u0092équipe » (a Windows apostrophe decoded as Latin-1, which prints as a blank) is
    stored « l’équipe », and the summary says how many values were repaired."""
    from desktop.services.transfer.service import summary_lines

    path = tmp_path / "services.csv"
    path.write_text(
        "Code;Nom;Type\nDRANE;Délégation de l\u0092équipe \u0093numérique\u0094;service\n",
        encoding="utf-8",
    )
    service = TransferService(database.session_factory)
    result = service.import_file("units", path)
    assert result.written, result.errors
    assert service.rows("units")[0]["name"] == "Délégation de l’équipe “numérique”"
    assert any("1 valeur(s) contenaient des caractères de contrôle" in line
               for line in summary_lines(result))  # fmt: skip


def test_a_refused_dry_run_says_how_many_rows_are_valid(database, tmp_path):
    """« 0 ajouté(s), 1 refusé(s) » alone hides the good rows: the summary counts them, says
    what they alone would do, and that the import itself would be refused."""
    from desktop.services.transfer.service import summary_lines

    path = tmp_path / "personnes.csv"
    path.write_text("Nom;Prénom;Courriel\nA;B;a@ac.fr\nC;D;c@ac.fr\nE;F;faux\n", "utf-8")
    result = TransferService(database.session_factory).import_file("people", path, dry_run=True)
    lines = summary_lines(result)
    assert lines[0] == (
        "Personnes : 1 refusé(s), 2 ligne(s) valide(s) sur 3 qui donneraient seules 2 ajouté(s)"
    )
    assert "l'import serait refusé en entier et ne modifierait rien" in lines[1]


def test_an_update_from_a_file_without_a_column_keeps_that_field(database, tmp_path):
    """« Téléphone » absent from the file: the phones stay as they are (they were all cleared);
    a « Téléphone » column with a blank cell still empties that one phone, as asked."""
    service = TransferService(database.session_factory)
    first = tmp_path / "avec.csv"
    first.write_text(
        "Nom;Prénom;Courriel;Téléphone\nDUPONT;Marie;m.dupont@ac-toulouse.fr;05 61 00 00 01\n",
        encoding="utf-8",
    )
    assert service.import_file("people", first).written
    without = tmp_path / "sans.csv"
    without.write_text("Nom;Prénom;Courriel\nDUPONT;Marie;m.dupont@ac-toulouse.fr\n", "utf-8")
    result = service.import_file("people", without, update=True)
    assert (result.report.updated, result.report.results["people"].unchanged) == (0, 1)
    assert service.rows("people")[0]["phone"] == "05 61 00 00 01"
    blank = tmp_path / "vide.csv"
    blank.write_text(
        "Nom;Prénom;Courriel;Téléphone\nDUPONT;Marie;m.dupont@ac-toulouse.fr;\n", "utf-8"
    )
    assert service.import_file("people", blank, update=True).report.updated == 1
    assert service.rows("people")[0]["phone"] is None
