#!/usr/bin/env bash
# The test command: installs what the tests need when it is missing, then
# runs the whole suite with the race detector. Arguments go to `go test`
# (for example: ./test.sh -run Storage ./server).
#
# What the tests use besides Go: psql (psql scripts, e2e scripts), Chromium
# (the monitor page's browser test), unshare and mount (e2e/disk-full.sh's
# small filesystem, from util-linux), PostgreSQL 15's server and pgbench
# (the benchmark scripts' tests, testdata/bench). They come from Debian's packages,
# installed with apt-get (through sudo when not root).
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
[[ -x /usr/lib/postgresql/15/bin/postgres ]] || need+=(postgresql-15)
if ((${#need[@]})); then
	echo "installing ${need[*]} (apt-get)" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if (($# == 0)); then
	set -- ./...
fi
exec go test -race "$@"
