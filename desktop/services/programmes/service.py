"""Programme use cases in one facade: the tree and list queries, and the editor, roadmap,
échéancier and sheets built beside them, so that the tab receives one `services.programmes`."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from desktop.services.programmes.editing import ProgrammeEditService
from desktop.services.programmes.roadmap import RoadmapService
from desktop.services.programmes.schedule import ScheduleService
from desktop.services.programmes.sheet import ProgrammeSheetService
from desktop.services.programmes.tree import ProgrammeQueries


class ProgrammeService(ProgrammeQueries):
    def __init__(self, session_factory: sessionmaker) -> None:
        super().__init__(session_factory)
        self.editor = ProgrammeEditService(session_factory)
        self.roadmap = RoadmapService(session_factory)
        self.schedule = ScheduleService(session_factory)
        self.sheets = ProgrammeSheetService(session_factory)
