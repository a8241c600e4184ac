"""The printed directory's generated phrases agree with the unit's gender."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from desktop.models import Unit
from desktop.reports.directory.listing import build_document
from desktop.reports.document import Paragraph
from desktop.services.directory.service import DirectoryService


def _facts(service: DirectoryService, unit_id: int) -> list[str]:
    blocks = build_document(service.report_units(unit_id)).blocks
    return [block.text for block in blocks if isinstance(block, Paragraph)]


def test_a_direction_is_creee_and_a_pole_is_cree(filled_database, qapp):
    """« Direction · créée le … » (feminine), « Pôle · créé le … » (masculine)."""
    service = DirectoryService(filled_database.session_factory)
    drajes = service.find_unit("DRAJES")
    with filled_database.session_factory.begin() as session:
        session.execute(
            update(Unit).where(Unit.id == drajes.id).values(created_on=date(2020, 1, 1))
        )
        session.execute(update(Unit).where(Unit.id == drajes.id).values(kind="direction"))
    assert any("Direction" in t and "créée le 01/01/2020" in t for t in _facts(service, drajes.id))
    with filled_database.session_factory.begin() as session:
        session.execute(update(Unit).where(Unit.id == drajes.id).values(kind="pole"))
    facts = _facts(service, drajes.id)
    assert any("Pôle" in t and "créé le 01/01/2020" in t for t in facts)
    assert not any("créée" in t for t in facts)
