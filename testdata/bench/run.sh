#!/usr/bin/env bash
# mirrordb's throughput benchmark: pgbench against a real server with the
# custom scripts beside this file, simple and prepared protocol, 1, 16 and
# 64 clients. Prints one line per run and a summary table.
#
#   testdata/bench/run.sh              # 10 s per run
#   DURATION=30 testdata/bench/run.sh  # longer runs
#   ROWS=100000 CLIENTS="1 16" MODES=prepared SCRIPTS="insert" testdata/bench/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
DURATION="${DURATION:-10}"
ROWS="${ROWS:-100000}"
CLIENTS="${CLIENTS:-1 16 64}"
MODES="${MODES:-simple prepared}"
SCRIPTS="${SCRIPTS:-insert update select}"

if ! command -v pgbench >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql-15 >/dev/null
  export PATH="$PATH:/usr/lib/postgresql/15/bin"
fi

work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/mirrordb" ./cmd/server)
port=$((20000 + RANDOM % 20000))
"$work/mirrordb" --data "$work/data" --listen "127.0.0.1:$port" --log-level warn &
pid=$!
for _ in $(seq 100); do psql -X -q -h 127.0.0.1 -p "$port" -d master -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.1; done

export PGHOST=127.0.0.1 PGPORT="$port" PGSSLMODE=disable
psql -X -q -d master -c "CREATE DATABASE bench"
psql -X -q -d bench -c "CREATE TABLE kv (k BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL, n INT NOT NULL)"
# Load ROWS rows in batches of 1000 with one multi-row INSERT each.
for ((start = 1; start <= ROWS; start += 1000)); do
  end=$((start + 999)); ((end > ROWS)) && end=$ROWS
  values=$(seq -s, -f "(%g,'row',0)" "$start" "$end")
  echo "INSERT INTO kv (k, v, n) VALUES $values;"
done | psql -X -q -d bench >/dev/null

printf '%-8s %-9s %7s %10s %12s\n' script mode clients tps latency_ms
declare -A tps
for script in $SCRIPTS; do
  for mode in $MODES; do
    for c in $CLIENTS; do
      out=$(pgbench -n -M "$mode" -c "$c" -j 2 -T "$DURATION" -D rows="$ROWS" -f "$here/$script.sql" bench 2>&1) || {
        echo "$out" >&2; exit 1; }
      t=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
      lat=$(echo "$out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')
      tps[$script/$mode/$c]=$t
      printf '%-8s %-9s %7s %10.0f %12s\n' "$script" "$mode" "$c" "$t" "$lat"
    done
  done
done
echo
echo "group commit (insert, prepared): 16 clients / 1 client = $(awk -v a="${tps[insert/prepared/16]:-0}" -v b="${tps[insert/prepared/1]:-1}" 'BEGIN{printf "%.1fx", a/b}')"
