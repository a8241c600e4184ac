"""Random bad rows (hypothesis): each file gets a clear French report and the base is unchanged."""

from __future__ import annotations

import csv
import hashlib
import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.db import open_database
from desktop.services.transfer.service import TransferService

GOOD = {
    "funding_lines": {"Programme": "AMI-CMA", "Financeur": "REGION-OCC", "Montant": "1 000,50",
                      "Étape": "Prévu", "Période": "2023", "Note": "ok"},
    "units": {"Code": "NOUVEAU", "Nom": "Nouveau service", "Type": "service",
              "Service parent": "DRAJES", "Date de création": "01/09/2023"},
    "people": {"Nom": "NOUVEAU", "Prénom": "Agent", "Courriel": "n@ac.fr", "Site": ""},
}  # fmt: skip
BAD = {
    "funding_lines": {"Programme": ["INCONNU", ""], "Financeur": ["NOPE", ""],
                      "Montant": ["-5", "douze", "1,234", "", "1e400"],
                      "Étape": ["bientôt", ""], "Période": ["2023-2025", "an 2"]},
    "units": {"Code": ["", "x" * 61], "Nom": [""], "Type": ["planète", ""],
              "Service parent": ["NULLE-PART"], "Date de création": ["31/02/2023", "hier"]},
    "people": {"Nom": ["", "x" * 121], "Prénom": [""], "Site": ["LUNE"],
               "Courriel": ["y" * 201]},
}  # fmt: skip


def _dump(path) -> str:
    with sqlite3.connect(path) as con:
        return hashlib.sha256("\n".join(con.iterdump()).encode()).hexdigest()


@st.composite
def bad_files(draw):
    kind = draw(st.sampled_from(sorted(GOOD)))
    count = draw(st.integers(min_value=1, max_value=6))
    rows = []
    for i in range(count):
        row = dict(GOOD[kind])
        if "Code" in row:
            row["Code"] = f"NOUVEAU-{i}"
        if "Prénom" in row:
            row["Prénom"] = f"Agent{i}"
        rows.append(row)
    bad_at = draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=count, unique=True))
    for index in bad_at:
        column = draw(st.sampled_from(sorted(BAD[kind])))
        rows[index][column] = draw(st.sampled_from(BAD[kind][column]))
    noise = draw(st.text(alphabet="éèàç€;,\"' \t=+-@0123456789abc", max_size=12))
    encoding = draw(st.sampled_from(["utf-8-sig", "cp1252", "utf-8"]))
    separator = draw(st.sampled_from([";", ",", "\t"]))
    return kind, rows, sorted(bad_at), noise, encoding, separator


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(case=bad_files())
def test_random_bad_rows_are_reported_and_change_nothing(case, filled_db_path, tmp_path):
    """Whatever is wrong in which rows, each bad row is reported in French with its file row
    number, and the base is byte-for-byte the same dump as before."""
    kind, rows, bad_at, noise, encoding, separator = case
    path = tmp_path / "lot.csv"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=separator)
        writer.writerow([*rows[0].keys(), "Commentaire"])
        for row in rows:
            writer.writerow([*row.values(), noise])
    before = _dump(filled_db_path)
    database = open_database(str(filled_db_path))
    try:
        result = TransferService(database.session_factory).import_file(kind, path)
    finally:
        database.dispose()
    assert not result.written
    reported = {e.row for e in result.errors}
    assert {i + 2 for i in bad_at} <= reported <= {i + 2 for i in range(len(rows))}
    assert all(e.reason and not e.reason[0].isupper() for e in result.errors)
    assert _dump(filled_db_path) == before
