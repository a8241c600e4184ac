"""Offline work that comes back: checkouts, change packages and their field-by-field merge."""
