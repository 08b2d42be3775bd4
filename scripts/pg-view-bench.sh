#!/usr/bin/env bash
# Times every `fmd show` view on a PostgreSQL database, dashboard-wide and for the busiest endpoint, over all
# time, 7 days and 24 hours, beside issue 14's targets (the overview 0.3 s, every other view 1 s).
#
#   URL=postgres://fmd@127.0.0.1:55439/big10m END=2026-12-07T12:00:00Z scripts/pg-view-bench.sh
#
# Fill the database first, e.g. `fmd generate --db "$URL" --requests 10000000 --end "$END"`.
# first: the first run (after `ANALYZE`, with whatever PostgreSQL has cached); warm: the median of RUNS
# (default 3) further runs. Each run is a new `fmd show VIEW --json` process (connection set-up included).
set -euo pipefail
bin=${BIN:-target/release/fmd}
url=${URL:?URL=postgres://... names the database}
end=${END:?END is the instant the data ends at, as given to generate --end}
runs=${RUNS:-3}
command -v psql >/dev/null || { echo "pg-view-bench: needs psql" >&2; exit 2; }

seconds() {
  local start stop
  start=$(date +%s.%N)
  "$@" >/dev/null
  stop=$(date +%s.%N)
  awk -v a="$start" -v b="$stop" 'BEGIN { printf "%.3f", b - a }'
}

psql -qAt "$url" -c 'ANALYZE' >/dev/null
busiest_sql='SELECT name FROM "Endpoint" WHERE id = (SELECT endpoint_id FROM "Request"
  GROUP BY endpoint_id ORDER BY count(*) DESC LIMIT 1)'
busiest=$(psql -qAt "$url" -c "$busiest_sql")
requests=$(psql -qAt "$url" -c 'SELECT count(*) FROM "Request"')
echo "## PostgreSQL, $requests requests (busiest endpoint: $busiest; runs: $runs)"
printf '%-34s %-6s %8s %8s %8s  %s\n' "view" "window" "first s" "warm s" "target" "verdict"
cases=("overview|all" "report|all" "report --preset week|all")
for view in hourly daily versions api-performance status-codes graphs exceptions latency; do
  for w in all 7d 24h; do cases+=("$view|$w"); done
done
for view in status-codes endpoint users ips user-versions ip-versions requests versions hourly daily latency \
  outliers profiler grouped-profiler; do
  for w in all 7d 24h; do cases+=("$view --endpoint $busiest|$w"); done
done
for case in "${cases[@]}"; do
  view=${case%|*}
  w=${case#*|}
  window=()
  [ "$w" = all ] || window=(--from "$w")
  # shellcheck disable=SC2206
  args=($view)
  target=1.00
  [ "${args[0]}" = overview ] && target=0.30
  cmd=("$bin" show "${args[@]}" "${window[@]}" --json --db "$url" --now "$end" --tz UTC)
  first=$(seconds "${cmd[@]}")
  warm=$(for ((r = 0; r < runs; r++)); do seconds "${cmd[@]}"; echo; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  verdict=$(awk -v t="$warm" -v g="$target" 'BEGIN { print (t <= g ? "ok" : "SLOW") }')
  printf '%-34s %-6s %8s %8s %8s  %s\n' "${view/--endpoint $busiest/(busiest)}" "$w" "$first" "$warm" "$target" \
    "$verdict"
done
