"""The embedded default dataset, once loaded, holds the 2023 activity report's facts and figures.

Every expected value below was read in the report (rapport d'activité 2023 de la région
académique Occitanie) and, for sums, computed by hand from its tables. Amounts are integer cents.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import func, select

from desktop.db import open_database
from desktop.models import (
    Academie,
    Axis,
    DeclaredTotal,
    Department,
    Establishment,
    Funder,
    FundingLine,
    Indicator,
    IndicatorValue,
    Milestone,
    Organisation,
    Person,
    Position,
    Programme,
    Site,
    StrategicLine,
    Unit,
    UnitLink,
    programme_axis,
    programme_establishment,
)
from desktop.services.transfer.dataset import load_default_dataset

EUR = 100  # cents per euro


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    path = tmp_path_factory.mktemp("dataset") / "pilotis.sqlite"
    database = open_database(f"sqlite:///{path.as_posix()}")  # creates and migrates the schema
    load_default_dataset(database.session_factory)
    with database.session_factory() as session:
        yield session
    database.dispose()


# --- helpers ----------------------------------------------------------------------------------


def _programme(session, code: str) -> Programme:
    return session.scalars(select(Programme).where(Programme.code == code)).one()


def _unit(session, code: str) -> Unit:
    return session.scalars(select(Unit).where(Unit.code == code)).one()


def _subtree_ids(session, code: str) -> set[int]:
    children = defaultdict(list)
    for pid, parent in session.execute(select(Programme.id, Programme.parent_id)):
        children[parent].append(pid)
    root = _programme(session, code).id
    ids, todo = set(), [root]
    while todo:
        current = todo.pop()
        ids.add(current)
        todo.extend(children[current])
    return ids


def _lines_cents(session, code: str, funder: str | None = None, stage: str | None = None,
                 period: str | None = None, subtree: bool = True) -> int:  # fmt: skip
    ids = _subtree_ids(session, code) if subtree else {_programme(session, code).id}
    query = select(func.coalesce(func.sum(FundingLine.amount_cents), 0)).where(
        FundingLine.programme_id.in_(ids)
    )
    if funder:
        query = query.join(Funder, FundingLine.funder_id == Funder.id).where(Funder.code == funder)
    if stage:
        query = query.where(FundingLine.stage == stage)
    if period:
        query = query.where(FundingLine.period == period)
    return session.scalar(query)


def _declared(session, code: str, label: str) -> DeclaredTotal:
    return session.scalars(
        select(DeclaredTotal)
        .join(Programme, DeclaredTotal.programme_id == Programme.id)
        .where(Programme.code == code, DeclaredTotal.label == label)
    ).one()


def _value(session, programme: str, indicator: str, period: str, kind: str = "actual") -> float:
    return session.scalar(
        select(IndicatorValue.value)
        .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
        .join(Programme, Indicator.programme_id == Programme.id)
        .where(
            Programme.code == programme,
            Indicator.code == indicator,
            IndicatorValue.period == period,
            IndicatorValue.kind == kind,
        )
    )


def _holders(session, unit: str, role: str) -> set[str]:
    rows = session.execute(
        select(Person.first_name, Person.last_name)
        .join(Position, Position.person_id == Person.id)
        .join(Unit, Position.unit_id == Unit.id)
        .where(Unit.code == unit, Position.role == role)
    )
    return {f"{first} {last}" for first, last in rows}


def _children(session, code: str, kind: str | None = None) -> list[Unit]:
    parent = _unit(session, code)
    query = select(Unit).where(Unit.parent_id == parent.id)
    if kind:
        query = query.where(Unit.kind == kind)
    return list(session.scalars(query))


# --- reference tables -------------------------------------------------------------------------


def test_two_academies_share_the_thirteen_departements(session):
    """The région shows its 2 académies and 13 départements, each in the right académie."""
    assert session.scalar(select(func.count(Academie.id))) == 2
    assert session.scalar(select(func.count(Department.id))) == 13
    by_academie = defaultdict(set)
    for code, academie in session.execute(select(Department.code, Academie.code).join(Academie)):
        by_academie[academie].add(code)
    assert by_academie["MONTPELLIER"] == {"11", "30", "34", "48", "66"}
    assert by_academie["TOULOUSE"] == {"09", "12", "31", "32", "46", "65", "81", "82"}
    names = dict(session.execute(select(Department.code, Department.name)).all())
    assert names["09"] == "Ariège"
    assert names["82"] == "Tarn-et-Garonne"


def test_two_sites_montpellier_and_toulouse(session):
    """The services sit on the two sites of Montpellier and Toulouse."""
    assert set(session.scalars(select(Site.code))) == {"MONTPELLIER", "TOULOUSE"}


def test_labelled_structures_are_listed(session):
    """The partner lists show the 12 CMQ of the map, 9 PFT, 8 CRT and 1 CDT (18 structures)."""
    counts = dict(
        session.execute(select(Organisation.kind, func.count()).group_by(Organisation.kind)).all()
    )
    assert counts["cmq"] == 12
    assert counts["pft"] == 9
    assert counts["crt"] == 8
    assert counts["cdt"] == 1
    cmq_depts = set(
        session.scalars(
            select(Department.code)
            .join(Organisation, Organisation.department_id == Department.id)
            .where(Organisation.kind == "cmq")
        )
    )
    assert cmq_depts == {"09", "11", "12", "30", "31", "32", "34", "65", "66"}


def test_ami_cma_lycees_are_linked_by_uai(session):
    """The AMI CMA actions name their lycées by UAI; the one not in the Annuaire stays as text."""
    # 6 lycées of the AMI CMA table and the 2 DSDEN renovated under France Relance.
    assert session.scalar(select(func.count(Establishment.id))) == 8
    linked = defaultdict(set)
    for code, uai in session.execute(
        select(Programme.code, Establishment.uai)
        .join(programme_establishment, programme_establishment.c.programme_id == Programme.id)
        .join(Establishment, programme_establishment.c.establishment_id == Establishment.id)
    ):
        linked[code].add(uai)
    assert linked["AMI-CMA-01"] == {"0300950V"}
    assert linked["AMI-CMA-05"] == {"0340011C", "0301270T"}
    assert linked["AMI-CMA-10"] == {"0650028C"}
    assert "AMI-CMA-08" not in linked
    assert "Simone Veil" in _programme(session, "AMI-CMA-08").beneficiary


# --- directory --------------------------------------------------------------------------------


def test_directory_counts(session):
    """The directory lists every unit, person and post of the organisation chart, and the
    partners' root with the 4 partner heads the report names and their 6 posts."""
    assert session.scalar(select(func.count(Unit.id))) == 56 + 1
    assert session.scalar(select(func.count(Person.id))) == 69 + 4
    assert session.scalar(select(func.count(Position.id))) == 84 + 6
    assert session.scalar(select(func.count(UnitLink.id))) == 4


