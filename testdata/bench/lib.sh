# Shared by compare.sh and engine.sh (source it after `set -euo pipefail`):
# real servers — PostgreSQL 15 and mirrordb — each on its own free
# 127.0.0.x address under one temporary directory, stopped and removed on
# exit or interrupt, so a benchmark leaves no process and no file behind.
#
# A server is a name; the arrays below hold its kind (pg or mirrordb),
# address, SQL port, user, process id and data directory. psql and pgbench
# reach it with `conn NAME` (libpq arguments).

bench_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_root=$(cd "$bench_here/../.." && pwd)

declare -A kind=() host=() port=() user=() pid=() dir=() eport=()
used_hosts=" "
work=""
keep=""
pgbin=""

say() { echo "$*" >&2; }
die() {
	say "FAIL: $*"
	exit 1
}

# parse_options ARGS...: the options every script here takes (--server
# BIN, --dir DIR, --keep) and, through the script's function `option NAME
# VALUE` (returning 0 when it took VALUE, 1 for a flag, 2 for a name it
# does not know), its own.
server_bin="" parent=""
parse_options() {
	local rc
	while (($#)); do
		case $1 in
		--server) server_bin=$2 && shift ;;
		--dir) parent=$2 && shift ;;
		--keep) keep=1 ;;
		*)
			rc=0
			option "$1" "${2:-}" || rc=$?
			case $rc in
			0) shift ;;
			1) ;;
			*) die "unknown option $1 (see the comment at the top of $0)" ;;
			esac
			;;
		esac
		shift
	done
}

