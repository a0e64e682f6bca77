#!/usr/bin/env bash
# Throughput of the authenticated, rate-limited, logged route with one API process and with
# two, on one PostgreSQL, in the same run: the deployment of README's *From one process to
# many* (`serve --no-worker` processes behind a balancer), with wrk as the load generator.
#
#   bench/processes.sh [--duration 10s] [--connections 32] [--bin PATH]
#
# Uses the local PostgreSQL (127.0.0.1:5432, user postgres) with a scratch database of its
# own, dropped at the end. With two processes the same number of connections is split between
# them (one wrk per process, run at once: the balancer's job), and the figures are summed.
# Nothing is pinned: the API processes, PostgreSQL and wrk share the machine's CPUs, which is
# the point on a small machine (a second process there shares the cores, it adds none).
set -euo pipefail

duration=10s
connections=32
bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
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
fi
export COMPANIN_SANDBOX_SEED_ON_CREATE=false COMPANIN_GENERATOR_SUMMARIES=false

db=companin_bench_$$
psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $db" >/dev/null
work=$(mktemp -d)
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
unset COMPANIN_CONFIG
export COMPANIN_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
export COMPANIN_DATA_DIR="$work/data"
"$bin" migrate >/dev/null
creds=$("$bin" org create --name bench --rate-limit-per-hour 1000000000 \
  --rate-limit-per-day 1000000000 --json)
key=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["production"]["client_id"])' "$creds")
secret=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["production"]["client_secret"])' "$creds")

bases=()
start() { # n: starts API process n; its base URL is appended to $bases
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  COMPANIN_DATA_DIR="$work/data-$1" "$bin" serve --no-worker --listen "127.0.0.1:$port" \
    >"$work/server-$1.log" 2>&1 &
  servers+=($!)
  for _ in $(seq 1 1200); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  bases+=("http://127.0.0.1:$port")
}
load() { # output name, connections, base URL
  wrk -t1 -c"$2" -d"$duration" --latency -H "X-API-Key: $key" -H "X-API-Secret: $secret" \
    "$3/api/v1/clients/" >"$work/$1.txt"
}
start 1
start 2
first=${bases[0]} second=${bases[1]}
for base in "$first" "$second"; do
  wrk -t1 -c4 -d2s -H "X-API-Key: $key" -H "X-API-Secret: $secret" "$base/api/v1/clients/" >/dev/null
done

load one "$connections" "$first"
half=$((connections / 2))
load two-a "$half" "$first" &
a=$!
load two-b "$((connections - half))" "$second" &
b=$!
wait "$a" "$b"

python3 - "$work" "$duration" "$connections" <<'PY'
import sys
sys.path.insert(0, "bench")
from wrk_report import parse as report
work, duration, conns = sys.argv[1:4]
def parse(name):
    return report(f"{work}/{name}.txt")
one = parse("one"); a = parse("two-a"); b = parse("two-b")
print(f"GET /api/v1/clients/ (key pair), PostgreSQL, wrk -c{conns} -d{duration} in all, same run")
print(f"{'API processes':<16}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
print(f"{'1':<16}{one[0]:>10.0f}{one[1]:>9.2f}{one[2]:>9.2f}{one[3]:>9}")
print(f"{'2 (summed)':<16}{a[0] + b[0]:>10.0f}{max(a[1], b[1]):>9.2f}{max(a[2], b[2]):>9.2f}{a[3] + b[3]:>9}")
print(f"  each: {a[0]:.0f} and {b[0]:.0f} req/s")
print(f"ratio 2 / 1: {(a[0] + b[0]) / one[0]:.2f}")
PY
