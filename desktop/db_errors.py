"""Database faults in French: every PostgreSQL or SQLite error a user can meet is mapped here.

The mapping is installed on each engine (SQLAlchemy's handle_error event), so any service call —
opening, reading, saving — raises a PilotisError subclass with one clear French sentence instead
of psycopg's or sqlite3's English text; views show str(error) as they do for every PilotisError.
A failed statement rolls its whole transaction back: nothing is half-written, and an edit form
that catches the error keeps its content to be saved again.

It lives beside desktop/db.py (not in services) because opening a database already needs it.
"""

from __future__ import annotations

import re

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

from desktop.errors import DatabaseOpenError, PilotisError


class ServerError(PilotisError):
    """A PostgreSQL server fault during work; `retry` says whether trying again can succeed."""

    retry = True


class ServerUnreachableError(DatabaseOpenError):
    """No server answered at that address (down, wrong host or port, network, firewall)."""


class ServerRefusedError(ServerUnreachableError):
    """A machine answered at that address but refused the connection: nothing listens on the
    port (PostgreSQL stopped, wrong port), or the server turns connections away for now."""


class ServerHostUnknownError(ServerUnreachableError):
    """The server's name is not found on the network (misspelt, or no network/VPN)."""


class AuthenticationError(DatabaseOpenError):
    """The server refused the user name or password."""


class PasswordRequiredError(AuthenticationError):
    """The server asks for a password and none was given: the application asks for it."""


class ServerDatabaseMissingError(DatabaseOpenError):
    """The server answered, but has no database of that name."""


class ConnectionLostError(ServerError):
    """The connection broke during work (server restarted, network cut)."""


class StatementTimeoutError(ServerError):
    """The server cancelled a statement that ran longer than its statement_timeout."""


class SerializationConflictError(ServerError):
    """Two users' transactions collided (serialization failure or deadlock)."""


class PermissionDeniedError(ServerError):
    """The connected role lacks the privilege (a read-only account writing, for example)."""

    retry = False


class ServerSchemaError(ServerError):
    """The server's schema needs an update that this account may not make."""

    retry = False


class DatabaseBusyError(PilotisError):
    """SQLite: another program held the file's write lock for longer than the busy timeout."""

    retry = True


class DiskFullError(PilotisError):
    """SQLite: the disk (or the file size limit) left no room for the transaction."""

    retry = False


class DatabaseReadOnlyError(PilotisError):
    """SQLite: the file cannot be written (opened read-only, or its rights changed)."""

    retry = False


_NOT_SAVED = " Rien n'a été enregistré : vos saisies sont conservées, réessayez."
_KEPT = " Rien n'a été enregistré : vos saisies sont conservées."

# Connection failures carry no SQLSTATE in libpq: they are told apart by their text, in English
# or in French (a server with lc_messages = fr_FR).
_AUTH = ("password authentication failed", "authentification par mot de passe",
         "no pg_hba.conf entry", "aucune entrée dans pg_hba.conf",
         "role \"", "le rôle « ")  # fmt: skip
_NO_PASSWORD = ("no password supplied", "aucun mot de passe")
_NO_DATABASE = ("does not exist", "n'existe pas")
_REFUSED = ("connection refused", "connexion refusée")
_UNKNOWN_HOST = ("failed to resolve host", "could not translate host name",
                 "name or service not known", "nodename nor servname", "no such host",
                 "temporary failure in name resolution",
                 "n'a pas pu traduire le nom d'hôte")  # fmt: skip
_TIMEOUT = ("timeout expired", "expiration du délai")
_NOT_ACCEPTING = ("not currently accepting connections", "n'accepte pas de connexions")
_STARTING = ("the database system is starting up", "the database system is shutting down",
             "the database system is in recovery mode", "le système de bases de données se lance",
             "le système de base de données s'arrête")  # fmt: skip
_LOST = ("server closed the connection", "terminating connection", "connection already closed",
         "consuming input failed", "the connection is lost", "ssl connection has been closed",
         "connection reset", "broken pipe", "arrêt de la connexion")  # fmt: skip


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("connection failed: ")
    return text


