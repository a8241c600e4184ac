"""Declared totals and beneficiary establishments edited with the programme: French validation,
search in SQL, same transaction, undo."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from desktop.models import DeclaredTotal
from desktop.services.common.history import HistoryService
from desktop.services.programmes.drafts import (
    DeclaredTotalDraft,
    FundingDraft,
    ProgrammeConflictError,
    ProgrammeDraft,
    ProgrammeValidationError,
)
from desktop.services.programmes.service import ProgrammeService
from tests.factories.programmes import load_world


@pytest.fixture
def service(database) -> ProgrammeService:
    load_world(database.session_factory)
    return ProgrammeService(database.session_factory)


def _draft(**overrides) -> ProgrammeDraft:
    values = dict(
        code="TNE-34", name="Territoire numérique éducatif", family="france2030",
        funding=(FundingDraft("F2030", "150 000", "planned", "2023"),
                 FundingDraft("REGION", "12 500", "committed")),
    )  # fmt: skip
    values.update(overrides)
    return ProgrammeDraft(**values)


def _declared_count(database) -> int:
    with database.session_factory() as s:
        return s.scalar(select(func.count()).select_from(DeclaredTotal))


def test_invalid_declared_totals_are_refused_in_french_and_nothing_is_saved(service, database):
    """A total without label or source, a negative amount or a wrong period is refused with
    the line and the field named; neither the programme nor any total is written."""
    before = _declared_count(database)
    draft = _draft(
        declared=(
            DeclaredTotalDraft("", "1 000", ""),
            DeclaredTotalDraft("Total État", "-5", "Convention", period="2023-2025"),
            DeclaredTotalDraft("Total", "", "Rapport", stage="bidon"),
        )
    )
    with pytest.raises(ProgrammeValidationError) as caught:
        service.editor.save(draft)
    messages = [p.message for p in caught.value.problems]
    assert messages == [
        "Total déclaré, ligne 1 : libellé obligatoire (ex. Total CPER).",
        "Total déclaré, ligne 1 : source obligatoire (le document qui annonce ce total).",
        "Total déclaré, ligne 2, montant : un montant ne peut pas être négatif (« -5 »).",
        messages[3],
        "Total déclaré, ligne 3 : étape inconnue « bidon ».",
        "Total déclaré, ligne 3 : montant obligatoire.",
    ]
    assert messages[3].startswith("Total déclaré, ligne 2, période « 2023-2025 » : ")
    assert {p.tab for p in caught.value.problems} == {"funding"}
    assert service.editor.funding_context(None).declared == []
    assert _declared_count(database) == before


def test_declared_totals_are_saved_with_the_programme_compared_and_undone(service, database):
    """Totals typed in the Financement page are saved in the same step as the programme,
    shown beside the computed sum, updated and removed; Ctrl+Z restores the previous state."""
    before = _declared_count(database)
    created = service.editor.save(
        _draft(
            declared=(
                DeclaredTotalDraft(
                    "Total France 2030", "150 000", " Convention 2023 ", "F2030", "planned", "2023"
                ),  # fmt: skip
                DeclaredTotalDraft("Total du programme", "170 000", "Rapport d'activité"),
            )
        )
    )
    draft = service.editor.load(created.id)
    assert [(t.label, t.amount, t.source, t.funder_code, t.stage, t.period)
            for t in draft.declared] == [
        ("Total France 2030", "150\u202f000", "Convention 2023", "F2030", "planned", "2023"),
        ("Total du programme", "170\u202f000", "Rapport d'activité", "", "", ""),
    ]  # fmt: skip
    assert service.editor.funding_context(created.id).declared[0].declared_cents == 15_000_000
    changed = replace(
        draft,
        declared=(replace(draft.declared[1], amount="162 500"),),
    )
    update = service.editor.save(changed)
    assert [(t.label, t.amount) for t in service.editor.load(created.id).declared] == [
        ("Total du programme", "162\u202f500")
    ]
    with pytest.raises(ProgrammeConflictError):
        service.editor.save(changed)  # the version the user saw has changed
    HistoryService(database.session_factory).revert(update.batch)
    assert [t.amount for t in service.editor.load(created.id).declared] == [
        "150\u202f000", "170\u202f000",
    ]  # fmt: skip
    assert _declared_count(database) == before + 2


def test_undo_of_a_creation_removes_its_declared_totals(service, database):
    """Ctrl+Z after creating a programme with a declared total removes both."""
    before = _declared_count(database)
    created = service.editor.save(
        _draft(declared=(DeclaredTotalDraft("Total", "10", "Convention"),))
    )
    assert _declared_count(database) == before + 1
    HistoryService(database.session_factory).revert(created.batch)
    assert _declared_count(database) == before


def test_sub_programme_lines_are_given_by_period_for_totals_typed_in_the_editor(service):
    """The editor compares a new total with the sub-programmes' lines of its period."""
    ami = next(r for r in service.children(None) if r.code == "F2030")
    context = service.editor.funding_context(ami.id)
    by_stage: dict = {}
    for (_programme, funder, stage, _period), cents in context.subprogramme_lines.items():
        by_stage[funder, stage] = by_stage.get((funder, stage), 0) + cents
    assert by_stage == context.subprogramme_sums
    assert context.subprogramme_lines


