#!/usr/bin/env bash
# End-to-end overhead and completeness of the recorder, side by side in one run.
#
# For each mode (no recorder, levels 0, 1, 3) it starts examples/hello_server on loopback, loads it with wrk
# for DURATION, stops it gracefully, and compares: throughput and latency (wrk), requests served (counted by
# the server outside the recorder), rows in the database, and the recorder's dropped / failed counts.
#
#   scripts/load-test.sh                      # 10 s per mode, 64 connections
#   DURATION=60s MODES="none 1" scripts/load-test.sh
#
# Needs wrk (apt-get install wrk) and sqlite3 (apt-get install sqlite3). Loads only 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-1}
MODES=${MODES:-"none 0 1 3"}
PORT=${PORT:-18099}
for tool in wrk sqlite3; do
  command -v "$tool" >/dev/null || { echo "load-test: $tool is missing (apt-get install $tool)" >&2; exit 2; }
done

cargo build --release --quiet --example hello_server
server=target/release/examples/hello_server
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '%-6s %12s %10s %10s %10s %10s %8s %8s %s\n' mode req/s p50 p99 served rows dropped failed lost
for mode in $MODES; do
  db="$work/hello-$mode.db"
  "$server" --port "$PORT" --db "$db" --level "$mode" >"$work/report-$mode.json" 2>"$work/server-$mode.log" &
  pid=$!
  for _ in $(seq 1 100); do
    grep -q listening "$work/server-$mode.log" 2>/dev/null && break
    sleep 0.05
  done
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT/" >"$work/wrk-$mode.txt"
  kill -TERM "$pid"
  wait "$pid" || true
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk-$mode.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk-$mode.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk-$mode.txt")
  report=$(tail -n 1 "$work/report-$mode.json")
  served=$(sed -n 's/.*"served": \([0-9]*\).*/\1/p' <<<"$report")
  dropped=$(sed -n 's/.*"dropped": \([0-9]*\).*/\1/p' <<<"$report")
  failed=$(sed -n 's/.*"failed": \([0-9]*\).*/\1/p' <<<"$report")
  rows=0
  lost="-"
  if [ "$mode" != none ]; then
    rows=$(sqlite3 "$db" 'SELECT count(*) FROM Request')
    if [ "$mode" = 0 ]; then
      lost="n/a (level 0 stores no rows)"
    else
      lost=$((served - rows - dropped - failed))
    fi
  fi
  printf '%-6s %12s %10s %10s %10s %10s %8s %8s %s\n' "$mode" "$rps" "$p50" "$p99" "$served" "$rows" "$dropped" "$failed" "$lost"
done
