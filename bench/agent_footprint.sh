#!/usr/bin/env bash
# Agent footprint next to the FusionInventory agent from Debian, on this machine: wall time, CPU
# (user+sys) and peak RSS, the median of RUNS runs each (default 5), printed with ratios.
#   bestand-agent inventory -o json       vs fusioninventory-agent --local DIR, and dpkg-query -W
#   bestand-agent run --once (full report) and (heartbeat) against a local server over mTLS
# Not a test: it prints figures. Needs deploy/build.sh release first.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${RUNS:-5}
agent=$root/build/agent/bestand-agent
server=$root/build/server/bestand-server
cli=$root/build/client/bestand
[ -x "$agent" ] || { echo "build first: deploy/build.sh release" >&2; exit 1; }
missing=()
command -v fusioninventory-agent >/dev/null || missing+=(fusioninventory-agent)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# measure NAME CMD...: median wall (s), CPU (s) and peak RSS (KiB) over $runs runs.
measure() {
  local name=$1
  shift
  local f=$tmp/$name.times
  : >"$f"
  for _ in $(seq "$runs"); do
    [ -n "${BEFORE:-}" ] && eval "$BEFORE"
    # GNU time gives wall and peak RSS; its CPU figures have 10 ms steps, so CPU comes from the
    # shell's 'times' (children's user and sys in milliseconds).
    (
      /usr/bin/time -f "%e %M" -o "$tmp/one" "$@" >/dev/null 2>"$tmp/err" || {
        echo "$name failed:" >&2
        cat "$tmp/err" >&2
        exit 1
      }
      times
    ) >"$tmp/times"
    cpu_s=$(tail -n 1 "$tmp/times" | awk '{
      split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
    awk -v cpu="$cpu_s" '{printf "%s %s %s\n", $1, cpu, $2}' "$tmp/one" >>"$f"
  done
  local wall cpu rss
  wall=$(cut -d' ' -f1 "$f" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  cpu=$(cut -d' ' -f2 "$f" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  rss=$(cut -d' ' -f3 "$f" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%s %s %s %s\n' "$name" "$wall" "$cpu" "$rss" >>"$tmp/results"
}

mkdir -p "$tmp/fusion"
measure dpkg-query dpkg-query -W
measure fusioninventory fusioninventory-agent --local "$tmp/fusion" --no-category=printer
measure inventory "$agent" inventory -o json

# A local server, an enrolled agent, then full reports (acknowledgement forgotten before each run)
# and heartbeats.
"$server" init --data-dir "$tmp/data" >"$tmp/init"
token=$(sed -n 's/^  admin token  *\(bst_[^ ]*\).*/\1/p' "$tmp/init")
"$server" serve --data-dir "$tmp/data" --listen 127.0.0.1:0 >"$tmp/serve" 2>&1 &
pid=$!
for _ in $(seq 100); do
  addr=$(sed -n 's/.* listening on \([^ ]*\) (TLS).*/\1/p' "$tmp/serve")
  [ -n "$addr" ] && break
  sleep 0.1
done
export BESTAND_SERVER=$addr BESTAND_CA=$tmp/data/ca.crt BESTAND_TOKEN=$token BESTAND_CONFIG=/nonexistent
secret=$("$cli" agent-token create 2>/dev/null)
"$agent" enroll --server "$addr" --ca "$tmp/data/ca.crt" --token "$secret" --state-dir "$tmp/agent" >/dev/null
BEFORE="rm -f $tmp/agent/acked" measure run-once-full "$agent" run --once --state-dir "$tmp/agent"
measure run-once-heartbeat "$agent" run --once --state-dir "$tmp/agent"

packages_agent=$("$agent" inventory -o json | grep -c '"source": "dpkg"' || true)
packages_dpkg=$(dpkg-query -W | wc -l)
fusion_packages=$(cat "$tmp"/fusion/*.xml "$tmp"/fusion/*.ocs 2>/dev/null | grep -c '<SOFTWARES>' || true)

awk -v runs="$runs" -v pa="$packages_agent" -v pd="$packages_dpkg" -v pf="$fusion_packages" '
  { wall[$1] = $2; cpu[$1] = $3; rss[$1] = $4 }
  END {
    printf "agent footprint, median of %d runs (wall s, CPU s = user+sys, peak RSS MiB)\n", runs
    printf "%-30s %8s %8s %9s\n", "command", "wall", "CPU", "RSS MiB"
    n = split("dpkg-query fusioninventory inventory run-once-full run-once-heartbeat", order, " ")
    for (i = 1; i <= n; i++) { k = order[i]; printf "%-30s %8.3f %8.3f %9.1f\n", k, wall[k], cpu[k], rss[k] / 1024 }
    f = "fusioninventory"
    printf "\ninventory vs FusionInventory: CPU 1/%.0f (target >= 1/25), RSS 1/%.2f (target >= 1/6)\n", cpu[f] / (cpu["inventory"] > 0 ? cpu["inventory"] : 0.001), rss[f] / rss["inventory"]
    printf "inventory CPU vs dpkg-query -W: %.1fx (target <= 2x)\n", cpu["inventory"] / (cpu["dpkg-query"] > 0 ? cpu["dpkg-query"] : 0.001)
    printf "run --once (full) vs FusionInventory: CPU 1/%.0f (target >= 1/20), RSS 1/%.2f (target >= 1/4)\n", cpu[f] / (cpu["run-once-full"] > 0 ? cpu["run-once-full"] : 0.001), rss[f] / rss["run-once-full"]
    printf "packages: bestand-agent %d dpkg, dpkg-query %d, FusionInventory %d software entries\n", pa, pd, pf
  }' "$tmp/results"
