#!/usr/bin/env bash
# Throughput of an authenticated, rate-limited, logged route against the bare /healthz, on the
# same server in the same run, with wrk as the load generator.
#
#   bench/api.sh [--duration 10s] [--connections 32] [--database-url URL] [--bin PATH]
#
# --bin measures a given build of the server (another revision's, say) instead of building this
# checkout's release binary.
#
# The organization's sandbox is not seeded: seeding ingests a guide (and may write its summary
# with the local model) in the server's worker, on the server's one pinned CPU, while wrk runs.
# With --bin the script sets no setting (an older build refuses ones it does not know); set
# COMPANIN_SANDBOX_SEED_ON_CREATE=false and COMPANIN_GENERATOR_SUMMARIES=false in the
# environment for builds that have them. The measurement starts once /readyz answers.
#
# Prints requests/s, p50 and p99 latency for both routes and the ratio. The server runs the
# release build with its normal logging (one line per request, to a file) and request log.
# On a machine with two or more CPUs the server is pinned to CPU 1 and wrk to CPU 0, so that
# the load generator does not take its CPU from the server unevenly between the two runs.
set -euo pipefail

duration=10s
connections=32
database_url=""
bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --database-url) database_url=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ -n "$bin" ]; then bin=$(realpath "$bin"); fi
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  echo "installing wrk (load generator)..." >&2
  apt-get install -y wrk >/dev/null 2>&1 || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
fi
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin=target/release/companin
  export COMPANIN_SANDBOX_SEED_ON_CREATE=false
  # Loading the summary model (quantising its matrices) takes the server's CPU for a while.
  export COMPANIN_GENERATOR_SUMMARIES=false
fi

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
export COMPANIN_DATA_DIR="$work/data"
unset COMPANIN_CONFIG
if [ -n "$database_url" ]; then export COMPANIN_DATABASE_URL="$database_url"; "$bin" migrate >/dev/null; fi

creds=$("$bin" org create --name bench --rate-limit-per-hour 1000000000 \
  --rate-limit-per-day 1000000000 --json)
key=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["production"]["client_id"])' "$creds")
secret=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["production"]["client_secret"])' "$creds")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pin_server=(); pin_wrk=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  pin_server=(taskset -c 1); pin_wrk=(taskset -c 0)
fi
"${pin_server[@]}" "$bin" serve --listen "127.0.0.1:$port" 2>"$work/server.log" &
server=$!
# Ready, not just listening: the models load at start, on the server's one CPU.
for _ in $(seq 1 1200); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done

run() { # name, extra wrk args...
  local name=$1; shift
  "${pin_wrk[@]}" wrk -t1 -c"$connections" -d"$duration" --latency "$@" >"$work/$name.txt"
}
base="http://127.0.0.1:$port"
# Warm up both paths (connection pools, caches, the tenant's limiter task).
wrk -t1 -c4 -d2s "$base/healthz" >/dev/null
wrk -t1 -c4 -d2s -H "X-API-Key: $key" -H "X-API-Secret: $secret" "$base/api/v1/clients/" >/dev/null

run healthz "$base/healthz"
run clients -H "X-API-Key: $key" -H "X-API-Secret: $secret" "$base/api/v1/clients/"

python3 - "$work" "$duration" "$connections" <<'PY'
import sys
sys.path.insert(0, "bench")
from wrk_report import parse as report
work, duration, conns = sys.argv[1:4]
def parse(name):
    return report(f"{work}/{name}.txt")
h = parse("healthz"); c = parse("clients")
print(f"wrk -t1 -c{conns} -d{duration}, same server, same run")
print(f"{'route':<34}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
print(f"{'GET /healthz':<34}{h[0]:>10.0f}{h[1]:>9.2f}{h[2]:>9.2f}{h[3]:>9}")
print(f"{'GET /api/v1/clients/ (key pair)':<34}{c[0]:>10.0f}{c[1]:>9.2f}{c[2]:>9.2f}{c[3]:>9}")
print(f"ratio authenticated / healthz: {c[0] / h[0]:.2f}")
PY
