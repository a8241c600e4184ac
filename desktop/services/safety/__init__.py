"""Keeping data safe: backups, the session guard, conflicts, history queries, RGPD, checks."""