# stop_all stops every server: a PostgreSQL postmaster with SIGQUIT (its
# immediate shutdown, which also ends its backends), mirrordb with SIGKILL
# (its data is thrown away); each wait is bounded, then SIGKILL. A
# postmaster's children are killed by id too in case it died first.
stop_all() {
	local n p c
	for n in "${!pid[@]}"; do
		p=${pid[$n]}
		if [[ ${kind[$n]} == pg ]]; then
			kill -QUIT "$p" 2>/dev/null || true
		else
			{ kill -KILL "$p" && wait "$p"; } 2>/dev/null || true
		fi
	done
	for n in "${!pid[@]}"; do
		p=${pid[$n]}
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		if [[ ${kind[$n]} == pg ]]; then
			for c in $(children "$p"); do kill -KILL "$c" 2>/dev/null || true; done
		fi
		{ kill -KILL "$p" && wait "$p"; } 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# client CMD...: runs a client program (pgbench, a timed psql) in the
# background and waits for it, so that a signal stops the benchmark at
# once rather than when the client is done; its output goes where the
# caller redirects it.
client_pid=""
client() {
	"$@" &
	client_pid=$!
	local rc=0
	wait "$client_pid" || rc=$?
	client_pid=""
	return "$rc"
}

cleanup() {
	trap - EXIT HUP INT PIPE TERM
	[[ -z "$client_pid" ]] || kill -KILL "$client_pid" 2>/dev/null || true
	stop_all
	if [[ -n "$work" ]]; then
		if [[ -n "$keep" ]]; then say "kept $work"; else rm -rf "$work"; fi
	fi
}

# bench_init DIR: the work directory (under DIR, else $TMPDIR or /tmp) and
# the traps that clean it up.
bench_init() {
	work=$(mktemp -d "${1:-${TMPDIR:-/tmp}}/mirrordb-bench.XXXXXX")
	chmod 755 "$work" # PostgreSQL runs as its own user when we are root
	say "working in $work"
	trap cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 141' PIPE
	trap 'exit 143' TERM
}

# children PID: the ids of PID's child processes.
children() {
	{ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v parent="$1" '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " ") } f[2] == parent { print $1 }'
}

# cpu_ticks PID: CPU time (clock ticks, user + system) used so far by the
# server process PID, its live children and its reaped children. For
# PostgreSQL that is the postmaster and every backend and auxiliary
# process (all are its children, and a backend that ended is in the
# postmaster's cutime/cstime); for mirrordb, the one process.
cpu_ticks() {
	{ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$1" '
		{ s = $0; sub(/^.*\) /, "", s); split(s, f, " ") }
		# after the command name: 2 ppid, 12 utime, 13 stime, 14 cutime, 15 cstime
		$1 == root { t += f[12] + f[13] + f[14] + f[15] }
		f[2] == root { t += f[12] + f[13] + f[14] + f[15] }
		END { print t + 0 }'
}
clk_tck=$(getconf CLK_TCK)

# pick_host NAME: a free loopback address 127.0.0.x for server NAME and a
# free SQL port (and endpoint port) on it, below the ephemeral range.
pick_host() {
	local h x
	for _ in $(seq 500); do
		x=$((RANDOM % 252 + 2))
		h=127.0.0.$x
		[[ "$used_hosts" == *" $h "* ]] && continue
		used_hosts+="$h "
		host[$1]=$h
		port[$1]=$(pick_port "$h")
		eport[$1]=$(pick_port "$h" "${port[$1]}")
		return
	done
	die "no free loopback address"
}

# pick_port HOST [TAKEN]: a port nothing listens on at HOST.
pick_port() {
	local p
	for _ in $(seq 500); do
		p=$((RANDOM % 20000 + 12000))
		[[ "$p" == "${2:-}" ]] && continue
		if ! (exec 3<>"/dev/tcp/$1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free port on $1"
}

# conn NAME [DB]: libpq connection arguments for server NAME.
conn() { echo "-h ${host[$1]} -p ${port[$1]} -U ${user[$1]} -d ${2:-bench}"; }

# sql NAME DB [psql args...]: psql on server NAME, stopping at the first error.
sql() {
	local n=$1 db=$2
	shift 2
	# shellcheck disable=SC2046
	psql -X -q -v ON_ERROR_STOP=1 $(conn "$n" "$db") "$@"
}

# quiet_sql NAME DB [psql args...]: sql, its output and notices shown only
# when it fails.
quiet_sql() {
	local out
	out=$(sql "$@" 2>&1) || die "$1: $out"
}

# wait_sql NAME DB: until server NAME answers a query (at most 30 s).
wait_sql() {
	for _ in $(seq 300); do
		if sql "$1" "$2" -c 'SELECT 1' >/dev/null 2>&1; then return; fi
		kill -0 "${pid[$1]}" 2>/dev/null || break
		sleep 0.1
	done
	say "server $1 did not start; its log:"
	tail -20 "$work/$1.log" >&2 || true
	exit 1
}

# find_postgres sets pgbin to PostgreSQL 15's programs, first in PATH,
# installing Debian's postgresql-15 when they are missing.
find_postgres() {
	pgbin=/usr/lib/postgresql/15/bin
	if [[ ! -x $pgbin/postgres ]]; then
		say "PostgreSQL 15 not found: installing postgresql-15 with apt-get"
		local sudo=""
		[[ $(id -u) -eq 0 ]] || sudo=sudo
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql-15 >/dev/null
	fi
	[[ $("$pgbin/postgres" --version) == *" 15."* ]] || die "$pgbin/postgres is not PostgreSQL 15"
	export PATH="$pgbin:$PATH" # its psql and pgbench too
}

# as_pg: the prefix that runs a PostgreSQL program as the postgres user when
# we are root (PostgreSQL refuses to run as root).
as_pg=()
[[ $(id -u) -ne 0 ]] || as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups)

# pg_conf NAME: the settings every PostgreSQL server here runs with: its
# address, TCP only, PostgreSQL 15's defaults otherwise but
# shared_buffers=256MB, and synchronous_commit on (the default, stated).
pg_conf() {
	cat >>"${dir[$1]}/postgresql.conf" <<-EOF
		listen_addresses = '${host[$1]}'
		port = ${port[$1]}
		unix_socket_directories = ''
		shared_buffers = 256MB
		synchronous_commit = on
	EOF
}

# start_postgres NAME: starts the postmaster of server NAME (its directory
# set up) in the background.
start_postgres() {
	# exec: the process id is the postmaster's, for cpu_ticks and stop_all
	(cd "$work" && exec "${as_pg[@]}" "$pgbin/postgres" -D "${dir[$1]}" >>"$work/$1.log" 2>&1) &
	pid[$1]=$!
	wait_sql "$1" postgres
}

# pg_dir NAME: server NAME's empty data directory, the postgres user's.
pg_dir() {
	mkdir -m 700 "${dir[$1]}"
	[[ $(id -u) -ne 0 ]] || chown postgres:postgres "${dir[$1]}"
}

# new_postgres NAME: initdb and start a PostgreSQL 15 server.
new_postgres() {
	local n=$1
	kind[$n]=pg user[$n]=postgres dir[$n]=$work/$n
	pick_host "$n"
	pg_dir "$n"
	(cd "$work" && "${as_pg[@]}" "$pgbin/initdb" -D "${dir[$n]}" -U postgres --auth=trust -E UTF8 --locale=C --no-sync) >>"$work/$n.log" 2>&1 ||
		die "initdb for $n failed: $(tail -5 "$work/$n.log")"
	printf 'host all all 127.0.0.0/8 trust\nhost replication all 127.0.0.0/8 trust\n' >>"${dir[$n]}/pg_hba.conf"
	pg_conf "$n"
	start_postgres "$n"
}

# new_standby NAME PRIMARY: a streaming standby of PRIMARY from
# pg_basebackup, named NAME in synchronous_standby_names, which the primary
# then waits for on every commit (synchronous_commit = on).
new_standby() {
	local n=$1 p=$2
	kind[$n]=pg user[$n]=postgres dir[$n]=$work/$n
	pick_host "$n"
	pg_dir "$n"
	(cd "$work" && "${as_pg[@]}" "$pgbin/pg_basebackup" -h "${host[$p]}" -p "${port[$p]}" -U postgres -D "${dir[$n]}" -X stream -c fast --no-sync) >>"$work/$n.log" 2>&1 ||
		die "pg_basebackup for $n failed: $(tail -5 "$work/$n.log")"
	pg_conf "$n"
	echo "primary_conninfo = 'host=${host[$p]} port=${port[$p]} user=postgres application_name=$n'" >>"${dir[$n]}/postgresql.conf"
	"${as_pg[@]}" touch "${dir[$n]}/standby.signal"
	start_postgres "$n"
	sql "$p" postgres -c "ALTER SYSTEM SET synchronous_standby_names = '$n'" -c 'SELECT pg_reload_conf()' >/dev/null
	local state=""
	for _ in $(seq 300); do
		state=$(sql "$p" postgres -A -t -c "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$n'")
		[[ "$state" == sync ]] && return
		sleep 0.1
	done
	die "standby $n is not synchronous (sync_state '$state')"
}

# build_mirrordb [BIN]: the server binary to run (built from ./cmd/server
# into the work directory unless given).
mirrordb_bin=""
build_mirrordb() {
	if [[ -n "${1:-}" ]]; then
		mirrordb_bin=$1
	else
		mirrordb_bin=$work/mirrordb
		(cd "$bench_root" && go build -o "$mirrordb_bin" ./cmd/server) || die "go build failed"
	fi
}

# mirrordb_revision: what the runs measured, for a report's header: the
# checkout's revision, or for a binary given with --server its path (the
# checkout need not be what it was built from).
mirrordb_revision() {
	local rev
	rev=$(cd "$bench_root" && git describe --always --dirty 2>/dev/null || echo unknown)
	if [[ -z "$mirrordb_bin" || "$mirrordb_bin" == "$work/mirrordb" ]]; then
		echo "$rev"
	else
		echo "$mirrordb_bin (given; this checkout is $rev)"
	fi
}

# new_mirrordb NAME: starts a mirrordb instance.
new_mirrordb() {
	local n=$1
	kind[$n]=mirrordb user[$n]=bench dir[$n]=$work/$n
	pick_host "$n"
	"$mirrordb_bin" --data "${dir[$n]}" --listen "${host[$n]}:${port[$n]}" --name "$n" --log-level warn >>"$work/$n.log" 2>&1 &
	pid[$n]=$!
	wait_sql "$n" master
}

# mirror_pair PRINCIPAL MIRROR DB SAFETY: database mirroring of DB (which
# exists on PRINCIPAL) to MIRROR, set up by T-SQL as the README's
# walk-through does it, then waits for SYNCHRONIZED at SAFETY FULL or OFF.
mirror_pair() {
	local p=$1 m=$2 db=$3 safety=$4 bak=$work/$1-$3
	sql "$p" master -c "ALTER DATABASE $db SET RECOVERY FULL"
	for n in "$p" "$m"; do
		sql "$n" master -c "CREATE ENDPOINT Endpoint_Mirroring STATE=STARTED AS TCP (LISTENER_PORT = ${eport[$n]}) FOR DATABASE_MIRRORING (ROLE=ALL)"
	done
	quiet_sql "$p" master -c "BACKUP DATABASE $db TO DISK = '$bak.bak' WITH FORMAT"
	quiet_sql "$m" master -c "RESTORE DATABASE $db FROM DISK = '$bak.bak' WITH NORECOVERY"
	quiet_sql "$p" master -c "BACKUP LOG $db TO DISK = '$bak.trn'"
	quiet_sql "$m" master -c "RESTORE LOG $db FROM DISK = '$bak.trn' WITH FILE=1, NORECOVERY"
	sql "$m" master -c "ALTER DATABASE $db SET PARTNER = 'TCP://${host[$p]}:${eport[$p]}'"
	sql "$p" master -c "ALTER DATABASE $db SET PARTNER = 'TCP://${host[$m]}:${eport[$m]}'"
	sql "$p" master -c "ALTER DATABASE $db SET PARTNER SAFETY $safety"
	local got="" want="PRINCIPAL SYNCHRONIZED $safety"
	for _ in $(seq 300); do
		got=$(sql "$p" master -A -t -F ' ' -c "SELECT m.mirroring_role_desc, m.mirroring_state_desc, m.mirroring_safety_level_desc
			FROM sys.database_mirroring m JOIN sys.databases d ON d.database_id = m.database_id WHERE d.name = N'$db'")
		[[ "$got" == "$want" ]] && return
		sleep 0.1
	done
	die "mirroring $p -> $m: '$got', want '$want'"
}

# insert_rows TABLE ROWS EXPR: INSERT statements of 1,000 rows each for
# keys 1..ROWS; EXPR is an awk expression of i giving one row's values
# (both PostgreSQL and T-SQL accept multi-row VALUES).
insert_rows() {
	awk -v table="$1" -v n="$2" 'BEGIN {
		for (s = 1; s <= n; s += 1000) {
			e = s + 999; if (e > n) e = n
			printf "INSERT INTO %s VALUES ", table
			for (i = s; i <= e; i++) printf "%s(%s)", (i > s ? "," : ""), '"$3"'
			print ";"
		}
	}'
}

# settle MAX NAME...: waits, at most MAX seconds, until the servers use
# under 5% of a core, so that the work a run leaves behind (a mirror's
# redo, WAL writing) is counted in its CPU time and does not load the next
# run.
settle() {
	local deadline=$((SECONDS + $1)) before after n
	shift
	while ((SECONDS < deadline)); do
		before=0 after=0
		for n in "$@"; do before=$((before + $(cpu_ticks "${pid[$n]}"))); done
		sleep 0.2
		for n in "$@"; do after=$((after + $(cpu_ticks "${pid[$n]}"))); done
		# 0.2 s is clk_tck/5 ticks of one core; 5% of that
		((after - before <= clk_tck / 100)) && return
	done
}
