#!/usr/bin/env bash
# The seed document's mirroring set-up, end to end: two real mirrordb
# processes on two loopback addresses, driven by psql with the seed's T-SQL
# (GO batches, e2e/seed/*.sql). Then writes on the principal, a manual
# failover and back, a kill -9 of the mirror and a restart of both.
#
# Usage: e2e/mirroring-seed.sh [server-binary]
# Environment: HOST1, HOST2 (loopback addresses), PORT (endpoint port, free
# on both), SQLPORT1, SQLPORT2 (SQL ports); random when unset.
set -euo pipefail

source "$(dirname "$0")/lib.sh"

declare -A host=([p]=$HOST1 [m]=$HOST2) sqlport=([p]=$SQLPORT1 [m]=$SQLPORT2) name=([p]=PARTNERHOST1 [m]=PARTNERHOST5) pid=()

start() { # start p|m
	local n=$1
	"$bin" --data "$work/$n" --listen "${host[$n]}:${sqlport[$n]}" --name "${name[$n]}" >>"$work/$n.log" 2>&1 &
	pid[$n]=$!
	pids+=("$!")
	for _ in $(seq 100); do
		if psql -X -q -h "${host[$n]}" -p "${sqlport[$n]}" -U dba -d master -c 'SELECT 1' >/dev/null 2>&1; then return; fi
		sleep 0.1
	done
	echo "FAIL: ${name[$n]} did not start"; cat "$work/$n.log"; exit 1
}

run() { # run p|m file.sql [psql args...]: the seed's T-SQL through psql
	local n=$1 file=$2
	shift 2
	psql -X -v ON_ERROR_STOP=1 -h "${host[$n]}" -p "${sqlport[$n]}" -U dba -d master \
		-v port="$PORT" -v full_backup="$work/AdvWorks_dbmirror.bak" -v log_backup="$work/AdventureWorks.bak" \
		-v principal_address="TCP://$HOST1:$PORT" -v mirror_address="TCP://$HOST2:$PORT" \
		"$@" -f "$here/seed/$file"
}

value() { # value p|m file.sql: the query's rows, unaligned
	run "$1" "$2" -A -t -F ' ' "${@:3}"
}

wait_status() { # wait_status p|m "ROLE STATE SAFETY"
	local got
	for _ in $(seq 300); do
		got=$(value "$1" status.sql)
		if [[ "$got" == "$2" ]]; then return; fi
		sleep 0.1
	done
	echo "FAIL: ${name[$1]}: status '$got', want '$2'"
	exit 1
}

multihost() { # multihost WANT: one libpq multi-host connection string, unchanged, must reach the principal
	local got
	for _ in $(seq 50); do
		got=$(psql -X -A -t "host=$HOST1,$HOST2 port=$SQLPORT1,$SQLPORT2 dbname=AdventureWorks user=app target_session_attrs=read-write connect_timeout=5" \
			-c 'SELECT @@SERVERNAME' 2>&1)
		if [[ "$got" == "$1" ]]; then return; fi
		sleep 0.1
	done
	echo "FAIL: the multi-host connection string reached '$got', want the principal $1"
	exit 1
}

echo "principal ${name[p]} on $HOST1, mirror ${name[m]} on $HOST2, endpoints on port $PORT"
start p
start m

run p 00_principal_database.sql
run p 01_endpoint.sql
run m 01_endpoint.sql
run p 03_principal_backup.sql
run m 04_mirror_restore.sql
run p 05_principal_backup_log.sql
run m 06_mirror_restore_log.sql
run m 07_mirror_set_partner.sql
run p 08_principal_set_partner.sql
wait_status p "PRINCIPAL SYNCHRONIZED FULL"
wait_status m "MIRROR SYNCHRONIZED FULL"
echo "session SYNCHRONIZED"
multihost "${name[p]}"

for id in 10 11 12; do run p work.sql -v id=$id -q; done
if run m count.sql >/dev/null 2>&1; then echo "FAIL: the mirror answered a query"; exit 1; fi

run p failover.sql
wait_status m "PRINCIPAL SYNCHRONIZED FULL"
wait_status p "MIRROR SYNCHRONIZED FULL"
count=$(value m count.sql)
[[ "$count" == "6" ]] || { echo "FAIL: new principal has $count persons, want 6"; exit 1; }
echo "failed over: ${name[m]} is principal with all $count rows"
multihost "${name[m]}" # the mirror, listed first, refuses the database (954)

run m work.sql -v id=13 -q
run m failover.sql
wait_status p "PRINCIPAL SYNCHRONIZED FULL"
wait_status m "MIRROR SYNCHRONIZED FULL"
echo "failed back"
multihost "${name[p]}"

# The mirror dies hard; the principal runs exposed, then both restart.
{ kill -9 "${pid[m]}" && wait "${pid[m]}"; } 2>/dev/null || true
wait_status p "PRINCIPAL DISCONNECTED FULL"
run p work.sql -v id=14 -q
kill -TERM "${pid[p]}"
wait "${pid[p]}" || true
start m
start p
wait_status p "PRINCIPAL SYNCHRONIZED FULL"
wait_status m "MIRROR SYNCHRONIZED FULL"
run p failover.sql
wait_status m "PRINCIPAL SYNCHRONIZED FULL"
count=$(value m count.sql)
[[ "$count" == "8" ]] || { echo "FAIL: after restarts the new principal has $count persons, want 8"; exit 1; }
multihost "${name[m]}"
echo "PASS: seed set-up, failover and back, kill -9 and restart; $count rows on both partners; psql with host=A,B target_session_attrs=read-write reached the principal each time"
