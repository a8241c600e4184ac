#!/usr/bin/env bash
# A private PostgreSQL server for the tests: loopback only, its own data folder and port.
#
#   scripts/postgres.sh start          install (Debian packages) if missing, init, start; prints
#                                      the `export PILOTIS_TEST_PG_URL=…` line to use
#   scripts/postgres.sh stop           stop it (the data folder is kept for the next start)
#   scripts/postgres.sh run CMD…       start, run CMD with PILOTIS_TEST_PG_URL set, stop at exit
#   scripts/postgres.sh url            print the test URL
#
# Settings (environment): PILOTIS_PG_DIR (default /tmp/pilotis-pg), PILOTIS_PG_PORT (55432).
# PostgreSQL refuses to run as root: under root (CI) the server runs as the `postgres` system
# user that Debian's package creates. The server is tuned for throw-away test data (fsync off).
set -euo pipefail

PG_DIR="${PILOTIS_PG_DIR:-${TMPDIR:-/tmp}/pilotis-pg}"
PG_PORT="${PILOTIS_PG_PORT:-55432}"
PG_DATA="$PG_DIR/data"
PG_SOCKET="$PG_DIR/socket"
PG_LOG="$PG_DIR/server.log"
TEST_ROLE="pilotis_test"
TEST_PASSWORD="pilotis_test"
TEST_DB="pilotis_test"
TEST_URL="postgresql+psycopg://$TEST_ROLE:$TEST_PASSWORD@127.0.0.1:$PG_PORT/$TEST_DB"

say() { echo "postgres.sh : $*" >&2; }

find_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  command -v pg_ctl >/dev/null 2>&1 && { dirname "$(command -v pg_ctl)"; return 0; }
  return 1
}

install_server() {
  if find_bindir >/dev/null; then return 0; fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo"
    else
      say "PostgreSQL n'est pas installé ; installez-le avec : sudo apt-get install postgresql"
      exit 1
    fi
  fi
  say "installation de PostgreSQL (paquets Debian)…"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}

# Run a command as the server's owner: ourselves, or `postgres` when we are root.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$PG_DIR" --shell /bin/false postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

psql_admin() {
  as_owner "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET" -p "$PG_PORT" -U postgres "$@"
}

start() {
  install_server
  BIN="$(find_bindir)"
  mkdir -p "$PG_DIR"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$PG_DIR" --shell /bin/false postgres
    chown postgres "$PG_DIR"
  fi
  chmod 700 "$PG_DIR"
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    as_owner mkdir -p "$PG_SOCKET"
    # trust on the private socket only (the owner's administration); passwords on TCP.
    as_owner "$BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_owner "$BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    say "déjà démarré (port $PG_PORT)"
  else
    as_owner "$BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_SOCKET -c fsync=off \
       -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
    say "démarré sur 127.0.0.1:$PG_PORT (données : $PG_DATA)"
  fi
  # A non-superuser role, as an application's owner role would be: it creates the per-test
  # databases (CREATEDB) and the roles of the role tests (CREATEROLE).
  psql_admin -d postgres <<SQL
SELECT 'CREATE ROLE $TEST_ROLE' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$TEST_ROLE')
\gexec
ALTER ROLE $TEST_ROLE LOGIN CREATEDB CREATEROLE PASSWORD '$TEST_PASSWORD';
GRANT pg_signal_backend TO $TEST_ROLE;
SELECT 'CREATE DATABASE $TEST_DB OWNER $TEST_ROLE'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$TEST_DB')
\gexec
SQL
  echo "export PILOTIS_TEST_PG_URL='$TEST_URL'"
}

stop() {
  BIN="$(find_bindir)" || exit 0
  if [ -s "$PG_DATA/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
  then
    as_owner "$BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
    say "arrêté"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$TEST_URL" ;;
  run)
    shift
    [ $# -gt 0 ] || { say "utilisation : $0 run COMMANDE…"; exit 2; }
    start >/dev/null
    trap stop EXIT
    export PILOTIS_TEST_PG_URL="$TEST_URL"
    "$@"
    ;;
  *)
    echo "utilisation : $0 start|stop|run COMMANDE…|url" >&2
    exit 2
    ;;
esac
