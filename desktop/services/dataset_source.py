"""Whether a base holds the embedded 2023 dataset, read from the history its loading left."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from desktop.models import Change

# The history's « qui » of the dataset's loading (services/dataset.py); users' own imports are
# recorded under their OS or server login.
DATASET_LOGIN = "pilotis"
DATASET_SOURCE = "rapport d'activité 2023 de la région académique Occitanie"


def holds_dataset(session_factory: sessionmaker) -> bool:
    """True when the base was filled with the embedded dataset: its loading is one history
    record per table with no row id (services/ingest.py), here looked up for the units through
    the table-name index, so the answer costs one indexed read at any size. The record travels
    with the data through a backup, a restore or a copy to PostgreSQL."""
    query = (
        select(Change.id)
        .where(
            Change.table_name == "unit",
            Change.row_id.is_(None),
            Change.action == "insert",
            Change.login == DATASET_LOGIN,
        )
        .limit(1)
    )
    with session_factory() as session:
        return session.scalar(query) is not None
