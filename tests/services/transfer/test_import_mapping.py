"""A mapping file brings a partner's file in as it is: columns renamed or skipped, a required
field given a constant, one free-text column split into fields; every derived value is checked
by the field's own rule, and a wrong mapping is refused naming its entry."""

from __future__ import annotations

import json
import re

import pytest

from desktop.services.transfer.mapping import (
    ImportMapping,
    MappingError,
    Split,
    load_mapping,
    save_mapping,
)
from desktop.services.transfer.service import TransferService, error_line
from tests.factories.partner_files import MAPPING, PARTNER


@pytest.fixture
def partner(tmp_path):
    (tmp_path / "services.csv").write_text(PARTNER, encoding="utf-8")
    (tmp_path / "services.toml").write_text(MAPPING, encoding="utf-8")
    return tmp_path / "services.csv", tmp_path / "services.toml"


def _units(service: TransferService) -> dict[str, dict]:
    return {r["code"]: r for r in service.rows("units")}


def test_a_partner_file_comes_in_through_its_mapping(database, partner):
    """A constant type, the « Adresse : … | Tél : … » column split, « Observations » skipped:
    both services land with their address and the phone written as the form writes it."""
    path, mapping_path = partner
    service = TransferService(database.session_factory)
    result = service.import_file("units", path, mapping=load_mapping(mapping_path, "units"))
    assert result.written, [str(e) for e in result.errors]
    assert result.report.inserted == 2
    assert result.ignored_columns == ["Observations"]
    units = _units(service)
    assert units["SDJES-34"]["kind"] == "Service"
    assert units["SDJES-34"]["address"] == "31 rue de l'Université, 34064 Montpellier"
    assert units["SDJES-31"]["phone"] == "05 61 17 80 00"
    assert units["SDJES-31"]["name"] == "Service départemental de la Haute-Garonne"


def test_a_derived_value_is_refused_with_the_reason_a_typed_one_gets(database, partner, tmp_path):
    """A phone « 12345 » split out of the free text is refused as the same phone typed in a
    column is; a cell the pattern does not match is refused once, naming the file's column."""
    path, mapping_path = partner
    text = PARTNER.replace("Tél : 0561178000", "Tél : 12345")
    path.write_text(text + "SDJES-30;Service du Gard;Nîmes, sans adresse;\n", encoding="utf-8")
    service = TransferService(database.session_factory)
    result = service.import_file("units", path, mapping=load_mapping(mapping_path, "units"))
    assert not result.written
    assert [(e.row, e.column) for e in result.errors] == [(3, "phone"), (4, "address")]
    typed = tmp_path / "typed.csv"
    typed.write_text("Code;Nom;Type;Téléphone\nT1;Typé;Service;12345\n", encoding="utf-8")
    reference = service.import_file("units", typed)
    assert result.errors[0].reason == reference.errors[0].reason
    line = error_line(result, result.errors[1])
    assert line.startswith("ligne 4, colonne « Coordonnées » (« Nîmes, sans adresse ») : ")
    assert "ne correspond pas au motif de découpage" in line
    assert service.rows("units") == []


def test_a_separator_splits_a_full_name_and_a_json_file_takes_a_mapping(database, tmp_path):
    """« DUPONT Marie » cut at its first space into last and first name, from a JSON file
    whose nested field « contact.mel » is renamed to the e-mail."""
    path = tmp_path / "agents.json"
    records = [
        {"agent": "DUPONT Marie", "contact": {"mel": "marie.dupont@ac-toulouse.fr"}},
        {"agent": "LE GALL Anne Sophie", "contact": {"mel": "as.legall@ac-toulouse.fr"}},
    ]
    path.write_text(json.dumps({"agents": records}), encoding="utf-8")
    mapping_path = tmp_path / "agents.json.toml"
    mapping_path.write_text(
        '[colonnes]\n"contact.mel" = "courriel"\n\n[[decoupages]]\ncolonne = "agent"\n'
        'separateur = " "\nchamps = ["nom", "prénom"]\n',
        encoding="utf-8",
    )
    service = TransferService(database.session_factory)
    result = service.import_file("people", path, mapping=load_mapping(mapping_path, "people"))
    assert result.written, [str(e) for e in result.errors]
    people = sorted((r["last_name"], r["first_name"], r["email"]) for r in service.rows("people"))
    assert people == [
        ("DUPONT", "Marie", "marie.dupont@ac-toulouse.fr"),
        ("LE", "GALL Anne Sophie", "as.legall@ac-toulouse.fr"),
    ]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"colonnes": {"Identifiant": "codee"}}, "« colonnes », « Identifiant » : « codee » n'est pas un champ"),
        ({"constantes": {"type": "Bureau"}}, "« constantes », « type » : « Bureau » refusé : valeur inconnue"),
        ({"colonnes": {"Identifiant": "code"}, "constantes": {"code": "X"}}, "le champ « code » est rempli deux fois"),
        ({"decoupages": [{"colonne": "Coordonnées", "motif": "(?P<adresse>"}]}, "« decoupages » n° 1 (« Coordonnées ») : motif invalide"),
        ({"decoupages": [{"colonne": "Coordonnées", "motif": "(?P<ville>.*)"}]}, "partie « ville » du motif : « ville » n'est pas un champ"),
        ({"colonnez": {}}, "section « colonnez » inconnue"),
        ({"type": "people"}, "il est fait pour le type « people », pas pour « units »"),
    ],
)  # fmt: skip
def test_a_wrong_mapping_is_refused_naming_its_entry(tmp_path, mapping, message):
    """Each mistake in the mapping file itself is said in French with the file and the entry
    it is in, before any row is read."""
    wrong = tmp_path / "faux.json"
    wrong.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(MappingError) as refused:
        load_mapping(wrong, "units")
    assert message in str(refused.value)
    assert str(refused.value).startswith("Fichier de correspondance « faux.json »")


def test_a_mapping_naming_a_column_the_file_lacks_is_refused(database, partner, tmp_path):
    """A column renamed that the file does not have: the message names it and lists the file's
    columns, rather than importing without it."""
    path, _mapping_path = partner
    wrong = tmp_path / "autre.json"
    wrong.write_text('{"colonnes": {"Ident": "code"}}', encoding="utf-8")
    with pytest.raises(MappingError, match="n'a pas de colonne « Ident » .ses colonnes : « Ident"):
        TransferService(database.session_factory).import_file(
            "units", path, mapping=load_mapping(wrong, "units")
        )


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_a_saved_mapping_reads_back_the_same(tmp_path, suffix):
    """What the wizard saves, as TOML or JSON, loads back into the same mapping."""
    mapping = ImportMapping(
        {"Identifiant": "code", "Intitulé « du » service": "name", "Observations": None},
        {"kind": "Service"},
        (
            Split(
                "Coordonnées",
                ("address", "phone"),
                pattern=re.compile(r"Adresse : (?P<address>.*?) \| Tél : (?P<phone>.*)"),
            ),
        ),  # fmt: skip
        "units",
    )
    path = save_mapping(mapping, tmp_path / f"correspondance{suffix}")
    loaded = load_mapping(path, "units")
    assert (loaded.columns, loaded.constants, loaded.kind) == (
        mapping.columns, mapping.constants, "units",
    )  # fmt: skip
    assert [(s.column, s.fields, s.pattern.pattern) for s in loaded.splits] == [
        ("Coordonnées", ("address", "phone"), mapping.splits[0].pattern.pattern)
    ]
