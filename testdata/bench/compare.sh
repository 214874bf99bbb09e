#!/usr/bin/env bash
# Side by side with pgbench (issue 14): PostgreSQL 15 alone and with a
# synchronous standby, against mirrordb alone and mirrored at SAFETY FULL
# and at SAFETY OFF. Every server runs on this machine on its own
# 127.0.0.x address under one temporary directory; each holds the same
# preloaded table kv, and every pgbench run (the scripts insert.sql,
# update.sql, select.sql beside this file; -M simple and -M prepared; 1, 8
# and 64 clients) runs against each system in turn, repetition after
# repetition (PG alone, mirrordb alone, PG sync, FULL, OFF, then again), so
# that a change in the machine's load touches every system alike. Prints
# one markdown table on stdout (progress on stderr): TPS, latency from
# pgbench's per-transaction log, server CPU per statement from the server
# processes' own CPU time, and the ratios mirrordb alone / PG alone,
# FULL / PG sync, OFF / mirrordb alone.
#
#   testdata/bench/compare.sh                       # 8 s runs, 2 repetitions (~25 min)
#   testdata/bench/compare.sh --quick               # every row, a few transactions each
#   testdata/bench/compare.sh --duration 4 --reps 3 --clients "1 8" --workloads insert
#
# Options:
#   --duration S      seconds per pgbench run (default 8)
#   --transactions N  run N transactions per client instead of --duration
#   --reps N          repetitions of each run per system (default 2)
#   --clients LIST    client counts (default "1 8 64")
#   --modes LIST      pgbench query modes (default "simple prepared")
#   --workloads LIST  scripts: insert update select (default all three)
#   --systems LIST    pg pgsync md full off (default all five)
#   --rows N          rows preloaded in kv (default 100000)
#   --settle S        after each run, wait up to S seconds for the servers
#                     to go idle before reading their CPU time (default 10)
#   --quick           --transactions 10 --reps 1 --rows 1000 --settle 0
#   --server BIN      the mirrordb binary (default: built from ./cmd/server)
#   --dir DIR         where the temporary directory goes (default $TMPDIR or
#                     /tmp; the servers' fsyncs hit this disk)
#   --keep            keep the temporary directory (logs, data)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

duration=8 transactions="" reps=2 clients="1 8 64" modes="simple prepared"
workloads="insert update select" systems="pg md pgsync full off" rows=100000
settle_max=10
option() {
	case $1 in
	--duration) duration=$2 ;;
	--transactions) transactions=$2 ;;
	--reps) reps=$2 ;;
	--clients) clients=$2 ;;
	--modes) modes=$2 ;;
	--workloads) workloads=$2 ;;
	--systems) systems=$2 ;;
	--rows) rows=$2 ;;
	--settle) settle_max=$2 ;;
	--quick) transactions=10 reps=1 rows=1000 settle_max=0 && return 1 ;;
	*) return 2 ;;
	esac
}
parse_options "$@"

declare -A label=([pg]="PG alone" [md]="mirrordb alone" [pgsync]="PG sync standby" [full]="mirrordb FULL" [off]="mirrordb OFF")
declare -A primary=([pg]=pg [md]=md [pgsync]=pgsync [full]=full_p [off]=off_p)
declare -A standby=([pgsync]=pgsync_s [full]=full_m [off]=off_m)
declare -A baseline=([md]=pg [full]=pgsync [off]=md)
order=()
for s in pg md pgsync full off; do [[ " $systems " == *" $s "* ]] && order+=("$s"); done
((${#order[@]})) || die "--systems names none of pg pgsync md full off"
for w in $workloads; do [[ -f "$bench_here/$w.sql" ]] || die "no pgbench script $bench_here/$w.sql"; done

bench_init "$parent"
find_postgres
needs_mirrordb=""
for s in "${order[@]}"; do [[ $s == pg* ]] || needs_mirrordb=1; done
[[ -z "$needs_mirrordb" ]] || build_mirrordb "$server_bin"

kv_table="CREATE TABLE kv (k BIGINT PRIMARY KEY, v VARCHAR(20) NOT NULL, n INT NOT NULL)"
preload() { # preload SERVER: database bench with kv holding keys 1..rows
	local n=$1
	if [[ ${kind[$n]} == pg ]]; then sql "$n" postgres -c "CREATE DATABASE bench"; else sql "$n" master -c "CREATE DATABASE bench"; fi
	sql "$n" bench -c "$kv_table"
	insert_rows kv "$rows" 'i ",'"'row'"',0"' | sql "$n" bench >/dev/null
	[[ ${kind[$n]} == mirrordb ]] || sql "$n" bench -c "VACUUM ANALYZE kv"
	local got
	got=$(sql "$n" bench -A -t -c "SELECT COUNT(*) FROM kv")
	[[ "$got" == "$rows" ]] || die "$n: kv holds $got rows, want $rows"
}

for s in "${order[@]}"; do
	started=$SECONDS
	case $s in
	pg | pgsync) new_postgres "${primary[$s]}" ;;
	*) new_mirrordb "${primary[$s]}" ;;
	esac
	preload "${primary[$s]}"
	case $s in
	pgsync) new_standby "${standby[$s]}" "${primary[$s]}" ;;
	full | off)
		new_mirrordb "${standby[$s]}"
		mirror_pair "${primary[$s]}" "${standby[$s]}" bench "${s^^}"
		;;
	esac
	say "${label[$s]} set up in $((SECONDS - started)) s"
done

