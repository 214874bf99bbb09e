#!/usr/bin/env bash
# The engine side by side with PostgreSQL 15 (issue 13): the same data in
# a PostgreSQL server and a mirrordb instance on this machine, the same
# queries through psql, timed by psql's \timing (elapsed at the client),
# PostgreSQL and mirrordb alternating repetition after repetition (each
# repetition starting with the next side). The
# queries are ones both dialects accept, and their results must agree.
# Prints one markdown table on stdout (progress on stderr) with the median
# time on each side and the ratio mirrordb / PostgreSQL.
#
#   testdata/bench/engine.sh            # 20,000-row joins, 1M-row table, 3 repetitions
#   testdata/bench/engine.sh --quick    # every row, small tables
#
# The operations:
#   join on keys        SELECT COUNT(*), SUM(...) of j1 JOIN j2 on their primary keys
#   join on non-key     the same on column a (a permutation of the keys); PostgreSQL
#                       has an index on j2 (a); mirrordb gets the same CREATE INDEX
#                       and runs without it where that fails
#   range seek 1%       COUNT and SUM of big WHERE k BETWEEN (1% of the keys)
#   GROUP BY            100 groups over every row of big
#   index build         CREATE INDEX big_v ON big (v), dropped after each repetition;
#                       "not supported" with the server's error where it fails
#
# Options:
#   --rows N         rows in big (default 1000000)
#   --join-rows N    rows in each of j1 and j2 (default 20000)
#   --reps N         timed repetitions per side (default 3), after one
#                    untimed warm-up run of each query on each side
#   --timeout S      statement_timeout on both sides (default 600)
#   --quick          --rows 20000 --join-rows 2000 --reps 1, no warm-up
#   --only OPS       run only these operations (comma-separated: key, nonkey,
#                    range, groupby, index), e.g. --only index
#   --baseline BIN   also run this mirrordb binary (an earlier build) as a third
#                    side, "mirrordb before", alternating with the other two: an
#                    A/B measured in one run under the same load
#   --server BIN     the mirrordb binary (default: built from ./cmd/server)
#   --dir DIR        where the temporary directory goes (default $TMPDIR or /tmp)
#   --keep           keep the temporary directory
set -euo pipefail
source "$(dirname "$0")/lib.sh"

rows=1000000 join_rows=20000 reps=3 timeout_s=600 warmup=1 only="" baseline_bin=""
option() {
	case $1 in
	--only) only=$2 ;;
	--baseline) baseline_bin=$2 ;;
	--rows) rows=$2 ;;
	--join-rows) join_rows=$2 ;;
	--reps) reps=$2 ;;
	--timeout) timeout_s=$2 ;;
	--quick) rows=20000 join_rows=2000 reps=1 warmup="" && return 1 ;;
	*) return 2 ;;
	esac
}
parse_options "$@"
((rows >= 100)) || die "--rows must be at least 100"

bench_init "$parent"
find_postgres
build_mirrordb "$server_bin"
sides=(pg md)
declare -A side_label=([pg]=PostgreSQL [md]=mirrordb [md0]="mirrordb before")
[[ -z "$baseline_bin" ]] || sides+=(md0)

# j1 and j2: keys 1..join_rows, a a permutation of them (7919 and 104729
# are primes, so coprime with any row count they do not divide), v small.
# big: keys 1..rows, g in 0..99, v a permutation-like spread of the keys.
load() { # load SERVER
	local n=$1
	if [[ ${kind[$n]} == pg ]]; then sql "$n" postgres -c "CREATE DATABASE bench"; else sql "$n" master -c "CREATE DATABASE bench"; fi
	sql "$n" bench -c "CREATE TABLE j1 (k INT PRIMARY KEY, a INT NOT NULL, v INT NOT NULL)" \
		-c "CREATE TABLE j2 (k INT PRIMARY KEY, a INT NOT NULL, v INT NOT NULL)" \
		-c "CREATE TABLE big (k BIGINT PRIMARY KEY, g INT NOT NULL, v INT NOT NULL)"
	{
		insert_rows j1 "$join_rows" "i \",\" (i * 7919) % $join_rows + 1 \",\" i % 1000"
		insert_rows j2 "$join_rows" "i \",\" (i * 104729) % $join_rows + 1 \",\" i % 1000"
		insert_rows big "$rows" "i \",\" i % 100 \",\" (i * 7919) % $rows"
	} | sql "$n" bench >/dev/null
}

declare -A note=()
for s in "${sides[@]}"; do
	started=$SECONDS
	case $s in
	pg) new_postgres "$s" ;;
	md) new_mirrordb "$s" ;;
	md0)
		current_bin=$mirrordb_bin mirrordb_bin=$baseline_bin
		new_mirrordb "$s"
		mirrordb_bin=$current_bin
		;;
	esac
	load "$s"
	if ! err=$(sql "$s" bench -c "CREATE INDEX j2_a ON j2 (a)" 2>&1); then
		err=$(head -1 <<<"$err")
		note[nonkey]="${side_label[$s]} without an index on j2 (a): ${err#ERROR:  }"
	fi
	[[ ${kind[$s]} != pg ]] || sql "$s" bench -c "VACUUM ANALYZE"
	say "${side_label[$s]}: $join_rows-row j1 and j2, $rows-row big loaded in $((SECONDS - started)) s"
done

lo=$((rows / 2)) hi=$((rows / 2 + rows / 100 - 1))
ops=(key nonkey range groupby index)
[[ -z "$only" ]] || IFS=, read -r -a ops <<<"$only"
declare -A op_label=([key]="join on keys, $join_rows × $join_rows rows" [nonkey]="join on a non-key column, $join_rows × $join_rows rows"
	[range]="range seek returning 1% of $rows rows" [groupby]="GROUP BY over $rows rows (100 groups)" [index]="CREATE INDEX on $rows rows")