def test_rectors_lead_the_region_and_academies(session):
    """Sophie BÉJEAN heads the région académique; each académie has its recteur."""
    assert _holders(session, "REGION", "head") == {"Sophie BÉJEAN"}
    assert "Khaled BOUABDALLAH" in _holders(session, "REGION", "member")
    assert _holders(session, "RECTORAT-MTP", "head") == {"Sophie BÉJEAN"}
    assert _holders(session, "RECTORAT-TLS", "head") == {"Mostafa FOURAR"}
    assert _unit(session, "REGION").parent_id is None


@pytest.mark.parametrize(
    ("unit", "head", "deputies"),
    [
        ("DRAJES", "Pascal ETIENNE", {"Sélim KANCAL"}),
        ("DRAFPICA", "Nicolas MADIOT", {"Mickael DUCHIRON"}),
        ("DRAIO", "Régis BEGORRE", {"Anne VIADIEU"}),
        ("DRARI", "Marianne PEYROT", {"Gérard VILAREM", "Christelle GUEGAN"}),
        ("DRANE", "Sabrina CALIAROS", {"Guillaume BONZOMS"}),
        ("DSI2", "Hervé MIRABAIL", {"Gilles GARROUTY"}),
        ("SGRA", "Marc FIROUD", {"Philippe PAILLET"}),
        ("CABINET", "Cédric MICHEL", {"Nadir ALILI", "Damien MICHEL"}),
        ("SRAPI", "Philippe PAILLET", set()),
        ("SRAES", "Aline TEISSIER", set()),
        ("SRAPA", "Emmanuel VASSAL", set()),
        ("PPRAT", "Magali AMOUROUX", set()),
    ],
)
def test_heads_and_deputies_of_the_directions(session, unit, head, deputies):
    """Each direction's page shows its head and deputies as the organisation chart names them."""
    assert _holders(session, unit, "head") == {head}
    assert _holders(session, unit, "deputy") == deputies


def test_drai_has_its_deputy_and_five_adjoints(session):
    """The DRAI page lists Franck LE CARS, his deputy and the five other adjoints."""
    assert _holders(session, "DRAI", "head") == {"Franck LE CARS"}
    assert len(_holders(session, "DRAI", "deputy")) == 6
    assert "Caroline HOURDRY" in _holders(session, "DRAI", "deputy")


