"""The import wizard driven as a user would: file, sheet, columns, check, report, import, undo."""

from __future__ import annotations

import pytest
import xlsxwriter
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWizard
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from desktop.app import build_main_window
from desktop.models import Person
from desktop.settings import Settings
from desktop.views.transfer.import_wizard import ImportWizard


@pytest.fixture
def window(qtbot, filled_database, tmp_path):
    win = build_main_window(filled_database, Settings(tmp_path / "pilotis.ini"))
    qtbot.addWidget(win)
    win.show()
    win.load_current_tab()
    return win


@pytest.fixture
def messages(monkeypatch):
    shown = []
    for name in ("information", "warning", "critical"):
        monkeypatch.setattr(
            QMessageBox, name, lambda *a, _n=name, **k: shown.append((_n, a[2])) or 0
        )
    return shown


@pytest.fixture
def opened(window, monkeypatch, qtbot):
    """Ctrl+I opens the wizard; `run` is replaced so no modal loop starts."""
    wizards = []
    monkeypatch.setattr(ImportWizard, "run", lambda self: wizards.append(self) or 0)
    window.import_actions.import_action.trigger()
    wizard = wizards[0]
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def _people(path, rows, sheets=("Liste",)):
    workbook = xlsxwriter.Workbook(str(path))
    for name in sheets:
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, ["NOM", "Prénom", "Adresse mail", "Remarque"])
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, row)
    workbook.close()
    return path


def _count(database) -> int:
    with database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Person))


def _choose_file(wizard, monkeypatch, path, kind="people"):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    page = wizard.file_page
    page.kind_combo.setCurrentIndex(page.kind_combo.findData(kind))
    page.browse_button.click()


def test_menu_has_import_and_templates_with_ctrl_i(window):
    """Fichier starts with « Importer… » (Ctrl+I) and « Modèles d'import… »."""
    texts = [a.text().replace("&", "") for a in window.menuBar().actions()[0].menu().actions()]
    assert texts[:2] == ["Importer…", "Modèles d'import…"]
    assert window.import_actions.import_action.shortcut().toString() == "Ctrl+I"


def test_valid_file_is_previewed_mapped_checked_imported_and_undone(
    window, opened, monkeypatch, messages, filled_database, tmp_path
):
    """Columns are proposed from the headers, the dry run finds no error, « Importer » writes
    the rows, the directory reloads, and Ctrl+Z removes them again."""
    path = _people(tmp_path / "agents.xlsx", [["DURAND", "Léa", "l@x.fr", "r"],
                                             ["PETIT", "Marc", "m@x.fr", ""]],
                   sheets=("Notes", "Liste"))  # fmt: skip
    before = _count(filled_database)
    _choose_file(opened, monkeypatch, path)
    assert [opened.file_page.sheet_combo.itemText(i) for i in range(2)] == ["Notes", "Liste"]
    opened.file_page.sheet_combo.setCurrentText("Liste")
    opened.next()
    page = opened.mapping_page
    assert opened.currentPage() is page
    assert page.preview.rowCount() == 2
    assert page.mapping() == ["last_name", "first_name", "email", None]
    assert page.isComplete()
    opened.next()
    check = opened.check_page
    assert "aucune erreur" in check.summary.text()
    assert check.isComplete()
    assert not check.partial_check.isVisible()
    assert _count(filled_database) == before  # the check wrote nothing
    opened.button(QWizard.WizardButton.FinishButton).click()
    assert _count(filled_database) == before + 2
    assert messages[-1][0] == "information"
    assert "2 ajouté(s)" in messages[-1][1]
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    assert _count(filled_database) == before


