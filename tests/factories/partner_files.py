"""A partner's file as they come: a service list whose address and phone share one free-text
column and whose type is not given, with the mapping file that brings it in."""

PARTNER = """Identifiant;Intitulé du service;Coordonnées;Observations
SDJES-34;Service départemental de l'Hérault;Adresse : 31 rue de l'Université, 34064 Montpellier | Tél : 04 67 91 47 00;à vérifier
SDJES-31;Service départemental de la Haute-Garonne;Adresse : 75 rue Saint-Roch, 31400 Toulouse | Tél : 0561178000;
"""

MAPPING = """type = "units"

[colonnes]
"Identifiant" = "code"
"Intitulé du service" = "nom"
"Observations" = "ignorer"

[constantes]
type = "Service"

[[decoupages]]
colonne = "Coordonnées"
motif = 'Adresse : (?P<adresse>.*?) \\| Tél : (?P<telephone>.*)'
"""
