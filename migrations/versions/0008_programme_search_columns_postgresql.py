"""programme search: folded text stored by PostgreSQL

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

On PostgreSQL the programme list compared `lower(translate(code || name || … ))` with
LIKE '%word%', folding the code, name and beneficiary of all 10 000 programmes at each keystroke
(and the name again to sort them): 0.5–0.7 s per keystroke at scale, against 40–90 ms on SQLite.

Generated (STORED) columns now hold the folded text: programme.search_text (code, name and
beneficiary) and programme.name_folded (the name, for sorting), with a trigram index on the
first where pg_trgm is installed. PostgreSQL computes them on every insert or update; they stay
outside the ORM models. Nothing on SQLite, which matches with GLOB (programme_search.py).

The folding must stay identical to programme_search.folded on PostgreSQL (frozen copy below).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of programme_search's PostgreSQL folding at the time of this migration.
ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸœŒæÆ"
PLAIN = "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUYYoOaA"


def _fold(expression: str) -> str:
    return f"lower(translate({expression}, '{ACCENTED}', '{PLAIN}'))"


COLUMNS = {
    "search_text": _fold("code || ' ' || name || ' ' || coalesce(beneficiary, '')"),
    "name_folded": _fold("name"),
}
TRGM_INDEX = "ix_programme_search_text_trgm"


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for column, expression in COLUMNS.items():
        op.execute(
            f"ALTER TABLE programme ADD COLUMN IF NOT EXISTS {column} text "
            f"GENERATED ALWAYS AS ({expression}) STORED"
        )
    op.execute("CREATE INDEX IF NOT EXISTS ix_programme_name_folded ON programme (name_folded)")
    if conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").scalar():
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON programme "
            "USING gin (search_text gin_trgm_ops)"
        )
    op.execute("ANALYZE programme")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.execute(f"ALTER TABLE programme DROP COLUMN IF EXISTS {column}")  # and its indexes
