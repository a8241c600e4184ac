"""Export → import gives back identical data: every kind, .xlsx and .csv, dataset and generated."""

from __future__ import annotations

import pytest

from desktop.db import open_database
from desktop.services.transfer.readers import header_key, kind_columns
from desktop.services.transfer.service import TransferService, kind_headers
from desktop.services.transfer.specs import KINDS, LOAD_ORDER


def _contents(service: TransferService) -> dict[str, list[dict]]:
    return {kind: service.rows(kind) for kind in LOAD_ORDER}


@pytest.fixture
def empty(tmp_path):
    database = open_database(str(tmp_path / "vide.sqlite"))
    yield database
    database.dispose()


@pytest.fixture
def generated(tmp_path):
    from desktop.devtools.generator import generate

    database = open_database(str(tmp_path / "generee.sqlite"))
    generate(database.engine, people=300, units=40, programmes=60, milestones=150,
             funding_lines=400, seed=3)  # fmt: skip
    yield database
    database.dispose()


def test_every_kind_exports_headers_its_import_reads_back():
    """Each export header maps to its own column (no two columns share a header)."""
    for kind in KINDS:
        keys = [header_key(h) for h in kind_headers(kind)]
        assert len(set(keys)) == len(keys), kind
        from desktop.services.transfer.readers import propose_mapping

        assert propose_mapping(kind, kind_headers(kind)) == [c.name for c in kind_columns(kind)]


def _round_trip_workbook(database, empty, path) -> None:
    origin = TransferService(database.session_factory)
    counts = origin.export_kinds(LOAD_ORDER, path)
    assert sum(counts.values()) > 500
    result = TransferService(empty.session_factory).import_workbook(path)
    assert result.errors == []
    assert result.written
    assert _contents(TransferService(empty.session_factory)) == _contents(origin)


def test_the_2023_dataset_round_trips_through_one_workbook(filled_database, empty, tmp_path):
    """`export tout` then import into an empty base: every row of every kind is identical."""
    _round_trip_workbook(filled_database, empty, tmp_path / "tout.xlsx")


def test_generated_data_round_trips_through_one_workbook(generated, empty, tmp_path):
    """The same on generated data (homonyms, many programmes and lines)."""
    _round_trip_workbook(generated, empty, tmp_path / "tout.xlsx")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_each_kind_round_trips_through_its_own_file(suffix, generated, empty, tmp_path):
    """One file per kind, imported in loading order into an empty base, gives the same rows."""
    origin = TransferService(generated.session_factory)
    target = TransferService(empty.session_factory)
    for kind in LOAD_ORDER:
        path = tmp_path / f"{kind}{suffix}"
        origin.export_kinds([kind], path)
        result = target.import_file(kind, path)
        assert result.errors == [], (kind, [str(e) for e in result.errors[:3]])
    assert _contents(target) == _contents(origin)


def test_texts_that_look_like_formulas_survive_the_round_trip(empty, tmp_path):
    """« =SOMME(A1) », « +33 4 67 » and « -5 % » are stored, exported safe, and read back."""
    service = TransferService(empty.session_factory)
    from desktop.services.transfer.ingest import IngestService

    IngestService(empty.session_factory).import_rows("people", [
        {"last_name": "=SOMME(A1)", "first_name": "-5 %", "phone": "+33 4 67 00 00 00"},
        {"last_name": "@DUPONT", "first_name": "Anne", "email": "a@x.fr"},
    ])  # fmt: skip
    for suffix in (".xlsx", ".csv"):
        path = tmp_path / f"p{suffix}"
        service.export_kinds(["people"], path)
        other = open_database(str(tmp_path / f"autre{suffix}.sqlite"))
        try:
            copy = TransferService(other.session_factory)
            assert copy.import_file("people", path).errors == []
            assert copy.rows("people") == service.rows("people")
        finally:
            other.dispose()


def test_coordinates_keep_their_17th_significant_digit_through_xlsx(empty, tmp_path):
    """A latitude needing 17 significant digits comes back as the same float from .xlsx
    (xlsxwriter alone writes 16 and rounds it)."""
    from desktop.services.transfer.ingest import IngestService

    latitude, longitude = 43.600000000000001, 0.30000000000000004
    assert f"{longitude:.16G}" != repr(longitude)  # the case xlsxwriter alone would round
    IngestService(empty.session_factory).import_rows("establishments", [
        {"uai": "0340001A", "name": "Collège test", "latitude": latitude,
         "longitude": longitude},
    ])  # fmt: skip
    path = tmp_path / "etablissements.xlsx"
    TransferService(empty.session_factory).export_kinds(["establishments"], path)
    other = open_database(str(tmp_path / "autre.sqlite"))
    try:
        result = TransferService(other.session_factory).import_file("establishments", path)
        assert result.errors == []
        row = TransferService(other.session_factory).rows("establishments")[0]
        assert (row["latitude"], row["longitude"]) == (latitude, longitude)
    finally:
        other.dispose()
