"""The report's budget figures (AMI-CMA table, CPER ESRI rubric, FDVA, FONJEP) as a small import,
shared by the budget tests, so they do not depend on the whole embedded dataset, and their sums
computed by hand."""

from __future__ import annotations

from desktop.services.transfer.ingest import IngestService

AMI_CMA_ACTIONS = [
    # code, name, department, AMI-CMA, Rectorat, Région, cost (report p. « Résultats AMI CMA »)
    ("AMI-CMA-01", "Chantier école nucléaire", "30", 249_841, 22_500, 54_253, 357_344),
    ("AMI-CMA-02", "Bac pro Pilote de ligne de production", "34", 237_710, 0, 68_376, 339_586),
    ("AMI-CMA-03", "Transition énergétique", "34", 119_750, 0, 26_000, 171_500),
    ("AMI-CMA-04", "Transition écologique", "30", 303_350, 22_500, 82_700, 435_500),
    ("AMI-CMA-05", "Mentions complémentaires Cybersécurité", "34", 230_700, 90_000, 9_300, 330_000),
    ("AMI-CMA-06", "Bachelor Construction digitale bas carbone", "32", 74_000, 70_000, 0, 144_000),
    ("AMI-CMA-07", "Filière BTP", None, 207_600, 0, 59_200, 297_000),
    ("AMI-CMA-08", "Mention complémentaire Cybersécurité", "31", 133_000, 70_000, 0, 203_000),
    ("AMI-CMA-09", "Bachelor Maintenance des véhicules", "31", 158_100, 75_000, 0, 239_000),
    ("AMI-CMA-10", "Bac pro Transport par câbles", "65", 211_100, 0, 70_000, 302_000),
]
CPER_RUBRIC = [  # the 493,74 M€ « montant CPER » rubric, in euros
    ("BOP150-172-231", 180_400_000), ("REGION-OCC", 182_700_000), ("BLOC-LOCAL", 80_700_000),
    ("FONDS-PROPRES", 41_500_000), ("ETAT", 2_800_000), ("REGION-OCC", 4_000_000),
    ("PITE", 1_500_000),
]  # fmt: skip
CPER_OUTSIDE = [("CROUS", 61_200_000), ("FEDER-REACT-EU", 32_500_000), ("MESR", 35_000_000)]
FUNDERS = [
    ("BOP150-172-231", "État — crédits CPER des BOP 150, 172 et 231", "etat"),
    ("PITE", "État — PITE et CPIER", "etat"),
    ("ETAT", "État — autres crédits", "etat"),
    ("MESR", "État — MESR", "etat"),
    ("AMI-CMA", "France 2030 — AMI CMA", "etat"),
    ("RECTORAT", "Rectorat (crédits académiques)", "etat"),
    ("FDVA", "Fonds pour le développement de la vie associative", "etat"),
    ("REGION-OCC", "Région Occitanie", "region"),
    ("BLOC-LOCAL", "Bloc local", "collectivite"),
    ("FONDS-PROPRES", "Fonds propres des organismes et universités", "operateur"),
    ("CROUS", "CROUS de Montpellier et de Toulouse", "operateur"),
    ("FONJEP", "FONJEP", "operateur"),
    ("FEDER-REACT-EU", "FEDER — REACT-EU", "ue"),
]
DEPARTMENTS = [("30", "Gard"), ("31", "Haute-Garonne"), ("32", "Gers"), ("34", "Hérault"),
               ("65", "Hautes-Pyrénées")]  # fmt: skip
# Committed and paid amounts are not in the report: these few are test figures, to exercise the
# chain (planned ≥ committed ≥ paid) on AMI-CMA-01 and FDVA.
TEST_CHAIN = [
    ("AMI-CMA-01", "AMI-CMA", 249_841, "committed", "2023"),
    ("AMI-CMA-01", "AMI-CMA", 100_000, "paid", "2023"),
    ("AMI-CMA-01", "REGION-OCC", 54_253, "committed", "2023"),
    ("FDVA", "FDVA", 4_000_000, "committed", "2022"),
    ("FDVA", "FDVA", 3_000_000, "paid", "2022"),
]


