"""The « Historique » window: every change with who/when/what, filters, export, and
« Annuler cette modification » recorded in the history itself."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop.services.common.history import HistoryService, install_history
from desktop.services.directory.edits import PersonInput
from desktop.services.directory.service import DirectoryService
from desktop.services.safety.history import HistoryFilter, HistoryQueryService
from desktop.views.safety.history_dialog import HistoryDialog
from tests.history_support import opened_as, recorded_login


@pytest.fixture
def claire(filled_database):
    """claire's own account (on PostgreSQL the history names the server account)."""
    with opened_as(filled_database, "claire") as database:
        yield database


@pytest.fixture
def edited(claire):
    factory = claire.session_factory
    directory = DirectoryService(factory)
    created = directory.edits.create_person(PersonInput("NOUVELLE", "Agente"))
    person = directory.person_detail(created.id)
    directory.edits.update_person(
        created.id, person.version, PersonInput("NOUVELLE", "Agente", phone="0467000000")
    )
    return factory, directory, created.id


def test_history_shows_who_when_what_with_readable_values(qtbot, edited):
    """The newest change comes first, with the login, the record's name and old → new."""
    factory, _, person_id = edited
    dialog = HistoryDialog(HistoryQueryService(factory), HistoryService(factory))
    qtbot.addWidget(dialog)
    first = [dialog.model.text(0, c) for c in range(dialog.model.columnCount())]
    assert first[1:7] == ["claire", "Modification", "Personne", "NOUVELLE Agente", "Téléphone", ""]
    assert first[7] == "04 67 00 00 00"
    assert "modification(s)" in dialog.count_label.text()


def test_filters_by_text_login_type_and_date(qtbot, edited):
    """Text, who, type and dates narrow the list; a wrong date says why in French."""
    factory, _, _ = edited
    dialog = HistoryDialog(HistoryQueryService(factory), HistoryService(factory))
    qtbot.addWidget(dialog)
    total = dialog.model.rowCount()
    dialog.text_edit.setText("04 67 00")
    dialog.refresh()
    assert dialog.model.rowCount() == 1
    dialog.text_edit.clear()
    dialog.login_combo.setCurrentIndex(dialog.login_combo.findData("claire"))
    assert dialog.model.rowCount() == 2
    dialog.login_combo.setCurrentIndex(0)
    dialog.table_combo.setCurrentIndex(dialog.table_combo.findData("programme"))
    assert 0 < dialog.model.rowCount() < total
    dialog.since_edit.setText("31/02/2023")
    dialog.refresh()
    assert dialog.problem.isVisibleTo(dialog)
    assert "Du" in dialog.problem.text()


def test_per_record_history(qtbot, edited):
    """Opened on a record, only its changes show; unticking shows everything again."""
    factory, _, person_id = edited
    dialog = HistoryDialog(
        HistoryQueryService(factory), HistoryService(factory),
        table_name="person", row_id=person_id, record_label="NOUVELLE Agente",
    )  # fmt: skip
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 2
    assert "NOUVELLE Agente" in dialog.record_check.text()
    dialog.record_check.setChecked(False)
    assert dialog.model.rowCount() > 2


def test_revert_from_history_is_itself_recorded(qtbot, edited, monkeypatch):
    """« Annuler cette modification » restores the old value and adds a new history entry."""
    factory, directory, person_id = edited
    dialog = HistoryDialog(HistoryQueryService(factory), HistoryService(factory))
    qtbot.addWidget(dialog)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(dialog.reverted) as signal:
        dialog.revert_button.click()
    assert directory.person_detail(person_id).phone is None
    newest = HistoryQueryService(factory).search(HistoryFilter(row_id=person_id), limit=1)[0]
    assert newest.batch == signal.args[0]
    assert newest.old_text == "04 67 00 00 00"


def test_revert_refused_when_the_record_changed_since(qtbot, edited, monkeypatch):
    """Undoing an old change that later work depends on is refused with a French reason."""
    factory, directory, person_id = edited
    person = directory.person_detail(person_id)
    directory.edits.update_person(
        person_id, person.version, PersonInput("NOUVELLE", "Agente", phone="0561000000")
    )
    dialog = HistoryDialog(HistoryQueryService(factory), HistoryService(factory))
    qtbot.addWidget(dialog)
    dialog.table.selectRow(1)  # the first phone change, overwritten since
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    dialog.revert_button.click()
    assert directory.person_detail(person_id).phone == "05 61 00 00 00"
    assert warnings
    assert "impossible" in warnings[0]


