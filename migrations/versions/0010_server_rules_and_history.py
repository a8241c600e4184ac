"""the rules in the schema on both backends, and the history written by PostgreSQL itself

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27

1. Both backends: CHECK constraints for what the forms and imports refuse and a constraint can
   say — a period is a year (`2023`) or a school year of consecutive years (`2022-2023`), and
   the texts a form or an import requires (codes, names, titles, labels) are not blank. Amounts,
   stages, kinds and date ranges were checked since 0001. A base holding rows that break a new
   rule is not upgraded: the migration stops before changing anything and names every row
   (table, id, field, value), in French; the whole upgrade is one transaction, rolled back.
   E-mail and phone shapes are not constrained: imports keep those cells as they are given.
2. PostgreSQL: audit triggers write the history (`change`) on every audited table and on the
   programmes' link tables, whoever writes — Pilotis or psql. Who is `session_user` (the
   database account, which SET ROLE does not change), when is `transaction_timestamp()`, the
   rest in the format Pilotis writes on SQLite, so undo and the dialogs read both alike. The
   batch comes from the transaction-local setting `pilotis.batch` (Pilotis sets it for each
   transaction), else one of its own per transaction (`sql-<xid>`). With `pilotis.summary`
   on (Pilotis's imports), the rows a statement inserts make one record of their id ranges, as
   imports record on SQLite; later changes of those rows in the same transaction belong to their
   insertion. The functions run with their owner's rights (SECURITY DEFINER, fixed
   search_path), so `change` needs no write privilege for anyone else (sql/roles.sql).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desktop.errors import DatabaseOpenError

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# --- 1. the rules -----------------------------------------------------------------------------

# Frozen here: what the application refuses at this revision (services/parsing.parse_period).
_PERIOD_SQL = {
    "postgresql": (
        "CASE WHEN period ~ '^[0-9]{4}$' THEN true "
        "WHEN period ~ '^[0-9]{4}-[0-9]{4}$' "
        "THEN substr(period, 6, 4)::integer = substr(period, 1, 4)::integer + 1 ELSE false END"
    ),
    "sqlite": (
        "CASE WHEN period GLOB '[0-9][0-9][0-9][0-9]' THEN 1 "
        "WHEN period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]' "
        "THEN CAST(substr(period, 6, 4) AS INTEGER) = CAST(substr(period, 1, 4) AS INTEGER) + 1 "
        "ELSE 0 END"
    ),
}
PERIOD_REASON = "période : une année (2023) ou une année scolaire (2022-2023)"
# table -> nullable period (the period checks of 0001 only counted characters: 4 or 9)
PERIODS = {"funding_line": True, "declared_total": True, "indicator_value": False}
# table -> texts that forms and imports require
REQUIRED_TEXTS = {
    "unit": ("code", "name"),
    "person": ("first_name",),  # last_name: since 0001
    "position": ("title",),
    "site": ("code", "name"),
    "funder": ("code", "name"),
    "programme": ("code", "name"),
    "milestone": ("title",),
    "indicator": ("code", "name"),
    "declared_total": ("label", "source"),
}
BLANK_REASON = "texte obligatoire vide"
SHOWN_ROWS = 20  # offending rows listed in the refusal; the rest are counted


def period_check(dialect: str, nullable: bool) -> str:
    sql = _PERIOD_SQL[dialect]
    return f"period IS NULL OR ({sql})" if nullable else sql


def not_blank(column: str) -> str:
    return f"length(trim({column})) > 0"


def new_rules(dialect: str) -> dict[str, list[tuple[str, str, str, str]]]:
    """table -> [(constraint name, column, SQL condition, French reason)]."""
    rules: dict[str, list[tuple[str, str, str, str]]] = {}
    for table, nullable in PERIODS.items():
        rule = (f"ck_{table}_period", "period", period_check(dialect, nullable), PERIOD_REASON)
        rules.setdefault(table, []).append(rule)
    for table, columns in REQUIRED_TEXTS.items():
        for column in columns:
            rule = (f"ck_{table}_{column}_not_blank", column, not_blank(column), BLANK_REASON)
            rules.setdefault(table, []).append(rule)
    return rules


def offending_rows(conn, rules) -> tuple[list[str], int]:
    """(French lines naming the first rows that break a rule, how many break one in all)."""
    lines, total = [], 0
    for table, checks in rules.items():
        for _name, column, condition, reason in checks:
            where = f"NOT ({condition})"
            total += conn.exec_driver_sql(f"SELECT count(*) FROM {table} WHERE {where}").scalar()
            room = SHOWN_ROWS - len(lines)
            if room <= 0:
                continue
            found = conn.exec_driver_sql(
                f"SELECT id, {column} FROM {table} WHERE {where} ORDER BY id LIMIT {room}"
            ).all()
            lines += [f"  - table {table}, ligne n° {i}, champ {column} : « {v} » ({reason})"
                      for i, v in found]  # fmt: skip
    return lines, total


def refuse_if_broken(conn, rules) -> None:
    lines, total = offending_rows(conn, rules)
    if not total:
        return
    more = f"\n  … et {total - len(lines)} autre(s)." if total > len(lines) else ""
    raise DatabaseOpenError(
        f"Mise à jour du schéma (0010) impossible : {total} ligne(s) de la base enfreignent les "
        "règles que la base vérifiera désormais elle-même. Rien n'a été modifié ; corrigez ces "
        "lignes avec la version actuelle de Pilotis (ou demandez-le à l'administrateur), puis "
        "rouvrez la base :\n" + "\n".join(lines) + more
    )


# Frozen copy of 0002's FTS5 triggers: a batch rebuild of their table drops them.
FTS_INDEXES = {
    "person_fts": ("person", ("last_name", "first_name")),
    "unit_fts": ("unit", ("acronym", "name")),
    "position_fts": ("position", ("title",)),
}


def _fts_triggers(index: str, table: str, columns: tuple[str, ...]) -> list[str]:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    delete = f"INSERT INTO {index} ({index}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {index} (rowid, {cols}) VALUES (new.id, {new});"
    watched = ", ".join(columns)
    return [
        f"CREATE TRIGGER IF NOT EXISTS {index}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_au AFTER UPDATE OF {watched} ON {table} "
        f"BEGIN {delete} {insert} END",
    ]


def _restore_fts_triggers(table: str) -> None:
    conn = op.get_bind()
    for index, (content, columns) in FTS_INDEXES.items():
        exists = conn.exec_driver_sql(
            f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{index}'"
        ).scalar()
        if content == table and exists:
            for statement in _fts_triggers(index, table, columns):
                op.execute(statement)


def _add_rules(dialect: str, rules) -> None:
    for table, checks in rules.items():
        with op.batch_alter_table(table) as batch:
            for name, column, condition, _reason in checks:
                if column == "period":  # replaces 0001's looser check of the same name
                    batch.drop_constraint(op.f(name), type_="check")
                batch.create_check_constraint(op.f(name), sa.text(condition))
        if dialect == "sqlite":
            _restore_fts_triggers(table)


def _drop_rules(dialect: str) -> None:
    old_period = "length(period) = 4 OR length(period) = 9"
    for table, checks in new_rules(dialect).items():
        with op.batch_alter_table(table) as batch:
            for name, column, _condition, _reason in checks:
                batch.drop_constraint(op.f(name), type_="check")
                if column == "period":
                    nullable = PERIODS[table]
                    text = f"period IS NULL OR {old_period}" if nullable else old_period
                    batch.create_check_constraint(op.f(name), sa.text(text))
        if dialect == "sqlite":
            _restore_fts_triggers(table)


# --- 2. the history written by PostgreSQL -----------------------------------------------------

# Frozen here: the audited tables (desktop/models, the Audited mixin) and the link tables whose
# changes are recorded on the owning programme (services/history.LINK_FIELDS).
AUDITED = (
    "site", "funder", "organisation", "establishment", "unit", "person", "position", "unit_link",
    "position_link", "axis", "programme", "milestone", "indicator", "indicator_value",
    "funding_line", "declared_total", "budget_snapshot",
)  # fmt: skip
LINKS = {
    "programme_axis": ("axes", "programme_id", "axis_id"),
    "programme_department": ("departments", "programme_id", "department_id"),
    "programme_partner": ("partners", "programme_id", "organisation_id"),
    "programme_establishment": ("establishments", "programme_id", "establishment_id"),
}
LINK_OWNER = "programme"
# Never in a snapshot (derived from other columns) / never an update record of their own.
DERIVED = ("sort_key",)
BOOKKEEPING = ("created_at", "updated_at", "version")

_COLUMNS = "at, login, action, table_name, row_id, field, old_value, new_value, batch"
_NOW = "transaction_timestamp()::timestamp"


def _functions(schema: str) -> list[str]:
    definer = f"SECURITY DEFINER SET search_path = {schema}, pg_temp"
    derived = ", ".join(f"'{c}'" for c in DERIVED)
    skipped = ", ".join(f"'{c}'" for c in (*DERIVED, *BOOKKEEPING))
    # Columns the server generates (search columns of 0007, 0008) are no data of their own.
    generated = (
        "coalesce((SELECT array_agg(attname::text) FROM pg_attribute "
        "WHERE attrelid = TG_RELID AND attgenerated <> '' AND NOT attisdropped), '{}')"
    )
    return [
        # The batch of the current transaction: Pilotis's (SET LOCAL pilotis.batch), else one
        # of its own, so that a psql session's transaction is one step of the history too.
        """
        CREATE OR REPLACE FUNCTION pilotis_history_batch() RETURNS text
        LANGUAGE sql VOLATILE AS $$
            SELECT left(coalesce(nullif(current_setting('pilotis.batch', true), ''),
                                 'sql-' || txid_current()::text), 40)
        $$""",
        # Whether this transaction's summary record of an import covers the row: the import's
        # later writes to its own new rows (parents, links) are part of their insertion.
        f"""
        CREATE OR REPLACE FUNCTION pilotis_history_imported(tbl text, rid bigint, b text)
        RETURNS boolean LANGUAGE sql STABLE AS $$
            SELECT coalesce(current_setting('pilotis.summary', true), '') = 'on' AND EXISTS (
                SELECT 1 FROM change c, jsonb_array_elements(c.new_value::jsonb -> 'ids') r
                WHERE c.batch = b AND c.table_name = tbl AND c.action = 'insert'
                  AND c.row_id IS NULL AND c.login = session_user AND c.at = {_NOW}
                  AND rid BETWEEN (r ->> 0)::bigint AND (r ->> 1)::bigint)
        $$""",
        # A row as Pilotis writes it on SQLite (json.dumps): columns in table order, ", " and
        # ": " between them, derived columns left out.
        """
        CREATE OR REPLACE FUNCTION pilotis_history_snapshot(row_value json, derived text[])
        RETURNS text LANGUAGE sql IMMUTABLE AS $$
            SELECT '{' || coalesce(string_agg(to_json(key)::text || ': ' || value::text, ', '
                                              ORDER BY position), '') || '}'
            FROM json_each(row_value) WITH ORDINALITY AS f(key, value, position)
            WHERE key <> ALL (derived)
        $$""",
        # Inserts and deletes, per statement (transition tables): one set-based INSERT.
        f"""
        CREATE OR REPLACE FUNCTION pilotis_audit_rows() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $$
        DECLARE
            b text := pilotis_history_batch();
            derived text[] := ARRAY[{derived}] || {generated};
            earlier record;
            summary text;
        BEGIN
            IF TG_OP = 'INSERT' AND coalesce(current_setting('pilotis.summary', true), '') = 'on'
            THEN
                -- One record per table and import: this transaction's earlier one grows.
                SELECT c.id, c.new_value INTO earlier FROM change c
                WHERE c.batch = b AND c.table_name = TG_TABLE_NAME AND c.action = 'insert'
                  AND c.row_id IS NULL AND c.login = session_user AND c.at = {_NOW}
                ORDER BY c.id DESC LIMIT 1;
                WITH islands AS (
                    SELECT min(id) AS lo, max(id) AS hi
                    FROM (SELECT id, id - row_number() OVER (ORDER BY id) AS island
                          FROM new_rows) numbered
                    GROUP BY island
                ), every_range AS (
                    SELECT lo, hi FROM islands
                    UNION ALL
                    SELECT (r ->> 0)::bigint, (r ->> 1)::bigint
                    FROM jsonb_array_elements(earlier.new_value::jsonb -> 'ids') r
                    WHERE earlier.id IS NOT NULL
                ), starts AS (
                    SELECT lo, hi, CASE WHEN lo <= max(hi) OVER (ORDER BY lo ROWS BETWEEN
                        UNBOUNDED PRECEDING AND 1 PRECEDING) + 1 THEN 0 ELSE 1 END AS starts
                    FROM every_range
                ), merged AS (
                    SELECT min(lo) AS lo, max(hi) AS hi
                    FROM (SELECT lo, hi, sum(starts) OVER (ORDER BY lo) AS grp FROM starts) g
                    GROUP BY grp
                )
                SELECT jsonb_build_object('lignes', sum(hi - lo + 1),
                                          'ids', jsonb_agg(jsonb_build_array(lo, hi) ORDER BY lo)
                       )::text INTO summary
                FROM merged HAVING count(*) > 0;
                IF summary IS NULL THEN
                    RETURN NULL;
                ELSIF earlier.id IS NOT NULL THEN
                    UPDATE change SET new_value = summary WHERE id = earlier.id;
                ELSE
                    INSERT INTO change ({_COLUMNS})
                    VALUES ({_NOW}, session_user, 'insert', TG_TABLE_NAME, NULL, NULL, NULL,
                            summary, b);
                END IF;
            ELSIF TG_OP = 'INSERT' THEN
                INSERT INTO change ({_COLUMNS})
                SELECT {_NOW}, session_user, 'insert', TG_TABLE_NAME, n.id, NULL, NULL,
                       pilotis_history_snapshot(to_json(n), derived), b
                FROM new_rows n ORDER BY n.id;
            ELSE
                INSERT INTO change ({_COLUMNS})
                SELECT {_NOW}, session_user, 'delete', TG_TABLE_NAME, o.id, NULL,
                       pilotis_history_snapshot(to_json(o), derived), NULL, b
                FROM old_rows o ORDER BY o.id;
            END IF;
            RETURN NULL;
        END
        $$""",
        # Updates, per row (a row's old and new versions pair only here): one record per
        # changed field, old -> new as JSON, SQL NULL for a null value.
        f"""
        CREATE OR REPLACE FUNCTION pilotis_audit_update() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $$
        DECLARE
            b text := pilotis_history_batch();
            skipped text[];
        BEGIN
            IF pilotis_history_imported(TG_TABLE_NAME, NEW.id, b) THEN
                RETURN NULL;
            END IF;
            skipped := ARRAY[{skipped}] || {generated};
            INSERT INTO change ({_COLUMNS})
            SELECT {_NOW}, session_user, 'update', TG_TABLE_NAME, NEW.id, n.key,
                   nullif(o.value, 'null'::jsonb)::text, nullif(n.value, 'null'::jsonb)::text, b
            FROM jsonb_each(to_jsonb(NEW)) n JOIN jsonb_each(to_jsonb(OLD)) o ON o.key = n.key
            WHERE n.value IS DISTINCT FROM o.value AND n.key <> ALL (skipped)
            ORDER BY n.key;
            RETURN NULL;
        END
        $$""",
        # A link table's change is recorded on the owning row as the sorted list of linked ids
        # before -> after; the statements of one transaction on one row's links (delete then
        # insert, as a form saves them) make one record, dropped if they cancel out.
        f"""
        CREATE OR REPLACE FUNCTION pilotis_audit_links() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $$
        DECLARE
            b text := pilotis_history_batch();
            link_field text := TG_ARGV[0];
            own_column text := TG_ARGV[1];
            other_column text := TG_ARGV[2];
            owner_table text := TG_ARGV[3];
            item record;
            before jsonb;
            last change%ROWTYPE;
        BEGIN
            FOR item IN EXECUTE format(
                'SELECT t.%1$I AS owner, jsonb_agg(t.%2$I) AS moved, coalesce(('
                '    SELECT jsonb_agg(l.%2$I ORDER BY l.%2$I) FROM %3$I l'
                '    WHERE l.%1$I = t.%1$I), ''[]'') AS now'
                ' FROM %4$I t GROUP BY t.%1$I ORDER BY t.%1$I',
                own_column, other_column, TG_TABLE_NAME,
                CASE WHEN TG_OP = 'INSERT' THEN 'new_rows' ELSE 'old_rows' END)
            LOOP
                CONTINUE WHEN pilotis_history_imported(owner_table, item.owner, b);
                IF TG_OP = 'INSERT' THEN
                    SELECT coalesce(jsonb_agg(v ORDER BY v), '[]') INTO before
                    FROM jsonb_array_elements(item.now) v
                    WHERE NOT item.moved @> jsonb_build_array(v);
                ELSE
                    SELECT coalesce(jsonb_agg(v ORDER BY v), '[]') INTO before
                    FROM (SELECT jsonb_array_elements(item.now) AS v
                          UNION SELECT jsonb_array_elements(item.moved)) s;
                END IF;
                SELECT * INTO last FROM change c
                WHERE c.table_name = owner_table AND c.row_id = item.owner
                  AND c.field = link_field
                ORDER BY c.id DESC LIMIT 1;
                IF FOUND AND last.batch = b AND last.login = session_user AND last.at = {_NOW}
                THEN
                    IF last.old_value::jsonb = item.now THEN
                        DELETE FROM change WHERE id = last.id;
                    ELSE
                        UPDATE change SET new_value = item.now::text WHERE id = last.id;
                    END IF;
                ELSE
                    INSERT INTO change ({_COLUMNS})
                    VALUES ({_NOW}, session_user, 'update', owner_table, item.owner, link_field,
                            before::text, item.now::text, b);
                END IF;
            END LOOP;
            RETURN NULL;
        END
        $$""",
    ]


def _triggers() -> list[str]:
    statements = []
    for table in AUDITED:
        statements += [
            f"CREATE TRIGGER pilotis_audit_insert AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION pilotis_audit_rows()",
            f"CREATE TRIGGER pilotis_audit_delete AFTER DELETE ON {table} "
            "REFERENCING OLD TABLE AS old_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION pilotis_audit_rows()",
            f"CREATE TRIGGER pilotis_audit_update AFTER UPDATE ON {table} "
            "FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) "
            "EXECUTE FUNCTION pilotis_audit_update()",
        ]
    for table, (field, own, other) in LINKS.items():
        args = f"'{field}', '{own}', '{other}', '{LINK_OWNER}'"
        statements += [
            f"CREATE TRIGGER pilotis_audit_insert AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION pilotis_audit_links({args})",
            f"CREATE TRIGGER pilotis_audit_delete AFTER DELETE ON {table} "
            "REFERENCING OLD TABLE AS old_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION pilotis_audit_links({args})",
        ]
    return statements


FUNCTIONS = (
    "pilotis_audit_links()", "pilotis_audit_update()", "pilotis_audit_rows()",
    "pilotis_history_imported(text, bigint, text)", "pilotis_history_snapshot(json, text[])",
    "pilotis_history_batch()",
)  # fmt: skip


def _install_audit() -> None:
    conn = op.get_bind()
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    for statement in _functions(schema):
        op.execute(statement)
    for function in FUNCTIONS[:3]:  # trigger functions only: nobody calls them directly
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
    for statement in _triggers():
        op.execute(statement)
    # The history is written by those functions only: nobody but the owner writes it.
    op.execute("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON change FROM PUBLIC")


def _remove_audit() -> None:
    for table in (*AUDITED, *LINKS):
        for suffix in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS pilotis_audit_{suffix} ON {table}")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")


def upgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    rules = new_rules(dialect)
    refuse_if_broken(conn, rules)
    _add_rules(dialect, rules)
    if dialect == "postgresql":
        _install_audit()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _remove_audit()
    _drop_rules(dialect)
