"""Reproducible synthetic data at scale (directory, programmes, budgets) for benchmarks."""

from __future__ import annotations

import random
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    column,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy import table as table_clause

from desktop import models as m
from desktop.services.common import search_index

# One fixed timestamp and "as of" date: the same seed must give byte-identical rows.
STAMP = datetime(2025, 9, 1, 8, 0, 0)
AS_OF = date(2025, 6, 30)
# SQLAlchemy's own SQLite text format for DateTime, so the ORM reads the stamp back unchanged.
STAMP_SQL = f"'{STAMP:%Y-%m-%d %H:%M:%S.%f}'"
CHUNK = 10_000
PREFIX = "G-"
AUDIT_COLUMNS = ("created_at", "updated_at", "version")

# --- vocabulary of the generated world --------------------------------------------------------

LAST_NAMES = (
    "MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU",
    "LAURENT", "SIMON", "MICHEL", "LEFÈVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL",
    "FOURNIER", "GIRARD", "BONNET", "DUPONT", "LAMBERT", "FONTAINE", "ROUSSEAU", "VINCENT",
    "MULLER", "LEFEBVRE", "FAURE", "ANDRÉ", "MERCIER", "BLANC", "GUÉRIN", "BOYER", "GARNIER",
    "CHEVALIER", "FRANÇOIS", "LEGRAND", "GAUTHIER", "GARCIA", "PERRIN", "ROBIN", "CLÉMENT",
    "MORIN", "NICOLAS", "HENRY", "ROUSSEL", "MATHIEU", "GAUTIER", "MASSON", "MARCHAND", "DUVAL",
    "DENIS", "DUMONT", "LEMAIRE", "NOËL", "MEYER", "DUFOUR", "MEUNIER", "BRUN", "BLANCHARD",
    "GIRAUD", "JOLY", "RIVIÈRE", "LUCAS", "BRUNET", "GAILLARD", "BARBIER", "ARNAUD", "MARTINEZ",
    "GÉRARD", "ROCHE", "RENARD", "SCHMITT", "LEROUX", "COLIN", "VIDAL", "CARON", "PICARD",
    "ROGER", "FABRE", "AUBERT", "LEMOINE", "RENAUD", "DUMAS", "LACROIX", "OLIVIER", "BOURGEOIS",
    "BENOÎT", "REY", "LECLERC", "ROLLAND", "GUILLAUME", "LECOMTE", "LOPEZ", "DUPUY", "HUBERT",
    "BERGER", "SANCHEZ", "DUPUIS", "MOULIN", "DESCHAMPS", "PEREZ", "FLEURY", "ROYER", "ADAM",
    "POIRIER", "MARTY", "AUBRY", "CARRÉ", "RENAULT", "CHARPENTIER", "MÉNARD", "MAILLARD",
    "BARON", "BERTIN", "HERVÉ", "FERNANDEZ", "LE GALL", "LÉGER", "BOUVIER", "PRÉVOST", "PERROT",
    "GERMAIN", "BESSON", "RÉMY", "PELLETIER", "LÉVÊQUE", "BARRÉ", "LEBRUN", "HAMON", "ÉTIENNE",
    "CHAUVIN", "DA SILVA", "LEMAÎTRE", "BÉNARD", "MARÉCHAL", "REYNAUD", "BARTHÉLEMY", "LAPORTE",
    "BÉJEAN", "MÉJEAN", "GARÇON", "N'DIAYE", "D'ALMEIDA", "CAZENAVE", "ESTÈVE", "SÉGUY",
    "BOUSQUET", "CAMBON", "ESCANDE", "CAUSSE", "VIGUIER", "RIGAL", "SOULIÉ", "MAUREL", "BÉZIAT",
    "CASTANIÉ", "FABRÈGUE", "DELAÜNAY", "CŒURDEROY", "SAINT-MARTIN", "DUPRÉ", "CRÉMIEUX",
)  # fmt: skip

# (first name, is feminine): the flag chooses « Directrice »/« Directeur » and the like.
FIRST_NAMES = tuple(
    [(n, True) for n in (
        "Sophie", "Hélène", "Anaïs", "Maëlle", "Chloé", "Léa", "Élodie", "Émilie", "Céline",
        "Nathalie", "Isabelle", "Sylvie", "Valérie", "Sandrine", "Stéphanie", "Véronique",
        "Catherine", "Christine", "Françoise", "Martine", "Brigitte", "Agnès", "Béatrice",
        "Cécile", "Aurélie", "Mélanie", "Laëtitia", "Noémie", "Zoé", "Inès", "Clémence",
        "Margaux", "Camille", "Manon", "Pauline", "Juliette", "Charlotte", "Marie", "Anne",
        "Claire", "Julie", "Laure", "Lucie", "Élise", "Gaëlle", "Maïté", "Solène", "Anne-Sophie",
        "Marie-Hélène", "Marie-Noëlle", "Danièle", "Geneviève", "Mireille", "Odile", "Régine",
        "Ségolène", "Bérénice", "Éléonore", "Joëlle", "Adèle", "Aude", "Delphine", "Fanny",
        "Géraldine", "Karine",
    )]
    + [(n, False) for n in (
        "Loïc", "Jérôme", "Jean", "Pierre", "Jean-Pierre", "Jean-François", "François",
        "Frédéric", "Stéphane", "Sébastien", "Grégory", "Cédric", "Benoît", "Thierry", "Éric",
        "Hervé", "Rémi", "Jérémie", "Mathéo", "Théo", "Noé", "Raphaël", "Gaël", "Joël", "Noël",
        "Mickaël", "Léo", "Lucas", "Hugo", "Louis", "Nicolas", "Olivier", "Philippe", "Patrick",
        "Laurent", "Christophe", "David", "Julien", "Antoine", "Guillaume", "Vincent", "Yannick",
        "André", "René", "Gérard", "Bruno", "Didier", "Pascal", "Xavier", "Yves", "Régis",
        "Fabrice", "Cyril", "Aurélien", "Maxime", "Adrien", "Bastien", "Clément", "Damien",
        "Emmanuel", "Fabien", "Jacques", "Michel", "Jean-Noël", "Valère",
    )]
)  # fmt: skip

# Département code, name, académie (M: Montpellier, T: Toulouse).
DEPARTMENTS = (
    ("09", "Ariège", "T"), ("11", "Aude", "M"), ("12", "Aveyron", "T"), ("30", "Gard", "M"),
    ("31", "Haute-Garonne", "T"), ("32", "Gers", "T"), ("34", "Hérault", "M"), ("46", "Lot", "T"),
    ("48", "Lozère", "M"), ("65", "Hautes-Pyrénées", "T"), ("66", "Pyrénées-Orientales", "M"),
    ("81", "Tarn", "T"), ("82", "Tarn-et-Garonne", "T"),
)  # fmt: skip
CITIES = (
    ("Montpellier", "34"), ("Béziers", "34"), ("Sète", "34"), ("Lunel", "34"), ("Agde", "34"),
    ("Lodève", "34"), ("Nîmes", "30"), ("Alès", "30"), ("Bagnols-sur-Cèze", "30"),
    ("Le Vigan", "30"), ("Perpignan", "66"), ("Céret", "66"), ("Prades", "66"),
    ("Carcassonne", "11"), ("Narbonne", "11"), ("Castelnaudary", "11"), ("Limoux", "11"),
    ("Mende", "48"), ("Marvejols", "48"), ("Florac", "48"), ("Toulouse", "31"), ("Muret", "31"),
    ("Saint-Gaudens", "31"), ("Colomiers", "31"), ("Blagnac", "31"), ("Albi", "81"),
    ("Castres", "81"), ("Gaillac", "81"), ("Rodez", "12"), ("Millau", "12"),
    ("Villefranche-de-Rouergue", "12"), ("Saint-Affrique", "12"), ("Cahors", "46"),
    ("Figeac", "46"), ("Gourdon", "46"), ("Auch", "32"), ("Condom", "32"), ("Lectoure", "32"),
    ("Tarbes", "65"), ("Lourdes", "65"), ("Bagnères-de-Bigorre", "65"), ("Foix", "09"),
    ("Pamiers", "09"), ("Saint-Girons", "09"), ("Montauban", "82"), ("Castelsarrasin", "82"),
    ("Moissac", "82"),
)  # fmt: skip

