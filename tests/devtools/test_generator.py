"""The data generator: exact counts, reproducible rows, sound references, realistic French data."""

from __future__ import annotations

import math
import re
from datetime import date

import pytest
from sqlalchemy import func, select, text

from desktop.db import open_database
from desktop.devtools.generator import generate
from desktop.models import (
    Academie,
    Change,
    Department,
    Funder,
    FundingLine,
    Milestone,
    Person,
    Position,
    Programme,
    Site,
    Unit,
)
from desktop.models.programmes import PROGRAMME_FAMILIES
from desktop.models.reference import FUNDER_KINDS

SIZES = {"people": 2000, "units": 100, "programmes": 200, "milestones": 500, "funding_lines": 3000}
SMALL = {"people": 300, "units": 40, "programmes": 60, "milestones": 80, "funding_lines": 400}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """One generated database shared by the read-only tests of this module."""
    db = open_database(str(tmp_path_factory.mktemp("gen") / "g.sqlite"))
    summary = generate(db.engine, seed=7, **SIZES)
    yield db, summary
    db.dispose()


def _scalar(db, sql: str):
    with db.engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def _rows(db, sql: str) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_requested_counts_are_exact(generated):
    """Asking for N people, units, programmes, milestones and funding lines gives exactly N."""
    db, summary = generated
    for table, key in (("person", "people"), ("unit", "units"), ("programme", "programmes"),
                       ("milestone", "milestones"), ("funding_line", "funding_lines")):  # fmt: skip
        assert summary.counts[table] == SIZES[key]
        assert _scalar(db, f"SELECT count(*) FROM {table}") == SIZES[key]
    assert summary.counts["position"] == _scalar(db, "SELECT count(*) FROM position")
    assert summary.total == sum(summary.counts.values())
    assert summary.seconds > 0


def test_empty_database_gets_its_reference_rows(generated):
    """On an empty file the 13 départements, both académies, 15 axes and every funder kind exist."""
    db, _summary = generated
    assert _scalar(db, "SELECT count(*) FROM department") == 13
    assert _scalar(db, "SELECT count(*) FROM academie") == 2
    assert _scalar(db, "SELECT count(*) FROM axis") == 15
    kinds = {k for (k,) in _rows(db, "SELECT DISTINCT kind FROM funder")}
    assert kinds == set(FUNDER_KINDS)
    used = {k for (k,) in _rows(db, "SELECT DISTINCT f.kind FROM funding_line l JOIN funder f "
                                    "ON f.id = l.funder_id")}  # fmt: skip
    assert used == set(FUNDER_KINDS)


def test_database_stays_sound(generated):
    """SQLite's integrity and foreign key checks find nothing wrong after a generation."""
    db, _summary = generated
    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert _rows(db, "PRAGMA foreign_key_check") == []


def test_generation_is_not_recorded_as_user_changes(generated):
    """The change history stays empty: bulk generation is not somebody's edit."""
    db, _summary = generated
    with db.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Change)) == 0


def test_same_seed_gives_same_rows_and_another_seed_differs(tmp_path):
    """Two files generated with the same seed are identical; a different seed gives other data."""

    def snapshot(name: str, seed: int) -> dict[str, list[tuple]]:
        db = open_database(str(tmp_path / name))
        try:
            generate(db.engine, seed=seed, **SMALL)
            return {
                table: _rows(db, f"SELECT * FROM {table} ORDER BY id")
                for table in ("person", "unit", "position", "programme", "milestone",
                              "funding_line", "declared_total", "indicator_value")
            }  # fmt: skip
        finally:
            db.dispose()

    first, again, other = snapshot("a.sqlite", 3), snapshot("b.sqlite", 3), snapshot("c.sqlite", 4)
    assert first == again
    for table in ("person", "programme", "funding_line"):
        assert first[table] != other[table]


