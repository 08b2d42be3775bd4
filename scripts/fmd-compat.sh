#!/usr/bin/env bash
# Two-way compatibility, FMD's side: the real Flask-MonitoringDashboard 5.1.0 (from PyPI, in a virtualenv)
# opens a database written by fmd's recorder (`fmd demo`: levels 1-3, outliers, exceptions, profiles) and its
# JSON API answers what `fmd show` answers (scripts/fmd_reads_ours.py); and both check each other's password
# hashes: a user made by `fmd user add --werkzeug` logs in to FMD, a hash Werkzeug made verifies with fmd
# (scripts/fmd_users_compat.py). The other way, fmd reading FMD's own file, is tested in CI against
# fixtures/fmd-5.1.0-sample.db.
#
# With $FMD_TEST_PG_URL (a PostgreSQL server, as scripts/pg-test-server.sh starts and .ci/run sets) the same
# on PostgreSQL, each check on a new database there that is dropped at the end: FMD reads what
# `fmd import demo.db` and `fmd generate` wrote, and a user made by `fmd user add --werkzeug` logs in to it (the
# two scripts with --pg); and the other way, real FMD monitors a Flask app of its own into a new database,
# `fmd show` answers what FMD's API answers, and viewing it with fmd changed nothing in it
# (scripts/fmd_writes_pg.py). Without $FMD_TEST_PG_URL that part says it was skipped.
#
#   scripts/fmd-compat.sh                 # exit 0: no difference; 1: a difference; 3: FMD could not be installed
#   VENV=/path/to/venv scripts/fmd-compat.sh
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
venv="${VENV:-$target/fmd-compat-venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import flask_monitoringdashboard, psycopg2" 2>/dev/null; then
  python3 -m venv "$venv"
  if ! "$venv/bin/pip" install --quiet "flask_monitoringdashboard==5.1.0" flask psycopg2-binary; then
    echo "fmd-compat: could not install flask_monitoringdashboard 5.1.0 from PyPI" >&2
    exit 3
  fi
fi

cargo build --quiet --all-features --bin fmd   # the build `cargo test --all-features` made
fmd="$(cd "$target" && pwd)/debug/fmd"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && "$fmd" demo --no-tui --history-days 0 --requests 1500 --db "$work/demo.db")
# The checks run side by side (each on its own copy or database); their outputs follow in this order.
checks=()
check() {  # TITLE SCRIPT ARGS...: runs one check in the background, its output in $work/check-N.log
  local n=${#checks[@]} title=$1
  shift
  checks+=("$title")
  ( "$venv/bin/python" -W ignore "$@" >"$work/check-$n.log" 2>&1; echo $? >"$work/check-$n.rc" ) &
}
check "SQLite: FMD 5.1.0 reads a file fmd wrote" scripts/fmd_reads_ours.py "$fmd" "$work/demo.db"
check "SQLite: users both share" scripts/fmd_users_compat.py "$fmd" "$work/demo.db"
if [ -n "${FMD_TEST_PG_URL:-}" ]; then
  check "PostgreSQL: FMD 5.1.0 reads a database fmd wrote (fmd import)" \
    scripts/fmd_reads_ours.py "$fmd" "$work/demo.db" --pg "$FMD_TEST_PG_URL"
  check "PostgreSQL: FMD 5.1.0 reads a database fmd generate wrote (3 days, many users and IPs)" \
    scripts/fmd_reads_ours.py "$fmd" --generate 3000 --pg "$FMD_TEST_PG_URL"
  check "PostgreSQL: users both share" scripts/fmd_users_compat.py "$fmd" "$work/demo.db" --pg "$FMD_TEST_PG_URL"
  check "PostgreSQL: fmd reads a database FMD 5.1.0 wrote" scripts/fmd_writes_pg.py "$fmd" "$FMD_TEST_PG_URL"
fi
wait
status=0
for n in "${!checks[@]}"; do
  echo "== ${checks[$n]}"
  cat "$work/check-$n.log"
  if [ "$(cat "$work/check-$n.rc")" != 0 ]; then status=1; fi
done
if [ -z "${FMD_TEST_PG_URL:-}" ]; then
  echo "== PostgreSQL: skipped (FMD_TEST_PG_URL is not set; scripts/pg-test-server.sh starts a server)"
fi
exit "$status"
