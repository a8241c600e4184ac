"""SQLAlchemy entities of Pilotis; this package imports nothing else from desktop."""

from desktop.models.base import Audited, Base, new_uuid
from desktop.models.budget import STAGES, DeclaredTotal, FundingLine
from desktop.models.directory import (
    SORT_SOURCES,
    Person,
    Position,
    PositionLink,
    Unit,
    UnitLink,
    sort_key_for,
    sort_keys_for_columns,
)
from desktop.models.exchange import ExchangeIdentity, ExchangePartner, ExchangeReceipt
from desktop.models.history import Change
from desktop.models.programmes import (
    Axis,
    Indicator,
    IndicatorValue,
    Milestone,
    Programme,
    StrategicLine,
    programme_axis,
    programme_department,
    programme_establishment,
    programme_partner,
)
from desktop.models.reference import (
    Academie,
    Department,
    Establishment,
    Funder,
    Organisation,
    Site,
)

__all__ = [
    "SORT_SOURCES", "STAGES", "Academie", "Audited", "Axis", "Base", "Change", "DeclaredTotal",
    "Department",
    "Establishment", "ExchangeIdentity", "ExchangePartner", "ExchangeReceipt", "Funder",
    "FundingLine", "Indicator", "IndicatorValue", "Milestone",
    "Organisation", "Person", "Position", "PositionLink", "Programme", "Site", "StrategicLine",
    "Unit", "UnitLink", "programme_axis", "programme_department", "programme_establishment",
    "new_uuid", "programme_partner", "sort_key_for", "sort_keys_for_columns",
]  # fmt: skip