def test_rejected_rows_are_listed_exported_and_valid_rows_only_on_request(
    opened, monkeypatch, messages, filled_database, tmp_path
):
    """A file with a row lacking its first name: the report lists row 3, exports to .xlsx,
    « Importer » stays off until « seulement les lignes valides » is ticked, which says
    exactly which row is left out."""
    path = _people(tmp_path / "agents.xlsx", [["DURAND", "Léa", "l@x.fr", ""],
                                             ["PETIT", "", "m@x.fr", ""]])  # fmt: skip
    before = _count(filled_database)
    _choose_file(opened, monkeypatch, path)
    opened.next()
    opened.next()
    check = opened.check_page
    assert check.errors.rowCount() == 1
    assert [check.errors.item(0, c).text() for c in range(4)] == [
        "3", "Prénom", "", "valeur obligatoire manquante",
    ]  # fmt: skip
    assert not check.isComplete()
    report = tmp_path / "rapport.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(report), ""))
    check.report_button.click()
    rows = CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).to_python()
    assert rows[1][1:] == [3, "Prénom", "", "valeur obligatoire manquante"]
    check.partial_check.setChecked(True)
    assert check.isComplete()
    assert "3 (1 ligne(s))" in check.left_out.text()
    opened.button(QWizard.WizardButton.FinishButton).click()
    assert _count(filled_database) == before + 1
    assert "laissée(s) de côté : 3" in messages[-1][1]


def test_mapping_is_checked_and_remembered_for_the_same_layout(
    window, opened, monkeypatch, tmp_path, qtbot
):
    """Unmapping « Prénom » blocks the next step and names it; a column chosen by hand is
    proposed again for the next file of the same layout."""
    path = _people(tmp_path / "a.xlsx", [["DURAND", "Léa", "l@x.fr", "04 67 00 00 00"]])
    _choose_file(opened, monkeypatch, path)
    opened.next()
    page = opened.mapping_page
    page._combos[1].setCurrentIndex(0)
    assert not page.isComplete()
    assert "prénom" in page.status.text()
    page._combos[1].setCurrentIndex(page._combos[1].findData("first_name"))
    page._combos[3].setCurrentIndex(page._combos[3].findData("phone"))
    opened.next()
    opened.reject()
    wizards = []
    monkeypatch.setattr(ImportWizard, "run", lambda self: wizards.append(self) or 0)
    window.import_actions.import_action.trigger()
    again = wizards[0]
    qtbot.addWidget(again)
    again.show()
    _choose_file(again, monkeypatch, _people(tmp_path / "b.xlsx", [["X", "Y", "", ""]]))
    again.next()
    assert again.mapping_page.mapping() == ["last_name", "first_name", "email", "phone"]


def test_unreadable_file_stays_on_the_first_page_with_the_reason(
    opened, monkeypatch, messages, tmp_path
):
    """A PDF renamed .xlsx: a French message, and the wizard does not go on."""
    fake = tmp_path / "faux.xlsx"
    fake.write_bytes(b"%PDF-1.4 ...")
    _choose_file(opened, monkeypatch, fake)
    opened.next()
    assert opened.currentPage() is opened.file_page
    assert messages
    assert "document PDF" in messages[-1][1]


def test_templates_are_written_one_per_kind(window, monkeypatch, tmp_path):
    """« Modèles d'import… » writes a documented workbook per kind into the chosen folder."""
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    window.import_actions.templates_action.trigger()
    people = tmp_path / "modele-import-people.xlsx"
    workbook = CalamineWorkbook.from_path(str(people))
    assert workbook.sheet_names == ["Personnes", "Documentation"]
    assert workbook.get_sheet_by_index(0).to_python()[0][:3] == ["Nom", "Prénom", "Courriel"]
    doc = workbook.get_sheet_by_index(1).to_python()
    assert doc[1][:4] == ["Nom", "last_name", "texte", "oui"]
    assert len(list(tmp_path.glob("modele-import-*.xlsx"))) == 18


def _annuaire_workbook(path, people):
    """The « annuaire » domain as the export writes it: one sheet per kind, named after it."""
    workbook = xlsxwriter.Workbook(str(path))
    sheets = {
        "Services": (["Code", "Sigle", "Nom", "Type", "Service parent"],
                     [["IMP-DIR", "IMPD", "Direction importée", "Direction", ""],
                      ["IMP-BUR", "IMPB", "Bureau importé", "Service", "IMP-DIR"]]),
        "Personnes": (["Nom", "Prénom", "Courriel"], people),
        "Postes": (["Service", "Intitulé", "Rôle", "Nom", "Prénom", "Courriel"],
                   [["IMP-DIR", "Directrice", "Responsable", "ZOLA", "Inès", "iz@x.fr"],
                    ["IMP-BUR", "Gestionnaire", "Membre", "", "", ""]]),
    }  # fmt: skip
    for name, (header, rows) in sheets.items():
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, row)
    workbook.close()
    return path


