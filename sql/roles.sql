-- Pilotis on a shared PostgreSQL server: the two group roles that people's accounts join.
--
--   pilotis_lecteur  reads everything, writes nothing, creates nothing (no TEMP tables): Pilotis
--                    opens read-only (banner, greyed editing) for an account with only this role.
--   pilotis_editeur  reads and edits the data. The history table (`change`) is written by the
--                    server's audit triggers (migration 0010) under the account's own name
--                    (session_user) and the server's clock: nobody but the owner may insert,
--                    change or delete its rows. The schema (migrations, alembic_version) stays
--                    out of its reach: only the owner role updates the structure.
--
-- Only these two roles (and the owner) may connect to the Pilotis database: PUBLIC loses CONNECT
-- and TEMP on it. Run it connected to the Pilotis database as the role that OWNS its tables (the
-- one that ran `pilotis --db postgresql+psycopg://pilotis_admin@serveur/pilotis init`), and again
-- after each Pilotis upgrade that adds tables; running it twice gives the same result:
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
--
-- The server's other databases (postgres, template1, other applications') are the server's
-- business, not this script's: PostgreSQL lets PUBLIC connect to them unless the administrator
-- says otherwise. To keep Pilotis accounts out of them, a superuser runs once, per database:
--
--   REVOKE CONNECT, TEMP ON DATABASE postgres FROM PUBLIC;
--   REVOKE CONNECT ON DATABASE template1 FROM PUBLIC;
--
-- (administration tools then connect as a superuser or a role granted CONNECT), or lists the
-- Pilotis database alone for these roles in pg_hba.conf. README « Administration » shows how to
-- check both.

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
    -- Connecting to this database: the owner and the Pilotis roles only; TEMP tables for the
    -- editors (nothing in Pilotis needs them, but they are harmless there), never the readers.
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM pilotis_lecteur', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO pilotis_lecteur, pilotis_editeur',
                   current_database());
    EXECUTE format('GRANT TEMP ON DATABASE %I TO pilotis_editeur', current_database());
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
-- … but not the schema version, and not the history, which only the triggers write (they run
-- with the owner's rights); its ids are not theirs to draw either.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM pilotis_editeur, PUBLIC;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON change FROM pilotis_editeur, pilotis_lecteur, PUBLIC;
REVOKE USAGE, UPDATE ON SEQUENCE change_id_seq FROM pilotis_editeur, pilotis_lecteur, PUBLIC;

-- Tables and sequences that later migrations create (run by this same owner role) follow.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO pilotis_lecteur;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON SEQUENCES TO pilotis_lecteur;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pilotis_editeur;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO pilotis_editeur;

COMMIT;