def translate(
    exc: BaseException, where: str, *, connecting: bool = False, statement: str | None = None
) -> PilotisError | None:
    """The French error for a DB-API error of PostgreSQL, None when it is not a server fault
    (constraint violations and the like stay with the services that handle them)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    sqlstate = getattr(orig, "sqlstate", None) or ""
    text = str(orig)
    lowered = text.lower()
    if sqlstate == "57014":
        return StatementTimeoutError(
            "Le serveur a interrompu l'opération, trop longue (délai d'exécution dépassé)."
            + _NOT_SAVED
        )
    if sqlstate in ("40001", "40P01"):
        return SerializationConflictError(
            "Une autre personne enregistrait en même temps sur le serveur : votre modification "
            "n'a pas pu être appliquée." + _NOT_SAVED
        )
    if sqlstate == "42501":
        return PermissionDeniedError(missing_privilege(exc, text, statement))
    if sqlstate == "25006":  # read_only_sql_transaction
        return PermissionDeniedError("La base est ouverte en lecture seule : rien n'a été modifié.")
    if connecting:
        return _connect_error(sqlstate, text, where)
    invalidated = isinstance(exc, DBAPIError) and exc.connection_invalidated
    if (
        invalidated
        or sqlstate.startswith("08")
        or sqlstate in ("57P01", "57P02", "57P03")
        or any(m in lowered for m in _LOST)
    ):
        return ConnectionLostError(
            f"La connexion au serveur {where} a été perdue."
            + _NOT_SAVED
            + " Pilotis se reconnecte de lui-même dès que le serveur répond."
        )
    return None


# What PostgreSQL names in a refusal (42501), in English or French (lc_messages = fr_FR).
_DENIED_TABLE = re.compile(r"(?:permission denied for (?:table|relation)|droit refusé pour la "
                           r"(?:table|relation)) (?P<name>\S+)", re.I)  # fmt: skip
_NOT_OWNER = re.compile(
    r"(?:must be owner of|doit être le propriétaire de) \w+ (?P<name>\S+)", re.I
)
_DENIED_TEMP = ("temporary tables", "tables temporaires")
_DENIED_SCHEMA = re.compile(r"(?:permission denied for schema|droit refusé pour le schéma) "
                            r"(?P<name>\S+)", re.I)  # fmt: skip
_VERBS = {"INSERT": "d'ajouter des lignes à", "UPDATE": "de modifier", "DELETE": "de supprimer "
          "des lignes de", "TRUNCATE": "de vider", "SELECT": "de lire", "COPY": "d'ajouter des "
          "lignes à", "WITH": "de modifier"}  # fmt: skip


def missing_privilege(exc: BaseException, text: str, statement: str | None = None) -> str:
    """Which privilege the server refused (42501), from its message and the statement: the
    table and what was tried, the ownership a structure change needs, or TEMP."""
    statement = statement or getattr(exc, "statement", None) or ""
    verb = statement.split(None, 1)[0].upper() if statement.strip() else ""
    if (found := _DENIED_TABLE.search(text)) is not None:
        table = found.group("name").strip('"«»')
        if table == "change":
            return (
                "Votre compte sur le serveur n'a pas le droit de modifier l'historique (table "
                "« change ») : le serveur l'écrit lui-même au nom du compte connecté, et seul le "
                "compte administrateur qui a créé la base peut y toucher ; rien n'a été modifié."
            )
        action = _VERBS.get(verb, "de modifier")
        privilege = f"privilège {verb}" if verb in _VERBS else "privilège manquant"
        scope = "" if verb == "SELECT" else " : compte en lecture seule pour cette table"
        return (
            f"Votre compte sur le serveur n'a pas le droit {action} la table « {table} » "
            f"({privilege}{scope}) ; rien n'a été modifié. Demandez à l'administrateur le rôle "
            "pilotis_editeur pour modifier les données."
        )
    if (found := _NOT_OWNER.search(text)) is not None:
        name = found.group("name").strip('"«»')
        return (
            f"Votre compte sur le serveur n'est pas propriétaire de « {name} » : cette opération "
            "(changer la structure, remplacer toute la base) est réservée au compte "
            "administrateur qui a créé la base ; rien n'a été modifié."
        )
    if any(m in text.lower() for m in _DENIED_TEMP):
        return (
            "Votre compte sur le serveur n'a pas le droit de créer des tables temporaires "
            "(privilège TEMP) sur cette base ; rien n'a été modifié."
        )
    if (found := _DENIED_SCHEMA.search(text)) is not None:
        return (
            f"Votre compte sur le serveur n'a pas le droit de créer d'objets dans le schéma "
            f"« {found.group('name')} » ; rien n'a été modifié."
        )
    return (
        "Votre compte sur le serveur n'a pas le droit de faire cette opération ; rien n'a été "
        "modifié."
    )


def _connect_error(sqlstate: str, text: str, where: str) -> DatabaseOpenError:
    lowered = text.lower()
    if any(m in lowered for m in _NO_PASSWORD):
        return PasswordRequiredError(f"Le serveur demande un mot de passe pour {where}.")
    if sqlstate.startswith("28") or any(m in lowered for m in _AUTH):
        return AuthenticationError(
            f"Connexion refusée par le serveur pour {where} : nom d'utilisateur ou mot de passe "
            "incorrect (ou poste non autorisé)."
        )
    names_database = "database" in lowered or "base de données" in lowered
    if sqlstate == "3D000" or (names_database and any(m in lowered for m in _NO_DATABASE)):
        return ServerDatabaseMissingError(
            f"Le serveur répond, mais la base {where} n'existe pas : vérifiez son nom, ou "
            "demandez à l'administrateur de la créer."
        )
    if sqlstate == "55000" or any(m in lowered for m in _NOT_ACCEPTING):
        return ServerRefusedError(
            f"Le serveur refuse pour le moment les connexions à la base {where} (maintenance "
            "en cours) : réessayez dans quelques minutes."
        )
    if sqlstate == "57P03" or any(m in lowered for m in _STARTING):
        return ServerRefusedError(
            f"Le serveur de base de données {where} refuse les connexions : il est en train de "
            "démarrer ou de s'arrêter. Réessayez dans un instant."
        )
    if sqlstate == "53300":  # too_many_connections
        return ServerRefusedError(
            f"Le serveur de base de données {where} refuse les connexions : il a atteint son "
            "nombre maximal de connexions. Réessayez dans un instant, ou prévenez "
            "l'administrateur."
        )
    if any(m in lowered for m in _REFUSED):
        return ServerRefusedError(
            f"Le serveur de base de données {where} refuse les connexions : PostgreSQL n'y est "
            "pas démarré, ou écoute sur un autre port. Vérifiez le port de l'adresse, ou "
            "demandez à l'administrateur si le service est lancé."
        )
    if any(m in lowered for m in _UNKNOWN_HOST):
        return ServerHostUnknownError(
            f"Le serveur de base de données {where} est introuvable : son nom est inconnu sur "
            "le réseau. Vérifiez le nom du serveur et que ce poste est bien relié au réseau "
            "(ou au VPN) de l'établissement."
        )
    if any(m in lowered for m in _TIMEOUT):
        return ServerUnreachableError(
            f"Le serveur de base de données {where} ne répond pas (aucune réponse dans le délai "
            "de connexion) : vérifiez le réseau, le pare-feu, et qu'il est démarré."
        )
    return ServerUnreachableError(
        f"Le serveur de base de données {where} ne répond pas : vérifiez le réseau, l'adresse "
        f"et qu'il est démarré ({_first_line(text)})."
    )


# SQLite's primary result codes (the low byte of the extended code), as sqlite3 reports them.
_SQLITE_READONLY, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_FULL = 8, 5, 6, 13


def translate_sqlite(
    exc: BaseException, where: str, busy_timeout_ms: int = 5000
) -> PilotisError | None:
    """The French error for a sqlite3 error a user can meet (busy, disk full, read-only file),
    None for the others (constraints and the like stay with the services that handle them)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    code = getattr(orig, "sqlite_errorcode", None)
    if code is None:
        return None
    code &= 0xFF
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        seconds = f"{busy_timeout_ms / 1000:g}".replace(".", ",")
        return DatabaseBusyError(
            f"La base {where} est occupée par un autre programme (une autre fenêtre de Pilotis, "
            f"une commande ou un autre logiciel y écrit depuis plus de {seconds} s) ; réessayez "
            "dans un instant." + _KEPT
        )
    if code == _SQLITE_FULL:
        return DiskFullError(
            f"Le disque où se trouve la base {where} est plein : libérez de la place puis "
            "réessayez." + _KEPT
        )
    if code == _SQLITE_READONLY:
        return DatabaseReadOnlyError(
            f"La base {where} ne peut pas être modifiée (ouverte en lecture seule, ou fichier "
            "protégé en écriture) ; rien n'a été modifié."
        )
    return None