SITE_CODES = {"montpellier": ("MTP", "MONTPELLIER"), "toulouse": ("TLS", "TOULOUSE")}
# The two main sites: key, name, département, mail domain, standard phone prefixes, address.
MAIN_SITES = (
    ("montpellier", "Montpellier", "34", "ac-montpellier.fr", ("04 67",),
     "31 rue de l'Université, 34064 Montpellier Cedex 2"),
    ("toulouse", "Toulouse", "31", "ac-toulouse.fr", ("05 61", "05 36"),
     "75 rue Saint-Roch, 31400 Toulouse"),
)  # fmt: skip

# Subject of a unit: words after « Direction régionale académique », and the acronym letters.
THEMES = (
    ("de la jeunesse, de l'engagement et des sports", "JES"),
    ("du numérique pour l'éducation", "NE"),
    ("des relations européennes, internationales et de la coopération", "REIC"),
    ("de la formation professionnelle initiale et continue", "FPIC"),
    ("de l'information et de l'orientation", "IO"), ("des systèmes d'information", "SI"),
    ("des ressources humaines", "RH"), ("des achats", "ACH"),
    ("des affaires financières", "AF"), ("de l'immobilier", "IMMO"),
    ("de l'enseignement supérieur, de la recherche et de l'innovation", "ESRI"),
    ("des statistiques, de la prospective et de l'évaluation", "SPE"),
    ("de la communication", "COM"), ("des affaires juridiques", "AJ"),
    ("de la santé et de la sécurité au travail", "SST"), ("des examens et concours", "EC"),
    ("de la vie scolaire", "VS"), ("de l'action sociale", "AS"),
    ("de l'égalité des chances", "EGC"), ("de l'éducation artistique et culturelle", "EAC"),
    ("de l'école inclusive", "EI"), ("de la transition écologique", "TE"),
    ("de l'apprentissage", "APP"), ("du contrôle de gestion", "CG"),
    ("de l'éducation prioritaire", "EP"), ("des campus des métiers et des qualifications", "CMQ"),
    ("de la formation des personnels", "FP"), ("du sport scolaire", "SS"),
    ("de la politique de la ville", "PV"), ("de la restauration scolaire", "RS"),
)  # fmt: skip
UNIT_LABELS = {
    "pole": ("Pôle", "P"), "direction": ("Direction régionale académique", "DRA"),
    "service": ("Service", "S"), "departement": ("Département", "D"),
    "mission": ("Mission", "M"), "secretariat": ("Secrétariat", "SG"),
    "cabinet": ("Cabinet", "CAB"), "comite": ("Comité régional", "CR"),
}  # fmt: skip
ROOTS = (
    ("region", "Région académique Occitanie", "RAO", 1),
    ("rectorat", "Rectorat de l'académie de Montpellier", "RECT-MTP", 0),
    ("rectorat", "Rectorat de l'académie de Toulouse", "RECT-TLS", 1),
)  # fmt: skip
# Unit kinds by depth below the roots (weights): pôles, then directions/services, then the rest.
LEVEL_KINDS = (
    (("pole", 70), ("secretariat", 10), ("cabinet", 8), ("comite", 6), ("mission", 6)),
    (("direction", 45), ("service", 45), ("mission", 10)),
    (("departement", 45), ("pole", 25), ("mission", 15), ("service", 15)),
    (("service", 50), ("departement", 30), ("mission", 20)),
)  # fmt: skip

# Head titles by unit kind: (masculine, feminine).
HEAD_TITLES = {
    "region": ("Recteur de région académique", "Rectrice de région académique"),
    "rectorat": ("Recteur d'académie", "Rectrice d'académie"),
    "secretariat": ("Secrétaire général", "Secrétaire générale"),
    "cabinet": ("Chef de cabinet", "Cheffe de cabinet"),
    "comite": ("Président du comité", "Présidente du comité"),
    "pole": ("Responsable du pôle", "Responsable du pôle"),
    "direction": ("Directeur régional académique", "Directrice régionale académique"),
    "service": ("Chef de service", "Cheffe de service"),
    "departement": ("Chef du département", "Cheffe du département"),
    "mission": ("Responsable de la mission", "Responsable de la mission"),
}
DEPUTY_OF = {
    "region": "au recteur", "rectorat": "au recteur", "secretariat": "au secrétaire général",
    "cabinet": "au chef de cabinet", "direction": "au directeur régional académique",
    "service": "au chef de service", "departement": "au chef du département",
}  # fmt: skip
MEMBER_TITLES = (
    ("Gestionnaire", "Gestionnaire"), ("Chargé de mission", "Chargée de mission"),
    ("Conseiller", "Conseillère"), ("Assistant de direction", "Assistante de direction"),
    ("Secrétaire", "Secrétaire"), ("Chargé d'études", "Chargée d'études"),
    ("Inspecteur", "Inspectrice"), ("Contrôleur de gestion", "Contrôleuse de gestion"),
    ("Juriste", "Juriste"), ("Ingénieur d'études", "Ingénieure d'études"),
    ("Technicien", "Technicienne"), ("Attaché d'administration", "Attachée d'administration"),
    ("Comptable", "Comptable"), ("Chargé de communication", "Chargée de communication"),
    ("Développeur", "Développeuse"), ("Délégué académique", "Déléguée académique"),
)  # fmt: skip

