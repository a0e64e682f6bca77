# Sourced by the scripts that test a live server (scripts/fuzz, scripts/sdks).
#
# start_server BIN DIR: runs `BIN serve` on a free local port with its data in DIR/data and
# its log in DIR/serve.log, waits for /healthz, and sets $base (http://127.0.0.1:PORT) and
# $server (its pid). stop_server stops it. The caller sets the COMPANIN_* environment first.

start_server() {
  local bin=$1 dir=$2 port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  base=http://127.0.0.1:$port
  COMPANIN_DATA_DIR=$dir/data "$bin" serve --listen "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 300); do
    curl -sf "$base/healthz" >/dev/null && return 0
    sleep 0.1
  done
  cat "$dir/serve.log" >&2
  return 1
}

stop_server() {
  if [[ -n ${server:-} ]]; then
    kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    server=""
  fi
  return 0
}