def test_site_managers(session):
    """The SRAES and SRAPI pages show their site managers."""
    assert _holders(session, "SRAES", "site_manager") == {"Franck DOMFIZEL"}
    assert _holders(session, "SRAPI", "site_manager") == {"Jean-Pierre DUFOUR", "Alexis PALMIER"}


def test_chargés_de_mission_of_the_sgra(session):
    """The SGRA's four chargés de mission are listed under it."""
    assert _holders(session, "SGRA-CM", "advisor") == {
        "Jemaa BENAYED", "Marine HAND OUALI", "Patrice PEREZ", "Guillaume ARNAUD",
    }  # fmt: skip
    assert _unit(session, "SGRA-CM").parent_id == _unit(session, "SGRA").id


def test_sub_units_of_the_directions(session):
    """DRAFPICA shows 10 départements, DSI² 8, DRAJES and DRAIO 3 pôles, SIAAJ 7 pôles."""
    assert len(_children(session, "DRAFPICA", "departement")) == 10
    assert len(_children(session, "DSI2", "departement")) == 8
    assert len(_children(session, "DRAJES", "pole")) == 3
    assert len(_children(session, "DRAIO", "pole")) == 3
    assert len(_children(session, "SIAAJ", "pole")) == 7
    assert {u.code for u in _children(session, "POLE-PP")} == {
        "DRAJES", "DRAFPICA", "DRAIO", "DRAI", "DRANE",
    }  # fmt: skip
    assert {u.code for u in _children(session, "POLE-ESRI")} == {"SRAES", "DRARI"}
    assert {u.code for u in _children(session, "POLE-ES")} == {"SRAPA", "PPRAT", "SRAPI", "DSI2"}
    assert _holders(session, "DRAJES-SPORT", "head") == {"Cyrille PERROCHIA"}
    assert _holders(session, "DRAFPICA-COMP", "head") == {"Chantal VERNETTE", "Joël MICAS"}


def test_committees(session):
    """The comité de région académique has its ten members, the comité de liaison three."""
    assert len(_holders(session, "COMITE-RA", "member")) == 10
    assert _holders(session, "COMITE-LIAISON", "member") == {
        "Marc FIROUD", "Isabelle CHAZAL", "Vincent DENIS",
    }  # fmt: skip


def test_creation_dates_of_the_services(session):
    """The directory shows when each regional service was created (2020, 2021, 2022)."""
    created = dict(
        session.execute(
            select(Unit.code, Unit.created_on).where(Unit.created_on.is_not(None))
        ).all()
    )
    assert created == {
        "DRAFPICA": date(2020, 1, 1), "DRAIO": date(2020, 1, 1),
        "SRAES": date(2020, 1, 1), "SRAPI": date(2020, 1, 1),
        "DRAJES": date(2021, 1, 1), "DRARI": date(2021, 1, 1), "DRANE": date(2021, 1, 1),
        "DRAI": date(2021, 1, 1), "SRAPA": date(2021, 1, 1),
        "DSI2": date(2022, 1, 1), "SIAAJ": date(2022, 1, 1),
    }  # fmt: skip


def test_no_invented_contacts(session):
    """No e-mail or phone number appears that the report does not give: only the région
    académique's switchboard and address, printed on the report's last page."""
    assert (
        session.scalar(
            select(func.count(Person.id)).where(
                Person.email.is_not(None) | Person.phone.is_not(None)
            )
        )
        == 0
    )
    contacts = session.execute(
        select(Unit.code, Unit.email, Unit.phone, Unit.address).where(
            Unit.email.is_not(None) | Unit.phone.is_not(None) | Unit.address.is_not(None)
        )
    ).all()
    assert contacts == [
        (
            "REGION",
            None,
            "04 67 91 47 00",
            "31, rue de l'Université, CS 39004, 34064 Montpellier cedex 2",
        )
    ]
    assert (
        session.scalar(
            select(func.count(Establishment.id)).where(
                Establishment.email.is_not(None) | Establishment.phone.is_not(None)
            )
        )
        == 0
    )


# --- roadmap ----------------------------------------------------------------------------------


def test_roadmap_has_two_lines_and_fifteen_axes(session):
    """The roadmap shows 2 lignes directrices and 15 axes, axis 14 being the priority one."""
    assert session.scalar(select(func.count(StrategicLine.id))) == 2
    axes = session.execute(
        select(Axis.number, StrategicLine.number, Axis.is_priority, Axis.action).join(
            StrategicLine, Axis.line_id == StrategicLine.id
        )
    ).all()
    assert sorted(a[0] for a in axes) == list(range(1, 16))
    assert {a[0] for a in axes if a[1] == 1} == set(range(1, 11))
    assert {a[0] for a in axes if a[1] == 2} == set(range(11, 16))
    assert [a[0] for a in axes if a[2]] == [14]
    assert all(a[3] for a in axes)


