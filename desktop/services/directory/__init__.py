"""Annuaire des services: units, people, posts, search and the organisation chart."""
