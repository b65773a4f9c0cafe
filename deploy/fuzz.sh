#!/usr/bin/env bash
# Builds the fuzz targets (fuzz/) with clang's libFuzzer, ASan and UBSan in build-fuzz/ and runs
# each for BESTAND_FUZZ_RUNS inputs (default 30000) from the seeds in fuzz/corpus/ plus the test
# data, with a fixed seed so that a run is the same on every machine (BESTAND_FUZZ_SEED to vary
# it; longer explorations: BESTAND_FUZZ_RUNS=-1 BESTAND_FUZZ_SECONDS=600).
# A crash, a sanitizer report or a broken property fails the script; the input that did it is in
# build-fuzz/crashes/. Usage: deploy/fuzz.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${BESTAND_FUZZ_RUNS:-30000}
seconds=${BESTAND_FUZZ_SECONDS:-0}
seed=${BESTAND_FUZZ_SEED:-1}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv_fuzz dpkg_status_fuzz rpm_header_fuzz inventory_fuzz outbound_fuzz)
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DBESTAND_FUZZ=ON \
  -DBUILD_TESTING=OFF -DBESTAND_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"${BESTAND_JOBS:-$(nproc)}" --target "${targets[@]}"
mkdir -p build-fuzz/crashes
for target in "${targets[@]}"; do
  # A fresh corpus from the seeds each time, so that a run does not depend on earlier ones.
  corpus=build-fuzz/corpus/$target
  rm -rf "$corpus"
  mkdir -p "$corpus"
  seeds=fuzz/corpus/${target%_fuzz}
  cp -n "$seeds"/* "$corpus"/
  case $target in
    csv_fuzz) cp -n tests/data/exports/*.csv "$corpus"/ ;;
    dpkg_status_fuzz) find tests/agent/fixtures -path '*/dpkg/status' -exec cp -n {} "$corpus"/ \; ;;
    inventory_fuzz) cp -n tests/data/glpi/*.json tests/data/glpi/xml/*.xml "$corpus"/ ;;
  esac
  # Inventories are large; a few KB reach every element and keep runs fast (~1,000/s, not 80/s).
  max_len=65536
  [ "$target" = inventory_fuzz ] && max_len=4096
  rm -f build-fuzz/crashes/"$target"-*
  echo "fuzzing $target: $runs runs, seed $seed"
  build-fuzz/fuzz/"$target" -runs="$runs" -seed="$seed" -max_total_time="$seconds" \
    -max_len="$max_len" -rss_limit_mb=2048 \
    -artifact_prefix=build-fuzz/crashes/"$target"- -print_final_stats=1 "$corpus" 2>&1 |
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==|SUMMARY|Test unit written|INFO: Done)' ||
    true
  # libFuzzer exits non-zero on a finding; pipefail would hide it behind grep, so check again.
  if ls build-fuzz/crashes/"$target"-* >/dev/null 2>&1; then
    echo "fuzz: $target found an input that fails (build-fuzz/crashes/)" >&2
    exit 1
  fi
done
