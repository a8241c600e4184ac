"""Directory edits: units, people and posts; each one transaction, validated, version-checked.

Every method returns the history batch of its transaction (None when nothing changed), which
the view announces so that Ctrl+Z reverts exactly that edit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from desktop.models import Person, Position, PositionLink, Programme, Site, Unit, UnitLink
from desktop.services.common.history import current_batch
from desktop.services.common.vocabulary import UNIT_KINDS
from desktop.services.directory.inputs import (
    EditResult,
    NewPersonInput,
    PersonInput,
    PositionInput,
    UnitInput,
)
from desktop.services.directory.search import subtree_cte
from desktop.services.directory.validation import (
    DirectoryValidationError,
    EditConflictError,
    UnitNotEmptyError,
    check_email,
    clean,
    normalise_phone,
    person_values,
    position_values,
)

CONFLICT = (
    "{what} a été modifié(e) par quelqu'un d'autre depuis que vous l'avez ouvert(e) : "
    "vos changements ne sont pas enregistrés. Actualisez (F5) puis recommencez."
)
DELETE_MODES = ("reattach", "cascade")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "-", ascii_text.upper()).strip("-")[:40] or "SERVICE"


def _assign(obj, values: dict) -> bool:
    """Set the attributes that differ; True when something changed."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


@dataclass(frozen=True)
class _LinkEnds:
    """What a dotted-line link joins: units or posts, and how the form names the other end."""

    link: type
    end: type
    columns: tuple[str, str]
    what: str  # « Le service », « Le poste »: a vanished end
    field: str  # the form's field of the other end
    choose: str
    itself: str


_UNIT_LINKS = _LinkEnds(
    UnitLink, Unit, ("from_unit_id", "to_unit_id"), "Le service", "target",
    "choisissez le service lié dans la liste.", "un service ne peut pas être lié à lui-même.",
)  # fmt: skip
_POST_LINKS = _LinkEnds(
    PositionLink, Position, ("from_position_id", "to_position_id"), "Le poste", "target_post",
    "cherchez puis choisissez le poste lié dans la liste.",
    "un poste ne peut pas être lié à lui-même.",
)  # fmt: skip


