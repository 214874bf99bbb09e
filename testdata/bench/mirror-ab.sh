#!/usr/bin/env bash
# A/B of mirrordb binaries on the SAFETY FULL commit path (issue 14): one
# mirrored pair per binary (lib.sh's new_mirrordb and mirror_pair, kv
# preloaded with --rows rows), pgbench insert.sql against each pair in turn,
# round after round (every other round in reverse order), so that a change
# in the machine's load touches every binary alike. Made for a machine other work loads: beside TPS and
# latency it prints, per INSERT and per partner, the process's CPU time,
# context switches and commits per fdatasync (perf stat on each partner
# during the run), and the load average, which the load distorts less
# than TPS. One line per run on stdout.
#
#   testdata/bench/mirror-ab.sh /tmp/m-main /tmp/m-new
#   testdata/bench/mirror-ab.sh --rounds 5 --clients "1 8" --modes "simple prepared" /tmp/m-main /tmp/m-new
#
# A binary's environment can be varied with a wrapper script (say one that
# runs `GOMAXPROCS=4 exec /tmp/m-new "$@"`).
#
# Options:
#   --rounds N      rounds (default 3)
#   --clients LIST  pgbench client counts (default "1 8")
#   --modes LIST    pgbench query modes (default simple)
#   --duration S    seconds per run (default 5)
#   --rows N        rows preloaded in kv (default 20000)
#   --safety LEVEL  FULL or OFF (default FULL)
#   --dir, --keep   as in lib.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

rounds=3 clients="1 8" modes=simple duration=5 rows=20000 safety=FULL
bins=()
option() {
	case $1 in
	--rounds) rounds=$2 ;;
	--clients) clients=$2 ;;
	--modes) modes=$2 ;;
	--duration) duration=$2 ;;
	--rows) rows=$2 ;;
	--safety) safety=$2 ;;
	-*) return 2 ;;
	*) bins+=("$1") && return 1 ;;
	esac
}
parse_options "$@"
((${#bins[@]})) || die "name the mirrordb binaries to compare"
command -v perf >/dev/null || die "perf is needed (context switches and fdatasync calls)"

bench_init "$parent"
for i in "${!bins[@]}"; do
	mirrordb_bin=${bins[$i]}
	new_mirrordb "p$i"
	new_mirrordb "m$i"
	sql "p$i" master -c "CREATE DATABASE bench"
	sql "p$i" bench -c "CREATE TABLE kv (k BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL, n INT NOT NULL)"
	insert_rows kv "$rows" 'i ",'"'row'"',0"' | sql "p$i" bench >/dev/null
	mirror_pair "p$i" "m$i" bench "$safety"
done

# perf_field FILE EVENT: a counter from perf stat's CSV output.
perf_field() { awk -F, -v e="$2" 'index($3, e) { print $1 + 0 }' "$1"; }

for r in $(seq "$rounds"); do
	for mode in $modes; do
		for c in $clients; do
			# Odd rounds in the order given, even ones reversed: the pair
			# that runs first in a round tends to win on a loaded machine.
			order=("${!bins[@]}")
			((r % 2)) || mapfile -t order < <(printf '%s\n' "${order[@]}" | tac)
			for i in "${order[@]}"; do
				p=p$i m=m$i
				settle 10 "$p" "$m"
				cp0=$(cpu_ticks "${pid[$p]}") cm0=$(cpu_ticks "${pid[$m]}")
				events=syscalls:sys_enter_fdatasync,context-switches
				perf stat -x, -e "$events" -p "${pid[$p]}" -o "$work/perf.$p" 2>/dev/null &
				pp=$!
				perf stat -x, -e "$events" -p "${pid[$m]}" -o "$work/perf.$m" 2>/dev/null &
				pm=$!
				sleep 0.2
				# shellcheck disable=SC2046
				out=$(client pgbench -n -M "$mode" -c "$c" -j $((c < 4 ? c : 4)) -T "$duration" \
					-f "$bench_here/insert.sql" $(conn "$p" bench) 2>&1) || die "pgbench: $out"
				kill -INT "$pp" "$pm"
				wait "$pp" "$pm" 2>/dev/null || true
				settle 5 "$p" "$m"
				cp1=$(cpu_ticks "${pid[$p]}") cm1=$(cpu_ticks "${pid[$m]}")
				n=$(awk '/number of transactions actually processed/ { split($NF, a, "/"); print a[1] }' <<<"$out")
				tps=$(awk '/^tps/ { print int($3) }' <<<"$out")
				lat=$(awk '/latency average/ { print $4 }' <<<"$out")
				awk -v bin="${bins[$i]}" -v mode="$mode" -v c="$c" -v n="$n" -v tps="$tps" -v lat="$lat" \
					-v cp=$((cp1 - cp0)) -v cm=$((cm1 - cm0)) -v tck="$clk_tck" \
					-v fp="$(perf_field "$work/perf.$p" fdatasync)" -v fm="$(perf_field "$work/perf.$m" fdatasync)" \
					-v csp="$(perf_field "$work/perf.$p" context-switches)" -v csm="$(perf_field "$work/perf.$m" context-switches)" \
					-v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
					printf "%-20s %-8s clients %-3d tps %-6d lat %-6s ms | per INSERT: CPU principal %4.0f µs, mirror %4.0f µs; context switches %4.1f, %4.1f | commits per fdatasync %.2f, %.2f | load %s\n",
						bin, mode, c, tps, lat, cp / tck * 1e6 / n, cm / tck * 1e6 / n, csp / n, csm / n, n / fp, n / fm, load }'
			done
		done
	done
done