declare -A query=(
	[key]="SELECT COUNT(*), SUM(CAST(j1.v + j2.v AS BIGINT)) FROM j1 JOIN j2 ON j2.k = j1.k"
	[nonkey]="SELECT COUNT(*), SUM(CAST(j1.v + j2.v AS BIGINT)) FROM j1 JOIN j2 ON j2.a = j1.a"
	[range]="SELECT COUNT(*), SUM(CAST(v AS BIGINT)) FROM big WHERE k BETWEEN $lo AND $hi"
	[groupby]="SELECT g, COUNT(*), SUM(CAST(v AS BIGINT)) FROM big GROUP BY g ORDER BY g"
	[index]="CREATE INDEX big_v ON big (v)"
)
declare -A undo=([pg]="DROP INDEX big_v" [mirrordb]="DROP INDEX big_v ON big") # T-SQL names the table

# timed SERVER SQL: runs SQL once; sets ms and result, or err (and fails).
ms="" result="" err=""
timed() {
	local out
	if PGOPTIONS="-c statement_timeout=${timeout_s}s" client sql "$1" bench -A -t -c '\timing on' -c "$2" >"$work/stdout" 2>"$work/stderr"; then
		out=$(cat "$work/stdout")
		ms=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$out" | tail -1)
		result=$(grep -v '^Time: ' <<<"$out" || true)
		[[ -n "$ms" ]] || die "no \\timing figure from ${side_label[$1]} in: $out"
		return 0
	fi
	err=$(grep -m1 -E "ERROR|FATAL|error" "$work/stderr" || head -1 "$work/stderr")
	err=${err#ERROR:  }
	if grep -qi 'statement.timeout' "$work/stderr"; then err="timeout (over $timeout_s s)"; fi
	return 1
}

declare -A times=() failed=() answer=()
differ=""
for op in "${ops[@]}"; do
	for ((r = warmup ? 0 : 1; r <= reps; r++)); do
		# Each repetition starts with the next side, so that no side always
		# runs in the wake of another's background work (flushes, compactions).
		order=("${sides[@]:r % ${#sides[@]}}" "${sides[@]:0:r % ${#sides[@]}}")
		for s in "${order[@]}"; do
			[[ -z "${failed[$op $s]:-}" ]] || continue
			[[ $r -gt 0 || $op != index ]] || continue # an index build has no warm-up
			if ! timed "$s" "${query[$op]}"; then
				[[ $s != pg || $err == timeout* ]] || die "PostgreSQL failed ${op_label[$op]}: $err"
				failed[$op $s]=$err
				say "${side_label[$s]}: ${op_label[$op]}: $err"
				continue
			fi
			[[ $op != index ]] || sql "$s" bench -c "${undo[${kind[$s]}]}"
			if [[ -z "${answer[$op]:-}" ]]; then
				answer[$op]=$result
			elif [[ "${answer[$op]}" != "$result" ]]; then
				differ=1
				note[$op]="RESULTS DIFFER: ${side_label[$s]} answered $(tr '\n' ' ' <<<"$result"| cut -c1-80), the other $(tr '\n' ' ' <<<"${answer[$op]}" | cut -c1-80)"
			fi
			if ((r > 0)); then
				times[$op $s]+="$ms "
				say "$(printf '%-10s %-55s %12.1f ms' "${side_label[$s]}" "${op_label[$op]}" "$ms")"
			fi
		done
	done
done

median() { tr ' ' '\n' <<<"$1" | awk 'NF' | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

revision=$(mirrordb_revision)
echo "engine.sh: median of $reps timed repetition(s) per side, alternating PostgreSQL and mirrordb${warmup:+, after one warm-up run each};"
echo "$("$pgbin/postgres" --version) and mirrordb $revision; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
echo
if [[ -n "$baseline_bin" ]]; then
	echo "| operation | PostgreSQL ms | mirrordb ms | mirrordb / PG | mirrordb before ms | before / PG | notes |"
	echo "|---|---:|---:|---:|---:|---:|---|"
else
	echo "| operation | PostgreSQL ms | mirrordb ms | mirrordb / PG | notes |"
	echo "|---|---:|---:|---:|---|"
fi
for op in "${ops[@]}"; do
	declare -A cell=()
	for s in "${sides[@]}"; do
		if [[ -n "${failed[$op $s]:-}" ]]; then
			if [[ "${failed[$op $s]}" == timeout* ]]; then
				cell[$s]=${failed[$op $s]}
			else
				cell[$s]="not supported"
				note[$op]="${note[$op]:+${note[$op]}; }${side_label[$s]}: ${failed[$op $s]}"
			fi
		else
			cell[$s]=$(printf "%.1f" "$(median "${times[$op $s]}")")
		fi
	done
	ratio() { # ratio SIDE: its time over PostgreSQL's
		if [[ -z "${failed[$op pg]:-}" && -z "${failed[$op $1]:-}" ]]; then
			awk -v a="${cell[$1]}" -v b="${cell[pg]}" 'BEGIN { printf "%.2f×", a / b }'
		else
			echo "—"
		fi
	}
	before=""
	[[ -z "$baseline_bin" ]] || before=" ${cell[md0]} | $(ratio md0) |"
	echo "| ${op_label[$op]} | ${cell[pg]} | ${cell[md]} | $(ratio md) |$before ${note[$op]:-} |"
done
[[ -z "$differ" ]] || die "the two servers' answers differ (see the notes)"
