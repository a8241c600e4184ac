"""Whether a base holds the embedded 2023 dataset, read from the history its loading left."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import sessionmaker

from desktop.models import Change

# The history's « qui » of the dataset's loading (services/dataset.py); users' own imports are
# recorded under their OS or server login.
DATASET_LOGIN = "pilotis"
# On PostgreSQL the history names the database account that loaded it (session_user, migration
# 0010), not DATASET_LOGIN: its batch id starts with this instead.
DATASET_BATCH = "jeu-2023-"
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
            or_(Change.login == DATASET_LOGIN, Change.batch.startswith(DATASET_BATCH)),
        )
        .limit(1)
    )
    with session_factory() as session:
        return session.scalar(query) is not None