def _counts(database) -> tuple[int, int, int]:
    from desktop.models import Position, Unit

    with database.session_factory() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(m)) for m in (Unit, Person, Position)
        )


def test_annuaire_workbook_is_checked_whole_then_imported_in_one_go_and_undone(
    window, opened, monkeypatch, messages, filled_database, tmp_path
):
    """« Classeur de l'annuaire »: services, people and posts from their sheets. A people sheet
    with a bad row rejects the whole workbook (nothing written, the row and its sheet named,
    not the posts of the valid people);
    the corrected file imports every sheet in one transaction, and Ctrl+Z removes it all."""
    before = _counts(filled_database)
    bad = _annuaire_workbook(tmp_path / "annuaire-faux.xlsx",
                             [["ZOLA", "Inès", "iz@x.fr"], ["HUGO", "", "vh@x.fr"]])  # fmt: skip
    _choose_file(opened, monkeypatch, bad, kind="classeur:annuaire")
    assert "tout ou rien" in opened.file_page.key_label.text()
    opened.next()
    page = opened.mapping_page
    assert page.sheet_combo.isVisible()
    assert page.sheet_combo.count() == 3
    assert "Services" in page.sheet_combo.itemText(0)
    page.sheet_combo.setCurrentIndex(1)
    assert page.mapping() == ["last_name", "first_name", "email"]
    assert page.preview.rowCount() == 2
    opened.next()
    check = opened.check_page
    rows = [
        [check.errors.item(r, c).text() for c in (0, 1, 3, 4)]
        for r in range(check.errors.rowCount())
    ]
    assert rows == [  # the check runs the valid rows on: ZOLA's post finds her
        ["3", "Prénom", "valeur obligatoire manquante", "Personnes"],
    ]
    assert not check.errors.isColumnHidden(4)
    assert not check.isComplete()
    assert _counts(filled_database) == before

    opened.back()
    opened.back()
    good = _annuaire_workbook(tmp_path / "annuaire.xlsx",
                              [["ZOLA", "Inès", "iz@x.fr"], ["HUGO", "Victor", "vh@x.fr"]])  # fmt: skip
    _choose_file(opened, monkeypatch, good, kind="classeur:annuaire")
    opened.next()
    opened.next()
    assert "aucune erreur" in check.summary.text()
    assert "Services : 2 ajouté(s)" in check.summary.text()
    assert _counts(filled_database) == before
    opened.button(QWizard.WizardButton.FinishButton).click()
    assert _counts(filled_database) == (before[0] + 2, before[1] + 2, before[2] + 2)
    assert "Postes : 2 ajouté(s)" in messages[-1][1]
    window.undo_action.trigger()
    assert _counts(filled_database) == before


def test_whole_database_round_trips_through_the_wizard(qtbot, filled_database, tmp_path,
                                                       monkeypatch, messages):  # fmt: skip
    """Every domain exported to one workbook, imported by « Classeur complet » into an empty
    base: every row of every kind comes back identical."""
    from desktop.db import open_database
    from desktop.services.transfer.service import TransferService
    from desktop.services.transfer.specs import LOAD_ORDER

    path = tmp_path / "tout.xlsx"
    origin = TransferService(filled_database.session_factory)
    origin.export_kinds(LOAD_ORDER, path)
    empty = open_database(str(tmp_path / "vide.sqlite"))
    try:
        win = build_main_window(empty, Settings(tmp_path / "vide.ini"))
        qtbot.addWidget(win)
        wizards = []
        monkeypatch.setattr(ImportWizard, "run", lambda self: wizards.append(self) or 0)
        win.import_actions.import_action.trigger()
        wizard = wizards[0]
        qtbot.addWidget(wizard)
        wizard.show()
        _choose_file(wizard, monkeypatch, path, kind="classeur:tout")
        wizard.next()
        assert wizard.mapping_page.sheet_combo.count() == len(LOAD_ORDER)
        assert wizard.mapping_page.isComplete()
        wizard.next()
        assert wizard.check_page.isComplete(), wizard.check_page.summary.text()
        wizard.button(QWizard.WizardButton.FinishButton).click()
        target = TransferService(empty.session_factory)
        for kind in LOAD_ORDER:
            assert target.rows(kind) == origin.rows(kind), kind
    finally:
        empty.dispose()


