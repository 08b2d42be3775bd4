#!/usr/bin/env bash
# End-to-end overhead and completeness of the recorder, side by side in one run.
#
# For each mode (no recorder, levels 0, 1, 3) it starts examples/hello_server on loopback, loads it with wrk
# for DURATION, stops it gracefully, and compares: throughput and latency (wrk), requests served (counted by
# the server outside the recorder), rows in the database, the recorder's dropped / failed counts, and the
# server's peak RSS. The last lines give each mode's throughput relative to "none" in the same round (median
# over rounds).
#
#   scripts/load-test.sh                               # 10 s per mode, 64 connections, modes none 0 1 3
#   ROUNDS=5 DURATION=5s scripts/load-test.sh          # modes interleaved 5 times; median of per-round ratios
#   DURATION=60s MODES="1" scripts/load-test.sh        # completeness at saturation: lost must be 0
#   PROCESSES=4 DURATION=60s MODES="1" scripts/load-test.sh   # 4 services writing one database file
#   QUEUE=16 MODES="1" scripts/load-test.sh            # beyond the writer: drops counted exactly
#
# Settings (environment): DURATION (wrk -d), CONNECTIONS (in all, split across processes), THREADS (wrk -t,
# per wrk), MODES, ROUNDS, PROCESSES (services on ports PORT.. sharing one database file, one wrk each),
# QUEUE (recorder queue capacity), WORKERS (tokio worker threads per service; default one per core), PORT.
#
# cpu_us / wrt_us: CPU time (user + system) of the service process(es) / of the recorder's writer thread(s) per
# request served, in µs: less sensitive to other work on the machine than throughput.
#
# "lost" = served - rows - dropped - failed: requests neither in the file nor counted. It must be 0; the script
# exits 1 otherwise. Level 0 stores no Request rows, so lost does not apply.
#
# Needs wrk and sqlite3 (apt-get install -y wrk sqlite3). Loads only 127.0.0.1.
set -euo pipefail
trap 'echo "load-test: command failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-1}
MODES=${MODES:-"none 0 1 3"}
ROUNDS=${ROUNDS:-1}
PROCESSES=${PROCESSES:-1}
QUEUE=${QUEUE:-65536}
WORKERS=${WORKERS:-}
PORT=${PORT:-38099}
for tool in wrk sqlite3; do
  command -v "$tool" >/dev/null || { echo "load-test: $tool is missing (apt-get install -y $tool)" >&2; exit 2; }
done

cargo build --release --quiet --example hello_server
server="${CARGO_TARGET_DIR:-target}/release/examples/hello_server"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

per_wrk=$(( CONNECTIONS / PROCESSES ))
[ "$per_wrk" -ge "$THREADS" ] || per_wrk=$THREADS
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null || echo '?') cores=$(nproc)" \
  "duration=$DURATION connections=$CONNECTIONS threads=$THREADS processes=$PROCESSES queue=$QUEUE" \
  "workers=${WORKERS:-auto} rounds=$ROUNDS"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Wall-clock microseconds to milliseconds, for wrk's "1.23ms" / "456.00us" / "1.20s".
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else printf "%s", v }'
}

json_field() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" <<<"$2"; }

status=0
printf '%-5s %-5s %10s %9s %9s %10s %10s %9s %8s %8s %9s %7s %7s %s\n' \
  round mode req/s p50_ms p99_ms served rows dropped failed errors peak_MiB cpu_us wrt_us lost
