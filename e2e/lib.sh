# Shared by the e2e scripts (source it after `set -euo pipefail`): a work
# directory removed at exit (KEEP=1 keeps it), server processes in pids
# killed at exit, the server binary ($1, else built), and defaults for
# HOST1..HOST3 (random loopback addresses), PORT (endpoint port) and
# SQLPORT1..SQLPORT3.

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do { kill -9 "$pid" && wait "$pid"; } 2>/dev/null || true; done
	if [[ "${KEEP:-}" == "" ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

bin=${1:-}
if [[ -z "$bin" ]]; then
	bin=$work/mirrordb
	(cd "$root" && go build -o "$bin" ./cmd/server)
fi

rnd() { echo $((RANDOM % 200 + 20)); }
HOST1=${HOST1:-127.$(rnd).$(rnd).$(rnd)}
HOST2=${HOST2:-127.$(rnd).$(rnd).$(rnd)}
HOST3=${HOST3:-127.$(rnd).$(rnd).$(rnd)}
PORT=${PORT:-$((RANDOM % 20000 + 30000))}
SQLPORT1=${SQLPORT1:-$((RANDOM % 10000 + 20000))}
SQLPORT2=${SQLPORT2:-$((RANDOM % 10000 + 20000))}
SQLPORT3=${SQLPORT3:-$((RANDOM % 10000 + 20000))}
