"""Limits on text: what a search uses of a typed text, and how much of a value a message quotes."""

from __future__ import annotations

from desktop.services.common.formatting import group_thousands

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


QUOTED = 80  # characters of a value quoted in a message


def excerpt(value: object, limit: int = QUOTED) -> str:
    """A value as a message quotes it: integers without `.0`, at most `limit` characters, the
    length given when it is cut (a 10 MB cell is named, not echoed)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split()) if len(str(value)) <= 4 * limit else str(value)
    if len(text) <= limit:
        return text
    head = " ".join(text[: limit * 2].split())[: limit - 1].rstrip()
    return f"{head}… ({group_thousands(len(text))} caractères)"
