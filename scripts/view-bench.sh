#!/usr/bin/env bash
# Times every `fmd show` view over several shapes of data (see `fmd generate --shape`), dashboard-wide and for
# the busiest endpoint, over all time, 7 days and 24 hours, cold and warm, beside the 300 ms target.
#
#   scripts/view-bench.sh                                   # default, heavy-tail, many-ips at 1M and 10M
#   SHAPES="heavy-tail" SIZES=1000000 RUNS=5 scripts/view-bench.sh
#   BIN=/tmp/fmd-before DIR=/tmp/fmd-bench scripts/view-bench.sh   # another binary on the same files
#
# Files are generated once into DIR (default /tmp/fmd-bench) as SHAPE-SIZE.db, ending at END (fixed, so every
# run sees the same data and `--now`); the generation time is printed when a file is made. Before the views,
# one `fmd show overview` brings fmd's summary tables up to date (its time is printed as "summaries").
#
# cold: the first run after one more request was written to the file (as a running service would), so the
#       summaries have a request above their mark and nothing an unchanged file lets fmd skip is skipped.
#       With DROP_CACHES=1 (root) the OS page cache is dropped too (slows every process on the machine).
# warm: the median of RUNS (default 3) further runs on the unchanged file.
# Each run is a new `fmd show VIEW --json` process, so process start (a few ms) is included.
set -euo pipefail
bin=${BIN:-target/release/fmd}
dir=${DIR:-/tmp/fmd-bench}
shapes=${SHAPES:-default heavy-tail many-ips}
sizes=${SIZES:-1000000 10000000}
runs=${RUNS:-3}
end=${END:-2026-12-04T00:00:00Z}
target=0.30
mkdir -p "$dir"
command -v sqlite3 >/dev/null || { echo "view-bench: needs the sqlite3 command" >&2; exit 2; }

dash_views=("overview" "hourly" "daily" "versions" "api-performance" "status-codes" "graphs")
endpoint_views=("status-codes" "endpoint" "users" "ips" "user-versions" "ip-versions" "requests" "versions" "hourly"
  "daily")
windows=("all" "7d" "24h")

seconds() { # runs "$@" and prints its wall time in seconds
  local start stop
  start=$(date +%s.%N)
  "$@" >/dev/null
  stop=$(date +%s.%N)
  awk -v a="$start" -v b="$stop" 'BEGIN { printf "%.3f", b - a }'
}

one_more_request() { # what a service writing to the file would do
  sqlite3 "$1" "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code)
    SELECT endpoint_id, duration, time_requested, version_requested, group_by, ip, status_code FROM Request
    ORDER BY id DESC LIMIT 1"
}

mark() { awk -v t="$1" -v g="$target" 'BEGIN { print (t <= g ? "ok" : "SLOW") }'; }

for shape in $shapes; do
  for size in $sizes; do
    db="$dir/$shape-$size.db"
    if [ ! -f "$db" ]; then
      took=$(seconds "$bin" generate --db "$db" --shape "$shape" --requests "$size" --end "$end")
      echo "generated $db in ${took} s"
    fi
    took=$(seconds "$bin" show overview --json --db "$db" --now "$end" --tz UTC)
    busiest=$(sqlite3 "$db" "SELECT name FROM Endpoint WHERE id = (SELECT endpoint_id FROM Request
      GROUP BY endpoint_id ORDER BY count(*) DESC LIMIT 1)")
    echo
    echo "## $shape, $size requests (summaries: ${took} s; busiest endpoint: $busiest; runs: $runs)"
    printf '%-34s %-6s %8s %8s %8s  %s\n' "view" "window" "cold s" "warm s" "target" "verdict"
    cases=("report|all" "report --preset week|all")
    for view in "${dash_views[@]}"; do
      for w in "${windows[@]}"; do cases+=("$view|$w"); done
    done
    for view in "${endpoint_views[@]}"; do
      for w in "${windows[@]}"; do cases+=("$view --endpoint $busiest|$w"); done
    done
    for case in "${cases[@]}"; do
      view=${case%|*}
      w=${case#*|}
      window=()
      [ "$w" = all ] || window=(--from "$w")
      # shellcheck disable=SC2206
      args=($view)
      cmd=("$bin" show "${args[@]}" "${window[@]}" --json --db "$db" --now "$end" --tz UTC)
      one_more_request "$db"
      if [ "${DROP_CACHES:-0}" = 1 ]; then sync; echo 1 >/proc/sys/vm/drop_caches; fi
      cold=$(seconds "${cmd[@]}")
      warm=$(for ((r = 0; r < runs; r++)); do seconds "${cmd[@]}"; echo; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
      worst=$(awk -v a="$cold" -v b="$warm" 'BEGIN { print (a > b ? a : b) }')
      printf '%-34s %-6s %8s %8s %8s  %s\n' "${view/--endpoint $busiest/(busiest)}" "$w" "$cold" "$warm" "$target" \
        "$(mark "$worst")"
    done
  done
done
