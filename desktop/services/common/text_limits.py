"""The one limit on text typed into a search box, applied by every search service."""

from __future__ import annotations

# A search is a few words; beyond this a pasted text would only make SQLite refuse the query
# (« LIKE or GLOB pattern too complex » at 50 000 characters, « Expression tree is too large »
# at a thousand words) instead of finding anything more.
MAX_SEARCH_CHARS = 200


def capped(text: str | None) -> str:
    """The text a search actually uses: its first MAX_SEARCH_CHARS characters."""
    return (text or "")[:MAX_SEARCH_CHARS]


def is_cut(text: str | None) -> bool:
    """Whether the search ignores part of this text (the view says so to the user)."""
    return len(text or "") > MAX_SEARCH_CHARS


def search_words(text: str | None) -> list[str]:
    """The words of a search, from its capped text."""
    return capped(text).split()