FAMILY_CODES = {
    "france2030": "F2030", "cper": "CPER", "pia": "PIA", "fse": "FSE", "erasmus": "ERAS",
    "national": "NAT", "regional": "REG", "europe": "EUR", "autre": "AUT",
}  # fmt: skip
FAMILY_WEIGHTS = {
    "france2030": 16, "cper": 14, "pia": 8, "fse": 10, "erasmus": 10, "national": 20,
    "regional": 12, "europe": 6, "autre": 4,
}  # fmt: skip
PROGRAMME_NAMES = {
    "france2030": ("AMI Compétences et métiers d'avenir", "Innovation dans la forme scolaire",
                   "Territoires d'innovation pédagogique", "ExcellencES",
                   "Démonstrateurs numériques dans l'enseignement supérieur",
                   "Pôles pilotes de formation des enseignants"),
    "cper": ("CPER ESRI 2021-2027", "CPER — transition écologique des campus",
             "CPER — vie étudiante et logement", "CPER 2015-2020 — volet enseignement supérieur"),
    "pia": ("PIA 3 — Territoires d'innovation pédagogique",
            "PIA — Campus des métiers et des qualifications", "PIA 4 — Grands défis"),
    "fse": ("FSE+ — Lutte contre le décrochage scolaire",
            "FSE+ — Insertion professionnelle des jeunes",
            "FSE+ — Égalité femmes-hommes dans l'orientation"),
    "erasmus": ("Erasmus+ — Mobilité des élèves de lycée professionnel",
                "Erasmus+ — Accréditation enseignement scolaire",
                "Erasmus+ — Partenariats de coopération"),
    "national": ("Service national universel", "Service civique", "Cordées de la réussite",
                 "Campus connectés", "Vacances apprenantes", "Devoirs faits",
                 "Territoires éducatifs ruraux", "Cités éducatives", "TED-i", "SESAME"),
    "regional": ("Plan de rénovation énergétique des lycées", "Lycées numériques en Occitanie",
                 "Aide régionale à la mobilité des étudiants",
                 "Plan régional de prévention du décrochage", "Restauration scolaire durable"),
    "europe": ("Interreg POCTEFA — coopération transfrontalière",
               "REACT-EU — équipement numérique", "FEDER — campus innovants",
               "Horizon Europe — sciences avec et pour la société"),
    "autre": ("Mécénat — égalité des chances", "Prix de l'engagement lycéen",
              "Partenariat entreprises — stages de seconde"),
}  # fmt: skip
PROJECT_THEMES = (
    "Lycée des métiers de la mer", "Campus de l'aéronautique", "Santé et bien-vieillir",
    "Transition énergétique du bâtiment", "Numérique et cybersécurité", "Agroécologie",
    "Tourisme et hôtellerie", "Industrie du futur", "Orientation des filles vers les sciences",
    "Internat d'excellence", "Tiers-lieu éducatif", "Langues régionales — occitan et catalan",
    "Éducation au développement durable", "Persévérance scolaire", "Accès aux études supérieures",
    "Mobilité européenne des apprentis", "Théâtre et éloquence", "Sport santé",
)  # fmt: skip
OPERATION_OBJECTS = (
    "Rénovation énergétique", "Équipement numérique", "Création d'un tiers-lieu",
    "Mobilité des élèves", "Formation des enseignants", "Résidence d'artistes",
    "Parcours d'orientation", "Laboratoire de langues", "Fablab", "Plateau technique",
    "Accompagnement des élèves décrocheurs", "Restructuration de l'internat",
    "Mise en accessibilité", "Végétalisation de la cour", "Classe immersive",
)  # fmt: skip
ESTABLISHMENTS = (
    ("du ", "lycée"), ("du ", "collège"), ("du ", "lycée professionnel"), ("de l'", "école"),
    ("du ", "lycée agricole"), ("du ", "CIO"), ("de l'", "université"),
)  # fmt: skip
NAMESAKES = (
    "Jean-Jaurès", "Paul-Valéry", "Joffre", "Pierre-de-Fermat", "Marie-Curie", "Jules-Ferry",
    "Victor-Hugo", "Champollion", "Clémence-Royer", "Olympe-de-Gouges", "Simone-Veil",
    "Jean-Moulin", "Déodat-de-Séverac", "Louis-Pasteur", "Georges-Brassens", "Jean-Monnet",
    "Albert-Camus", "Frédéric-Bazille", "Hélène-Boucher", "Émile-Zola", "Germaine-Tillion",
)  # fmt: skip
MILESTONE_TITLES = (
    "Comité de pilotage", "Dépôt du dossier de candidature", "Notification de la subvention",
    "Signature de la convention", "Lancement des travaux", "Réception des travaux",
    "Rapport d'étape", "Bilan annuel", "Jury de sélection", "Clôture de l'appel à projets",
    "Versement du solde", "Comité technique", "Rentrée scolaire : ouverture", "Évaluation finale",
    "Restitution aux partenaires", "Marché public : attribution",
)  # fmt: skip
INDICATORS = (
    ("Nombre d'élèves bénéficiaires", "élèves", 50, 5000),
    ("Nombre d'établissements engagés", "établissements", 3, 300),
    ("Taux de réussite", "%", 55, 95),
    ("Nombre de mobilités réalisées", "mobilités", 10, 800),
    ("Part des filles", "%", 20, 60),
    ("Nombre de postes financés", "postes", 1, 120),
    ("Surface rénovée", "m²", 500, 40000),
)  # fmt: skip

# Funders: code without the generated prefix, name, kind.
FUNDERS = (
    ("BOP150", "Programme 150 — Formations supérieures et recherche universitaire", "etat"),
    (
        "BOP172",
        "Programme 172 — Recherches scientifiques et technologiques pluridisciplinaires",
        "etat",
    ),
    ("BOP231", "Programme 231 — Vie étudiante", "etat"),
    ("BOP214", "Programme 214 — Soutien de la politique de l'éducation nationale", "etat"),
    ("BOP141", "Programme 141 — Enseignement scolaire public du second degré", "etat"),
    ("BOP230", "Programme 230 — Vie de l'élève", "etat"),
    ("BOP163", "Programme 163 — Jeunesse et vie associative", "etat"),
    ("BOP219", "Programme 219 — Sport", "etat"),
    ("REGION-OCC", "Région Occitanie / Pyrénées-Méditerranée", "region"),
    ("CD34", "Département de l'Hérault", "collectivite"),
    ("CD31", "Conseil départemental de la Haute-Garonne", "collectivite"),
    ("CD30", "Département du Gard", "collectivite"),
    ("CD66", "Département des Pyrénées-Orientales", "collectivite"),
    ("CD12", "Département de l'Aveyron", "collectivite"),
    ("3M", "Montpellier Méditerranée Métropole", "collectivite"),
    ("TOULOUSE-METRO", "Toulouse Métropole", "collectivite"),
    ("NIMES-METRO", "Nîmes Métropole", "collectivite"),
    ("FEDER", "Fonds européen de développement régional", "ue"),
    ("FSE-PLUS", "Fonds social européen plus", "ue"),
    ("REACT-EU", "REACT-EU", "ue"),
    ("ERASMUS-PLUS", "Erasmus+ (agence Erasmus+ France Éducation Formation)", "ue"),
    ("INTERREG", "Interreg POCTEFA", "ue"),
    ("ANR", "Agence nationale de la recherche", "operateur"),
    ("BDT", "Banque des Territoires", "operateur"),
    ("CDC", "Caisse des Dépôts", "operateur"),
    ("ADEME", "Agence de la transition écologique", "operateur"),
    ("BPI", "Bpifrance", "operateur"),
    ("ANCT", "Agence nationale de la cohésion des territoires", "operateur"),
    ("FDF", "Fondation de France", "autre"),
    ("MECENAT", "Mécénat d'entreprises", "autre"),
    ("FONDS-PROPRES", "Fonds propres des établissements", "autre"),
)
# Which kinds of funder pay for which family (weights by funder kind).
FAMILY_FUNDING = {
    "france2030": {"etat": 60, "operateur": 25, "region": 10, "collectivite": 5},
    "cper": {"etat": 45, "region": 35, "collectivite": 15, "ue": 5},
    "pia": {"etat": 55, "operateur": 35, "region": 10},
    "fse": {"ue": 70, "etat": 15, "region": 15},
    "erasmus": {"ue": 85, "etat": 5, "autre": 10},
    "national": {"etat": 80, "collectivite": 10, "autre": 10},
    "regional": {"region": 70, "collectivite": 15, "etat": 10, "ue": 5},
    "europe": {"ue": 75, "region": 15, "etat": 10},
    "autre": {"autre": 60, "collectivite": 20, "operateur": 20},
}
AXES = (
    (1, "Favoriser la réussite de tous les élèves, de l'école à l'enseignement supérieur"),
    (1, "Renforcer la continuité des parcours de formation et d'orientation"),
    (1, "Développer les compétences numériques des élèves et des personnels"),
    (1, "Promouvoir l'engagement des jeunes et la citoyenneté"),
    (1, "Ouvrir l'école sur l'Europe et l'international"),
    (1, "Réduire les inégalités territoriales, en particulier en zone rurale"),
    (1, "Accompagner l'école inclusive"),
    (1, "Développer l'éducation artistique, culturelle et sportive"),
    (2, "Piloter les politiques éducatives à l'échelle régionale"),
    (2, "Mutualiser les fonctions support entre les deux académies"),
    (2, "Accompagner les personnels et développer leurs compétences"),
    (2, "Conduire la transition écologique des services et des établissements"),
    (2, "Moderniser les systèmes d'information"),
    (2, "Renforcer les partenariats avec les collectivités et le monde économique"),
    (2, "Évaluer et rendre compte de l'action publique"),
)
LINES = (
    "Réussite et parcours des jeunes en Occitanie",
    "Une organisation régionale au service des territoires",
)


