#!/usr/bin/env bash
# The test command: installs what the tests need when it is missing, then
# runs the whole suite with the race detector. Arguments go to `go test`
# (for example: ./test.sh -run Storage ./server).
#
# What the tests use besides Go: psql (psql scripts, e2e scripts), pgbench
# (the driver tests) and PostgreSQL 15's server (the benchmark scripts'
# tests, testdata/bench; Debian ships a working pgbench only with it),
# PgBouncer (the pooler test), Python's psycopg2 (the driver test of what
# psycopg2 renders client-side), Chromium (the monitor page's browser
# test), unshare and mount (e2e/disk-full.sh's small filesystem, from
# util-linux). They come from Debian's packages, installed with apt-get
# (through sudo when not root).
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
{ pgbench --version && [ -x /usr/lib/postgresql/15/bin/postgres ]; } >/dev/null 2>&1 || need+=(postgresql-15)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pgbouncer >/dev/null 2>&1 || need+=(pgbouncer)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
# The client drivers of cmd/server's TestClientDrivers (clients/): pgjdbc
# with a JDK, psycopg 3 for Debian's own python3, node-postgres from npm.
command -v java >/dev/null 2>&1 || need+=(default-jdk-headless)
[ -f /usr/share/java/postgresql.jar ] || need+=(libpostgresql-jdbc-java)
/usr/bin/python3 -c 'import psycopg' >/dev/null 2>&1 || need+=(python3-psycopg)
/usr/bin/python3 -c 'import sqlalchemy' >/dev/null 2>&1 || need+=(python3-sqlalchemy)
command -v npm >/dev/null 2>&1 || need+=(npm)
python3 -c 'import psycopg2' >/dev/null 2>&1 || /usr/bin/python3 -c 'import psycopg2' >/dev/null 2>&1 || need+=(python3-psycopg2)
if ((${#need[@]})); then
	echo "installing ${need[*]} (apt-get)" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -d clients/node/node_modules/pg ]; then
	echo "installing node-postgres (npm ci in clients/node)" >&2
	npm ci --prefix clients/node --no-audit --no-fund >/dev/null
fi

if (($# == 0)); then
	set -- ./...
fi
exec go test -race "$@"