@pytest.mark.parametrize(
    ("programme", "axis"),
    [
        ("AMI-CMA-CARTE", 4),
        ("CAMPUS-CONNECTES", 7),
        ("CORDEES", 8),
        ("TNE-34", 9),
        ("ERASMUS-PLUS", 10),
        ("HYBRIDATION", 11),
        ("DTVE", 12),
        ("CPER-ESRI", 13),
        ("EXPERTISE-CIR-JEI", 14),
        ("STRUCTURES-LABELLISEES", 15),
    ],
)
def test_programmes_are_linked_to_roadmap_axes(session, programme, axis):
    """The budget by roadmap axis counts each programme under the axis the report ties it to."""
    numbers = set(
        session.scalars(
            select(Axis.number)
            .join(programme_axis, programme_axis.c.axis_id == Axis.id)
            .where(programme_axis.c.programme_id == _programme(session, programme).id)
        )
    )
    assert axis in numbers


# --- programmes: leads ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("programme", "direction"),
    [
        ("SNU", "DRAJES"),
        ("FONJEP", "DRAJES"),
        ("FDVA", "DRAJES"),
        ("SERVICE-CIVIQUE", "DRAJES"),
        ("SESAME", "DRAJES"),
        ("SPORT-2H-COLLEGE", "DRAJES"),
        ("CONTROLES-ACM-EAPS", "DRAJES"),
        ("AMI-CMA-CARTE", "DRAFPICA"),
        ("AMI-CMA-07", "DRAFPICA"),
        ("STRUCTURES-LABELLISEES", "DRARI"),
        ("AAP-STTP", "DRARI"),
        ("CAMPUS-CONNECTES", "SRAES"),
        ("DTVE", "SRAES"),
        ("AIDE-ANNUELLE", "SRAES"),
        ("RENOV-ESR", "SRAPI"),
        ("RENOV-SD", "SRAPI"),
        ("ERASMUS-PLUS", "DRAI"),
        ("TNE-34", "DRANE"),
        ("CORDEES", "DRAIO"),
    ],
)
def test_programmes_are_led_by_the_right_direction(session, programme, direction):
    """Each programme sheet names the direction (or one of its pôles) the report attributes it to."""
    unit = session.get(Unit, _programme(session, programme).lead_unit_id)
    codes = set()
    while unit is not None:
        codes.add(unit.code)
        unit = session.get(Unit, unit.parent_id) if unit.parent_id else None
    assert direction in codes


# --- France 2030: AMI CMA ---------------------------------------------------------------------


def test_ami_cma_carte_has_ten_actions(session):
    """The AMI CMA « carte des formations » shows its 10 actions."""
    parent = _programme(session, "AMI-CMA-CARTE")
    kinds = session.scalars(select(Programme.kind).where(Programme.parent_id == parent.id)).all()
    assert kinds == ["action"] * 10


def test_ami_cma_column_sums_of_the_ten_lines(session):
    """Summing the 10 lines per funder gives AMI CMA 1 925 151 €, Rectorat 350 000 €, Région 369 829 €."""
    assert _lines_cents(session, "AMI-CMA-CARTE", "AMI-CMA") == 1_925_151 * EUR
    assert _lines_cents(session, "AMI-CMA-CARTE", "RECTORAT") == 350_000 * EUR
    assert _lines_cents(session, "AMI-CMA-CARTE", "REGION-OCC") == 369_829 * EUR
    assert _lines_cents(session, "AMI-CMA-CARTE") == 2_644_980 * EUR
    assert (
        session.scalar(
            select(func.count(FundingLine.id)).where(
                FundingLine.programme_id.in_(_subtree_ids(session, "AMI-CMA-CARTE")),
                FundingLine.stage != "planned",
            )
        )
        == 0
    )


def test_ami_cma_totaux_line_is_kept_as_printed(session):
    """The TOTAUX line is kept as printed, so the 1 € gaps with the lines stay visible."""
    assert _declared(
        session, "AMI-CMA-CARTE", "Financement AMI CMA (ligne TOTAUX)"
    ).amount_cents == (1_925_152 * EUR)
    assert _declared(
        session, "AMI-CMA-CARTE", "Financement Rectorat (ligne TOTAUX)"
    ).amount_cents == (350_000 * EUR)
    assert (
        _declared(
            session, "AMI-CMA-CARTE", "Financement Région Occitanie (ligne TOTAUX)"
        ).amount_cents
        == 369_829 * EUR
    )
    total_cost = _declared(session, "AMI-CMA-CARTE", "Coût total des actions (ligne TOTAUX)")
    assert total_cost.amount_cents == 2_818_931 * EUR
    costs = session.scalars(
        select(DeclaredTotal.amount_cents)
        .join(Programme, DeclaredTotal.programme_id == Programme.id)
        .where(Programme.code.like("AMI-CMA-__"), DeclaredTotal.label == "Coût de l'action")
    ).all()
    assert len(costs) == 10
    assert sum(costs) == 2_818_930 * EUR  # one euro less than the TOTAUX line


