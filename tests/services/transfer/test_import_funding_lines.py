"""Funding lines imported again: found, not added a second time; --update changes amounts in place."""

from __future__ import annotations

from sqlalchemy import func, select

from desktop.models import FundingLine
from desktop.services.transfer.service import TransferService, summary_lines

LINES = (
    "Programme;Financeur;Montant;Étape;Période;Note\n"
    "AMI-CMA;REGION-OCC;1 000;prévu;2023;\n"
    "AMI-CMA;REGION-OCC;1 000;prévu;2023;\n"
    "AMI-CMA;REGION-OCC;250;engagé;2023;tranche 1\n"
)


def _total(database) -> tuple[int, int]:
    with database.session_factory() as session:
        return session.execute(
            select(func.count(), func.coalesce(func.sum(FundingLine.amount_cents), 0))
        ).one()


def test_the_same_file_imported_three_times_adds_its_lines_once(filled_database, tmp_path):
    """Two equal lines and a third, imported three times (with and without --update): the
    totals grow once; the second and third imports report every line unchanged."""
    path = tmp_path / "lignes.csv"
    path.write_text(LINES, encoding="utf-8")
    service = TransferService(filled_database.session_factory)
    count, cents = _total(filled_database)
    first = service.import_file("funding_lines", path)
    assert first.report.inserted == 3
    for update in (False, True):
        again = service.import_file("funding_lines", path, update=update)
        assert not again.errors
        assert again.report.inserted == 0
        assert again.report.results["funding_lines"].unchanged == 3
    assert _total(filled_database) == (count + 3, cents + 225_000)


def test_update_changes_an_amount_in_place(filled_database, tmp_path):
    """A line whose amount changed is updated with --update, not added beside the old one."""
    path = tmp_path / "lignes.csv"
    path.write_text(LINES, encoding="utf-8")
    service = TransferService(filled_database.session_factory)
    service.import_file("funding_lines", path)
    count, cents = _total(filled_database)
    path.write_text(LINES.replace("250;engagé", "400;engagé"), encoding="utf-8")
    result = service.import_file("funding_lines", path, update=True)
    assert (result.report.inserted, result.report.updated) == (0, 1)
    assert _total(filled_database) == (count, cents + 15_000)


def test_a_line_repeating_a_stored_amount_under_another_note_is_flagged(filled_database, tmp_path):
    """The same programme, funder, stage, period and amount under another note is added, with
    a warning that the total may be counted twice."""
    path = tmp_path / "lignes.csv"
    path.write_text(LINES, encoding="utf-8")
    service = TransferService(filled_database.session_factory)
    service.import_file("funding_lines", path)
    path.write_text(LINES.replace("tranche 1", "copie"), encoding="utf-8")
    result = service.import_file("funding_lines", path)
    assert result.report.inserted == 1
    assert any(
        "compté deux fois" in line and "ligne(s) 4" in line for line in summary_lines(result)
    )