def test_existing_data_is_reused_and_never_collides(tmp_path):
    """On a file that already has data, codes stay unique and existing rows are reused, not copied."""
    db = open_database(str(tmp_path / "g.sqlite"))
    with db.session_factory.begin() as session:
        acad = Academie(code="MONTPELLIER", name="Académie de Montpellier")
        session.add(acad)
        session.flush()
        dept = Department(code="34", name="Hérault", academie_id=acad.id)
        session.add(dept)
        session.flush()
        site = Site(code="MTP", name="Montpellier", department_id=dept.id)
        session.add_all([site, Funder(code="BOP150", name="BOP 150", kind="etat")])
        session.flush()
        root = Unit(code="RA", name="Région académique", kind="region", site_id=site.id)
        session.add(root)
        session.flush()
        session.add(Unit(code="DRAJES", name="DRAJES", kind="direction", parent_id=root.id))
        session.add(Person(last_name="BÉJEAN", first_name="Hélène"))
        session.add(Programme(code="AMI-CMA", name="AMI CMA", family="france2030", kind="appel"))

    summary = generate(db.engine, seed=1, **SMALL)
    second = generate(db.engine, seed=1, **SMALL)  # a second run on top of the first one

    with db.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == 2 + 2 * SMALL["units"]
        assert session.scalar(select(func.count()).select_from(Person)) == 1 + 2 * SMALL["people"]
        codes = session.scalars(select(Funder.code)).all()
        assert "BOP150" in codes
        assert "G-BOP150" not in codes
        assert len(codes) == len(set(codes))
        assert session.scalar(select(func.count()).select_from(Department)) == 13
        assert session.scalar(select(func.count()).select_from(Academie)) == 2
        assert session.scalar(select(Site.id).where(Site.code == "MTP")) in set(
            session.scalars(select(Unit.site_id).where(Unit.code.like("G-%")))
        )
        generated_units = session.scalars(select(Unit.code).where(Unit.id > 2)).all()
        assert all(code.startswith("G-") for code in generated_units)
    assert (summary.counts["funder"], second.counts["funder"]) == (len(codes) - 1, 0)
    assert _rows(db, "PRAGMA foreign_key_check") == []
    db.dispose()


def test_generated_rows_can_be_edited_through_the_orm(generated):
    """A generated person opens and saves like any other row (its version counter starts at 1)."""
    db, _summary = generated
    with db.session_factory() as session:
        person = session.scalars(select(Person).order_by(Person.id).limit(1)).one()
        assert person.version == 1
        assert person.created_at.year == 2025
        phone, person.phone = person.phone, "04 67 91 47 00"
        session.commit()
        assert person.version == 2
        person.phone = phone  # put it back for the other tests
        session.commit()


@pytest.mark.sqlite_only  # checks references with PRAGMA foreign_key_check
def test_generation_on_top_of_the_embedded_dataset(filled_database):
    """The embedded 2023 dataset keeps its rows and codes when generated data is added to it."""
    db = filled_database
    before = {t: _scalar(db, f"SELECT count(*) FROM {t}") for t in ("unit", "funder", "axis")}
    summary = generate(db.engine, seed=2, **SMALL)
    assert _scalar(db, "SELECT count(*) FROM unit") == before["unit"] + SMALL["units"]
    assert _scalar(db, "SELECT count(*) FROM axis") == before["axis"]
    assert summary.counts["axis"] == 0
    assert _rows(db, "PRAGMA foreign_key_check") == []


def test_units_form_a_deep_tree_with_heads(generated):
    """Units form a tree 4–5 levels deep, every unit has a head post, a few of them vacant."""
    db, _summary = generated
    roots = _scalar(db, "SELECT count(*) FROM unit WHERE parent_id IS NULL")
    assert 1 <= roots <= 3
    depth = _scalar(
        db,
        "WITH RECURSIVE t(id, depth) AS (SELECT id, 1 FROM unit WHERE parent_id IS NULL "
        "UNION ALL SELECT u.id, t.depth + 1 FROM unit u JOIN t ON u.parent_id = t.id) "
        "SELECT max(depth) FROM t",
    )
    assert 4 <= depth <= 5
    assert _scalar(db, "SELECT count(DISTINCT kind) FROM unit") >= 6
    headless = "SELECT count(*) FROM unit u WHERE NOT EXISTS (SELECT 1 FROM position p " \
               "WHERE p.unit_id = u.id AND p.role = 'head' AND p.end_on IS NULL)"  # fmt: skip
    assert _scalar(db, headless) == 0
    vacant = _scalar(db, "SELECT count(*) FROM position WHERE role='head' AND person_id IS NULL")
    assert 0 < vacant < SIZES["units"] // 5


def test_people_hold_posts_with_history(generated):
    """Everyone holds a current post, some two; some posts are interim, some ended (history)."""
    db, _summary = generated
    current = "SELECT person_id, count(*) c FROM position WHERE end_on IS NULL " \
              "AND person_id IS NOT NULL GROUP BY person_id"  # fmt: skip
    per_person = [c for _p, c in _rows(db, current)]
    assert len(per_person) == SIZES["people"]
    assert max(per_person) == 2
    assert sum(1 for c in per_person if c == 2) < SIZES["people"] // 5
    assert _scalar(db, "SELECT count(*) FROM position WHERE role = 'deputy'") > 0
    assert _scalar(db, "SELECT count(*) FROM position WHERE is_interim") > 0
    ended = _scalar(db, "SELECT count(*) FROM position WHERE end_on IS NOT NULL")
    assert 0 < ended < SIZES["people"] // 4
    with db.session_factory() as session:
        for start, end in session.execute(
            select(Position.start_on, Position.end_on).where(Position.end_on.isnot(None))
        ):
            assert start <= end < date(2025, 7, 1)


