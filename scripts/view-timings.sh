#!/usr/bin/env bash
# Times `fmd show VIEW --json` for every console view on one database, for one or more fmd binaries run side
# by side (interleaved, so they share the machine's load), and prints the median and range of RUNS runs each.
#
#   scripts/view-timings.sh DB BIN [BIN...]        # e.g. /tmp/gen10m.db /tmp/fmd-before target/release/fmd
#   RUNS=5 NOW=2026-11-27T22:56:55Z ENDPOINT=/api/items scripts/view-timings.sh ...
#
# Peak RSS (KB) is the largest of the runs. The first run of each binary on a file may build or refresh fmd's
# summary tables: one warm-up run of `show overview` per binary comes first and is not counted.
set -euo pipefail
db=${1:?usage: view-timings.sh DB BIN [BIN...]}
shift
[ $# -ge 1 ] || { echo "usage: view-timings.sh DB BIN [BIN...]" >&2; exit 2; }
runs=${RUNS:-3}
now=${NOW:-2026-11-27T22:56:55Z}
endpoint=${ENDPOINT:-/api/items}
views=(
  "overview"
  "hourly"
  "daily"
  "versions"
  "api-performance"
  "status-codes"
  "status-codes --endpoint $endpoint"
  "users --endpoint $endpoint"
  "ips --endpoint $endpoint"
  "user-versions --endpoint $endpoint"
  "ip-versions --endpoint $endpoint"
  "endpoint --endpoint $endpoint"
  "requests --endpoint $endpoint"
  "versions --endpoint $endpoint"
  "hourly --endpoint $endpoint"
  "daily --endpoint $endpoint"
  "report"
  "report --preset week"
)
for bin in "$@"; do
  "$bin" show overview --json --db "$db" --now "$now" --tz UTC >/dev/null
done
printf '%-40s' "view"
for bin in "$@"; do printf '  %-26s' "$(basename "$bin") s (min-max) RSS"; done
echo
for view in "${views[@]}"; do
  declare -A times=() rss=()
  for ((r = 0; r < runs; r++)); do
    for bin in "$@"; do
      # shellcheck disable=SC2086
      out=$( { /usr/bin/time -f "%e %M" "$bin" show $view --json --db "$db" --now "$now" --tz UTC >/dev/null; } 2>&1 | tail -1)
      times[$bin]+="${out% *} "
      kb=${out#* }
      if [ -z "${rss[$bin]:-}" ] || [ "$kb" -gt "${rss[$bin]}" ]; then rss[$bin]=$kb; fi
    done
  done
  printf '%-40s' "$view"
  for bin in "$@"; do
    stats=$(tr ' ' '\n' <<<"${times[$bin]}" | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.2f (%.2f-%.2f)", a[int((NR+1)/2)], a[1], a[NR]}')
    printf '  %-26s' "$stats ${rss[$bin]}"
  done
  echo
  unset times rss
done
