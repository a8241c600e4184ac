"""`pilotis checkout` and `pilotis exchange` as a project officer runs them: a copy taken, the
changes sent back, conflicts printed and written to a file (exit 3), a bad package refused."""

from __future__ import annotations

import sqlite3
import zipfile

from sqlalchemy import select

from desktop.models import Unit
from tests.conftest import run_cli
from tests.services.exchange.support import digest, edit


def _set(acronym: str, **values):
    def change(session):
        unit = session.scalar(select(Unit).where(Unit.acronym == acronym))
        for key, value in values.items():
            setattr(unit, key, value)

    return change


def test_checkout_export_merge_with_a_conflict_report(filled_db_path, tmp_path):
    """The whole round from a terminal: the conflict is printed and written in French, the rest
    is applied, and the exit status says a decision is waiting."""
    source, copy = str(filled_db_path), str(tmp_path / "portable.sqlite")
    taken = run_cli("checkout", "--from", source, "--to", copy)
    assert taken.returncode == 0, taken.stderr
    assert "Copie hors connexion prête" in taken.stdout
    edit(copy, _set("DRAJES", email="train@ac-occitanie.fr", phone="04 67 00 00 10"))
    edit(source, _set("DRAJES", email="bureau@ac-occitanie.fr"))
    package = tmp_path / "envoi.pilotis-echange"
    sent = run_cli("--db", copy, "exchange", "export", str(package))
    assert sent.returncode == 0, sent.stderr
    assert "1 élément(s) modifié(s)" in sent.stdout
    merged = run_cli("--db", source, "exchange", "merge", str(package))
    assert merged.returncode == 3, merged.stderr
    assert "1 champ(s) modifié(s)" in merged.stdout
    assert "Service « DRAJES » — Courriel : modifié des deux côtés." in merged.stdout
    report = tmp_path / "envoi.pilotis-echange.conflits.txt"
    text = report.read_text(encoding="utf-8")
    assert "bureau@ac-occitanie.fr" in text
    assert "train@ac-occitanie.fr" in text
    again = run_cli("--db", source, "exchange", "merge", str(package))
    assert again.returncode == 0
    assert "déjà reçu" in again.stdout


def test_a_damaged_package_is_refused_in_one_french_line(filled_db_path, tmp_path):
    """Exit 1, one line naming the file and the reason, the base's file unchanged."""
    source, copy = str(filled_db_path), str(tmp_path / "portable.sqlite")
    assert run_cli("checkout", "--from", source, "--to", copy).returncode == 0
    edit(copy, _set("DRAJES", phone="04 67 00 00 11"))
    package = tmp_path / "envoi.zip"
    assert run_cli("--db", copy, "exchange", "export", str(package)).returncode == 0
    damaged = tmp_path / "abime.zip"
    with zipfile.ZipFile(package) as z, zipfile.ZipFile(damaged, "w") as out:
        out.writestr("manifest.json", z.read("manifest.json"))
        out.writestr("changes.json", z.read("changes.json").replace(b"11", b"12"))
    before = digest(source)
    refused = run_cli("--db", source, "exchange", "merge", str(damaged))
    assert refused.returncode == 1
    assert refused.stderr.startswith("pilotis : abime.zip a été modifié ou abîmé")
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "Traceback" not in refused.stderr
    assert digest(source) == before


def test_checkout_refuses_an_existing_file(filled_db_path, tmp_path):
    """A copy never overwrites a file: the user's other base stays as it was."""
    existing = tmp_path / "autre.sqlite"
    existing.write_bytes(b"mes notes")
    refused = run_cli("checkout", "--from", str(filled_db_path), "--to", str(existing))
    assert refused.returncode == 1
    assert "existe déjà" in refused.stderr
    assert existing.read_bytes() == b"mes notes"


def test_exchange_help_is_french():
    """`exchange --help` lists its actions in French."""
    shown = run_cli("exchange", "--help")
    assert shown.returncode == 0
    assert "appliquer le paquet d'un partenaire" in shown.stdout


def test_prefer_theirs_settles_fields_changed_on_both_sides(filled_db_path, tmp_path):
    """--prefer theirs takes the package's value, says so, and exits 0."""
    source, copy = str(filled_db_path), str(tmp_path / "portable.sqlite")
    assert run_cli("checkout", "--from", source, "--to", copy).returncode == 0
    edit(copy, _set("DRAJES", email="train@ac-occitanie.fr"))
    edit(source, _set("DRAJES", email="bureau@ac-occitanie.fr"))
    package = tmp_path / "envoi.zip"
    assert run_cli("--db", copy, "exchange", "export", str(package)).returncode == 0
    merged = run_cli("--db", source, "exchange", "merge", str(package), "--prefer", "theirs")
    assert merged.returncode == 0, merged.stderr
    assert "1 conflit(s) tranché(s) par --prefer." in merged.stdout
    assert "modifié des deux côtés (pris chez « " in merged.stdout
    with sqlite3.connect(source) as con:
        email = con.execute("SELECT email FROM unit WHERE acronym = 'DRAJES'").fetchone()[0]
    assert email == "train@ac-occitanie.fr"
