#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: initdb in a temporary directory, a server on a local port
# (loopback only, trust authentication for the local test user), nothing installed system-wide is started.
#
#   eval "$(scripts/pg-test-server.sh start)"   # exports FMD_TEST_PG_URL and FMD_PG_TEST_DIR
#   scripts/pg-test-server.sh stop "$FMD_PG_TEST_DIR"
#
# Needs Debian's postgresql package (initdb and pg_ctl under /usr/lib/postgresql/*/bin). PostgreSQL refuses to
# run as root: as root the cluster belongs to the `postgres` user the package creates.
set -euo pipefail

bin=""
for dir in /usr/lib/postgresql/*/bin; do
  if [ -x "$dir/initdb" ]; then bin="$dir"; fi
done
if [ -z "$bin" ]; then
  echo "pg-test-server: no initdb found (apt-get install postgresql)" >&2
  exit 1
fi

as_owner() {
  # From /, so su does not complain about a working directory the postgres user cannot enter.
  if [ "$(id -u)" -eq 0 ]; then (cd / && su postgres -s /bin/sh -c "$*"); else sh -c "$*"; fi
}

case "${1:-}" in
  start)
    dir=$(mktemp -d /tmp/fmd-pg.XXXXXX)
    chmod 755 "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
    port="${FMD_PG_PORT:-55439}"
    as_owner "'$bin/initdb' -D '$dir/data' -A trust -U fmd --locale=C.UTF-8 -E UTF8 >'$dir/initdb.log' 2>&1" \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null" \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "export FMD_TEST_PG_URL=postgres://fmd@127.0.0.1:$port/postgres"
    echo "export FMD_PG_TEST_DIR=$dir"
    ;;
  stop)
    dir="${2:?the directory start printed}"
    as_owner "'$bin/pg_ctl' -D '$dir/data' -m immediate stop >/dev/null" || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
