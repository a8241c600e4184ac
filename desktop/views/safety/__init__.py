"""Backups, history, conflicts and RGPD dialogs."""
