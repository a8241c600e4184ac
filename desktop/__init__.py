"""Pilotis: the offline desktop tool of the région académique Occitanie's administrative staff."""

__version__ = "0.1.0"
APP_NAME = "Pilotis"
ORG_NAME = "Région académique Occitanie"
