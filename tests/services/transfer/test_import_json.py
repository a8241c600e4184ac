"""JSON files from partners: an array of records, or an object holding one, nested fields dotted."""

from __future__ import annotations

import json

import pytest

from desktop.services.transfer.readers import FileReadError, read_table
from desktop.services.transfer.service import TransferService

PEOPLE = [
    {"Nom": "OEUVRARD", "Prénom": "Zoé", "Courriel": "zoe.oeuvrard@ac-montpellier.fr"},
    {"Nom": "BÉJEAN", "Prénom": "Sophie", "Courriel": None},
]


def test_an_array_of_records_imports_like_a_sheet(database, tmp_path):
    """`[{"Nom": …}, …]` imports as a sheet with those headers would."""
    path = tmp_path / "personnes.json"
    path.write_text(json.dumps(PEOPLE, ensure_ascii=False), encoding="utf-8")
    service = TransferService(database.session_factory)
    result = service.import_file("people", path)
    assert result.written, result.errors
    assert [r["last_name"] for r in service.rows("people")] == ["OEUVRARD", "BÉJEAN"]


def test_an_object_holding_the_records_is_read_with_nested_fields_dotted(tmp_path):
    """`{"personnes": [{"contact": {"mel": …}}]}`: the array is found, « contact.mel » a column."""
    path = tmp_path / "export.json"
    data = {"meta": {"source": "partenaire"}, "personnes": [
        {"Nom": "A", "contact": {"mel": "a@ac.fr", "tel": ["04 67 00 00 00"]}, "actif": True},
    ]}  # fmt: skip
    path.write_text(json.dumps(data), encoding="utf-8")
    table = read_table(path)
    assert table.headers == ["Nom", "contact.mel", "contact.tel", "actif"]
    assert table.rows == [["A", "a@ac.fr", "04 67 00 00 00", "oui"]]


@pytest.mark.parametrize(
    ("text", "reason"),
    [('[{"Nom": "A"},', "JSON mal formé ligne 1"), ('{"a": 1}', "aucun tableau d'objets"),
     ('[{"Nom": "A"}, 3]', "l'élément n° 2 du tableau n'est pas un objet")],
)  # fmt: skip
def test_a_json_that_is_not_records_says_why(tmp_path, text, reason):
    """Broken JSON, or JSON without an array of objects, is refused with the reason."""
    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FileReadError, match=reason):
        read_table(path)
