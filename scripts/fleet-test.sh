#!/usr/bin/env bash
# Fleet test: PROCESSES services (as many hosts would be) record into one PostgreSQL database at saturation,
# then the same services into one SQLite file, in one run, side by side (issue 14, "Fleet test").
#
# Each service is examples/hello_server on loopback with its own wrk. The script starts a throwaway
# PostgreSQL cluster of its own (scripts/pg-test-server.sh on FLEET_PG_PORT) and a fresh database in it per
# run. Every service records under its own app version (fleet-0, fleet-1, …), so the rows of each service are
# counted in the database itself. Per service and in total it prints: wrk's requests/s, requests served
# (counted by the service outside the recorder), rows in the database, the recorder's dropped / failed counts,
# wrk errors, the writer's rows/s (rows / duration), the writer thread's CPU µs per row (wrt_us), the largest
# queue the recorder reported (once a second), and "lost" = served - rows - dropped - failed; for PostgreSQL
# also the CPU time of the server backends that served the writers, per row (SQLite's writer does that work
# inside wrt_us).
#
#   scripts/fleet-test.sh                              # 8 services, 60 s on PostgreSQL, then 60 s on SQLite
#   RESTART=1 scripts/fleet-test.sh                    # PostgreSQL restarted (pg_ctl restart -m fast) mid-run
#   DURATION=3s BACKENDS=postgres RESTART=1 scripts/fleet-test.sh   # the short version CI runs
#
# Settings (environment): DURATION (whole seconds, e.g. 60 or 60s), PROCESSES, CONNECTIONS (in all, split
# across the wrk instances), THREADS (per wrk), BACKENDS ("postgres sqlite"), RESTART (1: restart the server
# in the middle of the PostgreSQL run), RESTART_AT (seconds into the run, default half of DURATION), QUEUE
# (recorder queue capacity), WORKERS (tokio worker threads per service), PORT (first service port),
# FLEET_PG_PORT (the cluster's port, default 55450), FLEET_BUILD (cargo's build options for the service,
# default --release; CI gives "--all-features" to reuse the debug build `cargo test --all-features` made),
# KEEP (1: keep the services' reports, logs and wrk outputs in the temporary directory, named at the end).
#
# Exit status 1 when any request is lost (lost != 0, per service or in total), when a service's rows in the
# database differ from what its recorder says it recorded, on non-2xx answers, and, for a run without a fault,
# on any drop or failure. With RESTART=1 drops and failures are allowed but counted: rows + dropped + failed
# must still equal served. The restart line gives how long pg_ctl took and each service's recovery (the
# recorder's own "writing … again after N s" line: first failure to first successful write).
#
# Needs wrk, sqlite3, psql and Debian's postgresql (apt-get install -y wrk sqlite3 postgresql); a missing
# tool fails (exit 2), never skips. Loads only 127.0.0.1. The cluster runs with fsync=off (a test cluster).
set -euo pipefail
trap 'echo "fleet-test: command failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/.."

DURATION=${DURATION:-60s}
PROCESSES=${PROCESSES:-8}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-1}
BACKENDS=${BACKENDS:-"postgres sqlite"}
RESTART=${RESTART:-0}
QUEUE=${QUEUE:-65536}
WORKERS=${WORKERS:-}
PORT=${PORT:-38199}
FLEET_PG_PORT=${FLEET_PG_PORT:-55450}
secs=${DURATION%s}
case "$secs" in
  '' | *[!0-9]*) echo "fleet-test: DURATION must be whole seconds (60 or 60s), not $DURATION" >&2; exit 2 ;;
esac
RESTART_AT=${RESTART_AT:-$(( secs / 2 ))}
for tool in wrk sqlite3 psql; do
  command -v "$tool" >/dev/null || { echo "fleet-test: $tool is missing (apt-get install -y $tool)" >&2; exit 2; }