def test_export_writes_the_filtered_rows(qtbot, edited, tmp_path, monkeypatch):
    """Exporter writes the rows shown, as a French CSV."""
    factory, _, _ = edited
    dialog = HistoryDialog(HistoryQueryService(factory), HistoryService(factory))
    qtbot.addWidget(dialog)
    dialog.login_combo.setCurrentIndex(dialog.login_combo.findData("claire"))
    target = tmp_path / "historique.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    dialog.export_button.click()
    text = target.read_text(encoding="utf-8-sig")
    assert "NOUVELLE Agente" in text
    assert "04 67 00 00 00" in text
    assert len(text.strip().splitlines()) == 3


def test_a_record_s_history_names_the_import_that_added_it(qtbot, filled_database, claire):
    """An import keeps one record per kind; a person's own history still shows the import
    that added them, and the whole history says how many lines it added."""
    from sqlalchemy import select

    from desktop.models import Person
    from desktop.services.transfer.ingest import IngestService

    factory = claire.session_factory
    people = [{"last_name": f"IMPORTÉ{n}", "first_name": "Zoé"} for n in range(3)]
    IngestService(factory, login="claire").import_rows("people", people)
    with factory() as session:
        imported = session.scalar(select(Person.id).where(Person.last_name == "IMPORTÉ1"))
        other = session.scalar(select(Person.id).where(Person.last_name != "IMPORTÉ1"))
    dialog = HistoryDialog(
        HistoryQueryService(factory), HistoryService(factory),
        table_name="person", row_id=imported, record_label="IMPORTÉ1 Zoé",
    )  # fmt: skip
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 1
    row = [dialog.model.text(0, c) for c in range(dialog.model.columnCount())]
    assert row[1:5] == ["claire", "Ajout", "Personne", "IMPORTÉ1 Zoé"]
    assert row[7] == "Import de 3 lignes"
    query = HistoryQueryService(factory)
    # a person of the embedded dataset: added by the dataset's own import, not by claire's
    [entry] = query.search(HistoryFilter(table_name="person", row_id=other))
    dataset = recorded_login(filled_database, "pilotis")  # the account that loaded it
    assert (entry.login, entry.new_text) == (dataset, "Import de 73 lignes")
    whole = query.search(HistoryFilter(table_name="person"))
    assert [(e.login, e.row_id, e.new_text) for e in whole] == [
        ("claire", None, "Import de 3 lignes"), (dataset, None, "Import de 73 lignes"),
    ]  # fmt: skip


def test_values_read_as_names_labels_and_euros_not_ids_and_codes(qtbot, filled_database):
    """A site, a programme's state, an amount and a deleted line are shown as a user reads
    them: « Site de Toulouse », « Terminé », « 259 841 € », and the deleted line's programme and
    funder, not site_id = 2, termine or 25984100."""
    from sqlalchemy import select

    from desktop.models import FundingLine, Person, Programme, Site

    factory = filled_database.session_factory
    install_history(factory, login="claire")
    with factory.begin() as session:
        person = session.scalar(select(Person).where(Person.last_name == "BÉJEAN"))
        before = session.get(Site, person.site_id).name
        other = session.scalar(select(Site).where(Site.id != person.site_id))
        person.site_id, after = other.id, other.name
        programme = session.scalar(select(Programme).where(Programme.code == "AMI-CMA"))
        programme.status = "termine"
        line = session.scalar(select(FundingLine).order_by(FundingLine.id).limit(1))
        line.amount_cents = 25_984_100
        gone = session.scalar(select(FundingLine).order_by(FundingLine.id.desc()).limit(1))
        gone_programme = session.get(Programme, gone.programme_id).code
        session.delete(gone)
    dialog = HistoryDialog(HistoryQueryService(factory), HistoryService(factory))
    qtbot.addWidget(dialog)
    rows = [
        [dialog.model.text(r, c) for c in range(2, dialog.model.columnCount())] for r in range(4)
    ]
    by_field = {row[3]: row for row in rows}
    assert by_field["Site"][4:] == [before, after]
    assert by_field["État"][2:] == ["AMI-CMA", "État", "En cours", "Terminé"]
    assert by_field["Montant"][5] == "259\u202f841\u00a0€"
    [deleted] = [row for row in rows if row[0] == "Suppression"]
    assert deleted[2].startswith(gone_programme + " · ")
    assert deleted[4].startswith(f"Programme : {gone_programme} ; Financeur : ")
    assert "programme_id" not in deleted[4]
    assert "Montant : " in deleted[4]
