#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, builds, initialises a fresh data
# directory, starts bestand-server on its embedded SQLite database, fills in a small sample company
# (Weiß Haustechnik GmbH) through the bestand CLI, prints people, devices and licenses, and says
# how to point the CLI at the server, which keeps running.
#
# Environment: BESTAND_DEMO_DIR (default ./demo-data), BESTAND_DEMO_LISTEN (default 127.0.0.1:0,
# a free port), BESTAND_DEMO_WEB_LISTEN (the web interface, default 127.0.0.1:0).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
deploy/install-deps.sh
deploy/build.sh release >/dev/null

data=${BESTAND_DEMO_DIR:-$root/demo-data}
listen=${BESTAND_DEMO_LISTEN:-127.0.0.1:0}
web_listen=${BESTAND_DEMO_WEB_LISTEN:-127.0.0.1:0}
server_bin=$root/build/server/bestand-server
cli=$root/build/client/bestand
agent=$root/build/agent/bestand-agent

# A previous demo's server is stopped and its data replaced.
if [ -f "$data/server.pid" ]; then
  kill "$(cat "$data/server.pid")" 2>/dev/null || true
  sleep 0.5
fi
rm -rf "$data"
mkdir -p "$data"

"$server_bin" init --data-dir "$data/server" >"$data/init.txt"
token=$(sed -n 's/^  admin token  *\(bst_[^ ]*\).*/\1/p' "$data/init.txt")

nohup "$server_bin" serve --data-dir "$data/server" --listen "$listen" --web-listen "$web_listen" \
  >"$data/server.log" 2>&1 &
echo $! >"$data/server.pid"
addr="" web=""
for _ in $(seq 100); do
  addr=$(sed -n 's/.* listening on \([^ ]*\) (TLS).*/\1/p' "$data/server.log")
  web=$(sed -n 's/^web interface on \(https:[^ ]*\)$/\1/p' "$data/server.log")
  [ -n "$addr" ] && [ -n "$web" ] && break
  sleep 0.1
done
if [ -z "$addr" ] || [ -z "$web" ]; then
  echo "demo: the server did not start:" >&2
  cat "$data/server.log" >&2
  exit 1
fi

# The CLI keeps server, CA and token in this config file (mode 0600), written by 'bestand login'.
export BESTAND_CONFIG=$data/cli.conf
unset BESTAND_SERVER BESTAND_CA BESTAND_TOKEN
"$cli" login --server "$addr" --ca "$data/server/ca.crt" --token "$token" 2>/dev/null

echo "== Sample company: Weiß Haustechnik GmbH"
for what in people vendors apps devices licenses accounts access assignments; do
  "$cli" import "$what" "deploy/sample/$what.csv"
done
viewer=$("$cli" token create --role viewer --name geschaeftsfuehrung 2>/dev/null)
# Management signs in to the web interface once with this link (it works once, for 7 days).
link=$("$cli" token link --role viewer --name geschaeftsfuehrung-web 2>/dev/null)

echo
echo "== This machine, reported by bestand-agent over mTLS"
enroll=$("$cli" agent-token create --uses 1 --expires 1h --name demo 2>/dev/null)
device=$("$agent" enroll --server "$addr" --ca "$data/server/ca.crt" --token "$enroll" \
  --state-dir "$data/agent" | sed -n 's/^enrolled as //p')
echo "enrolled as $device"
"$agent" run --once --state-dir "$data/agent"   # first run: the full inventory
"$agent" run --once --state-dir "$data/agent"   # nothing changed: a heartbeat

echo
echo "== People"
"$cli" person list
echo
echo "== Devices"
"$cli" device list
echo
echo "== Licenses"
"$cli" license list
echo
echo "== $device, as the agent reported it (the first packages)"
"$cli" device show "$device" --software >"$data/this-machine.txt"
head -n 21 "$data/this-machine.txt"
echo
echo "== Where is OpenSSL installed?"
"$cli" software list --name openssl
echo
echo "== Audit trail"
"$cli" audit verify
echo
echo "== For management: what we pay, what is unused, what to cancel by when"
"$cli" report summary
"$cli" report summary -o html >"$data/summary.html"
echo "(the same as one HTML file with charts: $data/summary.html)"

cat <<EOT

bestand-server is running on $addr (pid $(cat "$data/server.pid"), log $data/server.log).
Point the CLI at it:
  export BESTAND_CONFIG=$data/cli.conf      # written by 'bestand login': server, CA, admin token
  $cli person list --department Vertrieb
  $cli device show NB-0003
  $cli license seats "Microsoft 365 Business Standard"
  $cli device show $device --software
  $cli device history $device
Or without the config file:
  export BESTAND_SERVER=$addr BESTAND_CA=$data/server/ca.crt BESTAND_TOKEN=<token>
Read-only token for management (shown once): $viewer

The web interface is on $web (German; English by the link at the bottom).
Management's sign-in link (works once): $link
Or sign in there with the read-only token above, or the admin token from $data/init.txt.
The browser will ask about the certificate: it is signed by this server's own CA,
$data/server/ca.crt; import that file as a trusted authority to make the warning go away.
Stop the server: kill \$(cat $data/server.pid)
EOT
