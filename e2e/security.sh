#!/usr/bin/env bash
# The README's security walk-through, end to end: three real mirrordb
# processes (principal, mirror, witness) whose sa has a password, driven by
# psql over SCRAM-SHA-256: certificates on every instance, endpoints with
# AUTHENTICATION = CERTIFICATE, a witnessed session, a revoked and re-granted
# CONNECT, and failed logins.
#
# Usage: e2e/security.sh [server-binary]
# Environment: HOST1, HOST2, HOST3 (loopback addresses), PORT (endpoint port
# free on all), SQLPORT1..3 (SQL ports); random when unset.
set -euo pipefail

source "$(dirname "$0")/lib.sh"

declare -A host=([ALPHA]=$HOST1 [BRAVO]=$HOST2 [WITNESS]=$HOST3)
declare -A sqlport=([ALPHA]=$SQLPORT1 [BRAVO]=$SQLPORT2 [WITNESS]=$SQLPORT3)
declare -A role=([ALPHA]=ALL [BRAVO]=ALL [WITNESS]=WITNESS)
printf 'Adm!n-Passw0rd-e2e\n' >"$work/sa.pw"
export PGPASSWORD='Adm!n-Passw0rd-e2e'

start() { # start NAME
	local n=$1
	"$bin" --data "$work/$n" --listen "${host[$n]}:${sqlport[$n]}" --name "$n" --sa-password-file "$work/sa.pw" >>"$work/$n.log" 2>&1 &
	pids+=("$!")
	for _ in $(seq 100); do
		if psql -X -q -h "${host[$n]}" -p "${sqlport[$n]}" -U sa -d master -c 'SELECT 1' >/dev/null 2>&1; then return; fi
		sleep 0.1
	done
	echo "FAIL: $n did not start"; cat "$work/$n.log"; exit 1
}

sql() { # sql NAME [psql args...]: as sa, stopping at the first error
	local n=$1
	shift
	psql -X -q -v ON_ERROR_STOP=1 -h "${host[$n]}" -p "${sqlport[$n]}" -U sa -d master "$@"
}

value() { # value NAME QUERY: the rows, unaligned
	sql "$1" -A -t -F ' ' -c "$2"
}

wait_value() { # wait_value NAME QUERY WANT
	local got
	for _ in $(seq 300); do
		got=$(value "$1" "$2")
		if [[ "$got" == "$3" ]]; then return; fi
		sleep 0.1
	done
	echo "FAIL: $1: $2 gave '$got', want '$3'"
	tail -20 "$work/$1.log"
	exit 1
}

for n in ALPHA BRAVO WITNESS; do start "$n"; done
echo "ALPHA on $HOST1, BRAVO on $HOST2, WITNESS on $HOST3, endpoints on port $PORT"

# A wrong password and an unknown login fail alike; the reason is only logged.
for user in sa nobody; do
	if out=$(PGPASSWORD=wrong psql -X -h "$HOST1" -p "$SQLPORT1" -U "$user" -d master -c 'SELECT 1' 2>&1); then
		echo "FAIL: $user logged in with a wrong password"; exit 1
	fi
	[[ "$out" == *"Msg 18456"*"Login failed for user '$user'"* ]] || { echo "FAIL: $user: $out"; exit 1; }
done
grep -q 'msg="login failed" user=nobody reason="the login does not exist"' "$work/ALPHA.log" || { echo "FAIL: no log line for nobody"; exit 1; }

for n in ALPHA BRAVO WITNESS; do
	sql "$n" -v name_cert="${n}_cert" -v subject="$n certificate" -v port="$PORT" -v role="${role[$n]}" \
		-v cert_file="$work/${n}_cert.cer" -f "$here/security/identity.sql"
done
for n in ALPHA BRAVO WITNESS; do
	for p in ALPHA BRAVO WITNESS; do
		[[ "$p" == "$n" ]] && continue
		sql "$n" -v peer_login="${p}_login" -v peer_user="${p}_user" -v peer_cert="${p}_cert" \
			-v cert_file="$work/${p}_cert.cer" -f "$here/security/trust_peer.sql"
	done
