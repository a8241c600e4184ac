"""The frozen rows the directory services return: units, directory entries, posts, details."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from desktop.services.common.vocabulary import POSITION_ROLES, UNIT_KINDS

# Heads first, then deputies, site managers, advisors, members: the order of every listing.
ROLE_RANK = {"head": 0, "deputy": 1, "site_manager": 2, "advisor": 3, "member": 4}


def role_label(role: str, is_interim: bool) -> str:
    label = POSITION_ROLES.get(role, role)
    return f"{label} (intérim)" if is_interim else label


@dataclass(frozen=True)
class UnitRow:
    id: int
    parent_id: int | None
    code: str
    acronym: str | None
    name: str
    kind: str
    site: str | None
    created_on: date | None
    version: int = 1

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)

    @property
    def short_label(self) -> str:
        return self.acronym or self.name

    @property
    def display_name(self) -> str:
        return f"{self.acronym} — {self.name}" if self.acronym else self.name


@dataclass(frozen=True)
class EntryRow:
    """One line of the people table: a current post (held or vacant), or a person without one."""

    position_id: int | None
    person_id: int | None
    unit_id: int | None
    last_name: str | None
    first_name: str | None
    title: str | None
    role: str | None
    is_interim: bool
    unit_label: str | None
    site: str | None
    email: str | None
    phone: str | None

    @property
    def is_vacant(self) -> bool:
        return self.person_id is None

    @property
    def person_label(self) -> str:
        if self.is_vacant:
            return "Poste vacant"
        return f"{self.last_name} {self.first_name}".strip()

    @property
    def title_label(self) -> str:
        if self.position_id is None:
            return "Sans affectation"
        return (self.title or "") + (" (intérim)" if self.is_interim else "")

    @property
    def role_label(self) -> str:
        return role_label(self.role, self.is_interim) if self.role else ""


@dataclass(frozen=True)
class PostLinkRow:
    """A dotted-line link of a post to another post, seen from the first."""

    id: int
    version: int
    direction: str  # "to" (this post supports the other) or "from"
    post_id: int
    title: str
    holder: str | None  # None: the other post is vacant
    unit_id: int
    unit_label: str
    note: str | None

    @property
    def verb(self) -> str:
        return "appuie" if self.direction == "to" else "est appuyé(e) par"

    @property
    def label(self) -> str:
        holder = self.holder or "poste vacant"
        return f"{self.title} ({holder}, {self.unit_label})"


@dataclass(frozen=True)
class PostRow:
    """A post in a unit, current or ended, with who holds it (None: vacant)."""

    id: int
    version: int
    unit_id: int
    unit_label: str
    person_id: int | None
    person_label: str | None
    title: str
    role: str
    is_interim: bool
    start_on: date | None
    end_on: date | None
    email: str | None = None
    phone: str | None = None
    site: str | None = None
    links: tuple[PostLinkRow, ...] = ()

    @property
    def is_vacant(self) -> bool:
        return self.person_id is None

    @property
    def role_label(self) -> str:
        return role_label(self.role, self.is_interim)


@dataclass(frozen=True)
class UnitRef:
    id: int
    label: str  # acronym — name
    head: str | None = None


@dataclass(frozen=True)
class LinkRow:
    id: int
    direction: str  # "to" (this unit supports the other) or "from"
    unit: UnitRef
    note: str | None
    version: int | None = None


@dataclass(frozen=True)
class ProgrammeRef:
    code: str
    name: str


@dataclass(frozen=True)
class PersonDetail:
    id: int
    version: int
    last_name: str
    first_name: str
    email: str | None
    phone: str | None
    site_id: int | None
    site: str | None
    posts: list[PostRow] = field(default_factory=list)  # current
    past_posts: list[PostRow] = field(default_factory=list)
    # Programmes led by a unit the person currently heads.
    programmes: list[ProgrammeRef] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class UnitDetail:
    id: int
    version: int
    code: str
    acronym: str | None
    name: str
    kind: str
    parent: UnitRef | None
    parent_id: int | None
    site_id: int | None
    site: str | None
    created_on: date | None
    email: str | None
    phone: str | None
    address: str | None
    description: str | None
    sort_order: int
    posts: list[PostRow] = field(default_factory=list)  # current, heads first
    sub_units: list[UnitRef] = field(default_factory=list)
    links: list[LinkRow] = field(default_factory=list)
    programmes: list[ProgrammeRef] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)

    @property
    def display_name(self) -> str:
        return f"{self.acronym} — {self.name}" if self.acronym else self.name

    def posts_with(self, *roles: str) -> list[PostRow]:
        return [p for p in self.posts if p.role in roles]


@dataclass(frozen=True)
class SiteRow:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class ReportUnit:
    """A unit of a printed directory: its depth below the printed root and its current posts."""

    unit: UnitRow
    depth: int
    posts: list[PostRow]