@dataclass(frozen=True)
class GenerationSummary:
    """Rows inserted per table (table name → count) and the wall-clock time it took."""

    counts: dict[str, int]
    seconds: float

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def generate(
    engine: Engine,
    *,
    people: int,
    units: int,
    programmes: int,
    milestones: int,
    funding_lines: int,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> GenerationSummary:
    """Add reproducible synthetic rows to a database, empty or not, in one transaction.

    Exactly `people` persons, `units` units, `programmes` programmes, `milestones` milestones and
    `funding_lines` funding lines are added, with the positions, links, indicators and declared
    totals that go with them; missing reference rows (académies, départements, sites, funders,
    axes) are created, existing ones reused. Nothing is written to the change history.
    """
    requested = {
        "people": people, "units": units, "programmes": programmes, "milestones": milestones,
        "funding_lines": funding_lines,
    }  # fmt: skip
    for name, value in requested.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} : un nombre entier positif ou nul est attendu ({value!r}).")
    if programmes == 0 and (milestones or funding_lines):
        raise ValueError("Des jalons ou des lignes de financement demandent des programmes.")
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    with engine.begin() as conn:
        gen = _Generator(conn, seed, say)
        gen.reference()
        gen.units(units)
        gen.people_and_positions(people)
        gen.programmes(programmes)
        gen.milestones(milestones)
        gen.indicators()
        gen.funding(funding_lines)
        gen.declared_totals()
        gen.fix_sequences()
        if conn.dialect.name == "sqlite":  # the full-text index of the rows written (0012)
            search_index.sync(conn.connection.driver_connection)
    seconds = time.perf_counter() - started
    rows = f"{sum(gen.counts.values()):,}".replace(",", " ")
    say(f"Terminé : {rows} lignes en {seconds:.1f} s.".replace(".", ",", 1))
    return GenerationSummary(dict(gen.counts), seconds)


# --- helpers ----------------------------------------------------------------------------------


def ascii_fold(value: str) -> str:
    """« Lefèvre » → « Lefevre », « Cœur » → « Coeur »: e-mail addresses are plain ASCII."""
    value = value.replace("Œ", "OE").replace("œ", "oe").replace("Æ", "AE").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _mail_part(value: str) -> str:
    """The lower-case ASCII form of a name inside an address: « N'DIAYE » → « ndiaye »."""
    folded = ascii_fold(value).lower().replace("'", "").replace(" ", "-")
    return "".join(c for c in folded if c.isalnum() or c == "-")


def _weighted(rng: random.Random, pairs: Iterable[tuple[str, int]]) -> str:
    items = list(pairs)
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


def _phone(rng: random.Random, prefixes: tuple[str, ...]) -> str:
    r = rng.randrange(1_000_000)
    return f"{rng.choice(prefixes)} {r // 10000:02d} {r // 100 % 100:02d} {r % 100:02d}"


def _staged_columns(table: Table) -> list[str]:
    """The columns the generator writes: not the audit ones, nor generated ones if any."""
    return [c.name for c in table.c if c.name not in AUDIT_COLUMNS and c.computed is None]


def _insert(table: Table):
    """INSERT for executemany (servers; SQLite goes through a staging table, see write()).

    The audit columns are constants written into the SQL itself: binding them would cost a
    datetime conversion per row, a sixth of the run.
    """
    stmt = insert(table)
    if "created_at" in table.c:
        stamp = literal_column(STAMP_SQL)
        stmt = stmt.values(created_at=stamp, updated_at=stamp, version=literal_column("1"))
    return stmt


