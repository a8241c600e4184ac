"""Shared by every domain: French formatting, parsing, folding, labels, the change log."""