def test_ami_cma_costs_exceed_their_funding(session):
    """Seven actions cost more than their three funding columns; 05, 06 and 08 are fully covered."""
    gaps = {}
    for number in range(1, 11):
        code = f"AMI-CMA-{number:02d}"
        cost = _declared(session, code, "Coût de l'action").amount_cents
        gaps[code] = cost - _lines_cents(session, code)
    assert gaps == {
        "AMI-CMA-01": 30_750 * EUR, "AMI-CMA-02": 33_500 * EUR, "AMI-CMA-03": 25_750 * EUR,
        "AMI-CMA-04": 26_950 * EUR, "AMI-CMA-05": 0, "AMI-CMA-06": 0,
        "AMI-CMA-07": 30_200 * EUR, "AMI-CMA-08": 0, "AMI-CMA-09": 5_900 * EUR,
        "AMI-CMA-10": 20_900 * EUR,
    }  # fmt: skip
    assert sum(gaps.values()) == 173_950 * EUR


def test_ami_cma_fourteen_projects_in_three_waves(session):
    """The 14 AMI CMA projects came in three waves (July 2022, 18 Nov 2022, June 2023) worth 47 800 861 €."""
    laureats = _programme(session, "AMI-CMA-LAUREATS")
    waves = session.execute(
        select(Milestone.due_on, Milestone.precision, Milestone.done)
        .where(Milestone.programme_id == laureats.id)
        .order_by(Milestone.due_on)
    ).all()
    assert waves == [
        (date(2022, 7, 1), "mois", True),
        (date(2022, 11, 18), "jour", True),
        (date(2023, 6, 1), "mois", True),
    ]
    per_wave = [
        _value(session, "AMI-CMA-LAUREATS", "PROJETS-V1", "2022"),
        _value(session, "AMI-CMA-LAUREATS", "PROJETS-V2", "2022"),
        _value(session, "AMI-CMA-LAUREATS", "PROJETS-V3", "2023"),
    ]
    assert per_wave == [8, 4, 2]
    assert _value(session, "AMI-CMA-LAUREATS", "PROJETS-RA", "2023") == sum(per_wave) == 14
    assert _lines_cents(session, "AMI-CMA-LAUREATS", "AMI-CMA") == 47_800_861 * EUR


# --- France 2030: ExcellencES, hybridation ----------------------------------------------------


def test_excellence_projects(session):
    """TIRIS (38,3 M€ ANR + as much from the Région, from 1 Jan 2023) and ExposUM (46,4 M€)."""
    tiris = _programme(session, "TIRIS")
    assert tiris.start_on == date(2023, 1, 1)
    assert _lines_cents(session, "TIRIS", "ANR") == 38_300_000 * EUR
    assert _lines_cents(session, "TIRIS", "REGION-OCC") == 38_300_000 * EUR
    assert _lines_cents(session, "EXPOSUM") == 46_400_000 * EUR
    assert _declared(session, "EXPOSUM", "Financement 2022-2030").amount_cents == 46_400_000 * EUR


def test_hybridation_projects(session):
    """THE Campus (1 M€ + 1,7 M€), Prométhée (1 M€) and AgilHybrid (2,3 M€) show their funding."""
    assert _lines_cents(session, "THE-CAMPUS", "MESR") == 1_000_000 * EUR
    assert _lines_cents(session, "THE-CAMPUS") == 2_700_000 * EUR
    assert _lines_cents(session, "PROMETHEE", "MESR") == 1_000_000 * EUR
    assert _lines_cents(session, "AGILHYBRID") == 2_300_000 * EUR
    assert _lines_cents(session, "HYBRIDATION") == 6_000_000 * EUR


def test_tne34_keeps_both_text_and_infographic_figures(session):
    """TNE 34 shows its scope; the text's and the infographic's differing counts are both kept."""
    assert _value(session, "TNE-34", "ECOLES", "2022-2023") == 109
    assert _value(session, "TNE-34", "ECOLES-PUBLIQUES-INFOGRAPHIE", "2022-2023") == 112
    assert _value(session, "TNE-34", "LYCEES", "2022-2023") == 15
    assert _value(session, "TNE-34", "LYCEES-INFOGRAPHIE", "2022-2023") == 16
    assert _value(session, "TNE-34", "ENSEIGNANTS", "2022-2023") == 3200
    assert _value(session, "TNE-34", "ENSEIGNANTS-INFOGRAPHIE", "2022-2023") == 3000
    by_level = sum(
        _value(session, "TNE-34", code, "2022-2023")
        for code in ("ENSEIGNANTS-LYCEES", "ENSEIGNANTS-COLLEGES", "ENSEIGNANTS-ECOLES")
    )
    assert by_level == 3200
    assert _value(session, "TNE-34", "ELEVES", "2022-2023") == 50000