def _add_establishments(database) -> None:
    from desktop.models import Establishment

    with database.session_factory.begin() as s:
        s.add_all([
            Establishment(uai="0340001A", name="Lycée Jean-Mermoz", commune="Montpellier"),
            Establishment(uai="0340002B", name="Collège Les Garrigues", commune="Béziers"),
            Establishment(uai="0310003C", name="Lycée Déodat-de-Séverac", commune="Toulouse"),
            Establishment(uai="0110004D", name="Collège 100%_Sport", commune="Carcassonne"),
        ])  # fmt: skip


def test_establishment_search_is_in_sql_accent_insensitive_by_uai_name_or_commune(
    service, database
):
    """Typing « beziers », « deodat », « 0340001 » or « lycee toulouse » finds the school;
    a « % » or « _ » typed is matched literally."""
    _add_establishments(database)
    search = service.editor.search_establishments
    assert [c.key for c in search("beziers")] == ["0340002B"]
    assert [c.label for c in search("DEODAT")] == ["0310003C — Lycée Déodat-de-Séverac (Toulouse)"]
    assert [c.key for c in search("0340001")] == ["0340001A"]
    assert [c.key for c in search("lycee toulouse")] == ["0310003C"]
    assert [c.key for c in search("lycée")] == ["0310003C", "0340001A"]
    assert [c.key for c in search("100%_")] == ["0110004D"]
    assert search("a%b") == []
    assert search("  ") == []


def test_beneficiary_establishments_saved_with_the_programme_and_undone(service, database):
    """Establishments added in the editor are saved in the same step; an unknown UAI is
    refused in French; removing one is recorded so that Ctrl+Z brings it back."""
    _add_establishments(database)
    with pytest.raises(ProgrammeValidationError, match="Établissement : « 9999999Z » inconnu"):
        service.editor.save(_draft(establishment_uais=("9999999Z",)))
    created = service.editor.save(_draft(establishment_uais=("0340002B", "0340001A")))
    draft = service.editor.load(created.id)
    assert draft.establishment_uais == ("0340001A", "0340002B")
    assert [c.label for c in service.editor.establishment_choices(draft.establishment_uais)] == [
        "0340002B — Collège Les Garrigues (Béziers)",
        "0340001A — Lycée Jean-Mermoz (Montpellier)",
    ]
    removed = service.editor.save(replace(draft, establishment_uais=("0340002B",)))
    assert service.editor.load(created.id).establishment_uais == ("0340002B",)
    HistoryService(database.session_factory).revert(removed.batch)
    assert service.editor.load(created.id).establishment_uais == ("0340001A", "0340002B")
