"""The embedded dataset holds, kind by kind, what the 2023 report states in passing (issue 23).

Partners' heads, events and schemes with a date or a figure, beneficiaries, the services' own
activity figures, the dates of the texts programmes implement, and the report's contradictions.
Every expected value was read in the report (rapport d'activité 2023 de la région académique
Occitanie); none is taken from the dataset files.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from desktop.db import open_database
from desktop.models import (
    Establishment,
    Indicator,
    IndicatorValue,
    Milestone,
    Organisation,
    Person,
    Position,
    Programme,
    Unit,
    programme_establishment,
    programme_partner,
)
from desktop.services.transfer.dataset import load_default_dataset

REGION_OCC_NAME = "Région Occitanie / Pyrénées-Méditerranée"


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    path = tmp_path_factory.mktemp("dataset") / "pilotis.sqlite"
    database = open_database(f"sqlite:///{path.as_posix()}")
    load_default_dataset(database.session_factory)
    with database.session_factory() as session:
        yield session
    database.dispose()


def _programme(session, code: str) -> Programme:
    return session.scalars(select(Programme).where(Programme.code == code)).one()


def _unit(session, code: str) -> Unit:
    return session.scalars(select(Unit).where(Unit.code == code)).one()


def _milestones(session, code: str) -> dict[str, tuple[date, str, bool]]:
    rows = session.execute(
        select(Milestone.title, Milestone.due_on, Milestone.precision, Milestone.done).where(
            Milestone.programme_id == _programme(session, code).id
        )
    )
    return {title: (due, precision, done) for title, due, precision, done in rows}


def _value_row(session, programme: str, indicator: str, period: str):
    return session.execute(
        select(IndicatorValue.value, IndicatorValue.note, Indicator.name)
        .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
        .join(Programme, Indicator.programme_id == Programme.id)
        .where(
            Programme.code == programme,
            Indicator.code == indicator,
            IndicatorValue.period == period,
            IndicatorValue.kind == "actual",
        )
    ).one()


def _partners(session, code: str) -> set[str]:
    return set(
        session.scalars(
            select(Organisation.name)
            .join(programme_partner, programme_partner.c.organisation_id == Organisation.id)
            .where(programme_partner.c.programme_id == _programme(session, code).id)
        )
    )


def _organisation(session, code: str) -> Organisation:
    return session.scalars(select(Organisation).where(Organisation.code == code)).one()


# --- partners' people -------------------------------------------------------------------------


def test_partner_heads_are_in_the_directory_with_their_titles(session):
    """Searching the directory for the préfet, the Région's or the MEDEF's president finds them
    with the title the report gives, in a partners' root outside the région académique."""
    posts = session.execute(
        select(Person.first_name, Person.last_name, Position.title)
        .join(Position, Position.person_id == Person.id)
        .join(Unit, Position.unit_id == Unit.id)
        .where(Unit.code == "PARTENAIRES")
    ).all()
    assert {(f"{first} {last}", title) for first, last, title in posts} == {
        ("Pierre-André DURAND", "Préfet de la région Occitanie"),
        ("Carole DELGA", "Présidente de la Région Occitanie / Pyrénées-Méditerranée"),
        ("Sophie GARCIA", "Présidente du MEDEF Occitanie"),
        ("Sophie GARCIA", "Co-animatrice de la commission « Insertion professionnelle et métiers "
                          "de demain » du Club école-entreprise"),
        ("Sophie BÉJEAN", "Présidente du Club école-entreprise de la région académique Occitanie"),
        ("Bruno BONNELL", "Secrétaire général pour l'investissement (SGPI), France 2030"),
    }  # fmt: skip
    partners = _unit(session, "PARTENAIRES")
    assert partners.parent_id is None  # not a service of the région académique
    assert (partners.email, partners.phone, partners.address) == (None, None, None)
    outsiders = session.scalars(
        select(Person).where(Person.last_name.in_(["DURAND", "DELGA", "GARCIA", "BONNELL"]))
    ).all()
    assert len(outsiders) == 4
    assert all(p.email is None and p.phone is None and p.site_id is None for p in outsiders)