# --- CPER --------------------------------------------------------------------------------------


def test_cper_esri_rubric_components(session):
    """The CPER ESRI « montant CPER » rubric shows each funder's share; they add up to 493,6 M€."""
    expected = {
        "BOP150-172-231": 180_400_000,
        "REGION-OCC": 182_700_000 + 4_000_000,  # CPER credits + opération campus
        "BLOC-LOCAL": 80_700_000,
        "FONDS-PROPRES": 41_500_000,
        "ETAT": 2_800_000,  # opération campus
        "PITE": 1_500_000,
    }
    for funder, euros in expected.items():
        assert _lines_cents(session, "CPER-ESRI-RUBRIQUE", funder) == euros * EUR, funder
    assert _lines_cents(session, "CPER-ESRI-RUBRIQUE") == 493_600_000 * EUR
    declared = _declared(
        session, "CPER-ESRI-RUBRIQUE", "Rubrique « montant CPER » de l'annexe budgétaire"
    )
    assert declared.amount_cents == 493_740_000 * EUR


def test_cper_esri_total_beyond_the_rubric(session):
    """Beyond the rubric come CROUS, FEDER-REACT-EU and UT1 Capitole: 622,3 M€ computed, 622,591 M€ declared."""
    assert _lines_cents(session, "CPER-ESRI-HORS-RUBRIQUE", "CROUS") == 61_200_000 * EUR
    assert _lines_cents(session, "CPER-ESRI-HORS-RUBRIQUE", "FEDER-REACT-EU") == 32_500_000 * EUR
    assert _lines_cents(session, "CPER-ESRI-HORS-RUBRIQUE", "ETAT") == 35_000_000 * EUR
    assert _lines_cents(session, "CPER-ESRI") == 622_300_000 * EUR
    declared = _declared(
        session,
        "CPER-ESRI",
        "Total de l'exécution à venir des 124 opérations de l'annexe financière",
    )
    assert declared.amount_cents == 622_591_000 * EUR
    assert _value(session, "CPER-ESRI", "OPERATIONS", "2023") == 124


# --- jeunesse, engagement, sport --------------------------------------------------------------


def test_fonjep_posts_times_unit_amount_differ_from_stated_total(session):
    """FONJEP: 822 posts × 7 122 € = 5 854 284 €, while the report states 6 265 284 €."""
    sectors = [
        _value(session, "FONJEP", code, "2023")
        for code in (
            "POSTES-COHESION-SOCIALE", "POSTES-JEUNESSE-EDUC-POP", "POSTES-JEUNES",
            "POSTES-POLES-COOPERATION",
        )
    ]  # fmt: skip
    assert sectors == [31, 390, 330, 71]
    assert sum(sectors) == _value(session, "FONJEP", "POSTES-TOTAL", "2023") == 822
    assert _value(session, "FONJEP", "AIDE-PAR-POSTE", "2023") == 7122
    assert _lines_cents(session, "FONJEP", "FONJEP") == 822 * 7_122 * EUR == 5_854_284 * EUR
    stated = _declared(session, "FONJEP", "Soutien aux 822 postes annoncé (7 122 € par poste)")
    assert stated.amount_cents == 6_265_284 * EUR


def test_fdva_snu_sesame_envelopes(session):
    """FDVA 4 737 949 € (2022) and 5,2 M€ (2023), SNU 5,5 M€ planned / 4,2 M€ spent, SESAME 309 000 €."""
    assert _lines_cents(session, "FDVA", "FDVA", period="2022") == 4_737_949 * EUR
    assert _lines_cents(session, "FDVA", "FDVA", period="2023") == 5_200_000 * EUR
    assert _lines_cents(session, "SNU", stage="planned", period="2022") == 5_500_000 * EUR
    assert _lines_cents(session, "SNU", stage="paid", period="2022") == 4_200_000 * EUR
    assert _lines_cents(session, "SESAME", period="2023") == 309_000 * EUR
    assert _value(session, "SESAME", "JEUNES", "2023", "target") == 350
    assert _lines_cents(session, "VIE-ASSOCIATIVE") == (4_737_949 + 5_200_000 + 5_854_284) * EUR