# servers SYSTEM: the server names of a system.
servers() { echo "${primary[$1]} ${standby[$1]:-}"; }

declare -A tps_runs=() txns=() cpu=() scpu=()
mkdir "$work/pgblog" "$work/lat"
length=(-T "$duration")
[[ -z "$transactions" ]] || length=(-t "$transactions")
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# run SYSTEM WORKLOAD MODE CLIENTS: one pgbench run, its figures added to
# the system's totals for this cell.
run() {
	local s=$1 w=$2 mode=$3 c=$4 key="$1 $2 $3 $4" p=${primary[$1]} sb=${standby[$1]:-}
	local out tps n c0 c1 s0=0 s1=0
	rm -f "$work/pgblog/"*
	c0=$(cpu_ticks "${pid[$p]}")
	[[ -z "$sb" ]] || s0=$(cpu_ticks "${pid[$sb]}")
	# shellcheck disable=SC2046
	client "$pgbin/pgbench" -n -M "$mode" -c "$c" -j $((c < 2 ? 1 : 2)) "${length[@]}" -D rows="$rows" \
		-f "$bench_here/$w.sql" -l --log-prefix "$work/pgblog/tx" $(conn "$p") >"$work/pgbench.out" 2>&1 ||
		die "pgbench against ${label[$s]} ($w, $mode, $c clients) failed: $(cat "$work/pgbench.out")"
	out=$(cat "$work/pgbench.out")
	# shellcheck disable=SC2046
	settle "$settle_max" $(servers "$s")
	c1=$(cpu_ticks "${pid[$p]}")
	[[ -z "$sb" ]] || s1=$(cpu_ticks "${pid[$sb]}")
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")
	n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
	[[ -n "$tps" && -n "$n" && "$n" -gt 0 ]] || die "pgbench against ${label[$s]}: no figures in: $out"
	cat "$work/pgblog/"* | awk '{ print $3 }' >>"$work/lat/${key// /_}"
	tps_runs[$key]+="$tps "
	txns[$key]=$((${txns[$key]:-0} + n))
	cpu[$key]=$((${cpu[$key]:-0} + c1 - c0))
	scpu[$key]=$((${scpu[$key]:-0} + s1 - s0))
	say "$(printf '%-16s %-6s %-9s %2s clients: %9.0f TPS' "${label[$s]}" "$w" "$mode" "$c" "$tps")"
}

for w in $workloads; do
	for mode in $modes; do
		for c in $clients; do
			for ((r = 1; r <= reps; r++)); do
				for s in "${order[@]}"; do run "$s" "$w" "$mode" "$c"; done
			done
		done
	done
done

# figures KEY: mean TPS, spread (± half the range, % of the mean), mean,
# p50 and p99 latency in ms, CPU µs per statement on the server and on its
# standby.
figures() {
	local key=$1
	local tps spread lat
	read -r tps spread <<<"$(tr ' ' '\n' <<<"${tps_runs[$key]}" | awk 'NF {
		s += $1; n++; if (n == 1 || $1 < lo) lo = $1; if (n == 1 || $1 > hi) hi = $1 }
		END { m = s / n; if (n > 1) printf "%.0f ±%.0f%%\n", m, 50 * (hi - lo) / m; else printf "%.0f —\n", m }')"
	lat=$(sort -n "$work/lat/${key// /_}" | awk '{ v[NR] = $1; s += $1 } END {
		i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
		printf "%.3f %.3f %.3f", s / NR / 1000, v[i50] / 1000, v[i99] / 1000 }')
	local us=$((1000000 / clk_tck)) n=${txns[$key]}
	echo "$tps $spread $lat $(awk -v t="${cpu[$key]}" -v n="$n" -v us="$us" 'BEGIN { printf "%.1f", t * us / n }') \
$(awk -v t="${scpu[$key]}" -v n="$n" -v us="$us" 'BEGIN { printf "%.1f", t * us / n }')"
}

revision=$(mirrordb_revision)
if [[ -n "$transactions" ]]; then what="$transactions transactions per client"; else what="${duration} s runs"; fi
names=""
for s in "${order[@]}"; do names+="${names:+, }${label[$s]}"; done
echo "compare.sh: $what, $reps repetition(s) of each run alternating $names; kv preloaded with $rows rows;"
echo "$("$pgbin/postgres" --version) and mirrordb $revision; $(nproc) CPUs; load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end."
echo
echo "| workload | mode | clients | system | TPS | ± | mean ms | p50 ms | p99 ms | server CPU µs/stmt | standby CPU µs/stmt | TPS ratio |"
echo "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"
declare -A mean_tps=()
for w in $workloads; do
	for mode in $modes; do
		for c in $clients; do
			for s in "${order[@]}"; do
				read -r tps spread mean p50 p99 us sus <<<"$(figures "$s $w $mode $c")"
				mean_tps[$s]=$tps
				ratio="—"
				b=${baseline[$s]:-}
				if [[ -n "$b" && -n "${mean_tps[$b]:-}" ]]; then
					ratio=$(awk -v a="$tps" -v b="${mean_tps[$b]}" -v l="${label[$b]}" 'BEGIN { printf "%.2f× %s", a / b, l }')
				fi
				[[ -n "${standby[$s]:-}" ]] || sus="—"
				echo "| ${w/select/select by key} | $mode | $c | ${label[$s]} | $tps | $spread | $mean | $p50 | $p99 | $us | $sus | $ratio |"
			done
			mean_tps=()
		done
	done
done
