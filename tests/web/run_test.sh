#!/usr/bin/env bash
# Starts a fresh bestand-server with its web interface, fills in the sample company of
# deploy/sample through the bestand CLI, creates a token per role and runs web_test.js
# (Playwright in Debian's chromium, axe-core) against it. Screenshots go to
# BUILD_DIR/web-artifacts.
#
# usage: run_test.sh BUILD_DIR
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build="$(cd "$1" && pwd)"
server_bin="$build/server/bestand-server"
cli="$build/client/bestand"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sample="$here/../../deploy/sample"
for bin in "$server_bin" "$cli"; do
  [[ -x "$bin" ]] || { echo "FAIL: no binary at $bin" >&2; exit 1; }
done

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

"$server_bin" init --data-dir "$tmp/data" > "$tmp/init.log"
admin="$(sed -n 's/^  admin token  *\(bst_[^ ]*\).*/\1/p' "$tmp/init.log")"
[[ -n "$admin" ]] || { echo "FAIL: no admin token in:" >&2; cat "$tmp/init.log" >&2; exit 1; }

# Sessions end after 20 s without a request, for the check that an idle session ends.
"$server_bin" serve --data-dir "$tmp/data" --listen 127.0.0.1:0 --web-listen 127.0.0.1:0 \
  --web-idle-timeout 20s > "$tmp/server.log" 2>&1 &
server_pid=$!
port="" web=""
for _ in $(seq 100); do
  port="$(sed -n 's/.* listening on 127\.0\.0\.1:\([0-9]*\) (TLS).*/\1/p' "$tmp/server.log")"
  web="$(sed -n 's/^web interface on https:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$tmp/server.log")"
  [[ -n "$port" && -n "$web" ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z "$port" || -z "$web" ]]; then
  echo "FAIL: the server did not report its ports within 10 s; its output:" >&2
  cat "$tmp/server.log" >&2
  exit 1
fi

export BESTAND_CONFIG=$tmp/cli.conf
unset BESTAND_SERVER BESTAND_CA BESTAND_TOKEN
"$cli" login --server "127.0.0.1:$port" --ca "$tmp/data/ca.crt" --token "$admin" > /dev/null
for what in people vendors apps devices licenses accounts access assignments; do
  "$cli" import "$what" "$sample/$what.csv" > /dev/null
done
# One PC as the GLPI Agent reports it, for a device page with hardware and software.
"$cli" import glpi "$here/../data/glpi/computer_1.json" > /dev/null
export BESTAND_WEB_URL="https://127.0.0.1:$web"
export BESTAND_ADMIN_TOKEN=$admin
BESTAND_VIEWER_TOKEN="$("$cli" token create --role viewer --name geschaeftsfuehrung)"
BESTAND_VENDOR_TOKEN="$("$cli" token create --role vendor --name systemhaus \
  --vendor "Systemhaus Nord GmbH")"
BESTAND_VENDOR_LINK="$("$cli" token link --vendor "Systemhaus Nord GmbH" --expires 1h)"
export BESTAND_VIEWER_TOKEN BESTAND_VENDOR_TOKEN BESTAND_VENDOR_LINK
export BESTAND_ARTIFACTS="$build/web-artifacts"
mkdir -p "$BESTAND_ARTIFACTS"

cd "$here"
if [[ ! -d node_modules ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
status=0
node web_test.js || status=$?
if [[ $status -ne 0 ]]; then
  echo "FAIL: web test (exit $status); the server's output:"
  cat "$tmp/server.log"
fi
exit "$status"
