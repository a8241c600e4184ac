-- Pilotis on a shared PostgreSQL server: the two group roles that people's accounts join.
--
--   pilotis_lecteur  reads everything, writes nothing: Pilotis opens read-only (banner, greyed
--                    editing) for an account that has only this role.
--   pilotis_editeur  reads and edits the data; the history table (`change`) is append-only for
--                    it (INSERT, no UPDATE/DELETE), and the schema (migrations, alembic_version)
--                    stays out of its reach: only the owner role updates the structure.
--
-- Run it once, connected to the Pilotis database as the role that OWNS its tables (the one that
-- ran `pilotis --db postgresql+psycopg://pilotis_admin@serveur/pilotis init`), and again after
-- each Pilotis upgrade that adds tables (it is idempotent):
--
--   psql "host=serveur dbname=pilotis user=pilotis_admin" -v ON_ERROR_STOP=1 -f sql/roles.sql
--
-- That role needs CREATEROLE (or run the first block as a superuser). Then give each person an
-- account of their own (the history records it):
--
--   CREATE ROLE jdupont LOGIN PASSWORD '…' IN ROLE pilotis_editeur;
--   CREATE ROLE mmartin LOGIN PASSWORD '…' IN ROLE pilotis_lecteur;
--
-- and allow their network in pg_hba.conf with scram-sha-256 (and hostssl for TLS).

\set ON_ERROR_STOP on

BEGIN;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pilotis_lecteur') THEN
        CREATE ROLE pilotis_lecteur NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pilotis_editeur') THEN
        CREATE ROLE pilotis_editeur NOLOGIN;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO pilotis_lecteur, pilotis_editeur',
                   current_database());
END
$$;

-- Nobody else may create objects in the schema (PostgreSQL < 15 allowed it to everyone).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO pilotis_lecteur, pilotis_editeur;

-- Readers: SELECT only.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO pilotis_lecteur;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO pilotis_lecteur;

-- Editors: the data, with the ids of new rows (sequences).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pilotis_editeur;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO pilotis_editeur;
-- … but not the schema version, and the history only grows.
REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM pilotis_editeur;
REVOKE UPDATE, DELETE ON change FROM pilotis_editeur;

-- Tables and sequences that later migrations create (run by this same owner role) follow.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO pilotis_lecteur;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON SEQUENCES TO pilotis_lecteur;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pilotis_editeur;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO pilotis_editeur;

COMMIT;