def budget_batches() -> list[tuple[str, list[dict], int]]:
    """Import batches of the fixture, loadable with IngestService.import_batches."""
    programmes = [
        {"code": "F2030", "name": "France 2030", "family": "france2030", "kind": "programme",
         "lead_unit": "RA", "axes": [1]},
        {"code": "AMI-CMA", "name": "AMI Compétences et métiers d'avenir", "family": "france2030",
         "kind": "appel", "parent": "F2030", "lead_unit": "DRAFPIC"},
        *[
            {"code": code, "name": name, "family": "france2030", "kind": "action",
             "parent": "AMI-CMA", "departments": [dept] if dept else []}
            for code, name, dept, *_ in AMI_CMA_ACTIONS
        ],
        {"code": "CPER-ESRI", "name": "CPER volet ESRI", "family": "cper", "kind": "programme",
         "lead_unit": "DRARI", "axes": [2]},
        {"code": "CPER-ESRI-RUB", "name": "Rubrique « montant CPER »", "family": "cper",
         "kind": "operation", "parent": "CPER-ESRI"},
        {"code": "CPER-ESRI-HORS", "name": "Hors rubrique", "family": "cper",
         "kind": "operation", "parent": "CPER-ESRI"},
        {"code": "FDVA", "name": "Fonds pour le développement de la vie associative",
         "family": "national", "kind": "dispositif", "lead_unit": "DRAJES", "axes": [3]},
        {"code": "FONJEP", "name": "Postes FONJEP", "family": "national", "kind": "dispositif",
         "lead_unit": "DRAJES"},
    ]  # fmt: skip
    lines = []
    for code, _name, _dept, ami, rectorat, region, _cost in AMI_CMA_ACTIONS:
        for funder, amount in (("AMI-CMA", ami), ("RECTORAT", rectorat), ("REGION-OCC", region)):
            if amount:
                lines.append({"programme": code, "funder": funder, "amount": amount,
                              "stage": "planned", "period": "2023", "source": "AMI CMA"})  # fmt: skip
    for funder, amount in CPER_RUBRIC:
        lines.append({"programme": "CPER-ESRI-RUB", "funder": funder, "amount": amount,
                      "stage": "planned", "source": "CPER ESRI"})  # fmt: skip
    for funder, amount in CPER_OUTSIDE:
        lines.append({"programme": "CPER-ESRI-HORS", "funder": funder, "amount": amount,
                      "stage": "planned", "source": "CPER ESRI"})  # fmt: skip
    lines.append({"programme": "FDVA", "funder": "FDVA", "amount": 4_737_949, "stage": "planned",
                  "period": "2022", "source": "FDVA 2022"})  # fmt: skip
    lines.append({"programme": "FONJEP", "funder": "FONJEP", "amount": 822 * 7_122,
                  "stage": "planned", "period": "2023", "source": "822 postes × 7 122 €"})  # fmt: skip
    for programme, funder, amount, stage, period in TEST_CHAIN:
        lines.append({"programme": programme, "funder": funder, "amount": amount,
                      "stage": stage, "period": period, "source": "test"})  # fmt: skip
    totals = [
        {"programme": "AMI-CMA", "label": "Coût total des actions", "amount": 2_818_931,
         "stage": "planned", "source": "Tableau AMI CMA, ligne TOTAUX"},
        {"programme": "AMI-CMA", "label": "Financement AMI CMA", "amount": 1_925_152,
         "funder": "AMI-CMA", "stage": "planned", "source": "Tableau AMI CMA, ligne TOTAUX"},
        {"programme": "AMI-CMA", "label": "Financement Région", "amount": 369_829,
         "funder": "REGION-OCC", "stage": "planned", "source": "Tableau AMI CMA, ligne TOTAUX"},
        {"programme": "CPER-ESRI-RUB", "label": "Rubrique montant CPER", "amount": 493_740_000,
         "stage": "planned", "source": "CPER ESRI, annexe budgétaire"},
        {"programme": "CPER-ESRI", "label": "Total des 124 opérations", "amount": 622_591_000,
         "stage": "planned", "source": "CPER ESRI, total"},
        {"programme": "FONJEP", "label": "Soutien aux postes FONJEP", "amount": 6_265_284,
         "source": "Vie associative, FONJEP"},
    ]  # fmt: skip
    return [
        ("academies", [{"code": "MONTPELLIER", "name": "Académie de Montpellier"},
                       {"code": "TOULOUSE", "name": "Académie de Toulouse"}], 1),
        ("departments", [{"code": c, "name": n,
                          "academie": "MONTPELLIER" if c in ("30", "34") else "TOULOUSE"}
                         for c, n in DEPARTMENTS], 1),
        ("funders", [{"code": c, "name": n, "kind": k} for c, n, k in FUNDERS], 1),
        ("units", [
            {"code": "RA", "name": "Région académique Occitanie", "kind": "region"},
            {"code": "DRAFPIC", "acronym": "DRAFPIC", "name": "Formation professionnelle",
             "kind": "direction", "parent": "RA"},
            {"code": "DRARI", "acronym": "DRARI", "name": "Recherche et innovation",
             "kind": "direction", "parent": "RA"},
            {"code": "DRAJES", "acronym": "DRAJES", "name": "Jeunesse, engagement et sports",
             "kind": "direction", "parent": "RA"},
        ], 1),
        ("strategic_lines", [{"number": 1, "title": "Ligne 1"}], 1),
        ("axes", [{"number": 1, "line": 1, "title": "Former aux métiers d'avenir"},
                  {"number": 2, "line": 1, "title": "Recherche et innovation"},
                  {"number": 3, "line": 1, "title": "Engagement des jeunes"}], 1),
        ("programmes", programmes, 1),
        ("funding_lines", lines, 1),
        ("declared_totals", totals, 1),
    ]  # fmt: skip


def load_budget_fixture(session_factory) -> None:
    IngestService(session_factory, login="test").import_batches(budget_batches())


# Hand sums (euros) of the fixture, from the report's tables.
AMI_CMA_COLUMN = (
    249_841 + 237_710 + 119_750 + 303_350 + 230_700 + 74_000 + 207_600 + 133_000 + 158_100 + 211_100
)
RECTORAT = 22_500 + 22_500 + 90_000 + 70_000 + 75_000 + 70_000
REGION_AMI = 54_253 + 68_376 + 26_000 + 82_700 + 9_300 + 59_200 + 70_000
CPER = (
    180_400_000
    + 182_700_000
    + 80_700_000
    + 41_500_000
    + 2_800_000
    + 4_000_000
    + 1_500_000
    + 61_200_000
    + 32_500_000
    + 35_000_000
)
FDVA, FONJEP = 4_737_949, 822 * 7_122
TOTAL_PLANNED = AMI_CMA_COLUMN + RECTORAT + REGION_AMI + CPER + FDVA + FONJEP
