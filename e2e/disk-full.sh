#!/usr/bin/env bash
# A database on a real 24 MB filesystem fills up under concurrent writers
# (psql, one INSERT per call), then gets space back. Every failed write
# must end with SQL Server's out-of-space error (1105 or 9002) or, while a
# database recovers, 945/952; none may hang; reads keep working; writes
# succeed again once space returns, without a restart; every acknowledged
# row is there, also after SIGTERM (which must end the server promptly)
# and a restart.
#
# The filesystem is a tmpfs mounted by root, or inside a user and mount
# namespace of its own (unshare) otherwise.
#
# Usage: e2e/disk-full.sh [server-binary]
# Environment: HOST1 (loopback address), SQLPORT1 (SQL port).
set -euo pipefail

if [[ "${DISKFULL_NS:-}" == "" && $(id -u) != 0 ]]; then
	exec unshare --user --map-root-user --mount env DISKFULL_NS=1 bash "$0" "$@"
fi

source "$(dirname "$0")/lib.sh"

disk=$work/disk
mkdir -p "$disk"
mount -t tmpfs -o size=24m mirrordb-e2e "$disk"
writers=()
stop_all() { # the writers, then the server and everything lib.sh started, then the filesystem
	touch "$work/stop"
	for pid in "${writers[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do { kill -9 "$pid" && wait "$pid"; } 2>/dev/null || true; done
	pids=()
	umount "$disk" 2>/dev/null || true
	cleanup
}
trap stop_all EXIT
# Space to give back later: the disk is full once the writers have the rest.
dd if=/dev/zero of="$disk/ballast" bs=1M count=4 status=none

url="host=$HOST1 port=$SQLPORT1 user=sa connect_timeout=10"
sql() { # sql DB QUERY: one psql call, bounded
	timeout 30 psql -X -q -A -t -v ON_ERROR_STOP=1 "$url dbname=$1" -c "$2"
}

start() {
	"$bin" --data "$disk/data" --listen "$HOST1:$SQLPORT1" --shutdown-grace 3s >>"$work/server.log" 2>&1 &
	server=$!
	pids+=("$server")
	for _ in $(seq 100); do
		if sql master 'SELECT 1' >/dev/null 2>&1; then return; fi
		sleep 0.1
	done
	echo "FAIL: the server did not start"
	cat "$work/server.log"
	exit 1
}

writer() { # writer N: inserts 10 rows a call until $work/stop exists; acked ids to acks.N, errors to errs.N
	local w=$1 i=0 out rc
	while [[ ! -e "$work/stop" ]]; do
		i=$((i + 1))
		local base=$(((w * 100000 + i) * 10)) values="" ids=""
		for k in $(seq 0 9); do
			values+="${values:+, }($((base + k)), $w, REPLICATE(N'x', 4000))"
			ids+="$((base + k))"$'\n'
		done
		rc=0
		out=$(sql filled "INSERT INTO t VALUES $values" 2>&1) || rc=$?
		if ((rc == 0)); then
			printf '%s' "$ids" >>"$work/acks.$w"
		elif ((rc == 124)); then
			echo "hang" >>"$work/errs.$w"
		else
			{ grep -o 'Msg [0-9]*' <<<"$out" || echo "no message: $out"; } | head -1 >>"$work/errs.$w"
		fi
	done
}

errors() { cat "$work"/errs.* 2>/dev/null | sort | uniq -c | sort -rn; }
acked() { cat "$work"/acks.* 2>/dev/null | wc -l; }

start
sql master "CREATE DATABASE filled"
sql master "CREATE DATABASE other"
sql filled "CREATE TABLE t (id BIGINT PRIMARY KEY, w INT, pad NVARCHAR(4000))"
sql other "CREATE TABLE t (id INT PRIMARY KEY)"
sql other "INSERT INTO t VALUES (1), (2), (3)"

for w in 1 2 3 4; do
	writer "$w" &
	writers+=("$!")
done

# Wait for the disk to fill: the writers get out-of-space errors.
for _ in $(seq 600); do
	if grep -qs -e 'Msg 1105' -e 'Msg 9002' "$work"/errs.*; then break; fi
	sleep 0.1
done
if ! grep -qs -e 'Msg 1105' -e 'Msg 9002' "$work"/errs.*; then
	echo "FAIL: no out-of-space error after 60 s ($(acked) rows acknowledged; df: $(df -h "$disk" | tail -1))"
	errors
	exit 1
fi
sleep 2 # keep hammering the full disk
echo "disk full after $(acked) acknowledged rows: $(df -h "$disk" | tail -1)"
echo "errors while full:"
errors

# Reads still work, on the full database (unless it is recovering) and on another one.
[[ $(sql other "SELECT COUNT(*) FROM t") == 3 ]] || { echo "FAIL: reading another database on a full disk"; exit 1; }
state=$(sql master "SELECT state_desc FROM sys.databases WHERE name = 'filled'")
echo "database state on a full disk: $state"
if [[ "$state" == ONLINE ]]; then
	sql filled "SELECT COUNT(*) FROM t" >/dev/null || { echo "FAIL: reading the filled database"; exit 1; }
fi

# Space comes back: writes succeed again, without a restart.
rm "$disk/ballast"
before=$(acked)
for _ in $(seq 300); do
	if (($(acked) > before + 20)); then break; fi
	sleep 0.1
done
(($(acked) > before + 20)) || { echo "FAIL: writes did not resume within 30 s of space returning ($(acked) vs $before)"; errors; tail -20 "$work/server.log"; exit 1; }
echo "writes resumed once space returned: $(sql master "SELECT state_desc FROM sys.databases WHERE name = 'filled'")"
touch "$work/stop"
for pid in "${writers[@]}"; do wait "$pid" || true; done

if grep -qs hang "$work"/errs.*; then echo "FAIL: a statement hung (30 s)"; errors; exit 1; fi
if bad=$(cat "$work"/errs.* | grep -v -e 'Msg 1105' -e 'Msg 9002' -e 'Msg 945' -e 'Msg 952'); then
	echo "FAIL: unexpected errors:"
	sort <<<"$bad" | uniq -c
	exit 1
fi

check_acked() { # every acknowledged id is in the table
	sql filled "SELECT id FROM t" | sort >"$work/have"
	cat "$work"/acks.* | sort >"$work/want"
	missing=$(comm -13 "$work/have" "$work/want" | wc -l)
	if ((missing > 0)); then
		echo "FAIL: $missing of $(wc -l <"$work/want") acknowledged rows are missing ($1)"
		exit 1
	fi
}
check_acked "before the restart"

kill -TERM "$server"
start_stop=$SECONDS
for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server" 2>/dev/null; then echo "FAIL: the server did not exit within 5 s of SIGTERM (grace 3 s)"; exit 1; fi
wait "$server" || true
start
check_acked "after a restart"
echo "PASS: $(acked) acknowledged rows, all present after space returned and after a restart; errors: $(errors | tr '\n' ' ')"
