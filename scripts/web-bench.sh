#!/usr/bin/env bash
# The web dashboard's speed, side by side in one run (figures for BENCHMARKS.md "Web dashboard").
#
# 1. pages: every dashboard page, and every tab of the busiest endpoint, on DB (default: a 10M-request file
#    made by `fmd generate`), each asked twice through a logged-in session: the first answer is the dashboard
#    layer's query (cold for that page), the second the kept answer of an unchanged file.
# 2. api: `wrk` on GET /dashboard/api/overview of the unchanged file (its answer kept), then with the ETag of
#    the last answer (304s), as many open dashboards polling would.
# 3. live: a monitored service (examples/hello_server, level 1) under wrk for DURATION, alone and then with
#    DASHBOARDS live dashboards polling its database every 5 s (the page script's period, overview + one
#    endpoint page each), interleaved ROUNDS times: the service's throughput with them / without them.
#
#   DB=/tmp/fmd-bench/default-10000000.db scripts/web-bench.sh
#   PARTS="live" ROUNDS=5 scripts/web-bench.sh
#
# Needs wrk, curl and sqlite3. Loads only 127.0.0.1. Adds a user `bench` to DB when it has none of that name.
set -euo pipefail
trap 'echo "web-bench: command failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/.."

DB=${DB:-/tmp/fmd-bench/default-10000000.db}
PARTS=${PARTS:-"pages api live"}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
ROUNDS=${ROUNDS:-3}
DASHBOARDS=${DASHBOARDS:-20}
PORT=${PORT:-38180}
PASSWORD=bench-password-1
for tool in wrk curl sqlite3; do
  command -v "$tool" >/dev/null || { echo "web-bench: $tool is missing (apt-get install -y $tool)" >&2; exit 2; }
done

cargo build --release --quiet --features web --bin fmd --example hello_server
bin="${CARGO_TARGET_DIR:-target}/release"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null || echo '?') cores=$(nproc) db=$DB"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

add_user() { # db
  if ! "$bin/fmd" --db "$1" user list 2>/dev/null | grep -qw bench; then
    printf '%s\n' "$PASSWORD" | "$bin/fmd" --db "$1" user add bench --admin >/dev/null
  fi
}

serve() { # db port -> pid in $server_pid, cookie in $work/cookie-$port
  "$bin/fmd" --db "$1" web --listen "127.0.0.1:$2" 2>"$work/web-$2.log" &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 1 600); do
    grep -q "serving" "$work/web-$2.log" 2>/dev/null && break
    sleep 0.1
  done
  grep -q serving "$work/web-$2.log" || { cat "$work/web-$2.log" >&2; exit 1; }
  curl -s -o /dev/null -c "$work/cookie-$2" -d "name=bench&password=$PASSWORD" "http://127.0.0.1:$2/dashboard/login"
  cookie_header="Cookie: $(awk '$6 == "fmd_session" {print "fmd_session=" $7}' "$work/cookie-$2")"
}

if [[ " $PARTS " == *" pages "* || " $PARTS " == *" api "* ]]; then
  add_user "$DB"
  serve "$DB" "$PORT"
  base="http://127.0.0.1:$PORT/dashboard"
  busiest=$(sqlite3 "$DB" "SELECT id FROM Endpoint ORDER BY (SELECT count(*) FROM Request WHERE endpoint_id = Endpoint.id) DESC LIMIT 1" 2>/dev/null || echo 1)
fi

if [[ " $PARTS " == *" pages "* ]]; then
  echo
  echo "## pages (ms: first answer = the layer's query, second = kept answer; KB = page size)"
  printf '%-40s %9s %9s %8s %6s\n' page first_ms again_ms KB status
  pages="/ /hourly /daily /versions /performance /latency /status /exceptions /graphs /report"
  for tab in "" hourly latency versions users ips user-versions ip-versions status requests outliers exceptions profiler grouped; do
    pages="$pages /endpoint/$busiest/$tab"
  done
  for page in $pages; do
    for window in 7d all; do
      url="$base$page?window=$window"
      first=$(curl -s -o "$work/page" -w '%{time_total} %{http_code}' -H "$cookie_header" "$url")
      again=$(curl -s -o /dev/null -w '%{time_total}' -H "$cookie_header" "$url")
      kb=$(( $(stat -c %s "$work/page") / 1024 ))
      printf '%-40s %9.0f %9.1f %8d %6s\n' "$page?window=$window" "$(awk -v t="${first% *}" 'BEGIN {print t * 1000}')" \
        "$(awk -v t="$again" 'BEGIN {print t * 1000}')" "$kb" "${first#* }"
    done
  done
