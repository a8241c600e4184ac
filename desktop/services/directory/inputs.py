"""What the directory's forms send to its edits: a unit, a person, a post, a new person with
their first post, and what an edit returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class UnitInput:
    name: str
    kind: str
    acronym: str | None = None
    parent_id: int | None = None
    site_id: int | None = None
    created_on: date | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class PersonInput:
    last_name: str
    first_name: str
    email: str | None = None
    phone: str | None = None
    site_id: int | None = None


@dataclass(frozen=True)
class PositionInput:
    unit_id: int | None
    title: str
    role: str = "member"
    person_id: int | None = None  # None: a vacant post
    is_interim: bool = False
    start_on: date | None = None
    end_on: date | None = None


@dataclass(frozen=True)
class NewPersonInput:
    """A new person and, when given, their first post (its person_id is ignored: the post is
    the new person's)."""

    person: PersonInput
    post: PositionInput | None = None


@dataclass(frozen=True)
class EditResult:
    id: int
    batch: str | None
