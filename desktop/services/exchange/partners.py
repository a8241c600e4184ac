"""A base's own identity and the partners it exchanges with (models/exchange.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.errors import PilotisError
from desktop.models import Change, ExchangeIdentity, ExchangePartner, new_uuid


def now() -> datetime:
    return datetime.now().replace(microsecond=0)


def identity(session: Session) -> str:
    """This base's identity (created if a base somehow lost it)."""
    found = session.scalar(select(ExchangeIdentity.uuid).order_by(ExchangeIdentity.id).limit(1))
    if found is None:
        found = new_uuid()
        session.add(ExchangeIdentity(uuid=found, created_at=now()))
        session.flush()
    return found


def history_position(session: Session) -> int:
    """The id of the last history record: where this base's history stands."""
    return session.scalar(select(func.coalesce(func.max(Change.id), 0))) or 0


def partners(session: Session) -> list[ExchangePartner]:
    return list(session.scalars(select(ExchangePartner).order_by(ExchangePartner.id)))


def find_partner(session: Session, wanted: str | None) -> ExchangePartner:
    """The partner named by its identity or its label; the only one when none is named."""
    known = partners(session)
    if wanted:
        chosen = [p for p in known if wanted in (p.partner_uuid, p.label)]
        if not chosen:
            chosen = [p for p in known if p.partner_uuid.startswith(wanted)]
        if len(chosen) == 1:
            return chosen[0]
        names = ", ".join(f"« {p.label} »" for p in known) or "aucune"
        raise PilotisError(f"Partenaire « {wanted} » inconnu ou ambigu. Partenaires : {names}.")
    if len(known) == 1:
        return known[0]
    if not known:
        raise PilotisError(
            "Cette base n'échange avec aucune autre : prenez d'abord une copie hors connexion "
            "(pilotis checkout --from URL --to FICHIER) ou recevez un paquet d'une copie."
        )
    names = ", ".join(f"« {p.label} »" for p in known)
    raise PilotisError(f"Plusieurs partenaires ({names}) : précisez lequel avec --to.")