def test_names_are_french_with_accents_and_ascii_emails(generated):
    """Names keep their accents (BÉJEAN, Hélène); e-mails are ASCII, lower case and unique."""
    db, _summary = generated
    with db.session_factory() as session:
        people = session.execute(
            select(Person.last_name, Person.first_name, Person.email, Person.phone)
        ).all()
    assert any(not last.isascii() for last, *_ in people)
    assert any(not first.isascii() for _l, first, *_ in people)
    assert all(last == last.upper() for last, *_ in people)
    emails = [email for *_n, email, _p in people]
    assert len(set(emails)) == len(emails)
    pattern = re.compile(r"^[a-z-]+\.[a-z-]+\d*@ac-(montpellier|toulouse)\.fr$")
    assert all(pattern.match(email) for email in emails)
    assert any(re.search(r"\d@", email) for email in emails)  # homonyms get a digit
    assert all(re.fullmatch(r"0[45] \d\d \d\d \d\d \d\d", phone) for *_r, phone in people)


def test_phones_and_mail_domains_follow_the_site(generated):
    """Montpellier people have 04 67 numbers and ac-montpellier.fr, Toulouse people 05 …."""
    db, _summary = generated
    rows = _rows(
        db, "SELECT s.name, p.email, p.phone FROM person p JOIN site s ON s.id = p.site_id"
    )
    cities = {city for city, _e, _p in rows}
    assert cities == {"Montpellier", "Toulouse"}
    for city, email, phone in rows:
        assert email.endswith(f"@ac-{city.lower()}.fr")
        assert phone.startswith("04 67" if city == "Montpellier" else "05 ")


def test_programmes_cover_every_family_in_trees(generated):
    """Programmes of every family form trees, with dates 2018–2030, axes and départements."""
    db, _summary = generated
    families = {f for (f,) in _rows(db, "SELECT DISTINCT family FROM programme")}
    assert families == set(PROGRAMME_FAMILIES)
    assert _scalar(db, "SELECT count(*) FROM programme WHERE parent_id IS NULL") < 20
    grandchildren = "SELECT count(*) FROM programme c JOIN programme p ON c.parent_id = p.id " \
                    "WHERE p.parent_id IS NOT NULL"  # fmt: skip
    assert _scalar(db, grandchildren) > 0
    mixed = "SELECT count(*) FROM programme c JOIN programme p ON c.parent_id = p.id " \
            "WHERE c.family <> p.family OR c.start_on < p.start_on OR c.end_on > p.end_on"  # fmt: skip
    assert _scalar(db, mixed) == 0
    assert _scalar(db, "SELECT min(start_on) FROM programme") >= "2018-01-01"
    assert _scalar(db, "SELECT max(end_on) FROM programme") <= "2030-12-31"
    assert _scalar(db, "SELECT count(DISTINCT status) FROM programme") >= 3
    assert _scalar(db, "SELECT count(*) FROM programme WHERE lead_unit_id IS NULL") == 0
    assert _scalar(db, "SELECT count(*) FROM programme_axis") > 0
    assert _scalar(db, "SELECT count(DISTINCT programme_id) FROM programme_department") == 200


def test_milestones_fall_due_within_their_programme(generated):
    """Milestones fall due in their programme's span, mostly 2021–2027, past ones mostly done."""
    db, _summary = generated
    with db.session_factory() as session:
        dues = session.execute(select(Milestone.due_on, Milestone.done)).all()
    assert min(d for d, _ in dues) >= date(2018, 1, 1)
    assert max(d for d, _ in dues) <= date(2030, 12, 31)
    usual = [d for d, _ in dues if date(2021, 1, 1) <= d <= date(2027, 12, 31)]
    assert len(usual) > 0.85 * len(dues)
    outside = "SELECT count(*) FROM milestone m JOIN programme p ON p.id = m.programme_id " \
              "WHERE m.due_on < p.start_on OR m.due_on > p.end_on"  # fmt: skip
    assert _scalar(db, outside) == 0
    past = [done for due, done in dues if due < date(2025, 1, 1)]
    assert sum(past) > len(past) / 2