def test_annuaire_de_l_education_is_previewed_checked_and_imported(
    opened, monkeypatch, messages, filled_database, tmp_path
):
    """The Ministry's export: its columns shown with the fields they feed (not to be chosen),
    a dry run that counts what would be added, then the import."""
    import shutil
    from pathlib import Path

    from desktop.models import Establishment

    source = Path(__file__).parents[2] / "data/external"
    path = Path(shutil.copy(source / "fr-en-annuaire-education_occitanie.csv",
                            tmp_path / "annuaire.csv"))  # fmt: skip
    _choose_file(opened, monkeypatch, path, kind="annuaire-education")
    assert opened.file_page.update_radio.isChecked()
    assert not opened.file_page.insert_radio.isEnabled()
    opened.next()
    page = opened.mapping_page
    assert page.preview.rowCount() > 0
    fields = {
        page.columns.item(r, 0).text(): page._combos[r].currentData()
        for r in range(page.columns.rowCount())
    }
    assert fields["Identifiant_de_l_etablissement"] == "uai"
    assert fields["Code_departement"] == "department"
    assert not page._combos[0].isEnabled()
    assert "Colonnes de l'Annuaire reconnues" in page.status.text()
    with filled_database.session_factory() as session:
        before = session.scalar(select(func.count()).select_from(Establishment))
    opened.next()
    check = opened.check_page
    assert check.isComplete(), check.summary.text()
    assert "Établissements :" in check.summary.text()
    assert "ajouté(s)" in check.summary.text()
    opened.button(QWizard.WizardButton.FinishButton).click()
    with filled_database.session_factory() as session:
        after = session.scalar(select(func.count()).select_from(Establishment))
    assert after > before + 6000
    assert messages[-1][0] == "information"


@pytest.mark.parametrize("answer", ["no", "yes"])
def test_an_annuaire_extract_asks_before_closing_many_establishments(
    opened, monkeypatch, messages, filled_database, tmp_path, answer
):
    """Half the Annuaire after the whole: the check says how many it would close and asks;
    « Non » leaves every establishment open, « Oui » marks them FERME on import."""
    import shutil
    from pathlib import Path

    from desktop.models import Establishment
    from desktop.services.transfer.establishments import AnnuaireImporter

    source = Path(__file__).parents[2] / "data/external/fr-en-annuaire-education_occitanie.csv"
    whole = Path(shutil.copy(source, tmp_path / "annuaire.csv"))
    AnnuaireImporter(filled_database.session_factory).import_file(whole)
    lines = whole.read_text(encoding="utf-8-sig").splitlines()
    extract = tmp_path / "extrait.csv"
    extract.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8-sig")
    asked = []
    reply = QMessageBox.StandardButton.Yes if answer == "yes" else QMessageBox.StandardButton.No
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or reply)
    _choose_file(opened, monkeypatch, extract, kind="annuaire-education")
    opened.next()
    opened.next()
    assert "établissements ouverts de ses départements" in asked[0]
    assert "FERME" in asked[0]
    if answer == "yes":
        opened.button(QWizard.WizardButton.FinishButton).click()
    with filled_database.session_factory() as session:
        closed = session.scalar(
            select(func.count()).select_from(Establishment).where(Establishment.status == "FERME")
        )
    assert (closed > 100) == (answer == "yes")


def test_the_wizard_opens_on_the_data_type_chosen_last(window, monkeypatch, qtbot):
    """Choosing « Personnes » once: the next wizard opens on « Personnes », not « Académies »."""
    wizards = []
    monkeypatch.setattr(ImportWizard, "run", lambda self: wizards.append(self) or 0)
    window.import_actions.import_action.trigger()
    first = wizards[0]
    qtbot.addWidget(first)
    first.file_page.kind_combo.setCurrentIndex(first.file_page.kind_combo.findData("people"))
    window.import_actions.import_action.trigger()
    second = wizards[1]
    qtbot.addWidget(second)
    assert second.file_page.kind == "people"