def test_youth_and_sport_figures(session):
    """SNU, service civique, 2h de sport and ACM/EAPS controls show the report's key figures."""
    assert _value(session, "SNU", "CENTRES", "2022") == 17
    assert _value(session, "SNU", "ACCUEIL-VOLONTAIRES", "2023", "target") == 4500
    assert _value(session, "SERVICE-CIVIQUE", "NOUVEAUX-VOLONTAIRES", "2022") == 7497
    assert _value(session, "SERVICE-CIVIQUE", "NOUVEAUX-VOLONTAIRES", "2023", "target") == 8353
    per_dept = [
        _value(session, "SPORT-2H-COLLEGE", f"ETABLISSEMENTS-{d}", "2022-2023")
        for d in ("48", "65", "34", "11")
    ]
    assert sum(per_dept) == _value(session, "SPORT-2H-COLLEGE", "ETABLISSEMENTS", "2022-2023") == 15
    assert _value(session, "CONTROLES-ACM-EAPS", "CONTROLES-ACM", "2022") == 517
    assert _value(session, "CONTROLES-ACM-EAPS", "CONTROLES-ACM", "2023", "target") == 565
    assert _value(session, "CONTROLES-ACM-EAPS", "CONTROLES-EAPS", "2022") == 880
    assert _value(session, "CONTROLES-ACM-EAPS", "CONTROLES-EAPS", "2023", "target") == 885


def test_cmq_sport_schedule(session):
    """The CMQ sport project shows its schedule up to the January 2024 start."""
    dues = session.scalars(
        select(Milestone.due_on)
        .where(Milestone.programme_id == _programme(session, "CMQ-SPORT").id)
        .order_by(Milestone.due_on)
    ).all()
    assert dues[-2:] == [date(2023, 12, 1), date(2024, 1, 1)]
    assert date(2023, 2, 9) in dues


# --- enseignement supérieur et vie étudiante --------------------------------------------------


def test_student_aid(session):
    """Student aid 2021-22: 2 300 × ≈1 000 € = 2,3 M€; 5 300 × ≈400 € (2,12 M€) against 2 M€ stated."""
    annual = _lines_cents(session, "AIDE-ANNUELLE", period="2021-2022")
    assert annual == 2_300_000 * EUR
    assert (
        _value(session, "AIDE-ANNUELLE", "BENEFICIAIRES", "2021-2022")
        * _value(session, "AIDE-ANNUELLE", "MONTANT-MOYEN", "2021-2022")
        * EUR
        == annual
    )
    one_off = _declared(session, "AIDE-PONCTUELLE", "Total des aides ponctuelles 2021-2022")
    assert one_off.amount_cents == 2_000_000 * EUR
    product = _value(session, "AIDE-PONCTUELLE", "BENEFICIAIRES", "2021-2022") * _value(
        session, "AIDE-PONCTUELLE", "MONTANT-MOYEN", "2021-2022"
    )
    assert product == 2_120_000
    assert _lines_cents(session, "AIDES-SPECIFIQUES", period="2022-2023") == 2_900_000 * EUR


def test_student_life_and_campus_connectes(session):
    """21 DTVE with 450 participants; 13 campus connectés with 127 then 190 students."""
    assert _value(session, "DTVE", "DIALOGUES", "2022-2023") == 21
    assert _value(session, "DTVE", "PARTICIPANTS", "2022-2023") == 450
    assert _value(session, "CAMPUS-CONNECTES", "CAMPUS", "2022-2023") == 13
    assert _value(session, "CAMPUS-CONNECTES", "ETUDIANTS", "2021-2022") == 127
    assert _value(session, "CAMPUS-CONNECTES", "ETUDIANTS", "2022-2023") == 190
    assert _value(session, "CORDEES", "CORDEES", "2019-2020", "baseline") == 17
    assert _value(session, "CORDEES", "CORDEES", "2022-2023") == 43
    assert _lines_cents(session, "CVEC", "CVEC") == 20_000_000 * EUR


def test_energy_renovation_plans(session):
    """Energy plans: France Relance 90,6 M€ (ESR) and 1,9 M€ (services), résilience 2 + 3,5 M€."""
    assert _lines_cents(session, "RELANCE-ESR", "FRANCE-RELANCE", stage="committed") == (
        90_600_000 * EUR
    )
    assert _lines_cents(session, "RENOV-ESR") == (90_600_000 + 2_000_000 + 3_500_000) * EUR
    assert _lines_cents(session, "RELANCE-SD", "FRANCE-RELANCE") == 1_900_000 * EUR
    assert _lines_cents(session, "RENOV-SD") == (1_900_000 + 2_500_000) * EUR
    assert _lines_cents(session, "OPERATION-CAMPUS") == 800_000_000 * EUR
    assert _value(session, "RENOV-ESR", "GAIN-ENERGETIQUE", "2030", "target") == 40