for round in $(seq 1 "$ROUNDS"); do
  for mode in $MODES; do
    db="$work/hello-$round-$mode.db"
    level_args=(--level "$mode")
    extra=(--queue "$QUEUE")
    [ -n "$WORKERS" ] && extra+=(--workers "$WORKERS")
    pids=()
    run="$work/$round-$mode"
    for i in $(seq 0 $((PROCESSES - 1))); do
      port=$((PORT + i))
      "$server" --port "$port" --db "$db" "${level_args[@]}" "${extra[@]}" \
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
      wrk -t"$THREADS" -c"$per_wrk" -d"$DURATION" --latency "http://127.0.0.1:$((PORT + i))/" >"$run-wrk-$i.txt" &
      wrk_pids+=($!)
    done
    wrk_failed=0
    for p in "${wrk_pids[@]}"; do wait "$p" || wrk_failed=1; done
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || echo "load-test: service $p had already exited" >&2; done
    for p in "${pids[@]}"; do wait "$p" || true; done
    pids=()
    if [ "$wrk_failed" = 1 ]; then
      echo "load-test: wrk failed in round $round, mode $mode:" >&2
      for i in $(seq 0 $((PROCESSES - 1))); do cat "$run-wrk-$i.txt" "$run-server-$i.log" >&2; done
      status=1
      continue
    fi

    rps=0; p50=0; p99=0; served=0; dropped=0; failed=0; errors=0; peak=0; cpu=0; wcpu=0
    for i in $(seq 0 $((PROCESSES - 1))); do
      w="$run-wrk-$i.txt"
      r=$(awk '/^Requests\/sec/ {print $2}' "$w")
      rps=$(awk -v a="$rps" -v b="$r" 'BEGIN {printf "%.0f", a + b}')
      # Latency: the worst of the wrk instances.
      p=$(to_ms "$(awk '$1 == "50%" {print $2}' "$w")"); p50=$(awk -v a="$p50" -v b="$p" 'BEGIN {print (b > a ? b : a)}')
      p=$(to_ms "$(awk '$1 == "99%" {print $2}' "$w")"); p99=$(awk -v a="$p99" -v b="$p" 'BEGIN {print (b > a ? b : a)}')
      e=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$w")
      errors=$((errors + e))
      report=$(tail -n 1 "$run-report-$i.json")
      served=$((served + $(json_field served "$report")))
      dropped=$((dropped + $(json_field dropped "$report")))
      failed=$((failed + $(json_field failed "$report")))
      peak=$((peak + $(json_field peak_rss_kib "$report")))
      cpu=$((cpu + $(json_field cpu_ms "$report")))
      wcpu=$((wcpu + $(json_field writer_cpu_ms "$report")))
    done
    rows=0
    lost="-"
    if [ "$mode" != none ]; then
      rows=$(sqlite3 "$db" 'SELECT count(*) FROM Request')
      if [ "$mode" = 0 ]; then
        lost="n/a"
      else
        lost=$((served - rows - dropped - failed))
        [ "$lost" -eq 0 ] || status=1
      fi
    fi
    # CPU time of the service process(es) and of the writer thread(s), per request served, in µs.
    per_req() { awk -v ms="$1" -v n="$served" 'BEGIN { printf "%.2f", (n > 0 ? ms * 1000 / n : 0) }'; }
    cpu_us=$(per_req "$cpu"); wrt_us=$(per_req "$wcpu")
    printf '%-5s %-5s %10s %9s %9s %10s %10s %9s %8s %8s %9.1f %7s %7s %s\n' "$round" "$mode" "$rps" "$p50" "$p99" \
      "$served" "$rows" "$dropped" "$failed" "$errors" "$(awk -v k="$peak" 'BEGIN {print k / 1024}')" "$cpu_us" \
      "$wrt_us" "$lost"
    echo "$round $mode $rps $p50 $p99 $cpu_us $wrt_us" >>"$work/summary.txt"
    rm -f "$db" "$db-wal" "$db-shm"
  done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Ratios against "none": each round's throughput divided by the same round's "none" (runs of one round are
# minutes apart at most), then the median over rounds, which ignores a round disturbed by other work.
if grep -q ' none ' "$work/summary.txt"; then
  echo "# median over $ROUNDS round(s) of (req/s / same round's none); p50/p99: medians too"
  median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  for mode in $MODES; do
    ratio=$(awk -v m="$mode" '$2 == "none" { none[$1] = $3 } $2 == m { rps[$1] = $3 }
      END { for (r in rps) if (none[r] > 0) print rps[r] / none[r] }' "$work/summary.txt" | median)
    rps=$(awk -v m="$mode" '$2 == m { print $3 }' "$work/summary.txt" | median)
    p50=$(awk -v m="$mode" '$2 == m { print $4 }' "$work/summary.txt" | median)
    p99=$(awk -v m="$mode" '$2 == m { print $5 }' "$work/summary.txt" | median)
    cpu=$(awk -v m="$mode" '$2 == m { print $6 }' "$work/summary.txt" | median)
    wrt=$(awk -v m="$mode" '$2 == m { print $7 }' "$work/summary.txt" | median)
    awk -v m="$mode" -v q="$ratio" -v r="$rps" -v a="$p50" -v b="$p99" -v c="$cpu" -v w="$wrt" 'BEGIN {
      printf "%-5s %9.0f req/s  %6.1f%% of none (%+.1f%%)  p50 %.3f ms  p99 %.3f ms  service CPU %.2f µs/req (writer %.2f)\n",
        m, r, 100 * q, 100 * (q - 1), a, b, c, w }'
  done
fi
exit "$status"