def test_partner_organisations_name_their_heads(session):
    """The partner organisations (préfecture, Région, MEDEF, SGPI, Club) name their heads."""
    expected = {
        "PREFECTURE-OCC": "Pierre-André DURAND",
        "REGION-OCC": "Carole DELGA",
        "MEDEF-OCC": "Sophie GARCIA",
        "SGPI": "Bruno BONNELL",
        "CLUB-EE": "Sophie BÉJEAN",
    }
    for code, head in expected.items():
        assert head in _organisation(session, code).description, code
    assert "Secrétariat général pour l'investissement (SGPI)" in _partners(session, "FRANCE-2030")


# --- events and schemes mentioned in passing --------------------------------------------------


def test_events_with_a_date_or_a_figure_are_milestones_and_indicators(session):
    """The Auschwitz trip (29 March 2023, 160 lycéens), the printemps de l'orientation (March
    2023) and the SESAME and Colos apprenantes evaluations show in the schedule."""
    assert _milestones(session, "MEMOIRE-AUSCHWITZ") == {
        "Déplacement à Auschwitz avec 160 lycéens": (date(2023, 3, 29), "jour", True),
    }
    assert _value_row(session, "MEMOIRE-AUSCHWITZ", "LYCEENS", "2022-2023")[0] == 160
    assert REGION_OCC_NAME in _partners(session, "MEMOIRE-AUSCHWITZ")
    printemps = _milestones(session, "PRINTEMPS-ORIENTATION")
    assert list(printemps.values()) == [(date(2023, 3, 1), "mois", True)]
    assert _unit(session, "DRAIO").id == _programme(session, "PRINTEMPS-ORIENTATION").lead_unit_id
    sesame = _milestones(session, "SESAME")
    evaluation = next(t for t in sesame if t.startswith("Démarrage de l'évaluation"))
    assert "Amnyos" in evaluation
    assert sesame[evaluation] == (date(2022, 1, 1), "annee", True)
    colos = _milestones(session, "COLOS-APPRENANTES")
    assert colos["Présentation des résultats de l'évaluation 2021"] == (
        date(2022, 1, 1), "annee", True,
    )  # fmt: skip
    assert colos["Publication du bilan des trois années d'évaluation"][2] is False
    observation = _unit(session, "DRAJES-OBS")
    assert _programme(session, "COLOS-APPRENANTES").lead_unit_id == observation.id


def test_european_youth_year_events_keep_their_exact_days(session):
    """The associations' events of the 2022 European youth year keep the day the report prints."""
    events = {
        title: (due, precision)
        for title, (due, precision, _) in _milestones(
            session, "PROGRAMMES-EUROPEENS-JEUNESSE"
        ).items()
    }
    assert events["« Bougeons nos frontières » (commune de Frontignan, 34)"] == (
        date(2022, 5, 11), "jour",
    )  # fmt: skip
    assert events["CIRASTI — Exposcience Occitanie 2022"] == (date(2022, 6, 10), "jour")
    assert events["FRMJC — la nuit des makers"] == (date(2022, 10, 15), "jour")
    assert events["ADHC — événement départemental à l'Odéon de Carcassonne (11)"] == (
        date(2022, 10, 19), "jour",
    )  # fmt: skip
    assert events["RIVAGES 65 — Festival ART TERRE"] == (date(2023, 4, 1), "mois")
    assert events["Événement mobilité à Mende"] == (date(2022, 10, 6), "jour")
    portraits = _value_row(session, "PROGRAMMES-EUROPEENS-JEUNESSE", "PORTRAITS-PARCOURS-LE-MONDE",
                           "2022")  # fmt: skip
    assert portraits[0] == 22