class _Generator:
    """State shared by the steps: the connection, next ids, and what earlier steps produced."""

    def __init__(self, conn: Connection, seed: int, say: Callable[[str], None]) -> None:
        self.conn = conn
        self.seed = seed
        self.say = say
        self.counts: dict[str, int] = {}
        self.next_id: dict[str, int] = {}

    def rng(self, domain: str) -> random.Random:
        """One stream per domain: asking for more units leaves the people's names unchanged."""
        return random.Random(f"pilotis-generator:{self.seed}:{domain}")

    # -- low level -------------------------------------------------------------------------

    def ids(self, table: Table, n: int) -> range:
        """Reserve n primary keys after the table's current maximum (no RETURNING needed)."""
        name = table.name
        if name not in self.next_id:
            current = self.conn.execute(select(func.max(table.c.id))).scalar()
            self.next_id[name] = (current or 0) + 1
        start = self.next_id[name]
        self.next_id[name] = start + n
        return range(start, start + n)

    def write(self, table: Table, rows: Iterable[dict], label: str, total: int | None = None):
        """Insert rows in chunks (executemany) and count them; progress once per chunk.

        On SQLite the chunks go to a bare temporary table first, then one INSERT … SELECT moves
        them: row-by-row inserts into a table with indexes, checks and foreign keys cost about
        30 µs a row (each statement reopens and seeks every index), the single statement 9 µs.
        Constraints are checked all the same.
        """
        sqlite = self.conn.dialect.name == "sqlite"
        stmt = self._stage(table) if sqlite else _insert(table)
        if table.name in m.SORT_SOURCES:  # the directory's sort keys (see models/directory.py)
            rows = (dict(row, sort_key=m.sort_key_for(table.name, row)) for row in rows)
        if "uuid" in table.c:  # plain tuples get no column default: the rows' global identity,
            # reproducible like the rest (seed, table, id), and new for each new id
            space = uuid.uuid5(uuid.NAMESPACE_URL, f"pilotis-generator:{self.seed}:{table.name}")
            rows = (dict(row, uuid=str(uuid.uuid5(space, str(row["id"])))) for row in rows)
        count = self.counts.get(table.name, 0)
        done = 0
        buffer: list[dict] = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= CHUNK:
                self.conn.execute(stmt, buffer)
                done += len(buffer)
                buffer = []
                if total:
                    self.say(f"{label} : {done:,} / {total:,}".replace(",", " "))
        if buffer:
            self.conn.execute(stmt, buffer)
            done += len(buffer)
        if sqlite:
            self._unstage(table)
        self.counts[table.name] = count + done
        if not total or done % CHUNK:
            self.say(f"{label} : {done:,}".replace(",", " "))

    def _stage(self, table: Table):
        """A constraint-free TEMP copy of the table's columns, and the INSERT that fills it."""
        names = _staged_columns(table)
        stage = f"pilotis_generator_{table.name}"
        self.conn.exec_driver_sql(f'DROP TABLE IF EXISTS temp."{stage}"')
        listed = ", ".join(f'"{n}"' for n in names)
        self.conn.exec_driver_sql(
            f'CREATE TEMP TABLE "{stage}" AS SELECT {listed} FROM main."{table.name}" WHERE 0'
        )
        return insert(table_clause(stage, *(column(n, table.c[n].type) for n in names)))

    def _unstage(self, table: Table) -> None:
        names = _staged_columns(table)
        stage = f"pilotis_generator_{table.name}"
        listed = ", ".join(f'"{n}"' for n in names)
        if "created_at" in table.c:
            target = f"{listed}, created_at, updated_at, version"
            source = f"{listed}, {STAMP_SQL}, {STAMP_SQL}, 1"
        else:
            target = source = listed
        self.conn.exec_driver_sql(
            f'INSERT INTO main."{table.name}" ({target}) '
            f'SELECT {source} FROM temp."{stage}" ORDER BY rowid'
        )
        self.conn.exec_driver_sql(f'DROP TABLE temp."{stage}"')

    def existing_codes(self, table: Table) -> set[str]:
        rows = self.conn.execute(select(table.c.code).where(table.c.code.like(f"{PREFIX}%")))
        return {r[0] for r in rows}

    # -- reference rows --------------------------------------------------------------------

    def reference(self) -> None:
        conn = self.conn
        t_acad, t_dept, t_site = m.Academie.__table__, m.Department.__table__, m.Site.__table__
        for table in (t_acad, t_dept, t_site, m.Funder.__table__, m.StrategicLine.__table__,
                      m.Axis.__table__):  # fmt: skip
            self.counts[table.name] = 0

        # Académies: the existing ones whose code or name says Montpellier / Toulouse.
        academies = conn.execute(select(t_acad.c.id, t_acad.c.code, t_acad.c.name).order_by("id"))
        acad_ids: dict[str, int] = {}
        for row_id, code, name in academies:
            words = f"{code} {name}".casefold()
            for key, city in (("M", "montpellier"), ("T", "toulouse")):
                if city in words and key not in acad_ids:
                    acad_ids[key] = row_id
        new_acads = []
        for key, city in (("M", "Montpellier"), ("T", "Toulouse")):
            if key not in acad_ids:
                (acad_ids[key],) = self.ids(t_acad, 1)
                code = f"{PREFIX}{city.upper()}"
                new_acads.append({"id": acad_ids[key], "code": code, "name": f"Académie de {city}"})
        self.write(t_acad, new_acads, "Académies")

        # Départements: reused by code (their codes are the official ones, never prefixed).
        dept_ids = dict(conn.execute(select(t_dept.c.code, t_dept.c.id)).all())
        new_depts = []
        for code, name, acad in DEPARTMENTS:
            if code not in dept_ids:
                (dept_ids[code],) = self.ids(t_dept, 1)
                new_depts.append(
                    {
                        "id": dept_ids[code],
                        "code": code,
                        "name": name,
                        "academie_id": acad_ids[acad],
                    }
                )
        self.write(t_dept, new_depts, "Départements")
        self.dept_ids = [dept_ids[code] for code, *_ in DEPARTMENTS]
        self.dept_index = {code: i for i, (code, *_) in enumerate(DEPARTMENTS)}

        # Sites: the Montpellier and Toulouse sites, found by code, name or city.
        sites = conn.execute(
            select(t_site.c.id, t_site.c.code, t_site.c.name, t_site.c.city).order_by("id")
        ).all()
        self.site_ids: list[int] = []
        new_sites = []
        for key, city, dept, _domain, _phones, _address in MAIN_SITES:
            found = next(
                (
                    row_id
                    for row_id, code, name, town in sites
                    if key in f"{name} {town or ''}".casefold() or code.upper() in SITE_CODES[key]
                ),
                None,
            )
            if found is None:
                (found,) = self.ids(t_site, 1)
                new_sites.append(
                    {"id": found, "code": f"{PREFIX}SITE-{city.upper()}", "name": city,
                     "city": city, "department_id": dept_ids[dept]}
                )  # fmt: skip
            self.site_ids.append(found)
        self.write(t_site, new_sites, "Sites")

        # Funders: every catalogue entry, reused if its code (plain or prefixed) exists;
        # other existing funders join the pool too.
        t_fund = m.Funder.__table__
        existing = conn.execute(
            select(t_fund.c.id, t_fund.c.code, t_fund.c.kind).order_by("id")
        ).all()
        by_code = {code.upper(): (row_id, kind) for row_id, code, kind in existing}
        pool: dict[int, str] = {row_id: kind for row_id, _code, kind in existing}
        new_funders = []
        for code, name, kind in FUNDERS:
            hit = by_code.get(code) or by_code.get(PREFIX + code)
            if hit is None:
                (row_id,) = self.ids(t_fund, 1)
                pool[row_id] = kind
                new_funders.append(
                    {"id": row_id, "code": PREFIX + code, "name": name, "kind": kind,
                     "description": None}
                )  # fmt: skip
        self.write(t_fund, new_funders, "Financeurs")
        self.funders_by_kind: dict[str, list[int]] = {}
        for row_id, kind in pool.items():
            self.funders_by_kind.setdefault(kind, []).append(row_id)

        # Roadmap: the existing axes, or two lines and fifteen axes when there are none.
        t_axis, t_line = m.Axis.__table__, m.StrategicLine.__table__
        self.axis_ids = list(conn.execute(select(t_axis.c.id).order_by(t_axis.c.id)).scalars())
        if not self.axis_ids:
            top = conn.execute(select(func.max(t_line.c.number))).scalar() or 0
            line_ids = list(self.ids(t_line, len(LINES)))
            self.write(
                t_line,
                [{"id": i, "number": top + n, "title": title}
                 for n, (i, title) in enumerate(zip(line_ids, LINES, strict=True), start=1)],
                "Lignes directrices",
            )  # fmt: skip
            self.axis_ids = list(self.ids(t_axis, len(AXES)))
            self.write(
                t_axis,
                [{"id": i, "line_id": line_ids[line - 1], "number": n, "title": title,
                  "action": None, "is_priority": n in (1, 6, 9)}
                 for n, (i, (line, title)) in enumerate(zip(self.axis_ids, AXES, strict=True), 1)],
                "Axes",
            )  # fmt: skip

    # -- organisation tree -----------------------------------------------------------------

    def units(self, n: int) -> None:
        """A forest of n units, 4–5 levels deep: roots → pôles → directions → départements…"""
        rng = self.rng("units")
        table = m.Unit.__table__
        taken = self.existing_codes(table)
        ids = self.ids(table, n)
        # Level sizes: few roots and pôles, most units in the lower levels.
        roots = 1 if n < 300 else 3 + n // 20_000
        roots = min(roots, n)
        rest = n - roots
        sizes = [roots]
        for share in (0.03, 0.17, 0.40):
            sizes.append(min(rest, max(1, round((n - roots) * share))) if rest else 0)
            rest -= sizes[-1]
        sizes.append(rest)

        self.unit_ids: list[int] = list(ids)
        self.unit_kind: list[str] = []
        self.unit_level: list[int] = []
        self.unit_site: list[int] = []  # 0 Montpellier, 1 Toulouse
        self.unit_theme: list[int] = []
        self.unit_created: list[int] = []  # date ordinals
        rows = []
        children: dict[int | None, int] = {}
        mail_seen: dict[str, int] = {}
        previous: list[int] = []  # indexes of the level above
        index = 0
        for level, size in enumerate(sizes):
            current = []
            for k in range(size):
                i = index
                index += 1
                if level == 0:
                    kind, label, acronym, site = ROOTS[k % len(ROOTS)]
                    name = label if k < len(ROOTS) else f"{label} ({k // len(ROOTS) + 1})"
                    parent = None
                    theme = k % len(THEMES)
                    # The région académique dates from 2016; the rectorats are older (unknown).
                    created = date(2016, 1, 1).toordinal()
                else:
                    # The first children go one per parent, so every level is reached.
                    p = previous[k] if k < len(previous) else rng.choice(previous)
                    parent = p
                    kind = _weighted(rng, LEVEL_KINDS[min(level - 1, 3)])
                    theme = rng.randrange(len(THEMES))
                    words, letters = THEMES[theme]
                    prefix, short = UNIT_LABELS[kind]
                    acronym = short + letters
                    if kind == "secretariat":
                        name = "Secrétariat général de région académique"
                        acronym = "SGRA"
                    elif kind == "cabinet":
                        name = "Cabinet du recteur de région académique"
                    elif kind == "pole" and level >= 3:
                        name = f"Pôle interne {words}"
                    else:
                        name = f"{prefix} {words}"
                    # Pôles spread over both sites; their sub-units mostly stay on theirs.
                    if level == 1:
                        site = rng.randrange(2)
                    else:
                        site = self.unit_site[p] if rng.random() < 0.85 else 1 - self.unit_site[p]
                    if rng.random() < 0.2:
                        name += f" — site de {MAIN_SITES[site][1]}"
                    # Regional services were created 2020–2022; sub-units follow their parent.
                    if level == 1:
                        start = max(self.unit_created[p], date(2020, 1, 1).toordinal())
                        created = start + rng.randrange(3 * 365)
                    else:
                        created = self.unit_created[p] + rng.randrange(3 * 365)
                    created = min(created, date(2024, 12, 31).toordinal())
                sibling = children.get(parent, 0)
                children[parent] = sibling + 1
                code = f"{PREFIX}U{ids[i]:06d}"
                while code in taken:
                    code += "X"
                domain = MAIN_SITES[site][3]
                local = "ce." + _mail_part(acronym)
                seen = mail_seen.get(local, 0)
                mail_seen[local] = seen + 1
                email = f"{local}{seen + 1 if seen else ''}@{domain}"
                rows.append(
                    {
                        "id": ids[i], "parent_id": None if parent is None else ids[parent],
                        "code": code, "acronym": acronym, "name": name, "kind": kind,
                        "site_id": self.site_ids[site],
                        "created_on": None if kind == "rectorat" else date.fromordinal(created),
                        "email": email,
                        "phone": _phone(rng, MAIN_SITES[site][4]),
                        "address": MAIN_SITES[site][5] if level <= 2 else None,
                        "sort_order": sibling, "description": None,
                    }
                )  # fmt: skip
                self.unit_kind.append(kind)
                self.unit_level.append(level)
                self.unit_site.append(site)
                self.unit_theme.append(theme)
                self.unit_created.append(created)
                current.append(i)
            if current:
                previous = current
        self.write(table, rows, "Services", n)

    # -- people and positions --------------------------------------------------------------

    def people_and_positions(self, n: int) -> None:
        """n people; every unit gets a head (a few vacant), some deputies, interim and history."""
        rng = self.rng("people")
        t_person, t_pos = m.Person.__table__, m.Position.__table__
        person_ids = self.ids(t_person, n)
        units = len(self.unit_ids)
        # Who goes where: heads and deputies first, then everyone else in a random unit.
        order = list(range(n))
        rng.shuffle(order)
        pool = iter(order)
        home = [0] * n  # unit index of each person's main post
        posts: list[tuple[int, int | None, str]] = []  # unit index, person index, role
        for u in range(units):
            p = next(pool, None) if rng.random() >= 0.03 else None
            posts.append((u, p, "head"))
            if p is not None:
                home[p] = u
        for u in range(units):
            if self.unit_level[u] <= 3 and rng.random() < 0.3:
                p = next(pool, None)
                if p is not None:
                    posts.append((u, p, "deputy"))
                    home[p] = u
        if units:
            for p in pool:
                u = rng.randrange(units)
                role = "member" if rng.random() < 0.85 else "advisor"
                if self.unit_level[u] <= 2 and rng.random() < 0.02:
                    role = "site_manager"
                posts.append((u, p, role))
                home[p] = u

        # Person rows: names, ASCII e-mail deduplicated with a digit, phone of their site.
        taken = {
            e
            for (e,) in self.conn.execute(
                select(t_person.c.email).where(t_person.c.email.isnot(None))
            )
        }
        used: dict[str, int] = {}
        first_names, last_names = FIRST_NAMES, LAST_NAMES
        n_first, n_last = len(first_names), len(last_names)
        mail_parts = {name: _mail_part(name) for name in last_names}
        mail_parts.update({name: _mail_part(name) for name, _f in first_names})
        feminine = [False] * n
        phones = [site[4] for site in MAIN_SITES]
        domains = [site[3] for site in MAIN_SITES]
        unit_site, site_ids = self.unit_site, self.site_ids

        def person_rows() -> Iterator[dict]:
            randrange = rng.randrange
            for p in range(n):
                first, fem = first_names[randrange(n_first)]
                last = last_names[randrange(n_last)]
                feminine[p] = fem
                site = unit_site[home[p]] if units else randrange(2)
                base = f"{mail_parts[first]}.{mail_parts[last]}"
                domain = domains[site]
                k = used.get(base + domain, 0)
                while True:
                    k += 1
                    email = f"{base}{k if k > 1 else ''}@{domain}"
                    if email not in taken:
                        break
                used[base + domain] = k
                r = randrange(1_000_000)
                prefix = phones[site][r % len(phones[site])]
                yield {
                    "id": person_ids[p], "last_name": last, "first_name": first, "email": email,
                    "phone": f"{prefix} {r // 10000:02d} {r // 100 % 100:02d} {r % 100:02d}",
                    "site_id": site_ids[site],
                }  # fmt: skip

        self.write(t_person, person_rows(), "Personnes", n)

        # Positions: current posts, a second post for some, ended posts (history) for others.
        # Their number is known only once drawn, so ids are counted here and reserved after.
        next_pos = self.ids(t_pos, 0).start
        unit_ids, unit_kind, unit_theme = self.unit_ids, self.unit_kind, self.unit_theme
        unit_created = self.unit_created
        lo, hi = date(2019, 9, 1).toordinal(), AS_OF.toordinal()
        history_from = date(2008, 9, 1).toordinal()

        def title_of(u: int, p: int | None, role: str) -> str:
            fem = feminine[p] if p is not None else False
            kind = unit_kind[u]
            if role == "head":
                return HEAD_TITLES[kind][fem]
            if role == "deputy":
                word = "Adjointe" if fem else "Adjoint"
                return f"{word} {DEPUTY_OF.get(kind, 'au responsable')}"
            if role == "site_manager":
                return f"Responsable du site de {MAIN_SITES[unit_site[u]][1]}"
            if role == "advisor":
                word = "Chargée de mission" if fem else "Chargé de mission"
                return f"{word} {THEMES[unit_theme[u]][0]}"
            return MEMBER_TITLES[rng.randrange(len(MEMBER_TITLES))][fem]

        order_of = {"head": 0, "deputy": 1, "site_manager": 2, "advisor": 5, "member": 10}

        def position_rows() -> Iterator[dict]:
            nonlocal next_pos
            randrange, random_ = rng.randrange, rng.random
            for u, p, role in posts:
                # Taken up after the unit was created (units are created before AS_OF).
                first_day = max(lo, unit_created[u])
                start = first_day + randrange(hi - first_day + 1)
                interim = role == "head" and p is not None and random_() < 0.06
                title = title_of(u, p, role) + (" par intérim" if interim else "")
                other = randrange(units) if units > 1 else u
                # Room for an earlier post in another unit: after that unit was created, at
                # least six months long, ended before the current post began.
                earliest = max(history_from, unit_created[other])
                room = start - 180 - earliest
                if p is not None and other != u and room > 0 and random_() < 0.2:
                    old_start = earliest + randrange(room)
                    old_end = old_start + 180 + randrange(start - 180 - old_start)
                    old_role = _weighted(rng, (("member", 70), ("head", 20), ("deputy", 10)))
                    next_pos += 1
                    yield {
                        "id": next_pos - 1, "unit_id": unit_ids[other], "person_id": person_ids[p],
                        "title": title_of(other, p, old_role), "role": old_role,
                        "is_interim": False, "start_on": date.fromordinal(old_start),
                        "end_on": date.fromordinal(old_end), "sort_order": order_of[old_role],
                    }  # fmt: skip
                next_pos += 1
                yield {
                    "id": next_pos - 1, "unit_id": unit_ids[u],
                    "person_id": None if p is None else person_ids[p], "title": title,
                    "role": role, "is_interim": interim,
                    "start_on": None if p is None else date.fromordinal(start), "end_on": None,
                    "sort_order": order_of[role],
                }  # fmt: skip
                if p is not None and random_() < 0.06 and units > 1:
                    # A second current post: a cross-cutting mission in another unit.
                    other = randrange(units)
                    if other == u:
                        other = (other + 1) % units
                    since = date.fromordinal(max(start, unit_created[other]))
                    next_pos += 1
                    yield {
                        "id": next_pos - 1, "unit_id": unit_ids[other], "person_id": person_ids[p],
                        "title": title_of(other, p, "advisor"), "role": "advisor",
                        "is_interim": False, "start_on": since, "end_on": None,
                        "sort_order": order_of["advisor"],
                    }  # fmt: skip

        self.write(t_pos, position_rows(), "Postes", len(posts))
        self.next_id[t_pos.name] = next_pos

    # -- programmes ------------------------------------------------------------------------

    def programmes(self, n: int) -> None:
        """n programmes in trees (programme → projets/actions → opérations) of every family."""
        rng = self.rng("programmes")
        table = m.Programme.__table__
        taken = self.existing_codes(table)
        ids = self.ids(table, n)
        n0 = min(n, max(1, round(n * 0.05))) if n else 0
        n1 = min(n - n0, round(n * 0.25))
        levels = [0] * n0 + [1] * n1 + [2] * (n - n0 - n1)
        families = list(FAMILY_CODES)
        rng.shuffle(families)
        # Lead units: directions and services rather than roots.
        leads = [self.unit_ids[u] for u, lv in enumerate(self.unit_level) if 1 <= lv <= 3]
        leads = leads or self.unit_ids
        used_names: dict[str, int] = {}
        self.prog_ids = list(ids)
        self.prog_family: list[str] = []
        self.prog_level = levels
        self.prog_span: list[tuple[int, int]] = []
        self.prog_parent: list[int | None] = []
        self.prog_city: list[int] = []
        first_of_level = {0: 0, 1: n0, 2: n0 + n1}
        siblings: dict[int | None, int] = {}
        as_of = AS_OF.toordinal()
        rows = []
        for i, level in enumerate(levels):
            k = i - first_of_level[level]
            city = rng.randrange(len(CITIES))
            if level == 0:
                family = (
                    families[k] if k < len(families) else _weighted(rng, FAMILY_WEIGHTS.items())
                )
                parent = None
                kind = "dispositif" if family == "national" or rng.random() < 0.3 else "programme"
                base = rng.choice(PROGRAMME_NAMES[family])
                seen = used_names.get(base, 0)
                used_names[base] = seen + 1
                name = base if not seen else f"{base} ({seen + 1})"
                start = date(2018 + rng.randrange(8), 1 + rng.randrange(12), 1).toordinal()
                end = min(start + 365 * (3 + rng.randrange(5)), date(2030, 12, 31).toordinal())
                beneficiary = rng.choice(
                    ("Établissements de l'académie de Montpellier",
                     "Établissements de l'académie de Toulouse", "Élèves et apprentis d'Occitanie",
                     "Étudiants d'Occitanie", None)
                )  # fmt: skip
            else:
                parents = range(first_of_level[level - 1], first_of_level[level])
                if not parents:
                    parents = range(0, first_of_level[level])
                parent = parents[k] if k < len(parents) else rng.choice(parents)
                family = self.prog_family[parent]
                p_start, p_end = self.prog_span[parent]
                start = p_start + rng.randrange(max(1, (p_end - p_start) // 2))
                end = min(p_end, start + 180 + rng.randrange(max(1, p_end - start - 179)))
                end = max(end, start)
                town = CITIES[city][0]
                if town.startswith("Le "):
                    of_town = "du " + town[3:]
                else:
                    of_town = ("d'" if town[0] in "AEIOUÉ" else "de ") + town
                if level == 1:
                    kind = _weighted(rng, (("appel", 25), ("projet", 45), ("action", 30)))
                    label = {"appel": "Appel à projets", "projet": "Projet", "action": "Action"}
                    name = f"{label[kind]} « {rng.choice(PROJECT_THEMES)} » — {town}"
                    beneficiary = None
                else:
                    kind = _weighted(rng, (("operation", 50), ("projet", 25), ("action", 25)))
                    prep, noun = rng.choice(ESTABLISHMENTS)
                    place = f"{noun} {rng.choice(NAMESAKES)} {of_town}"
                    name = f"{rng.choice(OPERATION_OBJECTS)} {prep}{place}"
                    beneficiary = place[0].upper() + place[1:]
            if start > as_of:
                status = "prevu"
            elif end < as_of:
                status = "termine" if rng.random() < 0.95 else "suspendu"
            else:
                status = "en_cours" if rng.random() < 0.96 else "suspendu"
            sort_order = siblings.get(parent, 0)
            siblings[parent] = sort_order + 1
            code = f"{PREFIX}{FAMILY_CODES[family]}-{ids[i]:06d}"
            while code in taken:
                code += "X"
            rows.append(
                {
                    "id": ids[i], "parent_id": None if parent is None else ids[parent],
                    "code": code, "name": name[:300], "family": family, "kind": kind,
                    "status": status, "lead_unit_id": rng.choice(leads) if leads else None,
                    "start_on": date.fromordinal(start), "end_on": date.fromordinal(end),
                    "description": None, "beneficiary": beneficiary, "sort_order": sort_order,
                }
            )  # fmt: skip
            self.prog_family.append(family)
            self.prog_span.append((start, end))
            self.prog_parent.append(parent)
            self.prog_city.append(city)
        self.write(table, rows, "Programmes", n)

        # Roadmap axes and territory: programmes name 1–3 axes, operations their département.
        axis_rows, dept_rows = [], []
        n_dept = len(self.dept_ids)
        for i, level in enumerate(levels):
            pid = ids[i]
            if self.axis_ids and (level == 0 or rng.random() < (0.6 if level == 1 else 0.3)):
                picked = rng.sample(self.axis_ids, min(len(self.axis_ids), 1 + rng.randrange(3)))
                axis_rows.extend({"programme_id": pid, "axis_id": a} for a in sorted(picked))
            home = self.dept_index[CITIES[self.prog_city[i]][1]]
            if level == 0:
                count = n_dept if rng.random() < 0.4 else 1 + rng.randrange(4)
                picked = sorted({home, *rng.sample(range(n_dept), count)})
            elif level == 1:
                picked = sorted({home, *rng.sample(range(n_dept), rng.randrange(2))})
            else:
                picked = [home]
            dept_rows.extend(
                {"programme_id": pid, "department_id": self.dept_ids[d]} for d in picked
            )
        self.write(m.programme_axis, axis_rows, "Programmes × axes")
        self.write(m.programme_department, dept_rows, "Programmes × départements")

    def milestones(self, n: int) -> None:
        """n dated steps, mostly due 2021–2027 within their programme's dates, done when past."""
        rng = self.rng("milestones")
        table = m.Milestone.__table__
        ids = self.ids(table, n)
        lo, hi = date(2021, 1, 1).toordinal(), date(2027, 12, 31).toordinal()
        as_of = AS_OF.toordinal()
        n_prog = len(self.prog_ids)

        def rows() -> Iterator[dict]:
            randrange, random_ = rng.randrange, rng.random
            for i in ids:
                p = randrange(n_prog)
                start, end = self.prog_span[p]
                # Within the programme's dates, and within 2021–2027 when they overlap.
                a, b = max(start, lo), min(end, hi)
                if a > b:
                    a, b = start, end
                due = date.fromordinal(a + randrange(b - a + 1))
                precision = "jour"
                r = random_()
                # A date known only by its month or year is stored as its first day.
                if r > 0.95 and due.replace(month=1, day=1).toordinal() >= start:
                    precision, due = "annee", due.replace(month=1, day=1)
                elif r > 0.8 and due.replace(day=1).toordinal() >= start:
                    precision, due = "mois", due.replace(day=1)
                past = due.toordinal() < as_of
                yield {
                    "id": i, "programme_id": self.prog_ids[p],
                    "title": MILESTONE_TITLES[randrange(len(MILESTONE_TITLES))], "due_on": due,
                    "precision": precision, "done": random_() < (0.85 if past else 0.05),
                    "note": "Reporté à la demande des partenaires" if random_() < 0.03 else None,
                }  # fmt: skip

        self.write(table, rows(), "Jalons", n)

    def indicators(self) -> None:
        """A few indicators (one programme in ten) with baseline, targets and actuals by year."""
        rng = self.rng("indicators")
        t_ind, t_val = m.Indicator.__table__, m.IndicatorValue.__table__
        n_prog = len(self.prog_ids)
        chosen = sorted(rng.sample(range(n_prog), n_prog // 10 or min(1, n_prog)))
        ind_rows, val_rows = [], []
        as_of = AS_OF.toordinal()
        for p in chosen:
            picks = rng.sample(range(len(INDICATORS)), 1 + rng.randrange(2))
            for number, which in enumerate(picks, start=1):
                (ind_id,) = self.ids(t_ind, 1)
                name, unit, low, high = INDICATORS[which]
                ind_rows.append(
                    {"id": ind_id, "programme_id": self.prog_ids[p], "code": f"IND-{number:02d}",
                     "name": name, "unit": unit}
                )  # fmt: skip
                start_year = max(2019, date.fromordinal(self.prog_span[p][0]).year)
                first = min(start_year, 2025)
                school = rng.random() < 0.6
                baseline = rng.uniform(low, (low + high) / 2)
                percent = unit == "%"
                for step in range(1 + rng.randrange(4)):
                    year = first + step
                    if year > 2026:
                        break
                    period = f"{year}-{year + 1}" if school else str(year)
                    target = baseline * (1 + 0.08 * (step + 1))
                    if percent:
                        target = min(target, 100.0)
                    values = [("target", target)]
                    if step == 0:
                        values.append(("baseline", baseline))
                    if date(year + (1 if school else 0), 6, 30).toordinal() <= as_of:
                        values.append(("actual", target * rng.uniform(0.7, 1.15)))
                    for kind, value in values:
                        value = round(min(value, 100.0), 1) if percent else float(round(value))
                        (val_id,) = self.ids(t_val, 1)
                        val_rows.append(
                            {"id": val_id, "indicator_id": ind_id, "period": period,
                             "kind": kind, "value": value, "note": None}
                        )  # fmt: skip
        self.write(t_ind, ind_rows, "Indicateurs")
        self.write(t_val, val_rows, "Valeurs d'indicateurs")

    # -- budgets ---------------------------------------------------------------------------

    def funding(self, n: int) -> None:
        """n lines in integer cents, log-normal from ~1 000 € to ~20 M€; paid ≤ committed ≤ planned.

        Lines come in groups for one programme, funder and period: planned, then often committed
        (60–100 % of it), then sometimes paid (30–100 % of committed), so the order of the
        stages holds for any sum by programme and funder.
        """
        rng = self.rng("funding")
        table = m.FundingLine.__table__
        ids = iter(self.ids(table, n))
        n_prog = len(self.prog_ids)
        # Per family: the funders that may pay, with the weight of their kind.
        by_family: dict[str, tuple[list[int], list[float]]] = {}
        everyone = [f for kind in sorted(self.funders_by_kind) for f in self.funders_by_kind[kind]]
        for family, weights in FAMILY_FUNDING.items():
            funders, w = [], []
            for kind, weight in weights.items():
                members = self.funders_by_kind.get(kind, [])
                funders.extend(members)
                w.extend([weight / len(members)] * len(members))
            by_family[family] = (funders, w) if funders else (everyone, [1.0] * len(everyone))
        mu = {0: 13.8, 1: 11.9, 2: 10.7}  # ln(euros): ~1 M€, ~150 k€, ~45 k€
        self.planned: dict[int, int] = {}  # programme index → planned cents
        self.planned_by_funder: dict[tuple[int, int], int] = {}
        years_lo = [max(2021, date.fromordinal(s).year) for s, _e in self.prog_span]
        years_hi = [min(2027, date.fromordinal(e).year) for _s, e in self.prog_span]

        def rows() -> Iterator[dict]:
            remaining = n
            randrange, random_, lognorm = rng.randrange, rng.random, rng.lognormvariate
            while remaining > 0:
                p = randrange(n_prog)
                family = self.prog_family[p]
                funders, weights = by_family[family]
                funder = rng.choices(funders, weights)[0]
                a, b = years_lo[p], years_hi[p]
                if a > b:
                    a, b = 2021, 2027
                year = a + randrange(b - a + 1)
                # School years for a third of the lines, calendar years for the rest.
                period = f"{year}-{year + 1}" if random_() < 0.3 and year < 2027 else str(year)
                euros = min(max(lognorm(mu[self.prog_level[p]], 1.1), 1000.0), 20_000_000.0)
                r = random_()
                if r < 0.5:
                    planned = round(euros, -3) * 100 or 100_000
                elif r < 0.8:
                    planned = round(euros, -1) * 100
                else:
                    planned = round(euros * 100)
                planned = int(planned)
                amounts = [("planned", planned)]
                r = random_()
                if r < 0.65:
                    committed = int(planned * (0.6 + 0.4 * random_()))
                    amounts.append(("committed", max(committed, 1)))
                    if r < 0.35:
                        paid = int(committed * (0.3 + 0.7 * random_()))
                        amounts.append(("paid", max(paid, 1)))
                for stage, cents in amounts[:remaining]:
                    if stage == "planned":
                        self.planned[p] = self.planned.get(p, 0) + cents
                        key = (p, funder)
                        self.planned_by_funder[key] = self.planned_by_funder.get(key, 0) + cents
                    yield {
                        "id": next(ids), "programme_id": self.prog_ids[p], "funder_id": funder,
                        "amount_cents": cents, "stage": stage, "period": period,
                        "note": "Avenant à la convention" if random_() < 0.02 else None,
                        "source": None,
                    }  # fmt: skip
                remaining -= min(len(amounts), remaining)

        self.write(table, rows(), "Lignes de financement", n)

    def declared_totals(self) -> None:
        """A few totals as a source would state them: most match the lines, some do not."""
        rng = self.rng("declared")
        table = m.DeclaredTotal.__table__
        self.counts[table.name] = 0
        if not self.planned:
            return
        # Sum each programme's subtree: children have higher ids than their parents.
        subtree = [0] * len(self.prog_ids)
        for p, cents in self.planned.items():
            subtree[p] += cents
        has_children = [False] * len(self.prog_ids)
        for p in range(len(self.prog_ids) - 1, -1, -1):
            parent = self.prog_parent[p]
            if parent is not None:
                subtree[parent] += subtree[p]
                has_children[parent] = True
        candidates = [p for p in range(len(self.prog_ids)) if subtree[p]]
        count = min(len(candidates), max(1, len(self.prog_ids) // 40))
        funder_keys = [k for k in self.planned_by_funder if not has_children[k[0]]]
        rows = []
        for p in sorted(rng.sample(candidates, count)):
            funder = None
            computed = subtree[p]
            if not has_children[p] and rng.random() < 0.3:
                options = [f for (q, f) in funder_keys if q == p]
                if options:
                    funder = rng.choice(options)
                    computed = self.planned_by_funder[(p, funder)]
            r = rng.random()
            if r < 0.6:
                declared = computed  # the source agrees with the lines
            elif r < 0.8:
                declared = round(computed, -6) or computed  # rounded to 10 000 € in the source
            else:
                declared = int(computed * rng.uniform(0.9, 1.1))  # a real discrepancy
            (row_id,) = self.ids(table, 1)
            rows.append(
                {"id": row_id, "programme_id": self.prog_ids[p], "funder_id": funder,
                 "label": "Montant total prévu" if funder is None else "Part du financeur",
                 "amount_cents": declared, "stage": "planned", "period": None,
                 "source": f"Convention de financement (jeu généré, graine {self.seed})",
                }
            )  # fmt: skip
        self.write(table, rows, "Totaux déclarés")

    def fix_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the ids written here (SQLite needs nothing)."""
        if self.conn.dialect.name != "postgresql":
            return
        for name, next_id in self.next_id.items():
            if next_id > 1:
                self.conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"),
                    {"t": name, "v": next_id - 1},
                )
