"""Programme editing: one transaction per save, French validation, optimistic locking, undo."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from desktop.models import FundingLine, IndicatorValue, Milestone, Programme, programme_axis
from desktop.services.common.history import HistoryService
from desktop.services.programmes.drafts import (
    FundingDraft,
    IndicatorDraft,
    MilestoneDraft,
    PeriodDraft,
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


def _new(**overrides) -> ProgrammeDraft:
    values = dict(
        code="AMI-CMA-03", name="Numérique et cybersécurité", family="france2030", kind="action",
        parent_code="AMI-CMA", start_on="01/09/2023", end_on="31/08/2026", axis_numbers=(2, 3),
        department_codes=("31",), partner_codes=("UM",),
        milestones=(MilestoneDraft("Lancement", "15/09/2023", done=True),
                    MilestoneDraft("Bilan", "2026-06-30")),
        indicators=(IndicatorDraft("FORMES", "Personnes formées", "personnes", (
            PeriodDraft("2022-2023", baseline="0"), PeriodDraft("2023-2024", target="120",
                                                                 actual="45"))),),
        funding=(FundingDraft("F2030", "150 000", "planned", "2023"),
                 FundingDraft("REGION", "12 500,50", "committed")),
    )  # fmt: skip
    values.update(overrides)
    return ProgrammeDraft(**values)


def _count(database, model) -> int:
    with database.session_factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_new_programme_with_milestones_indicators_and_funding_is_saved_whole(service):
    """Everything typed in the editor comes back when the programme is opened again."""
    result = service.editor.save(_new())
    assert result.batch
    draft = service.editor.load(result.id)
    assert (draft.code, draft.parent_code, draft.start_on) == (
        "AMI-CMA-03",
        "AMI-CMA",
        "01/09/2023",
    )
    assert draft.axis_numbers == (2, 3)
    assert (draft.department_codes, draft.partner_codes) == (("31",), ("UM",))
    assert [(m.title, m.due_on, m.done) for m in draft.milestones] == [
        ("Lancement", "15/09/2023", True),
        ("Bilan", "30/06/2026", False),
    ]
    periods = draft.indicators[0].periods
    assert [(p.period, p.baseline, p.target, p.actual) for p in periods] == [
        ("2022-2023", "0", "", ""),
        ("2023-2024", "", "120", "45"),
    ]
    assert sorted((f.funder_code, f.amount, f.stage) for f in draft.funding) == [
        ("F2030", "150\u202f000", "planned"),
        ("REGION", "12\u202f500,50", "committed"),
    ]


def test_undo_of_a_creation_removes_the_programme_and_its_rows(service, database):
    """Ctrl+Z after creating a programme removes it with its milestones and lines."""
    result = service.editor.save(_new())
    HistoryService(database.session_factory).revert(result.batch)
    with database.session_factory() as s:
        assert s.scalar(select(Programme.id).where(Programme.code == "AMI-CMA-03")) is None
    assert _count(database, Milestone) == 4
    assert _count(database, FundingLine) == 3


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_on": "31/12/2020"}, "Fin : le 31/12/2020 est avant le début (01/09/2023)."),
        ({"code": " "}, "Code : obligatoire"),
        (
            {"funding": (FundingDraft("F2030", "-500"),)},
            "Financement, ligne 1 : un montant ne peut pas être négatif (« -500 »).",
        ),
        (
            {"indicators": (IndicatorDraft("X", "Élèves", "", (PeriodDraft("", target="500"),)),)},
            "Indicateur « X » : la cible 500 n'a pas de période",
        ),
        (
            {"indicators": (IndicatorDraft("X", "Élèves", "", (PeriodDraft("2023-2025", "1"),)),)},
            "période « 2023-2025 » : période attendue",
        ),
        (
            {"milestones": (MilestoneDraft("Comité", "32/13/2023"),)},
            "Jalon 1 « Comité », échéance : date attendue au format JJ/MM/AAAA",
        ),
        ({"parent_code": "INCONNU"}, "Programme parent : « INCONNU » n'existe pas."),
        ({"code": "SNU"}, "Code : « SNU » est déjà celui de « Service national universel »."),
    ],
)
def test_invalid_input_is_refused_with_a_french_reason_and_nothing_is_written(
    service, database, overrides, message
):
    """A wrong field names itself and the reason; the database is left as it was."""
    before = _count(database, Programme), _count(database, Milestone)
    with pytest.raises(ProgrammeValidationError) as caught:
        service.editor.save(_new(**overrides))
    assert message in str(caught.value)
    assert (_count(database, Programme), _count(database, Milestone)) == before


def test_a_programme_cannot_be_moved_under_its_own_action(service):
    """Choosing one of its sub-programmes as parent is refused (no cycle in the tree)."""
    ami = service.ancestors("AMI-CMA")[-1]
    draft = replace(service.editor.load(ami), parent_code="AMI-CMA-01")
    with pytest.raises(ProgrammeValidationError, match="ni à l'un de ses sous-programmes"):
        service.editor.save(draft)


def test_a_second_editor_cannot_overwrite_the_first(service):
    """Two people open SNU; the second save is refused with a French conflict message."""
    snu = service.ancestors("SNU")[-1]
    first, second = service.editor.load(snu), service.editor.load(snu)
    milestones = (replace(first.milestones[0], done=True), *first.milestones[1:])
    service.editor.save(replace(first, milestones=milestones))  # only a child row changes
    with pytest.raises(ProgrammeConflictError, match="modifié par quelqu'un d'autre"):
        service.editor.save(replace(second, name="SNU renommé"))


def test_editing_values_and_links_is_one_undoable_batch(service, database):
    """Changing an actual, an axis and a line, then Ctrl+Z, gives the old figures back."""
    snu = service.ancestors("SNU")[-1]
    draft = service.editor.load(snu)
    indicator = draft.indicators[0]
    periods = tuple(
        replace(p, actual="4200") if p.period == "2023" else p for p in indicator.periods
    )
    result = service.editor.save(replace(
        draft, axis_numbers=(1, 3), indicators=(replace(indicator, periods=periods),),
        funding=(FundingDraft("BDT", "1000"),)))  # fmt: skip
    changes = {c.what for c in service.editor.history(snu)}
    assert {"Valeur d'indicateur — modification", "Financement — ajout"} <= changes
    with database.session_factory() as s:
        assert s.scalar(select(IndicatorValue.value).where(IndicatorValue.kind == "actual")) == 4200
        assert s.scalar(select(func.count()).select_from(programme_axis)
                        .where(programme_axis.c.programme_id == snu)) == 2  # fmt: skip
    HistoryService(database.session_factory).revert(result.batch)
    with database.session_factory() as s:
        assert s.scalar(select(IndicatorValue.value).where(IndicatorValue.kind == "actual")) == 3500
        assert s.scalar(select(func.count()).select_from(FundingLine)
                        .where(FundingLine.programme_id == snu)) == 0  # fmt: skip
    assert service.editor.load(snu).axis_numbers == draft.axis_numbers  # links restored too


def test_saving_an_unchanged_programme_writes_nothing(service):
    """Opening then saving without change gives no batch to undo."""
    snu = service.ancestors("SNU")[-1]
    assert service.editor.save(service.editor.load(snu)).batch is None


def test_delete_refuses_a_programme_with_actions_and_undo_restores_a_deleted_one(service, database):
    """AMI-CMA keeps its actions; a deleted action comes back with its milestones on Ctrl+Z."""
    ami = service.ancestors("AMI-CMA")[-1]
    with pytest.raises(ProgrammeValidationError, match="a 2 sous-programme"):
        service.editor.delete(ami, service.editor.load(ami).version)
    action = service.ancestors("AMI-CMA-01")[-1]
    before = service.editor.load(action)
    assert before.axis_numbers or before.department_codes or before.partner_codes
    batch = service.editor.delete(action, before.version)
    assert _count(database, Milestone) == 2
    HistoryService(database.session_factory).revert(batch)
    assert _count(database, Milestone) == 4
    restored = service.editor.load(action)
    assert restored.funding
    assert (restored.axis_numbers, restored.department_codes, restored.partner_codes) == (
        before.axis_numbers, before.department_codes, before.partner_codes,
    )  # fmt: skip


def test_new_sub_programme_inherits_family_lead_unit_and_territory(service):
    """« Nouveau sous-programme » under AMI-CMA starts as a France 2030 action of DRAFPIC."""
    ami = service.ancestors("AMI-CMA")[-1]
    draft = service.editor.new_draft(ami)
    assert (draft.family, draft.kind, draft.parent_code) == ("france2030", "action", "AMI-CMA")
    assert draft.department_codes == ("31", "34")
    assert draft.lead_unit_id is not None


def test_funding_context_shows_declared_total_against_sub_programme_lines(service):
    """AMI-CMA declares 600 000 € while its actions' lines add up to 557 344 €."""
    ami = service.ancestors("AMI-CMA")[-1]
    context = service.editor.funding_context(ami)
    assert context.subprogramme_count == 2
    assert context.subprogramme_sums[("F2030", "planned")] == 30_000_000
    [total] = context.declared
    assert (total.declared_cents, total.others_cents) == (60_000_000, 55_734_400)