fi

if [[ " $PARTS " == *" api "* ]]; then
  echo
  echo "## api: GET /dashboard/api/overview on the unchanged file (wrk -t2 -c$CONNECTIONS -d$DURATION)"
  curl -s -o /dev/null -D "$work/headers" -H "$cookie_header" "$base/api/overview"
  etag=$(awk 'tolower($1) == "etag:" {print $2}' "$work/headers" | tr -d '\r')
  for variant in full etag; do
    extra=()
    [ "$variant" = etag ] && extra=(-H "If-None-Match: $etag")
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "$cookie_header" "${extra[@]}" "$base/api/overview" >"$work/wrk-$variant"
    printf '%-6s req/s %10s  p50 %8s  p99 %8s  non-2xx %s\n' "$variant" \
      "$(awk '/^Requests\/sec/ {print $2}' "$work/wrk-$variant")" \
      "$(awk '$1 == "50%" {print $2}' "$work/wrk-$variant")" "$(awk '$1 == "99%" {print $2}' "$work/wrk-$variant")" \
      "$(awk '/Non-2xx/ {print $NF}' "$work/wrk-$variant")"
  done
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
fi

if [[ " $PARTS " == *" live "* ]]; then
  echo
  echo "## live: a service at level 1 under wrk -c64 for $DURATION, alone vs with $DASHBOARDS dashboards polling"
  printf '%-5s %-10s %10s %9s %9s %12s\n' round dashboards req/s p50 p99 polls
  declare -a ratios=()
  for round in $(seq 1 "$ROUNDS"); do
    declare -A rps=()
    for with in 0 "$DASHBOARDS"; do
      db="$work/live-$round-$with.db"
      sport=$((PORT + 10))
      "$bin/examples/hello_server" --port "$sport" --db "$db" --level 1 >"$work/report" 2>"$work/server.log" &
      spid=$!
      pids+=("$spid")
      for _ in $(seq 1 200); do grep -q listening "$work/server.log" 2>/dev/null && break; sleep 0.05; done
      curl -s -o /dev/null "http://127.0.0.1:$sport/"
      polls=0
      poller_pids=()
      if [ "$with" -gt 0 ]; then
        sleep 1.5
        add_user "$db"
        serve "$db" "$((PORT + 1))"
        wbase="http://127.0.0.1:$((PORT + 1))/dashboard"
        for d in $(seq 1 "$with"); do
          (
            n=0
            while true; do
              curl -s -o /dev/null -H "$cookie_header" "$wbase/?window=24h" || true
              curl -s -o /dev/null -H "$cookie_header" "$wbase/endpoint/1/?window=24h" || true
              n=$((n + 2)); echo "$n" >"$work/polls-$d"
              sleep 5
            done
          ) &
          poller_pids+=($!)
        done
      fi
      wrk -t1 -c64 -d"$DURATION" --latency "http://127.0.0.1:$sport/" >"$work/wrk-live"
      for p in "${poller_pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
      if [ "$with" -gt 0 ]; then
        polls=$(cat "$work"/polls-* 2>/dev/null | awk '{s += $1} END {print s + 0}')
        rm -f "$work"/polls-*
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
      fi
      kill -TERM "$spid" 2>/dev/null || true
      wait "$spid" 2>/dev/null || true
      r=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk-live")
      rps[$with]=$r
      printf '%-5s %-10s %10s %9s %9s %12s\n' "$round" "$with" "$r" \
        "$(awk '$1 == "50%" {print $2}' "$work/wrk-live")" "$(awk '$1 == "99%" {print $2}' "$work/wrk-live")" "$polls"
    done
    ratios+=("$(awk -v a="${rps[$DASHBOARDS]}" -v b="${rps[0]}" 'BEGIN {printf "%.3f", a / b}')")
  done
  printf 'throughput with %s dashboards / without, per round: %s; median %s\n' "$DASHBOARDS" "${ratios[*]}" \
    "$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')"
fi