def test_sport_and_associative_life_steps(session):
    """The CRDS's validation of two flagship actions, the e-sport events of June 2023, the FDVA
    colleges opened to MPs in 2022, the ASP-paid volunteers and the FONJEP inventory show."""
    crds = _milestones(session, "CRDS-PST")
    assert crds["Validation des deux actions phares par la conférence (travaux 2021-2022)"][:2] == (
        date(2022, 1, 1), "annee",
    )  # fmt: skip
    assert crds["Inscription du schéma de filière et du CMQ sport au PST"][0] == date(2023, 2, 9)
    esport = next(t for t in _milestones(session, "CMQ-SPORT") if "Occitanie Esports" in t)
    assert _milestones(session, "CMQ-SPORT")[esport][:2] == (date(2023, 6, 1), "mois")
    assert "Ouverture des collèges départementaux aux parlementaires" in _milestones(
        session, "FDVA"
    )
    asp = _value_row(session, "SERVICE-CIVIQUE", "VOLONTAIRES-ASSOCIATIFS-ASP", "2022")
    assert asp[0] == 4000  # indemnified by the ASP, in the DRAJES's ≈ 40 M€ indirect support
    fonjep = _milestones(session, "FONJEP")
    assert fonjep["Mise à jour de l'état des lieux régional des postes FONJEP"][2] is False


# --- beneficiaries ----------------------------------------------------------------------------


def test_research_operators_benefiting_from_the_rd_employment_measure(session):
    """The R&D employment measure names its 19 beneficiary research operators."""
    beneficiaries = {
        "UT1-CAPITOLE", "UT2J", "UT3", "UFTMIP", "UM", "UNIMES", "ISAE-SUPAERO", "IMT-MINES-ALBI",
        "IMT-MINES-ALES", "INSA-TOULOUSE", "IRD", "INRAE", "CIRAD", "CEA", "IRT-SAINT-EXUPERY",
        "ONERA", "INSERM", "CNRS", "I2ML",
    }  # fmt: skip
    linked = set(
        session.scalars(
            select(Organisation.code)
            .join(programme_partner, programme_partner.c.organisation_id == Organisation.id)
            .where(
                programme_partner.c.programme_id == _programme(session, "PRESERVATION-EMPLOI-RD").id
            )
        )
    )
    assert len(beneficiaries) == 19
    assert beneficiaries <= linked
    assert linked - beneficiaries == {"DREETS", "ANR"}
    assert "261 salariés" in _programme(session, "PRESERVATION-EMPLOI-RD").beneficiary


def test_renovated_buildings_are_linked_to_their_plans(session):
    """The renovated student residence and the two DSDEN appear on their renovation plans."""
    assert "Résidence universitaire Daniel Faucher (bâtiment B7)" in _partners(session, "RENOV-ESR")
    uais = set(
        session.scalars(
            select(Establishment.uai)
            .join(
                programme_establishment,
                programme_establishment.c.establishment_id == Establishment.id,
            )
            .where(programme_establishment.c.programme_id == _programme(session, "RELANCE-SD").id)
        )
    )
    assert uais == {"0309999F", "0669999K"}  # DSDEN du Gard, DSDEN des Pyrénées-Orientales


def test_research_bodies_of_the_map_against_the_stated_count(session):
    """The map names 15 national research bodies where the text says 14: both are visible."""
    bodies = session.scalars(
        select(Organisation.code).where(Organisation.kind == "organisme_recherche")
    ).all()
    assert sorted(bodies) == sorted([
        "ADEME", "CEA", "CINES", "CIRAD", "CNES", "CNRM", "CNRS", "IFREMER", "INRAE", "INRAP",
        "INRIA", "INSERM", "IRD", "OOB", "ONERA",
    ])  # fmt: skip
    region = " ".join(_unit(session, "REGION").description.split())
    assert "14 organismes nationaux de recherche (la carte du rapport en nomme 15)" in region
    assert "39 établissements" in region


# --- activity figures of the services ---------------------------------------------------------


