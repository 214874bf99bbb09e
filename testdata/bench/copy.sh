#!/usr/bin/env bash
# COPY throughput against PostgreSQL: psql's \copy of the same csv file
# (ROWS rows: int key, varchar, int, decimal, timestamp) into mirrordb and
# into a temporary PostgreSQL 15 cluster on the same machine. For each it
# prints the wall time, the server's CPU time (mirrordb's process; the
# PostgreSQL backend, counted when the postmaster reaps it) and, for
# mirrordb, its peak resident memory. Run as root (the PostgreSQL cluster
# runs as the postgres user) or as a user who can run initdb.
#
# MIRRORDB=path uses that server binary instead of building this tree's
# (an A/B of two versions: build each with go build ./cmd/server and
# alternate them); PG=0 skips PostgreSQL. Each line shows the load
# average when the run began: on a shared machine compare CPU times.
#
#   testdata/bench/copy.sh
#   ROWS=100000 RUNS=3 testdata/bench/copy.sh
#   for r in 1 2 3; do for b in old new; do MIRRORDB=/tmp/$b PG=0 testdata/bench/copy.sh; done; done
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
ROWS="${ROWS:-1000000}"
RUNS="${RUNS:-1}"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
PG="${PG:-1}"

work="$(mktemp -d)"
chmod 755 "$work"
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -d "$work/pgdata" ] && as_pg "$PGBIN/pg_ctl" -D "$work/pgdata" -m immediate stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -c "$(printf '%q ' "$@")"; else "$@"; fi; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }          # own user+system ticks
reaped() { awk '{print $16 + $17}' "/proc/$1/stat"; }       # reaped children's ticks
hz=$(getconf CLK_TCK)
secs() { awk -v t="$1" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }'; }

python3 - "$work/rows.csv" "$ROWS" <<'PY'
import random, sys
random.seed(1)
with open(sys.argv[1], 'w') as f:
    for i in range(1, int(sys.argv[2]) + 1):
        f.write('%d,name %d,%d,%d.%02d,2024-%02d-%02d %02d:%02d:%02d\n' % (i, i, random.randint(0, 1000),
            random.randint(0, 99999), random.randint(0, 99), random.randint(1, 12), random.randint(1, 28),
            random.randint(0, 23), random.randint(0, 59), random.randint(0, 59)))
PY
chmod 644 "$work/rows.csv"
echo "file: $ROWS rows, $(du -m "$work/rows.csv" | cut -f1) MB; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# mirrordb
if [ -n "${MIRRORDB:-}" ]; then
  cp "$MIRRORDB" "$work/mirrordb"
else
  (cd "$root" && go build -o "$work/mirrordb" ./cmd/server)
fi
freeport() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(freeport)
"$work/mirrordb" --data "$work/data" --listen "127.0.0.1:$port" --log-level warn &
pid=$!
for _ in $(seq 100); do psql -X -q -h 127.0.0.1 -p "$port" -d master -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.1; done
psql -X -q -h 127.0.0.1 -p "$port" -d master -c "CREATE DATABASE bench"
peak=0
for run in $(seq "$RUNS"); do
  psql -X -q -h 127.0.0.1 -p "$port" -d bench -c "CREATE TABLE t$run (id INT PRIMARY KEY, name VARCHAR(40), qty INT, price DECIMAL(10,2), at DATETIME2)"
  l=$(cut -d' ' -f1 /proc/loadavg); c0=$(cpu "$pid"); t0=$(date +%s.%N)
  (cd "$work" && psql -X -q -h 127.0.0.1 -p "$port" -d bench -c "\\copy t$run from 'rows.csv' with (format csv)")
  t1=$(date +%s.%N); c1=$(cpu "$pid")
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  echo "mirrordb   run $run (load $l): wall $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s, server CPU $(secs $((c1 - c0))) s, peak RSS $((hwm / 1024)) MB"
  t0=$(date +%s.%N)
  psql -X -q -h 127.0.0.1 -p "$port" -d bench -c "\\copy t$run to '/dev/null' with (format csv)"
  t1=$(date +%s.%N)
  echo "mirrordb   run $run: \\copy to: wall $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
done

# PostgreSQL 15, defaults, on the same disk
if [ "$PG" = 0 ]; then
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
mkdir "$work/pgdata" "$work/sock"
[ "$(id -u)" -eq 0 ] && chown postgres "$work/pgdata" "$work/sock"
as_pg "$PGBIN/initdb" -D "$work/pgdata" -A trust -U postgres >/dev/null
pport=$(freeport)
as_pg "$PGBIN/pg_ctl" -D "$work/pgdata" -l "$work/sock/pg.log" -o "-p $pport -k $work/sock -c listen_addresses=127.0.0.1" -w start >/dev/null
postmaster=$(head -1 "$work/pgdata/postmaster.pid")
for run in $(seq "$RUNS"); do
  psql -X -q -h 127.0.0.1 -p "$pport" -U postgres -c "CREATE TABLE t$run (id int PRIMARY KEY, name varchar(40), qty int, price numeric(10,2), at timestamp)"
  sleep 0.2
  l=$(cut -d' ' -f1 /proc/loadavg); c0=$(reaped "$postmaster"); t0=$(date +%s.%N)
  (cd "$work" && psql -X -q -h 127.0.0.1 -p "$pport" -U postgres -c "\\copy t$run from 'rows.csv' with (format csv)")
  t1=$(date +%s.%N); sleep 0.2; c1=$(reaped "$postmaster")
  echo "PostgreSQL run $run (load $l): wall $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s, backend CPU $(secs $((c1 - c0))) s"
  t0=$(date +%s.%N)
  psql -X -q -h 127.0.0.1 -p "$pport" -U postgres -c "\\copy t$run to '/dev/null' with (format csv)"
  t1=$(date +%s.%N)
  echo "PostgreSQL run $run: \\copy to: wall $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