done
pg_bin=""
for dir in /usr/lib/postgresql/*/bin; do [ -x "$dir/pg_ctl" ] && pg_bin="$dir"; done
[ -n "$pg_bin" ] || { echo "fleet-test: no pg_ctl (apt-get install -y postgresql)" >&2; exit 2; }

FLEET_BUILD=${FLEET_BUILD:---release}
profile=debug
[[ " $FLEET_BUILD " == *" --release "* ]] && profile=release
# shellcheck disable=SC2086 # FLEET_BUILD holds several options
cargo build --quiet $FLEET_BUILD --example hello_server
server="${CARGO_TARGET_DIR:-target}/$profile/examples/hello_server"
work=$(mktemp -d)
pids=()
wrk_pids=()
cluster=""
cleanup() {
  for p in "${wrk_pids[@]:-}" "${pids[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
  [ -n "$cluster" ] && scripts/pg-test-server.sh stop "$cluster" || true
  if [ "${KEEP:-0}" = 1 ]; then echo "# services' reports and logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# The cluster belongs to `postgres` when we run as root (PostgreSQL refuses root), as the script makes it.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && su postgres -s /bin/sh -c "$*"); else sh -c "$*"; fi
}

pg_admin=""
if [[ " $BACKENDS " == *" postgres "* ]]; then
  started=$(FMD_PG_PORT="$FLEET_PG_PORT" scripts/pg-test-server.sh start)
  cluster=$(sed -n 's/^export FMD_PG_TEST_DIR=//p' <<<"$started")
  pg_admin=$(sed -n 's/^export FMD_TEST_PG_URL=//p' <<<"$started")
fi

per_wrk=$(( CONNECTIONS / PROCESSES ))
[ "$per_wrk" -ge "$THREADS" ] || per_wrk=$THREADS
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null || echo '?') cores=$(nproc)" \
  "processes=$PROCESSES duration=${secs}s connections=$CONNECTIONS (${per_wrk} per wrk) threads=$THREADS" \
  "queue=$QUEUE workers=${WORKERS:-auto} restart=$RESTART build=$profile"
[ -n "$pg_admin" ] && echo "# PostgreSQL: $(psql -XAtc 'SHOW server_version' "$pg_admin") on port $FLEET_PG_PORT (fsync=off)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

json_field() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" <<<"$2"; }

# Rows per app version ("fleet-I COUNT" lines) and the number of rows in all.
rows_by_version() {
  case "$1" in
    postgres) psql -XAt -F' ' -c 'SELECT version_requested, count(*) FROM "Request" GROUP BY 1' "$2" ;;
    sqlite) sqlite3 -separator ' ' "$2" 'SELECT version_requested, count(*) FROM Request GROUP BY 1' ;;
  esac
}
rows_total() {
  case "$1" in
    postgres) psql -XAtc 'SELECT count(*) FROM "Request"' "$2" ;;
    sqlite) sqlite3 "$2" 'SELECT count(*) FROM Request' ;;
  esac
}

status=0
fail() { echo "fleet-test: FAIL: $*" >&2; status=1; }

run_backend() {
  local backend=$1 fault=$2 db run i port
  run="$work/$backend"
  case "$backend" in
    postgres)
      local name="fleet_$$_$RANDOM"
      psql -XAqc "CREATE DATABASE $name" "$pg_admin"
      db="${pg_admin%/*}/$name"
      ;;
    sqlite) db="$work/fleet.db" ;;
    *) echo "fleet-test: unknown backend $backend (postgres, sqlite)" >&2; exit 2 ;;
  esac
  local extra=(--queue "$QUEUE" --progress-ms 1000)
  [ -n "$WORKERS" ] && extra+=(--workers "$WORKERS")
  pids=()
  for i in $(seq 0 $((PROCESSES - 1))); do
    port=$((PORT + i))
    "$server" --port "$port" --db "$db" --level 1 --app-version "fleet-$i" "${extra[@]}" \
      >"$run-report-$i.json" 2>"$run-server-$i.log" &
    pids+=($!)
  done
  for i in $(seq 0 $((PROCESSES - 1))); do
    for _ in $(seq 1 200); do
      grep -q listening "$run-server-$i.log" 2>/dev/null && break
      sleep 0.05
    done
    grep -q listening "$run-server-$i.log" || { cat "$run-server-$i.log" >&2; exit 1; }
  done
  wrk_pids=()
  for i in $(seq 0 $((PROCESSES - 1))); do
    wrk -t"$THREADS" -c"$per_wrk" -d"${secs}s" "http://127.0.0.1:$((PORT + i))/" >"$run-wrk-$i.txt" &
    wrk_pids+=($!)
  done
  local restart_ms="" load
  if [ "$fault" = restart ]; then
    sleep "$RESTART_AT"
    local t0 t1
    t0=$(date +%s%N)
    as_owner "'$pg_bin/pg_ctl' -D '$cluster/data' -m fast -w restart >/dev/null"
    t1=$(date +%s%N)
    restart_ms=$(( (t1 - t0) / 1000000 ))
  fi
  local wrk_failed=0
  for p in "${wrk_pids[@]}"; do wait "$p" || wrk_failed=1; done
  wrk_pids=()
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  # CPU time of the server's backends serving the writers (still connected: the services run), in ms.
  local server_ms=""
  if [ "$backend" = postgres ]; then
    server_ms=$(psql -XAtc "SELECT pid FROM pg_stat_activity WHERE application_name = 'fmd-recorder'" "$pg_admin" |
      while read -r pid; do cat "/proc/$pid/stat" 2>/dev/null || true; done |
      awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); t += $12 + $13 } END { printf "%.0f", t * 1000 / hz }')
  fi
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || echo "fleet-test: service $p had already exited" >&2; done
  for p in "${pids[@]}"; do wait "$p" || true; done
  pids=()
  if [ "$wrk_failed" = 1 ]; then
    for i in $(seq 0 $((PROCESSES - 1))); do cat "$run-wrk-$i.txt" "$run-server-$i.log" >&2; done
    fail "wrk failed ($backend)"
    return
  fi

  rows_by_version "$backend" "$db" >"$run-rows.txt"
  local rows_all
  rows_all=$(rows_total "$backend" "$db")
  echo
  echo "## $backend${fault:+, $fault}: $PROCESSES services × ${secs}s (load average at the end: $load)"
  printf '%-5s %9s %10s %10s %8s %8s %7s %9s %7s %9s %9s %5s\n' \
    svc req/s served rows dropped failed errors rows/s wrt_us max_queue recover_s lost
  local t_rps=0 t_served=0 t_rows=0 t_dropped=0 t_failed=0 t_errors=0 t_wcpu=0 t_queue=0 t_recover=""
  for i in $(seq 0 $((PROCESSES - 1))); do
    local w="$run-wrk-$i.txt" report rps served recorded dropped failed errors non2xx wcpu rows queue recover lost
    rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$w")
    non2xx=$(awk '/Non-2xx/ {n += $NF} END {print n + 0}' "$w")
    errors=$(awk '/Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$w")
    errors=$((errors + non2xx))
    [ "$non2xx" -eq 0 ] || fail "$backend service $i: $non2xx non-2xx answers"
    report=$(tail -n 1 "$run-report-$i.json")
    served=$(json_field served "$report"); recorded=$(json_field recorded "$report")
    dropped=$(json_field dropped "$report"); failed=$(json_field failed "$report")
    wcpu=$(json_field writer_cpu_ms "$report")
    [ -n "$served" ] && [ -n "$recorded" ] || { cat "$run-server-$i.log" >&2; fail "$backend service $i: no report"; continue; }
    rows=$(awk -v v="fleet-$i" '$1 == v {print $2}' "$run-rows.txt"); rows=${rows:-0}
    queue=$(sed -n 's/.*"queued": \([0-9]*\).*/\1/p' "$run-report-$i.json" | sort -n | tail -n 1); queue=${queue:-0}
    recover=$(sed -n 's/.* again after \([0-9.]*\) s.*/\1/p' "$run-server-$i.log" | paste -sd, -); recover=${recover:--}
    lost=$((served - rows - dropped - failed))
    [ "$lost" -eq 0 ] || fail "$backend service $i: $lost requests lost (served $served, rows $rows, dropped $dropped, failed $failed)"
    [ "$rows" -eq "$recorded" ] || fail "$backend service $i: $rows rows in the database, the recorder says $recorded"
    if [ -z "$fault" ] && [ $((dropped + failed)) -ne 0 ]; then
      fail "$backend service $i: $dropped dropped, $failed failed without a fault"
    fi
    printf '%-5s %9s %10s %10s %8s %8s %7s %9s %7s %9s %9s %5s\n' "$i" "$rps" "$served" "$rows" "$dropped" "$failed" \
      "$errors" "$(awk -v n="$rows" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')" \
      "$(awk -v ms="$wcpu" -v n="$rows" 'BEGIN {printf "%.2f", (n > 0 ? ms * 1000 / n : 0)}')" "$queue" "$recover" "$lost"
    t_rps=$((t_rps + rps)); t_served=$((t_served + served)); t_rows=$((t_rows + rows))
    t_dropped=$((t_dropped + dropped)); t_failed=$((t_failed + failed)); t_errors=$((t_errors + errors))
    t_wcpu=$((t_wcpu + wcpu)); [ "$queue" -gt "$t_queue" ] && t_queue=$queue
    [ "$recover" != - ] && t_recover=$(awk -v a="${t_recover:-0}" -v b="${recover##*,}" 'BEGIN {print (b > a ? b : a)}')
  done
  local t_lost=$((t_served - rows_all - t_dropped - t_failed))
  [ "$t_lost" -eq 0 ] || fail "$backend: $t_lost requests lost in all"
  [ "$rows_all" -eq "$t_rows" ] || fail "$backend: $rows_all rows in all but $t_rows under the services' versions"
  printf '%-5s %9s %10s %10s %8s %8s %7s %9s %7s %9s %9s %5s\n' all "$t_rps" "$t_served" "$rows_all" "$t_dropped" \
    "$t_failed" "$t_errors" "$(awk -v n="$rows_all" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')" \
    "$(awk -v ms="$t_wcpu" -v n="$rows_all" 'BEGIN {printf "%.2f", (n > 0 ? ms * 1000 / n : 0)}')" "$t_queue" \
    "${t_recover:--}" "$t_lost"
  if [ -n "$server_ms" ]; then
    echo "# server: the writers' backends used $server_ms ms CPU, $(awk -v ms="$server_ms" -v n="$rows_all" \
      'BEGIN {printf "%.2f", (n > 0 ? ms * 1000 / n : 0)}') µs per row${fault:+ (since the restart: new backends)}"
  fi
  if [ "$fault" = restart ]; then
    local warned=0
    for i in $(seq 0 $((PROCESSES - 1))); do
      warned=$((warned + $(grep -c 'WARN' "$run-server-$i.log" || true)))
      grep -q ' again after ' "$run-server-$i.log" || fail "service $i did not log its recovery after the restart"
    done
    echo "# restart at ${RESTART_AT}s: pg_ctl restart -m fast took ${restart_ms} ms; slowest recovery ${t_recover:--} s;" \
      "$t_dropped dropped, $t_failed failed; $warned warning line(s) from $PROCESSES services"
  fi
  [ "$backend" = sqlite ] && rm -f "$db" "$db-wal" "$db-shm"
  return 0
}

for backend in $BACKENDS; do
  fault=""
  [ "$backend" = postgres ] && [ "$RESTART" = 1 ] && fault=restart
  run_backend "$backend" "$fault"
done
echo
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$status" -eq 0 ] && echo "fleet-test: ok" || echo "fleet-test: FAILED" >&2
exit "$status"