def test_erasmus_2020_contracts_and_sector_ranges(session):
    """Erasmus+ 2020: 20 M€ of closed contracts; the sector ranges (3-4, 5-6, 8-12 M€) frame it."""
    assert _lines_cents(session, "ERASMUS-PLUS", "ERASMUS-PLUS", "paid", "2020") == (
        20_000_000 * EUR
    )
    sectors = ("ERASMUS-SCOLAIRE", "ERASMUS-PRO", "ERASMUS-SUP")
    low = sum(_value(session, s, "MONTANT-MIN", "2020") for s in sectors)
    high = sum(_value(session, s, "MONTANT-MAX", "2020") for s in sectors)
    assert (low, high) == (16_000_000, 22_000_000)
    assert low <= 20_000_000 <= high
    assert _value(session, "ERASMUS-SUP", "MONTANT-BTS", "2020") == 650_000


def test_fse_projects_keep_cents(session):
    """FSE+ cofinancing is kept to the cent: 166 941,97 € of 337 256,51 € for PAIP."""
    assert _lines_cents(session, "PAIP", "FSE-PLUS") == 16_694_197
    assert _declared(session, "PAIP", "Montant global du projet PAIP 2020-2021").amount_cents == (
        33_725_651
    )
    assert _lines_cents(session, "PERSEVERANCE", "FSE-PLUS") == 27_650_706


# --- declared totals --------------------------------------------------------------------------


def _computed_for(session, total: DeclaredTotal) -> int:
    code = session.get(Programme, total.programme_id).code
    funder = session.get(Funder, total.funder_id).code if total.funder_id else None
    return _lines_cents(session, code, funder, total.stage, total.period)


def test_declared_totals_that_differ_from_their_lines(session):
    """The report's own inconsistencies stay visible: exactly these declared totals differ."""
    differing = {}
    for total in session.scalars(select(DeclaredTotal)):
        computed = _computed_for(session, total)
        if computed != total.amount_cents:
            code = session.get(Programme, total.programme_id).code
            differing[(code, total.label)] = total.amount_cents - computed
    assert differing == {
        ("AMI-CMA-01", "Coût de l'action"): 30_750 * EUR,
        ("AMI-CMA-02", "Coût de l'action"): 33_500 * EUR,
        ("AMI-CMA-03", "Coût de l'action"): 25_750 * EUR,
        ("AMI-CMA-04", "Coût de l'action"): 26_950 * EUR,
        ("AMI-CMA-07", "Coût de l'action"): 30_200 * EUR,
        ("AMI-CMA-09", "Coût de l'action"): 5_900 * EUR,
        ("AMI-CMA-10", "Coût de l'action"): 20_900 * EUR,
        ("AMI-CMA-CARTE", "Coût total des actions (ligne TOTAUX)"): 173_951 * EUR,
        ("AMI-CMA-CARTE", "Financement AMI CMA (ligne TOTAUX)"): 1 * EUR,
        ("CPER-ESRI-RUBRIQUE", "Rubrique « montant CPER » de l'annexe budgétaire"): 140_000 * EUR,
        ("CPER-ESRI", "Total de l'exécution à venir des 124 opérations de l'annexe financière"): (
            291_000 * EUR
        ),
        (
            "CPER",
            "Dotation du CPER Occitanie 2021-2027 (État et Région, plan de relance 2021-2022 inclus)",
        ): (6_300_000_000 - 622_300_000) * EUR,
        ("FONJEP", "Soutien aux 822 postes annoncé (7 122 € par poste)"): 411_000 * EUR,
        ("PAIP", "Montant global du projet PAIP 2020-2021"): 17_031_454,
        ("PERSEVERANCE", "Montant global du projet Persévérance 2020-2021"): 42_295_465,
    }


def test_every_declared_total_cites_the_report(session):
    """Every declared total says where in the 2023 report it comes from."""
    sources = session.scalars(select(DeclaredTotal.source)).all()
    assert len(sources) == 32
    assert all(s.startswith("Rapport d'activité 2023") for s in sources)
    line_sources = session.scalars(select(FundingLine.source)).all()
    assert all(s and s.startswith("Rapport d'activité 2023") for s in line_sources)


def test_amounts_are_whole_cents_and_not_negative(session):
    """Every funding line is a non-negative whole number of cents with a known stage."""
    rows = session.execute(select(FundingLine.amount_cents, FundingLine.stage)).all()
    assert len(rows) == 69
    assert all(isinstance(a, int) and a >= 0 for a, _ in rows)
    assert {s for _, s in rows} <= {"planned", "committed", "paid"}