done
echo "certificates, logins and CONNECT on all three"

sql ALPHA -c "CREATE DATABASE Shop" -c "ALTER DATABASE Shop SET RECOVERY FULL" \
	-c "CREATE TABLE Shop.dbo.orders (id int PRIMARY KEY, item varchar(50))" \
	-c "BACKUP DATABASE Shop TO DISK = '$work/shop.bak' WITH FORMAT" -c "BACKUP LOG Shop TO DISK = '$work/shop_log.bak'"
sql BRAVO -c "RESTORE DATABASE Shop FROM DISK = '$work/shop.bak' WITH NORECOVERY" \
	-c "RESTORE LOG Shop FROM DISK = '$work/shop_log.bak' WITH NORECOVERY" \
	-c "ALTER DATABASE Shop SET PARTNER = 'TCP://$HOST1:$PORT'"
sql ALPHA -c "ALTER DATABASE Shop SET PARTNER = 'TCP://$HOST2:$PORT'"
status="SELECT mirroring_role_desc, mirroring_state_desc, COALESCE(mirroring_witness_state_desc, 'NONE') FROM sys.database_mirroring WHERE database_id = DB_ID('Shop')"
wait_value ALPHA "$status" "PRINCIPAL SYNCHRONIZED NONE"
sql ALPHA -c "ALTER DATABASE Shop SET WITNESS = 'TCP://$HOST3:$PORT'"
wait_value ALPHA "$status" "PRINCIPAL SYNCHRONIZED CONNECTED"
wait_value BRAVO "$status" "MIRROR SYNCHRONIZED CONNECTED"
conns=$(value ALPHA "SELECT remote_server_name, authentication_method, principal_name, encryption_algorithm_desc FROM sys.dm_db_mirroring_connections ORDER BY remote_server_name")
[[ "$conns" == $'BRAVO CERTIFICATE BRAVO_login AES\nWITNESS CERTIFICATE WITNESS_login AES' ]] || { echo "FAIL: ALPHA's connections: $conns"; exit 1; }
echo "session SYNCHRONIZED with the witness CONNECTED, every connection CERTIFICATE over AES"

sql ALPHA -c "INSERT INTO Shop.dbo.orders VALUES (1, 'book')"
sql ALPHA -c "REVOKE CONNECT ON ENDPOINT::Endpoint_Mirroring FROM WITNESS_login"
wait_value ALPHA "$status" "PRINCIPAL SYNCHRONIZED DISCONNECTED"
sql ALPHA -c "INSERT INTO Shop.dbo.orders VALUES (2, 'pen')"
# The witness's link is closed at once; the refusal is logged when ALPHA
# dials it again (within its reconnect backoff, at most 2 s).
refused="reason=\"not authorized: login 'WITNESS_login' has no CONNECT permission on the endpoint\""
for _ in $(seq 100); do grep -q "$refused" "$work/ALPHA.log" && break; sleep 0.1; done
grep -q "$refused" "$work/ALPHA.log" || { echo "FAIL: no refusal logged"; grep -i "authoriz" "$work/ALPHA.log" | tail -5; exit 1; }
sql ALPHA -c "GRANT CONNECT ON ENDPOINT::Endpoint_Mirroring TO WITNESS_login"
wait_value ALPHA "$status" "PRINCIPAL SYNCHRONIZED CONNECTED"
echo "REVOKE CONNECT cut the witness off (refusal logged), GRANT let it back"

sql ALPHA -c "ALTER DATABASE Shop SET PARTNER FAILOVER"
wait_value BRAVO "$status" "PRINCIPAL SYNCHRONIZED CONNECTED"
count=$(value BRAVO "SELECT COUNT(*) FROM Shop.dbo.orders")
[[ "$count" == "2" ]] || { echo "FAIL: BRAVO has $count orders after failover, want 2"; exit 1; }
echo "PASS: SCRAM logins, certificate endpoints for two partners and a witness, revoked and re-granted CONNECT, failover with all $count rows"
