"""French labels of the codes stored in the database (kinds, roles, stages, statuses…)."""

from __future__ import annotations

FUNDER_KINDS = {
    "etat": "État",
    "region": "Région",
    "collectivite": "Collectivités",
    "ue": "Union européenne",
    "operateur": "Opérateurs",
    "autre": "Autres",
}
ORGANISATION_KINDS = {
    "universite": "Université",
    "ecole": "École",
    "organisme_recherche": "Organisme de recherche",
    "cmq": "Campus des métiers et des qualifications",
    "pft": "Plate-forme technologique",
    "crt": "Centre de ressources technologiques",
    "cdt": "Cellule de diffusion technologique",
    "association": "Association",
    "entreprise": "Entreprise",
    "collectivite": "Collectivité",
    "etat": "Service de l'État",
    "operateur": "Opérateur",
    "autre": "Autre",
}
UNIT_KINDS = {
    "region": "Région académique",
    "rectorat": "Rectorat",
    "cabinet": "Cabinet",
    "secretariat": "Secrétariat général",
    "comite": "Comité",
    "pole": "Pôle",
    "direction": "Direction",
    "service": "Service",
    "departement": "Département",
    "mission": "Mission",
}
# Kinds named by a feminine noun (« la direction »): generated labels agree with them.
FEMININE_UNIT_KINDS = frozenset({"region", "direction", "mission"})
POSITION_ROLES = {
    "head": "Responsable",
    "deputy": "Adjoint",
    "site_manager": "Responsable de site",
    "member": "Membre",
    "advisor": "Chargé de mission",
}
LINK_KINDS = {"fonctionnel": "Lien fonctionnel"}
PROGRAMME_FAMILIES = {
    "france2030": "France 2030",
    "cper": "CPER",
    "pia": "PIA",
    "fse": "FSE+",
    "erasmus": "Erasmus+",
    "national": "Dispositif national",
    "regional": "Dispositif régional",
    "europe": "Europe et international",
    "autre": "Autre",
}
PROGRAMME_KINDS = {
    "programme": "Programme",
    "dispositif": "Dispositif",
    "appel": "Appel à projets",
    "projet": "Projet",
    "action": "Action",
    "operation": "Opération",
}
PROGRAMME_STATUSES = {
    "prevu": "Prévu",
    "en_cours": "En cours",
    "termine": "Terminé",
    "suspendu": "Suspendu",
}
DATE_PRECISIONS = {"jour": "Jour", "mois": "Mois", "annee": "Année"}
VALUE_KINDS = {"baseline": "Valeur de référence", "target": "Cible", "actual": "Réalisé"}
STAGES = {"planned": "Prévu", "committed": "Engagé", "paid": "Versé"}
SECTORS = {"public": "Public", "prive": "Privé"}


class ProgrammeLabels:
    """French labels of a programme row's codes; rows carry family, kind and status."""

    family: str
    kind: str
    status: str

    @property
    def family_label(self) -> str:
        return PROGRAMME_FAMILIES.get(self.family, self.family)

    @property
    def kind_label(self) -> str:
        return PROGRAMME_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return PROGRAMME_STATUSES.get(self.status, self.status)