class DirectoryEdits:
    """The directory's edits (DirectoryService.edits): units, people, posts and links."""

    def __init__(self, session_factory: sessionmaker, on_edit: Callable[[], None] = lambda: None):
        """on_edit: told before each edit (the service drops what it cached of a page)."""
        self._sessions = session_factory
        self._on_edit = on_edit

    @contextmanager
    def _edit(self, what: str) -> Iterator[Session]:
        self._on_edit()
        try:
            with self._sessions.begin() as session:
                yield session
        except StaleDataError as exc:
            raise EditConflictError(CONFLICT.format(what=what)) from exc

    @staticmethod
    def _get(session: Session, model, row_id: int, version: int | None, what: str):
        obj = session.get(model, row_id)
        if obj is None:
            raise EditConflictError(
                f"{what} n'existe plus : quelqu'un l'a supprimé(e) entre-temps."
            )
        if version is not None and obj.version != version:
            raise EditConflictError(CONFLICT.format(what=what))
        return obj

    @staticmethod
    def _batch(session: Session) -> str:
        session.flush()
        return current_batch(session)

    # --- units ------------------------------------------------------------------------------

    def _unit_values(self, session: Session, data: UnitInput, unit_id: int | None) -> dict:
        problems: list[tuple[str, str]] = []
        name, acronym = clean(data.name), clean(data.acronym)
        if not name:
            problems.append(("name", "obligatoire."))
        if data.kind not in UNIT_KINDS:
            problems.append(("kind", "choisissez un type dans la liste."))
        if acronym:
            acronym = acronym.upper()
            clash = session.execute(
                select(Unit.name).where(
                    func.upper(Unit.acronym) == acronym, Unit.id != (unit_id or -1)
                )
            ).scalar()
            if clash:
                problems.append(("acronym", f"« {acronym} » est déjà le sigle de « {clash} »."))
        if data.parent_id is not None:
            if session.get(Unit, data.parent_id) is None:
                problems.append(("parent", "ce service n'existe plus."))
            elif unit_id is not None and data.parent_id in self._subtree(session, unit_id):
                problems.append(
                    (
                        "parent",
                        "un service ne peut pas dépendre de lui-même ni de ses sous-services.",
                    )
                )
        if data.site_id is not None and session.get(Site, data.site_id) is None:
            problems.append(("site", "ce site n'existe plus."))
        values = {"email": None, "phone": None}
        try:
            values["email"] = check_email(data.email)
        except ValueError as exc:
            problems.append(("email", str(exc)))
        try:
            values["phone"] = normalise_phone(data.phone)
        except ValueError as exc:
            problems.append(("phone", str(exc)))
        if problems:
            raise DirectoryValidationError(problems)
        values.update(
            name=name, kind=data.kind, acronym=acronym, parent_id=data.parent_id,
            site_id=data.site_id, created_on=data.created_on, address=clean(data.address),
            description=(data.description or "").strip() or None,
        )  # fmt: skip
        return values

    @staticmethod
    def _subtree(session: Session, unit_id: int) -> set[int]:
        tree = subtree_cte(unit_id)
        return set(session.execute(select(tree.c.id)).scalars())

    @staticmethod
    def _new_code(session: Session, acronym: str | None, name: str) -> str:
        base = _slug(acronym or name)
        taken = set(session.execute(select(Unit.code).where(Unit.code.like(f"{base}%"))).scalars())
        code, n = base, 1
        while code in taken:
            n += 1
            code = f"{base}-{n}"
        return code

    @staticmethod
    def _next_sort_order(session: Session, column, value) -> int:
        model = column.class_
        current = session.execute(
            select(func.max(model.sort_order)).where(
                column.is_(None) if value is None else column == value
            )
        ).scalar()
        return (current or 0) + 1

    def create_unit(self, data: UnitInput) -> EditResult:
        with self._edit("Le service") as session:
            values = self._unit_values(session, data, None)
            unit = Unit(
                code=self._new_code(session, values["acronym"], values["name"]),
                sort_order=self._next_sort_order(session, Unit.parent_id, data.parent_id),
                **values,
            )
            session.add(unit)
            batch = self._batch(session)
            return EditResult(unit.id, batch)

    def update_unit(self, unit_id: int, version: int, data: UnitInput) -> str | None:
        with self._edit("Le service") as session:
            unit = self._get(session, Unit, unit_id, version, "Le service")
            values = self._unit_values(session, data, unit_id)
            if values["parent_id"] != unit.parent_id:
                values["sort_order"] = self._next_sort_order(
                    session, Unit.parent_id, data.parent_id
                )
            return self._batch(session) if _assign(unit, values) else None

    def move_unit(self, unit_id: int, version: int | None, new_parent_id: int | None) -> str | None:
        """Put a unit (with everything below it) under another parent; refuses cycles."""
        with self._edit("Le service") as session:
            unit = self._get(session, Unit, unit_id, version, "Le service")
            if new_parent_id == unit.parent_id:
                return None
            if new_parent_id is not None:
                parent = session.get(Unit, new_parent_id)
                if parent is None:
                    raise DirectoryValidationError([("parent", "ce service n'existe plus.")])
                if new_parent_id in self._subtree(session, unit_id):
                    label = unit.acronym or unit.name
                    target = parent.acronym or parent.name
                    reason = (
                        f"impossible de placer « {label} » sous lui-même."
                        if new_parent_id == unit_id
                        else f"impossible de placer « {label} » sous « {target} », "
                        "qui fait partie de ses propres sous-services."
                    )
                    raise DirectoryValidationError([("parent", reason)])
            unit.parent_id = new_parent_id
            unit.sort_order = self._next_sort_order(session, Unit.parent_id, new_parent_id)
            return self._batch(session)

    def unit_contents(self, unit_id: int) -> tuple[int, int]:
        """(sub-units, posts current or past) that deleting this unit would affect."""
        with self._sessions.begin() as session:
            subs = session.execute(
                select(func.count()).where(Unit.parent_id == unit_id)
            ).scalar_one()
            posts = session.execute(
                select(func.count()).where(Position.unit_id == unit_id)
            ).scalar_one()
        return subs, posts

    def delete_unit(self, unit_id: int, version: int | None, mode: str | None = None) -> str:
        """Delete a unit. With sub-units or posts, mode says what happens to them:
        "reattach" moves them (and the programmes it leads) to the parent unit; "cascade"
        deletes the sub-units and every post in them (people stay in the directory)."""
        if mode is not None and mode not in DELETE_MODES:
            raise ValueError(mode)
        with self._edit("Le service") as session:
            unit = self._get(session, Unit, unit_id, version, "Le service")
            label = unit.acronym or unit.name
            subs = session.scalars(select(Unit).where(Unit.parent_id == unit_id)).all()
            posts = session.scalars(select(Position).where(Position.unit_id == unit_id)).all()
            if (subs or posts) and mode is None:
                raise UnitNotEmptyError(label, len(subs), len(posts))
            if mode == "reattach" and (subs or posts):
                if unit.parent_id is None:
                    raise DirectoryValidationError(
                        [
                            (
                                "parent",
                                f"« {label} » n'a pas de service parent où rattacher son contenu.",
                            )
                        ]
                    )
                order = self._next_sort_order(session, Unit.parent_id, unit.parent_id)
                for offset, sub in enumerate(subs):
                    sub.parent_id, sub.sort_order = unit.parent_id, order + offset
                for post in posts:
                    post.unit_id = unit.parent_id
                doomed = [unit_id]
                new_lead = unit.parent_id
            else:
                doomed = self._subtree_depth_first(session, unit_id)
                new_lead = None
            # Through the ORM (not ON DELETE), so history records them and undo restores them.
            for programme in session.scalars(
                select(Programme).where(Programme.lead_unit_id.in_(doomed))
            ):
                programme.lead_unit_id = new_lead
            for post in session.scalars(select(Position).where(Position.unit_id.in_(doomed))):
                session.delete(post)
            for link in session.scalars(
                select(UnitLink).where(
                    UnitLink.from_unit_id.in_(doomed) | UnitLink.to_unit_id.in_(doomed)
                )
            ):
                session.delete(link)
            session.flush()
            # Deepest first: a parent row goes only once its children are gone (RESTRICT).
            for doomed_id in doomed:
                session.delete(session.get(Unit, doomed_id))
                session.flush()
            return self._batch(session)

    @staticmethod
    def _subtree_depth_first(session: Session, unit_id: int) -> list[int]:
        """The unit and its descendants, deepest first."""
        rows = session.execute(select(Unit.id, Unit.parent_id)).all()
        children: dict[int, list[int]] = {}
        for child, parent in rows:
            children.setdefault(parent, []).append(child)
        order, stack = [], [unit_id]
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(children.get(node, []))
        return list(reversed(order))

    # --- people -----------------------------------------------------------------------------

    def create_person(self, data: PersonInput) -> EditResult:
        with self._edit("La fiche") as session:
            person = Person(**person_values(session, data))
            session.add(person)
            batch = self._batch(session)
            return EditResult(person.id, batch)

    def update_person(self, person_id: int, version: int, data: PersonInput) -> str | None:
        with self._edit("La fiche") as session:
            person = self._get(session, Person, person_id, version, "La fiche")
            values = person_values(session, data)
            return self._batch(session) if _assign(person, values) else None

    def delete_person(
        self, person_id: int, version: int | None, *, today: date | None = None
    ) -> str:
        """Delete a person: their current posts stay, vacant; their ended posts go with them."""
        today = today or date.today()
        with self._edit("La fiche") as session:
            person = self._get(session, Person, person_id, version, "La fiche")
            for post in session.scalars(select(Position).where(Position.person_id == person_id)):
                if post.end_on is not None and post.end_on < today:
                    session.delete(post)
                else:
                    post.person_id, post.is_interim, post.start_on = None, False, None
            session.flush()
            session.delete(person)
            return self._batch(session)

    # --- posts ------------------------------------------------------------------------------

    def create_position(self, data: PositionInput) -> EditResult:
        with self._edit("Le poste") as session:
            post = self._add_position(session, position_values(session, data))
            batch = self._batch(session)
            return EditResult(post.id, batch)

    def check_person(self, data: PersonInput) -> PersonInput:
        """The person's fields checked as create_person checks them, nothing written (the post
        form's « Nouvelle personne… » saves the person with the post, later)."""
        with self._sessions() as session:
            person_values(session, data)
        return data

    def create_post(self, data: PositionInput | NewPersonInput) -> EditResult:
        """A post, for a holder already in the directory or (NewPersonInput) a new one."""
        if isinstance(data, NewPersonInput):
            return self.create_person_with_post(data)
        return self.create_position(data)

    def create_person_with_post(self, data: NewPersonInput) -> EditResult:
        """A new person and their first post in one transaction (one Ctrl+Z): the person is
        not added without the post the form asked for, nor the post without its holder. Every
        wrong field of both is named at once."""
        with self._edit("La fiche") as session:
            problems: list[tuple[str, str]] = []
            values: dict = {}
            try:
                values = person_values(session, data.person)
            except DirectoryValidationError as error:
                problems += error.problems
            if data.post is not None:
                try:
                    position_values(session, replace(data.post, person_id=None))
                except DirectoryValidationError as error:
                    problems += error.problems
            if problems:
                raise DirectoryValidationError(problems)
            person = Person(**values)
            session.add(person)
            session.flush()
            if data.post is not None:
                post = replace(data.post, person_id=person.id)
                self._add_position(session, position_values(session, post))
            batch = self._batch(session)
            return EditResult(person.id, batch)

    @staticmethod
    def _add_position(session: Session, values: dict) -> Position:
        """A post at the end of its unit's posts."""
        order = session.execute(
            select(func.max(Position.sort_order)).where(Position.unit_id == values["unit_id"])
        ).scalar()
        post = Position(sort_order=(order or 0) + 1, **values)
        session.add(post)
        session.flush()
        return post

    def update_position(self, position_id: int, version: int, data: PositionInput) -> str | None:
        with self._edit("Le poste") as session:
            post = self._get(session, Position, position_id, version, "Le poste")
            values = position_values(session, data)
            return self._batch(session) if _assign(post, values) else None

    def end_position(self, position_id: int, version: int, end_on: date) -> str | None:
        """Close a post on a date: it leaves the directory but stays in the person's history."""
        with self._edit("Le poste") as session:
            post = self._get(session, Position, position_id, version, "Le poste")
            if post.start_on and end_on < post.start_on:
                raise DirectoryValidationError(
                    [("end_on", "la fin ne peut pas précéder le début.")]
                )
            return self._batch(session) if _assign(post, {"end_on": end_on}) else None

    # --- functional (dotted-line) links ------------------------------------------------------

    def create_unit_link(
        self, unit_id: int, other_id: int | None, note: str | None, *, supports: bool = True
    ) -> EditResult:
        """Record that `unit_id` supports `other_id` (or is supported by it, supports=False)."""
        return self._create_link(_UNIT_LINKS, unit_id, other_id, note, supports)

    def delete_unit_link(self, link_id: int, version: int | None) -> str:
        with self._edit("Le lien") as session:
            session.delete(self._get(session, UnitLink, link_id, version, "Le lien"))
            return self._batch(session)

    def create_position_link(
        self, position_id: int, other_id: int | None, note: str | None, *, supports: bool = True
    ) -> EditResult:
        """Record that post `position_id` supports post `other_id` (or the reverse)."""
        return self._create_link(_POST_LINKS, position_id, other_id, note, supports)

    def _create_link(self, ends: _LinkEnds, own_id: int, other_id, note, supports) -> EditResult:
        """A dotted-line link between two units or two posts, in the direction asked, once."""
        problems: list[tuple[str, str]] = []
        note = clean(note)
        if other_id is None:
            problems.append((ends.field, ends.choose))
        elif other_id == own_id:
            problems.append((ends.field, ends.itself))
        if note and len(note) > 500:
            problems.append(("note", "500 caractères au plus."))
        if problems:
            raise DirectoryValidationError(problems)
        source, target = (own_id, other_id) if supports else (other_id, own_id)
        model, (from_column, to_column) = ends.link, ends.columns
        with self._edit("Le lien") as session:
            for row_id in (own_id, other_id):
                self._get(session, ends.end, row_id, None, ends.what)
            same = session.scalar(
                select(model.id).where(
                    getattr(model, from_column) == source, getattr(model, to_column) == target
                )
            )
            if same is not None:
                raise DirectoryValidationError(
                    [(ends.field, "ce lien fonctionnel existe déjà dans ce sens.")]
                )
            link = model(**{from_column: source, to_column: target}, kind="fonctionnel", note=note)
            session.add(link)
            batch = self._batch(session)
            return EditResult(link.id, batch)

    def delete_position_link(self, link_id: int, version: int | None) -> str:
        with self._edit("Le lien") as session:
            session.delete(self._get(session, PositionLink, link_id, version, "Le lien"))
            return self._batch(session)

    def delete_position(self, position_id: int, version: int | None) -> str:
        with self._edit("Le poste") as session:
            post = self._get(session, Position, position_id, version, "Le poste")
            # Its dotted-line links go with it, each in the history so that Ctrl+Z restores them.
            for link in session.scalars(
                select(PositionLink).where(
                    (PositionLink.from_position_id == position_id)
                    | (PositionLink.to_position_id == position_id)
                )
            ):
                session.delete(link)
            session.flush()
            session.delete(post)
            return self._batch(session)


__all__ = [
    "DELETE_MODES", "DirectoryEdits", "EditResult", "PersonInput",
    "PositionInput", "UnitInput",
]  # fmt: skip
