#!/usr/bin/env bash
# Installs the Debian 12 packages Bestand needs to build, test and run.
# Idempotent: packages already present are not touched, apt-get runs only when something is missing.
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  # the fuzz targets need clang's libFuzzer (deploy/fuzz.sh)
  clang
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libsqlite3-dev sqlite3 libssl-dev openssl libabsl-dev libgtest-dev
  # static archives the release agent links (deploy/build.sh; they come with libgrpc-dev too)
  zlib1g-dev libc-ares-dev libre2-dev
  nodejs npm
  # a test renders the HTML report headless and checks it
  chromium
  # tests have the real FusionInventory agent, and curl as a GLPI agent, report to the endpoint
  fusioninventory-agent curl
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# node/npm may come from elsewhere (a preinstalled toolchain); only ask apt for them when absent.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
