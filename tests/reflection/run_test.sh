#!/usr/bin/env bash
# Starts a fresh bestand-server and checks with a third-party gRPC reflection client
# (list_services.js) that its services can be listed and called over TLS.
#
# usage: run_test.sh BUILD_DIR
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
server_bin="$(cd "$1" && pwd)/server/bestand-server"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ -x "$server_bin" ]] || { echo "FAIL: no server binary at $server_bin" >&2; exit 1; }

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "== init: $server_bin init --data-dir $tmp/data"
"$server_bin" init --data-dir "$tmp/data" > "$tmp/init.log"
token="$(sed -n 's/^  admin token  *\(bst_[^ ]*\).*/\1/p' "$tmp/init.log")"
if [[ -z "$token" ]]; then
  echo "FAIL: no admin token in init output:" >&2
  cat "$tmp/init.log" >&2
  exit 1
fi

echo "== serve: $server_bin serve --data-dir $tmp/data --listen 127.0.0.1:0"
"$server_bin" serve --data-dir "$tmp/data" --listen 127.0.0.1:0 > "$tmp/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 100); do
  port="$(sed -n 's/.* listening on 127\.0\.0\.1:\([0-9]*\) (TLS).*/\1/p' "$tmp/server.log")"
  [[ -n "$port" ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z "$port" ]]; then
  echo "FAIL: server did not report its port within 10 s; its output:" >&2
  cat "$tmp/server.log" >&2
  exit 1
fi
echo "== server listening on 127.0.0.1:$port (pid $server_pid)"

cd "$here"
if [[ ! -d node_modules ]]; then
  echo "== npm ci --no-audit --no-fund (in $here)"
  npm ci --no-audit --no-fund
fi

echo "== node list_services.js 127.0.0.1:$port $tmp/data/ca.crt <admin token>"
status=0
node list_services.js "127.0.0.1:$port" "$tmp/data/ca.crt" "$token" || status=$?
if [[ $status -eq 0 ]]; then
  echo "PASS: reflection test"
else
  echo "FAIL: reflection test (exit $status)"
fi
exit "$status"