def test_some_programmes_have_indicators_per_period(generated):
    """A few programmes carry indicators with a baseline, targets and actuals per (school) year."""
    db, _summary = generated
    assert 0 < _scalar(db, "SELECT count(DISTINCT programme_id) FROM indicator") < 60
    kinds = {k for (k,) in _rows(db, "SELECT DISTINCT kind FROM indicator_value")}
    assert kinds == {"baseline", "target", "actual"}
    periods = {p for (p,) in _rows(db, "SELECT DISTINCT period FROM indicator_value")}
    assert any(len(p) == 9 for p in periods)
    assert any(len(p) == 4 for p in periods)


def test_amounts_are_integer_cents_over_orders_of_magnitude(generated):
    """Funding amounts are positive integer cents from about 1 000 € up to millions of euros."""
    db, _summary = generated
    assert _scalar(db, "SELECT count(*) FROM funding_line WHERE typeof(amount_cents) <> "
                       "'integer' OR amount_cents <= 0") == 0  # fmt: skip
    with db.session_factory() as session:
        planned = session.scalars(
            select(FundingLine.amount_cents).where(FundingLine.stage == "planned")
        ).all()
    assert min(planned) >= 100_000  # 1 000 €
    assert max(planned) <= 2_000_000_000  # 20 M€
    assert math.log10(max(planned) / min(planned)) >= 3
    decades = {int(math.log10(a / 100)) for a in planned}
    assert {3, 4, 5, 6} <= decades
    periods = {p for (p,) in _rows(db, "SELECT DISTINCT period FROM funding_line")}
    assert all(re.fullmatch(r"20\d\d(-20\d\d)?", p) for p in periods)
    assert any("-" in p for p in periods)
    assert {"2021", "2027"} <= periods


def test_paid_never_exceeds_committed_nor_committed_planned(generated):
    """For each programme and funder: paid ≤ committed ≤ planned, with all three stages present."""
    db, _summary = generated
    sums = _rows(
        db,
        "SELECT programme_id, funder_id, "
        "sum(CASE stage WHEN 'planned' THEN amount_cents ELSE 0 END), "
        "sum(CASE stage WHEN 'committed' THEN amount_cents ELSE 0 END), "
        "sum(CASE stage WHEN 'paid' THEN amount_cents ELSE 0 END) "
        "FROM funding_line GROUP BY programme_id, funder_id",
    )
    assert all(paid <= committed <= planned for _p, _f, planned, committed, paid in sums)
    stages = {s for (s,) in _rows(db, "SELECT DISTINCT stage FROM funding_line")}
    assert stages == {"planned", "committed", "paid"}


def test_some_declared_totals_differ_from_their_lines(generated):
    """Declared totals exist; most match the sum of their lines, some differ, as in the report."""
    from desktop.services.safety.checks import ChecksService

    db, _summary = generated
    rows = ChecksService(db.session_factory).declared_totals()
    assert rows
    assert any(r.difference_cents == 0 for r in rows)
    assert any(r.difference_cents != 0 for r in rows) or len(rows) < 4


def test_progress_is_reported_and_bad_counts_are_refused(tmp_path):
    """Progress messages are in French; a negative count or lines without programmes are refused."""
    db = open_database(str(tmp_path / "g.sqlite"))
    messages: list[str] = []
    generate(db.engine, people=5, units=5, programmes=5, milestones=5, funding_lines=5,
             progress=messages.append)  # fmt: skip
    assert any(m.startswith("Personnes") for m in messages)
    assert messages[-1].startswith("Terminé")
    with pytest.raises(ValueError, match="people"):
        generate(db.engine, people=-1, units=1, programmes=1, milestones=0, funding_lines=0)
    with pytest.raises(ValueError, match="programmes"):
        generate(db.engine, people=1, units=1, programmes=0, milestones=3, funding_lines=0)
    db.dispose()


def test_tiny_and_empty_requests_work(tmp_path):
    """Zero of everything adds only reference rows; one unit and no people give a vacant head."""
    db = open_database(str(tmp_path / "g.sqlite"))
    summary = generate(db.engine, people=0, units=0, programmes=0, milestones=0, funding_lines=0)
    assert summary.counts["person"] == summary.counts["unit"] == 0
    summary = generate(db.engine, people=0, units=1, programmes=1, milestones=1, funding_lines=1)
    assert summary.counts["programme"] == summary.counts["funding_line"] == 1
    assert _rows(db, "SELECT role, person_id FROM position") == [("head", None)]
    assert _rows(db, "PRAGMA foreign_key_check") == []
    db.dispose()