def install_error_translation(engine, where: str, *, busy_timeout_ms: int = 5000) -> None:
    """Raise our French errors instead of the driver's on this engine; where names the
    database in the messages."""
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "handle_error")
        def _on_sqlite_error(context) -> PilotisError | None:
            mapped = translate_sqlite(context.original_exception, where, busy_timeout_ms)
            if mapped is not None:
                mapped.__cause__ = context.original_exception
            return mapped

        return

    connected_once = []

    @event.listens_for(engine, "connect")
    def _on_connect(_dbapi_connection, _record) -> None:
        if not connected_once:
            connected_once.append(True)

    @event.listens_for(engine, "handle_error")
    def _on_error(context) -> PilotisError | None:
        if context.is_pre_ping and context.is_disconnect:
            return None  # a pooled connection the server dropped: SQLAlchemy makes a new one
        connecting = context.connection is None or context.is_pre_ping
        mapped = translate(
            context.original_exception, where, connecting=connecting, statement=context.statement
        )
        if connecting and connected_once and isinstance(mapped, ServerUnreachableError):
            # The server went away during work (not at start): say what became of the action.
            mapped = type(mapped)(str(mapped) + _KEPT)
        if mapped is not None:
            mapped.__cause__ = context.original_exception
        return mapped


def server_rights(conn) -> tuple[bool, bool]:
    """(may write data, may create or update the schema) for the role connected to PostgreSQL.

    Writing needs UPDATE/INSERT/DELETE on a core table and the history written (by the server's
    audit triggers, or INSERT on it for a base before 0010); the schema
    needs CREATE on the schema when it is empty, else membership of the tables' owner role.
    """
    from sqlalchemy import text

    row = conn.execute(
        text(
            "SELECT CASE WHEN to_regclass('person') IS NULL"
            "  THEN has_schema_privilege(current_schema(), 'CREATE')"
            "  ELSE has_table_privilege('person', 'UPDATE')"
            "   AND has_table_privilege('person', 'INSERT')"
            "   AND has_table_privilege('person', 'DELETE')"
            # The history: written by the server's audit triggers (0010), else by Pilotis.
            "   AND (has_table_privilege('change', 'INSERT') OR EXISTS (SELECT FROM pg_trigger"
            "    WHERE tgname = 'pilotis_audit_update' AND tgrelid = to_regclass('person'))) END,"
            " CASE WHEN to_regclass('alembic_version') IS NULL"
            "  THEN has_schema_privilege(current_schema(), 'CREATE')"
            "  ELSE pg_has_role((SELECT tableowner FROM pg_tables WHERE tablename = "
            "'alembic_version' AND schemaname = current_schema()), 'USAGE') END"
        )
    ).one()
    return bool(row[0]), bool(row[1])


def schema_update_refused(where: str, empty: bool) -> ServerSchemaError:
    what = "est vide" if empty else "doit être mise à jour pour cette version de Pilotis"
    return ServerSchemaError(
        f"La base {where} {what}, et votre compte n'a pas le droit de modifier sa structure : "
        "l'administrateur doit lancer « pilotis --db … init » avec le compte propriétaire."
    )


READ_ONLY_ACCOUNT = (
    "Votre compte sur le serveur ({user}) n'a que le droit de lecture : Pilotis s'ouvre en "
    "lecture seule. Demandez le rôle pilotis_editeur à l'administrateur pour modifier."
)
