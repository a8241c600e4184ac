"""The validated import path: clear errors per row and column, all or nothing, history kept."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desktop.models import Change, FundingLine, Person, Position, Programme, Unit
from desktop.services.transfer.ingest import ImportRejected, IngestService
from tests.history_support import recorded_login

REFERENCE = [
    ("academies", [{"code": "MONTPELLIER", "name": "Académie de Montpellier"}], 1),
    ("departments", [{"code": "34", "name": "Hérault", "academie": "MONTPELLIER"}], 1),
    ("sites", [{"code": "MTP", "name": "Montpellier", "department": 34}], 1),
    ("funders", [{"code": "BOP150", "name": "BOP 150", "kind": "État"}], 1),
]
UNITS = [
    {"code": "DRAJES", "name": "Direction jeunesse", "kind": "direction", "parent": "RA"},
    {"code": "RA", "name": "Région académique", "kind": "region", "site": "MTP"},
]


@pytest.fixture
def service(database):
    service = IngestService(database.session_factory, login="testeur")
    service.import_batches([*REFERENCE, ("units", UNITS, 2)])
    return service


def _count(database, model) -> int:
    with database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_rows_may_name_parents_defined_later_in_the_file(service, database):
    """A unit listed before its parent is attached to it, whatever the order of the rows."""
    with database.session_factory() as session:
        parent = session.scalar(select(Unit.parent_id).where(Unit.code == "DRAJES"))
        assert parent == session.scalar(select(Unit.id).where(Unit.code == "RA"))


def test_enum_accepts_french_labels_and_codes_ignoring_accents(service, database):
    """Users may type « État » or « etat »; both mean the same funder kind."""
    service.import_rows("funders", [{"code": "REG", "name": "Région", "kind": "region"},
                                    {"code": "X", "name": "X", "kind": "ETAT"}])  # fmt: skip
    from desktop.models import Funder

    with database.session_factory() as session:
        kinds = dict(session.execute(select(Funder.code, Funder.kind)).all())
    assert kinds == {"BOP150": "etat", "REG": "region", "X": "etat"}


def test_a_bad_row_rejects_the_whole_import_with_row_column_and_reason(service, database):
    """One invalid row: nothing is written and the message names the row, column and reason."""
    rows = [
        {"code": "DRAI", "name": "International", "kind": "direction", "parent": "RA"},
        {"code": "DRANE", "name": "Numérique", "kind": "planète", "parent": "RA"},
        {"code": "SRAES", "name": "", "kind": "service", "parent": "INCONNU"},
    ]
    with pytest.raises(ImportRejected) as caught:
        service.import_rows("units", rows, first_row=2)
    errors = caught.value.report.errors
    assert [(e.row, e.column) for e in errors] == [(3, "kind"), (4, "name"), (4, "parent")]
    assert "valeur inconnue" in errors[0].reason
    assert "Direction" in errors[0].reason
    assert str(errors[1]) == "Services, ligne 4, colonne « name » : valeur obligatoire manquante"
    assert "introuvable" in errors[2].reason
    assert _count(database, Unit) == 2


def test_partial_import_writes_valid_rows_and_reports_the_others(service, database):
    """Choosing « only the valid rows » writes them and lists exactly what was left out."""
    rows = [
        {"code": "DRAI", "name": "International", "kind": "direction", "parent": "RA"},
        {"code": "DRANE", "name": "Numérique", "kind": "planète", "parent": "RA"},
        {"code": "DRANE-POLE", "name": "Pôle", "kind": "pole", "parent": "DRANE"},
    ]
    report = service.import_rows("units", rows, partial=True)
    assert report.results["units"].inserted == 1
    assert [(e.row, e.column) for e in report.errors] == [(2, "kind"), (3, "parent")]
    assert _count(database, Unit) == 3


def test_existing_keys_are_refused_in_insert_mode_and_updated_in_update_mode(service, database):
    """Re-importing a known code is an error unless update is chosen; then only changes count."""
    row = {"code": "DRAJES", "name": "Direction régionale jeunesse", "kind": "direction",
           "parent": "RA"}  # fmt: skip
    with pytest.raises(ImportRejected, match="existe déjà"):
        service.import_rows("units", [row])
    report = service.import_rows("units", [row, {**UNITS[1]}], update=True)
    assert (report.results["units"].updated, report.results["units"].unchanged) == (1, 1)
    with database.session_factory() as session:
        unit = session.scalar(select(Unit).where(Unit.code == "DRAJES"))
        assert unit.name == "Direction régionale jeunesse"
        assert unit.version == 2
        change = session.scalar(
            select(Change).where(Change.action == "update", Change.row_id == unit.id)
        )
        assert (change.field, change.old_value, change.new_value, change.login) == (
            "name", '"Direction jeunesse"', '"Direction régionale jeunesse"',
            recorded_login(database, "testeur"),
        )  # fmt: skip


def test_update_that_would_make_a_cycle_is_refused(service, database):
    """Moving a unit under its own sub-unit is refused, and nothing changes."""
    rows = [{"code": "RA", "name": "Région académique", "kind": "region", "parent": "DRAJES"}]
    with pytest.raises(ImportRejected, match="boucle"):
        service.import_rows("units", rows, update=True)
    with database.session_factory() as session:
        assert session.scalar(select(Unit.parent_id).where(Unit.code == "RA")) is None


def test_duplicate_keys_inside_a_file_are_reported(service):
    """Two rows with the same code: the second one is reported as a duplicate of the first."""
    rows = [{"code": "A", "name": "A", "kind": "pole"}, {"code": "a", "name": "B", "kind": "pole"}]
    with pytest.raises(ImportRejected) as caught:
        service.import_rows("units", rows)
    assert caught.value.report.errors[0].reason == "doublon de la ligne 1"


def test_positions_find_people_by_name_and_allow_vacant_posts(service, database):
    """A post names its holder by last and first name (accents ignored); none means vacant."""
    service.import_rows("people", [{"last_name": "BÉJEAN", "first_name": "Sophie"}])
    service.import_rows("positions", [
        {"unit": "RA", "title": "Rectrice", "role": "head", "last_name": "bejean", "first_name": "SOPHIE"},
        {"unit": "DRAJES", "title": "Adjoint", "role": "Adjoint"},
    ])  # fmt: skip
    with database.session_factory() as session:
        holders = session.execute(select(Position.title, Person.last_name).outerjoin(Person)).all()
    assert sorted(holders, key=lambda r: r[0]) == [("Adjoint", None), ("Rectrice", "BÉJEAN")]
    with pytest.raises(ImportRejected, match="personne introuvable"):
        service.import_rows("positions", [{"unit": "RA", "title": "X", "role": "member",
                                           "last_name": "INCONNU", "first_name": "Jean"}])  # fmt: skip


def test_amounts_are_stored_as_integer_cents_from_french_text(service, database):
    """`1 234,56 €`, 1234.56 and « 2 818 931 € » become exact cents; negative amounts are refused."""
    service.import_rows(
        "programmes", [{"code": "P", "name": "P", "family": "CPER", "kind": "programme"}]
    )
    lines = [
        {"programme": "P", "funder": "BOP150", "amount": "1\u202f234,56\u00a0€", "stage": "prévu"},
        {"programme": "P", "funder": "BOP150", "amount": 1234.56, "stage": "Engagé"},
        {"programme": "P", "funder": "BOP150", "amount": "2 818 931 €", "stage": "paid", "period": "2022-2023"},
    ]  # fmt: skip
    service.import_rows("funding_lines", lines)
    with database.session_factory() as session:
        amounts = session.scalars(select(FundingLine.amount_cents).order_by(FundingLine.id)).all()
    assert amounts == [123456, 123456, 281893100]
    with pytest.raises(ImportRejected, match="négatif"):
        service.import_rows("funding_lines", [{"programme": "P", "funder": "BOP150", "amount": "-5",
                                               "stage": "planned"}])  # fmt: skip


def test_programme_links_to_axes_and_departments_from_lists_or_text(service, database):
    """Axes and départements can be given as a list or as « 1, 3 » text; unknown ones are named."""
    service.import_batches([
        ("strategic_lines", [{"number": 1, "title": "Égalité"}], 1),
        ("axes", [{"number": n, "line": 1, "title": f"Axe {n}"} for n in (1, 2, 3)], 1),
    ])  # fmt: skip
    service.import_rows("programmes", [
        {"code": "P1", "name": "P1", "family": "cper", "kind": "programme", "axes": "1, 3", "departments": ["34"]},
    ])  # fmt: skip
    from desktop.models import programme_axis

    with database.session_factory() as session:
        axes = session.execute(select(programme_axis.c.axis_id)).scalars().all()
    assert len(axes) == 2
    with pytest.raises(ImportRejected, match="introuvable.*: 9"):
        service.import_rows("programmes", [{"code": "P2", "name": "P2", "family": "cper",
                                            "kind": "programme", "axes": "1, 9"}])  # fmt: skip


def test_dry_run_reports_without_writing(service, database):
    """A dry run counts what would be imported and leaves the database unchanged."""
    report = service.import_rows(
        "programmes",
        [{"code": "P", "name": "P", "family": "cper", "kind": "programme"}],
        dry_run=True,
    )
    assert report.results["programmes"].inserted == 1
    assert _count(database, Programme) == 0


def test_an_import_is_one_history_record_per_kind_and_undo_removes_its_rows(service, database):
    """The rows an import added are listed by one history record per kind (not one per row),
    with the login; undoing the batch deletes exactly them, and redo puts them back."""
    from desktop.services.common.history import HistoryService, imported_ids, install_history

    install_history(database.session_factory)  # as the application does: undo is recorded
    with database.session_factory() as session:
        records = session.scalars(select(Change).where(Change.table_name == "unit")).all()
        unit_ids = set(session.scalars(select(Unit.id)).all())
    who = recorded_login(database, "testeur")  # on PostgreSQL, the server account
    assert [(c.action, c.login, c.row_id) for c in records] == [("insert", who, None)]
    assert set(imported_ids(records[0])) == unit_ids
    assert len(unit_ids) == 2

    people = [{"last_name": f"Nom{i}", "first_name": "Ana", "email": f"a{i}@ac.fr"}
              for i in range(30)]  # fmt: skip
    report = service.import_rows("people", people)
    assert _count(database, Person) == 30
    history = HistoryService(database.session_factory)
    undo = history.revert(report.batch)
    assert _count(database, Person) == 0
    assert _count(database, Unit) == 2  # an earlier import is untouched
    history.revert(undo)  # redo
    with database.session_factory() as session:
        emails = set(session.scalars(select(Person.email)).all())
    assert emails == {f"a{i}@ac.fr" for i in range(30)}


def test_undo_of_an_import_is_refused_when_one_of_its_rows_was_edited(service, database):
    """Undoing an import would erase an edit made since to one of its rows: refused, nothing
    deleted."""
    from desktop.services.common.history import ConflictError, HistoryService

    report = service.import_rows("people", [{"last_name": "Durand", "first_name": "Léa"},
                                            {"last_name": "Petit", "first_name": "Jean"}])  # fmt: skip
    with database.session_factory.begin() as session:
        person = session.scalar(select(Person).where(Person.last_name == "Petit"))
        person.phone = "04 67 00 00 00"
    with pytest.raises(ConflictError, match="modifié depuis"):
        HistoryService(database.session_factory).revert(report.batch)
    assert _count(database, Person) == 2


def test_end_before_start_is_refused(service):
    """A post that ends before it starts is refused with the reason."""
    with pytest.raises(ImportRejected, match="la fin précède le début"):
        service.import_rows("positions", [{"unit": "RA", "title": "X", "role": "member",
                                           "start_on": "01/09/2023", "end_on": "2023-01-01"}])  # fmt: skip


def test_clean_rows_are_stored_alike_by_the_columnar_and_the_row_by_row_paths(tmp_path):
    """Clean new rows take a column-by-column path; the same rows forced through the row-by-row
    path (a column name with a stray space) are stored with exactly the same values."""
    from desktop.db import open_database
    from desktop.services.transfer.service import TransferService

    rows = [
        {"last_name": "  Le  Goff ", "first_name": "Anaïs", "email": "A.Le-Goff@AC.fr",
         "phone": 467000000.0},
        {"last_name": "ÉLOI", "first_name": "Zoé\u00a0Marie", "email": None,
         "phone": "  04 67 00 00 01 "},
        {"last_name": 1234.0, "first_name": "Jean", "email": "", "phone": None},
    ]  # fmt: skip
    stored = []
    for name, batch in (("colonnes", rows), ("lignes", [{**r, " remarque ": None} for r in rows])):
        database = open_database(str(tmp_path / f"{name}.sqlite"))
        try:
            report = IngestService(database.session_factory).import_rows("people", batch)
            assert report.inserted == 3
            stored.append(TransferService(database.session_factory).rows("people"))
        finally:
            database.dispose()
    assert stored[0] == stored[1]
    assert stored[0][0]["last_name"] == "Le Goff"
    assert stored[0][2]["last_name"] == "1234"


def test_a_first_large_import_leaves_every_index_and_the_search_as_before(database):
    """A first import of many people (their secondary indexes rebuilt once afterwards, on
    SQLite) ends with the same indexes, people found by the search and sorted by name; a second
    import, smaller than the table, and a rejected one change no index either."""
    from desktop.services.directory.search import SearchFilter
    from desktop.services.directory.service import DirectoryService

    def indexes() -> list[tuple]:
        if database.engine.dialect.name == "sqlite":
            sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'person'"
        else:
            sql = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'person'"
        with database.engine.connect() as connection:
            return sorted(connection.exec_driver_sql(sql).all())

    before = indexes()
    assert len(before) >= 4
    service = IngestService(database.session_factory, login="testeur")
    people = [
        {"last_name": f"Agent{n:05d}", "first_name": "Zoé", "email": f"a{n}@ac-toulouse.fr"}
        for n in range(12_000)
    ]
    people[7_000]["last_name"] = "Béjean"
    assert service.import_rows("people", people).inserted == 12_000
    assert indexes() == before
    directory = DirectoryService(database.session_factory)
    found = directory.entries(SearchFilter(text="bejean"))
    assert [(e.last_name, e.email) for e in found] == [("Béjean", "a7000@ac-toulouse.fr")]
    first = directory.entries(SearchFilter(), limit=2)
    assert [e.last_name for e in first] == ["Agent00000", "Agent00001"]

    more = [{"last_name": "Martin", "first_name": "Léa", "email": f"m{n}@ac.fr"} for n in range(3)]
    assert service.import_rows("people", more).inserted == 3
    with pytest.raises(ImportRejected):
        service.import_rows("people", [*more[:1], {"last_name": "", "first_name": "x"}])
    assert indexes() == before
    assert _count(database, Person) == 12_003


def test_an_imported_tree_is_undone_and_redone_whole(service, database):
    """Services that are each other's parents, imported together (the child first in the
    file): undo removes them, redo puts back each one under its parent."""
    from desktop.services.common.history import HistoryService, install_history

    install_history(database.session_factory)
    tree = [
        {"code": "BUR-1", "name": "Bureau 1", "kind": "service", "parent": "POLE"},
        {"code": "POLE", "name": "Pôle", "kind": "pole", "parent": "DRAJES"},
        {"code": "BUR-2", "name": "Bureau 2", "kind": "service", "parent": "POLE"},
    ]
    report = service.import_rows("units", tree)
    history = HistoryService(database.session_factory)
    undo = history.revert(report.batch)
    assert _count(database, Unit) == 2
    history.revert(undo)  # redo

    def parents() -> dict[str, str | None]:
        with database.session_factory() as session:
            units = {u.id: u for u in session.scalars(select(Unit))}
            return {u.code: units[u.parent_id].code if u.parent_id else None
                    for u in units.values()}  # fmt: skip

    assert parents() == {"RA": None, "DRAJES": "RA", "POLE": "DRAJES", "BUR-1": "POLE",
                         "BUR-2": "POLE"}  # fmt: skip
    history.revert(history.changes(limit=1)[0].batch)  # and undo again
    assert _count(database, Unit) == 2


def test_clean_rows_keep_every_character_ids_and_undo_on_each_database(database):
    """The columnar path (COPY on PostgreSQL, a writer thread's multi-row INSERTs on SQLite)
    stores text that looks like its escapes as it is, records exactly the ids it gave, and undo
    deletes exactly those."""
    from desktop.services.common.history import HistoryService, imported_ids, install_history
    from desktop.services.transfer.service import TransferService

    install_history(database.session_factory)
    awkward = ["\\N", "Back\\slash", "O'Brien", 'Dit "le grand"', "Ünïcödé ŒUF", "a,b;c|d"]
    people = [
        {
            "last_name": name,
            "first_name": f"P{n}",
            "email": f"p{n}@ac.fr",
            "phone": "04 67 00 00 00",
        }
        for n, name in enumerate(awkward)
    ]
    report = IngestService(database.session_factory).import_rows("people", people)
    rows = TransferService(database.session_factory).rows("people")
    assert [(r["last_name"], r["first_name"], r["email"]) for r in rows] == [
        (p["last_name"], p["first_name"], p["email"]) for p in people
    ]
    with database.session_factory() as session:
        record = session.scalar(select(Change).where(Change.table_name == "person"))
        by_email = dict(session.execute(select(Person.email, Person.id)).all())
        keys = dict(session.execute(select(Person.last_name, Person.sort_key)).all())
    assert sorted(imported_ids(record)) == sorted(by_email.values())
    assert keys["Ünïcödé ŒUF"] == "unicodeoeuf p4"
    HistoryService(database.session_factory).revert(report.batch)
    assert _count(database, Person) == 0