@pytest.mark.parametrize("listed", [500, 0], ids=["ids-listed", "sub-select"])
def test_funding_context_sums_each_declared_total_over_its_funder_stage_and_period(
    filled_database, monkeypatch, listed
):
    """Every declared total of the embedded dataset is compared, in the editor, with the lines
    of the sub-programmes it covers (its funder, stage and period when it states them; the
    largest stage of each programme × funder × period when it names none): the
    sums the editor shows equal a sum computed line by line, whether the sub-programmes are
    sent as a list of ids or as the tree's sub-select (a family of hundreds)."""
    from desktop.models import DeclaredTotal, Funder
    from desktop.services.programmes import editing as programme_editing

    monkeypatch.setattr(programme_editing, "LISTED_SUBPROGRAMMES", listed)
    service = ProgrammeService(filled_database.session_factory)
    with filled_database.session_factory() as s:
        parents = dict(s.execute(select(Programme.id, Programme.parent_id)).all())
        lines = s.execute(
            select(FundingLine.programme_id, Funder.code, FundingLine.stage, FundingLine.period,
                   FundingLine.amount_cents).join(Funder, Funder.id == FundingLine.funder_id)
        ).all()  # fmt: skip
        owners = sorted(set(s.scalars(select(DeclaredTotal.programme_id)).all()))

    def below(programme_id: int, line_programme: int) -> bool:
        node = parents.get(line_programme)
        while node is not None:
            if node == programme_id:
                return True
            node = parents.get(node)
        return False

    checked = 0
    for owner in owners:
        context = service.editor.funding_context(owner)
        assert context.subprogramme_count == sum(below(owner, p) for p in parents)
        for total in context.declared:
            # stages are nested: per programme × funder × period, the largest stage counts
            covered: dict = {}
            for programme, funder, stage, period, cents in lines:
                if (
                    below(owner, programme)
                    and total.funder_code in (None, funder)
                    and total.stage in (None, stage)
                    and total.period in (None, period)
                ):
                    stages = covered.setdefault((programme, funder, period), {})
                    stages[stage] = stages.get(stage, 0) + cents  # fmt: skip
            expected = sum(max(stages.values()) for stages in covered.values())
            assert total.others_cents == expected, (owner, total.label)
            checked += 1
    assert checked >= 20  # the dataset's declared totals (32), not an empty loop
