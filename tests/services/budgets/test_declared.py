"""One comparison rule for declared totals (docs/dataset.md): stages are nested, so a total
without stage meets the largest stage of each programme × funder × period — in the editor, the
programme sheets, the Budgets tab and `check` alike."""

from __future__ import annotations

import random
from collections import defaultdict

from sqlalchemy import select

from desktop.models import DeclaredTotal, Funder, FundingLine, Programme
from desktop.services.budgets.declared import covered_cents, declared_query
from desktop.services.programmes.service import ProgrammeService
from desktop.services.programmes.sheet import ProgrammeSheetService
from desktop.services.safety.checks import ChecksService

STAGES = ("planned", "committed", "paid")


def test_a_total_without_stage_meets_the_largest_stage_not_their_sum():
    """Prévu 26 000 € and engagé 20 000 € of one funder on one programme cover 26 000 €; two
    programmes each count their own largest stage; a total naming a stage takes only it."""
    lines = [
        (1, "REGION", "planned", None, 2_600_000),
        (1, "REGION", "committed", None, 2_000_000),
        (2, "REGION", "committed", None, 500_000),
        (1, "AMI", "planned", "2023", 1_000_000),
        (1, "AMI", "paid", "2023", 1_200_000),  # more paid than planned: the larger one
    ]
    assert covered_cents(lines) == 2_600_000 + 500_000 + 1_200_000
    assert covered_cents(lines, funder="REGION") == 3_100_000
    assert covered_cents(lines, stage="committed") == 2_500_000
    assert covered_cents(lines, funder="AMI", period="2023", stage="planned") == 1_000_000
    assert covered_cents(lines, period="2022") == 0


def _add_line(database, code: str, funder: str, stage: str, cents: int) -> None:
    with database.session_factory.begin() as s:
        programme = s.scalar(select(Programme).where(Programme.code == code))
        funder_row = s.scalar(select(Funder).where(Funder.code == funder))
        s.add(FundingLine(programme_id=programme.id, funder_id=funder_row.id, stage=stage,
                          amount_cents=cents))  # fmt: skip


def test_an_engage_line_on_a_matching_prevu_changes_no_computed_total(filled_database):
    """AMI-CMA-03: a Région « Engagé » line of 20 000 € beside the Région's prévu leaves the
    « Coût de l'action » computed sum unchanged in `check`, in the sheet and in the editor of
    AMI-CMA-CARTE (it used to show a 20 000 € difference)."""
    checks = ChecksService(filled_database.session_factory)
    sheets = ProgrammeSheetService(filled_database.session_factory)
    editor = ProgrammeService(filled_database.session_factory).editor

    def figures() -> tuple:
        checked = {(r.programme_code, r.label): r.computed_cents for r in checks.declared_totals()}
        sheet = {t.label: t.computed_cents for t in sheets.sheet("AMI-CMA-03").totals}
        carte = ProgrammeService(filled_database.session_factory).ancestors("AMI-CMA-CARTE")[-1]
        context = {t.label: t.others_cents for t in editor.funding_context(carte).declared}
        return checked, sheet, context

    before = figures()
    assert before[1]["Coût de l'action"] == 14_575_000
    _add_line(filled_database, "AMI-CMA-03", "REGION-OCC", "committed", 2_000_000)
    assert figures() == before


def test_the_editor_and_the_sheet_agree_with_the_query_on_random_lines(filled_database):
    """Random lines at every stage, funder and period under the dataset's programmes: the
    Python rule (editor, sheets) and the SQL query (Budgets tab, check) give the same computed
    sum for every declared total, and it is never the sum of the stages when they overlap."""
    rng = random.Random(2023)
    with filled_database.session_factory.begin() as s:
        tree = dict(s.execute(select(Programme.id, Programme.parent_id)).all())
        programmes = rng.sample(sorted(tree), 15)  # lines dense enough for stages to overlap
        owners = sorted({*programmes, *(tree[p] for p in programmes if tree[p] is not None)})
        funders = s.scalars(select(Funder.id)).all()[:4]
        for _ in range(400):
            s.add(FundingLine(programme_id=rng.choice(programmes), funder_id=rng.choice(funders),
                              stage=rng.choice(STAGES), period=rng.choice([None, "2022", "2023"]),
                              amount_cents=rng.randrange(1, 10_000_000)))  # fmt: skip
        for programme in rng.sample(owners, min(25, len(owners))):
            s.add(DeclaredTotal(programme_id=programme, label=f"Total {programme}",
                                amount_cents=1, source="test",
                                funder_id=rng.choice([None, *funders]),
                                stage=rng.choice([None, *STAGES]),
                                period=rng.choice([None, "2023"])))  # fmt: skip
    with filled_database.session_factory() as s:
        parents = dict(s.execute(select(Programme.id, Programme.parent_id)).all())
        codes = {i: c for i, c in s.execute(select(Funder.id, Funder.code))}
        lines = [
            (p, codes[f], st, per, cents)
            for p, f, st, per, cents in s.execute(
                select(FundingLine.programme_id, FundingLine.funder_id, FundingLine.stage,
                       FundingLine.period, FundingLine.amount_cents)
            )
        ]  # fmt: skip
        totals = s.execute(select(DeclaredTotal, Programme.code).join(Programme)).all()
        queried = {(r[0], r[2]): int(r[8]) for r in s.execute(declared_query())}

    def subtree(root: int) -> set[int]:
        below = defaultdict(list)
        for child, parent in parents.items():
            below[parent].append(child)
        found, todo = set(), [root]
        while todo:
            node = todo.pop()
            found.add(node)
            todo += below[node]
        return found

    overlapping = 0
    for total, code in totals:
        inside = subtree(total.programme_id)
        mine = [line for line in lines if line[0] in inside]
        expected = covered_cents(
            mine, funder=codes.get(total.funder_id), stage=total.stage, period=total.period
        )
        assert queried[code, total.label] == expected, (code, total.label)
        summed = sum(c for p, f, st, per, c in mine
                     if total.funder_id in (None,) or f == codes[total.funder_id]
                     if total.period is None or per == total.period
                     if total.stage is None or st == total.stage)  # fmt: skip
        overlapping += summed != expected
    sheets = ProgrammeSheetService(filled_database.session_factory)
    for total, code in totals[:10]:
        [computed] = [t.computed_cents for t in sheets.sheet(code).totals if t.label == total.label]
        assert computed == queried[code, total.label]
    assert overlapping >= 5  # the rule was exercised where stages overlap