def test_services_show_their_own_activity_figures(session):
    """With no unit indicators in the model, each service's card states its activity figures
    with their period: DSI² tickets, workstations, staff by site; SRAPA purchases."""
    dsi = " ".join(_unit(session, "DSI2").description.split())
    for fact in (
        "278 postes", "94 à Montpellier", "184 à Toulouse", "120 postes de missions nationales",
        "280 agents", "Effectifs au 10 mai 2023", "3 700 postes de travail",
        "1 600 lignes mobiles", "1 100 serveurs", "120 sites interconnectés",
        "près de 69 000 tickets", "2 300 jours de développement", "900 000 certificats",
        "préfigurée en 2021",
    ):  # fmt: skip
        assert fact in dsi, fact
    srapa = " ".join(_unit(session, "SRAPA").description.split())
    assert "environ 20 M€ d'achats par an" in srapa
    assert "près de 4,2 M€ en 2022 pour l'organisation du SNU" in srapa
    assert _unit(session, "SRAPA").created_on == date(2021, 1, 1)
    assert "1er janvier 2021" in _unit(session, "SIAAJ").description
    # Not a programme: a unit's activity is not a scheme the unit runs.
    names = session.scalars(select(Programme.name)).all()
    assert not [n for n in names if n.lower().startswith("activité")]


def test_the_region_academique_card_gives_the_printed_contact(session):
    """The région académique's card gives the address and switchboard printed on the report."""
    region = _unit(session, "REGION")
    assert region.address == "31, rue de l'Université, CS 39004, 34064 Montpellier cedex 2"
    assert region.phone == "04 67 91 47 00"
    assert region.email is None


# --- dates of the texts programmes implement --------------------------------------------------


def test_programmes_start_on_the_day_of_their_law(session):
    """Loi ORE (8 March 2018) starts the ORE programme, « Oui si » and the CVEC; the law of
    5 September 2018 starts the MCFPA; each law is a milestone with its exact day."""
    assert _programme(session, "LOI-ORE").start_on == date(2018, 3, 8)
    assert _programme(session, "OUI-SI").start_on == date(2018, 3, 8)
    assert _programme(session, "CVEC").start_on == date(2018, 3, 8)
    assert _programme(session, "MCFPA").start_on == date(2018, 9, 5)
    ore = "Loi du 8 mars 2018 relative à l'orientation et à la réussite des étudiants (loi ORE)"
    assert _milestones(session, "LOI-ORE")[ore] == (date(2018, 3, 8), "jour", True)
    assert _milestones(session, "CVEC")["Création de la CVEC par la loi ORE du 8 mars 2018"] == (
        date(2018, 3, 8), "jour", True,
    )  # fmt: skip
    law = "Loi du 5 septembre 2018 « Pour la liberté de choisir son avenir professionnel »"
    for code in ("MCFPA", "APPRENTISSAGE-MIXITE"):
        assert _milestones(session, code)[law] == (date(2018, 9, 5), "jour", True), code
    labels = _milestones(session, "STRUCTURES-LABELLISEES")
    first = "Création des trois labels CDT, CRT et PFT par le ministère chargé de la recherche"
    assert labels[first] == (date(1996, 1, 1), "annee", True)
    previous = _milestones(session, "CONVENTION-CADRE-REGION")
    assert date(2016, 9, 6) in {due for due, _, _ in previous.values()}


# --- contradictions of the report -------------------------------------------------------------


def test_contradictions_keep_both_figures_with_their_source(session):
    """18 or 19 villes universitaires d'équilibre, a PFT « RASCOL » missing from the list of
    nine, 34 company visits for 4 controls of 6 to 8: both sides are kept and said."""
    dtve = _value_row(session, "DTVE", "VILLES-EQUILIBRE", "2022-2023")
    prefet = _value_row(session, "DTVE", "VILLES-EQUILIBRE-PREFET", "2022-2023")
    assert (dtve[0], prefet[0]) == (19, 18)
    assert "préfet" in prefet[2]
    assert "19" in prefet[1]
    pft = _value_row(session, "STRUCTURES-LABELLISEES", "PFT-LIEES-CMQ", "2022")
    assert pft[0] == 4
    assert "RASCOL" in pft[1]
    visits = _value_row(session, "MCFPA", "VISITES-ENTREPRISES-TOULOUSE", "2023")
    assert visits[0] == 34
    assert "24 à 32" in visits[1]
    dsi = " ".join(_unit(session, "DSI2").description.split())
    assert "278 postes" in dsi
    assert "280 agents" in dsi
