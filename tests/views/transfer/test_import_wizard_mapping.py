"""The wizard loads a mapping file on its columns page (constants and split columns counted as
fields), checks and imports the partner's file with it, and saves the mapping it shows."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWizard

from desktop.services.transfer.mapping import load_mapping
from desktop.services.transfer.service import TransferService
from desktop.settings import Settings
from desktop.views.transfer.import_wizard import ImportWizard
from tests.factories.partner_files import MAPPING, PARTNER


@pytest.fixture
def messages(monkeypatch):
    shown = []
    for name in ("information", "warning", "critical"):
        monkeypatch.setattr(
            QMessageBox, name, lambda *a, _n=name, **k: shown.append((_n, a[2])) or 0
        )
    return shown


@pytest.fixture
def wizard(qtbot, database, tmp_path):
    shown = ImportWizard(TransferService(database.session_factory), Settings(tmp_path / "p.ini"))
    qtbot.addWidget(shown)
    shown.show()
    return shown


def test_a_mapping_file_loaded_in_the_wizard_imports_the_partner_file(
    wizard, database, messages, monkeypatch, tmp_path
):
    """Without the mapping the type is missing; loaded, the columns are set, the constant and
    the split are named on the page, the check counts 2 services and « Importer » adds them."""
    data, mapping = tmp_path / "services.csv", tmp_path / "services.toml"
    data.write_text(PARTNER, encoding="utf-8")
    mapping.write_text(MAPPING, encoding="utf-8")
    page = wizard.file_page
    page.kind_combo.setCurrentIndex(page.kind_combo.findData("units"))
    page.path_edit.setText(str(data))
    wizard.next()
    columns = wizard.mapping_page
    assert not columns.isComplete()
    assert "« type »" in columns.status.text()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(mapping), ""))
    columns.load_button.click()
    assert columns.mapping() == ["code", "name", None, None]
    assert "« type » vaut « Service » sur chaque ligne" in columns.derived_label.text()
    assert "« Coordonnées » est découpée en « adresse », « téléphone »" in (
        columns.derived_label.text()
    )
    assert columns.isComplete()
    wizard.next()
    assert "Services : 2 ajouté(s)" in wizard.check_page.summary.text()
    assert TransferService(database.session_factory).rows("units") == []
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert messages[-1][0] == "information"
    units = {r["code"]: r for r in TransferService(database.session_factory).rows("units")}
    assert units["SDJES-31"]["phone"] == "05 61 17 80 00"
    assert units["SDJES-34"]["address"] == "31 rue de l'Université, 34064 Montpellier"


def test_the_mapping_shown_is_saved_to_a_file_the_command_line_reads(wizard, monkeypatch, tmp_path):
    """« Enregistrer la correspondance… » writes the columns as chosen, with the loaded
    constant and split: load_mapping (main.py import --mapping) reads back the same."""
    data, mapping = tmp_path / "services.csv", tmp_path / "services.toml"
    data.write_text(PARTNER, encoding="utf-8")
    mapping.write_text(MAPPING, encoding="utf-8")
    page = wizard.file_page
    page.kind_combo.setCurrentIndex(page.kind_combo.findData("units"))
    page.path_edit.setText(str(data))
    wizard.next()
    columns = wizard.mapping_page
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(mapping), ""))
    columns.load_button.click()
    saved = tmp_path / "enregistree"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(saved), ""))
    columns.save_button.click()
    again = load_mapping(tmp_path / "enregistree.toml", "units")
    original = load_mapping(mapping, "units")
    assert again.columns == {
        "Identifiant": "code", "Intitulé du service": "name", "Observations": None,
    }  # fmt: skip
    assert (again.constants, again.kind) == (original.constants, "units")
    assert [(s.column, s.fields) for s in again.splits] == [("Coordonnées", ("address", "phone"))]
