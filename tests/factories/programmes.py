"""A small world of programmes (France 2030, CPER…), units, milestones and indicators, loaded by
the same import path as the dataset."""

from __future__ import annotations

from datetime import date

from desktop.services.common.history import install_history
from desktop.services.transfer.ingest import IngestService

TODAY = date(2024, 1, 15)

WORLD = {
    "academies": [
        {"code": "MONTPELLIER", "name": "Académie de Montpellier"},
        {"code": "TOULOUSE", "name": "Académie de Toulouse"},
    ],
    "departments": [
        {"code": "34", "name": "Hérault", "academie": "MONTPELLIER"},
        {"code": "31", "name": "Haute-Garonne", "academie": "TOULOUSE"},
        {"code": "30", "name": "Gard", "academie": "MONTPELLIER"},
    ],
    "funders": [
        {"code": "F2030", "name": "État — France 2030", "kind": "etat"},
        {"code": "REGION", "name": "Région Occitanie", "kind": "region"},
        {"code": "BDT", "name": "Banque des Territoires", "kind": "operateur"},
    ],
    "organisations": [
        {"code": "UM", "name": "Université de Montpellier", "kind": "universite"},
        {"code": "CMQ-SPORT", "name": "CMQ Sport, animation et tourisme", "kind": "cmq"},
    ],
    "units": [
        {"code": "RA", "name": "Région académique Occitanie", "kind": "region"},
        {
            "code": "DRAJES",
            "acronym": "DRAJES",
            "name": "Délégation régionale académique à la jeunesse, à l'engagement et aux sports",
            "kind": "direction",
            "parent": "RA",
        },
        {
            "code": "SDJES-34",
            "acronym": "SDJES 34",
            "name": "Service départemental de l'Hérault",
            "kind": "departement",
            "parent": "DRAJES",
        },
        {
            "code": "DRAFPIC",
            "acronym": "DRAFPIC",
            "name": "Délégation régionale à la formation professionnelle",
            "kind": "direction",
            "parent": "RA",
        },
    ],
    "people": [{"last_name": "MARTIN", "first_name": "Hélène"}],
    "positions": [
        {
            "unit": "DRAFPIC",
            "title": "Déléguée régionale",
            "role": "head",
            "last_name": "MARTIN",
            "first_name": "Hélène",
        },
    ],
    "strategic_lines": [
        {"number": 1, "title": "Favoriser la réussite de tous"},
        {"number": 2, "title": "Construire des parcours d'avenir"},
    ],
    "axes": [
        {"number": 1, "line": 1, "title": "Engagement des jeunes", "action": "Développer le SNU"},
        {
            "number": 2,
            "line": 2,
            "title": "Carte des formations",
            "action": "Adapter l'offre",
            "priority": True,
        },
        {"number": 3, "line": 2, "title": "Numérique éducatif"},
    ],
    "programmes": [
        {
            "code": "F2030",
            "name": "France 2030",
            "family": "france2030",
            "kind": "programme",
            "lead_unit": "RA",
            "start_on": "2021-10-12",
            "status": "en_cours",
        },
        {
            "code": "AMI-CMA",
            "name": "AMI Compétences et métiers d'avenir",
            "family": "france2030",
            "kind": "appel",
            "parent": "F2030",
            "lead_unit": "DRAFPIC",
            "start_on": "2022-01-01",
            "end_on": "2025-12-31",
            "axes": [2],
            "departments": ["34", "31"],
            "partners": ["CMQ-SPORT"],
        },
        {
            "code": "AMI-CMA-01",
            "name": "École de l'ingénierie de la formation",
            "family": "france2030",
            "kind": "action",
            "parent": "AMI-CMA",
            "lead_unit": "DRAFPIC",
            "sort_order": 1,
            "start_on": "2022-09-01",
            "end_on": "2024-08-31",
            "axes": [2],
        },
        {
            "code": "AMI-CMA-02",
            "name": "Métiers du sport",
            "family": "france2030",
            "kind": "action",
            "parent": "AMI-CMA",
            "lead_unit": "DRAFPIC",
            "sort_order": 2,
            "status": "prevu",
            "start_on": "2024-01-01",
            "end_on": "2026-12-31",
        },
        {
            "code": "SNU",
            "name": "Service national universel",
            "family": "national",
            "kind": "dispositif",
            "lead_unit": "DRAJES",
            "start_on": "2019-06-01",
            "axes": [1],
            "departments": ["34"],
            "beneficiary": "Jeunes de 15 à 17 ans",
        },
        {
            "code": "ETE-CULT",
            "name": "Été culturel et apprenant",
            "family": "national",
            "kind": "dispositif",
            "lead_unit": "SDJES-34",
            "status": "termine",
            "start_on": "2020-07-01",
            "end_on": "2021-08-31",
            "departments": ["34"],
        },
    ],
    "milestones": [
        {
            "programme": "AMI-CMA-01",
            "title": "Dépôt des dossiers",
            "due_on": "2023-03-31",
            "done": True,
        },
        {
            "programme": "AMI-CMA-01",
            "title": "Comité de sélection",
            "due_on": "2023-06-01",
            "precision": "mois",
        },
        {"programme": "SNU", "title": "Séjours de cohésion", "due_on": "2024-02-15"},
        {"programme": "SNU", "title": "Bilan de la campagne", "due_on": "2024-12-31"},
    ],
    "indicators": [
        {
            "programme": "SNU",
            "code": "JEUNES",
            "name": "Jeunes en séjour de cohésion",
            "unit": "jeunes",
        },
    ],
    "indicator_values": [
        {
            "programme": "SNU",
            "indicator": "JEUNES",
            "period": "2022",
            "kind": "baseline",
            "value": 2000,
        },
        {
            "programme": "SNU",
            "indicator": "JEUNES",
            "period": "2023",
            "kind": "target",
            "value": 5000,
        },
        {
            "programme": "SNU",
            "indicator": "JEUNES",
            "period": "2023",
            "kind": "actual",
            "value": 3500,
        },
    ],
    "funding_lines": [
        {
            "programme": "AMI-CMA-01",
            "funder": "F2030",
            "amount": 300000,
            "stage": "planned",
            "period": "2023",
        },
        {
            "programme": "AMI-CMA-01",
            "funder": "REGION",
            "amount": 57344,
            "stage": "planned",
            "period": "2023",
        },
        {"programme": "AMI-CMA-02", "funder": "F2030", "amount": 200000, "stage": "committed"},
    ],
    "declared_totals": [
        {
            "programme": "AMI-CMA",
            "label": "Total des actions AMI-CMA",
            "amount": 600000,
            "source": "Rapport 2023, p. 12",
        },
    ],
}


def load_world(session_factory) -> None:
    """The small world of these tests, loaded by the same import path as the dataset."""
    install_history(session_factory, login="chargee.mission")
    IngestService(session_factory, login="test").import_batches(
        [(kind, rows, 1) for kind, rows in WORLD.items()]
    )
