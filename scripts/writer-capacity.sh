#!/usr/bin/env bash
# The recorder's writer thread at full speed, and the memory a burst costs (examples/writer_capacity.rs).
#
#   scripts/writer-capacity.sh                 # capacity with 2,000,000 records, bursts of 5,000,000
#   RECORDS=4000000 BURST=10000000 scripts/writer-capacity.sh
#
# capacity:    every record fits the queue; the writer's drain rate while it has a backlog, in rows/s.
# burst:       records pushed at full speed into the default 65,536 queue; drops counted; peak RSS.
# burst-fault: the same while the database cannot be written (missing directory); peak RSS stays bounded.
# Each line is one process's JSON report; "accounted" must equal "pushed_total" (the example exits 1 if not).
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-2000000}
BURST=${BURST:-5000000}
ROUNDS=${ROUNDS:-3}

cargo build --release --quiet --example writer_capacity
bin="${CARGO_TARGET_DIR:-target}/release/examples/writer_capacity"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null || echo '?') cores=$(nproc)" \
  "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  "$bin" --mode capacity --records "$RECORDS" --db "$work/capacity-$round.db"
  rm -f "$work"/capacity-"$round".db*
done
"$bin" --mode burst --records "$BURST" --db "$work/burst.db"
"$bin" --mode burst-fault --records "$BURST" --db "$work/no/such/directory/burst.db" 2>/dev/null
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
