#!/usr/bin/env bash
# Configures and builds Bestand. Usage: deploy/build.sh release|asan|tsan
#   release  optimised binaries in build/ (used by the demo)
#   asan     debug build with AddressSanitizer and UndefinedBehaviorSanitizer and the tests in
#            build-asan/ (used by deploy/test.sh)
#   tsan     debug build with ThreadSanitizer and the tests in build-tsan/ (used by
#            deploy/test.sh after the asan run)
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
jobs=${BESTAND_JOBS:-$(nproc)}
case "$kind" in
  release)
    # Warnings fail the test build (asan); here they must not stop a demo on another compiler.
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF -DBESTAND_WERROR=OFF \
      -DBESTAND_SANITIZE=OFF >/dev/null
    cmake --build build -j"$jobs"
    ;;
  asan)
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBESTAND_SANITIZE=ON -DBESTAND_WERROR=ON \
      -DBESTAND_BENCH=OFF >/dev/null
    cmake --build build-asan -j"$jobs"
    ;;
  tsan)
    cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DBESTAND_TSAN=ON -DBESTAND_WERROR=ON \
      -DBESTAND_BENCH=OFF >/dev/null
    cmake --build build-tsan -j"$jobs"
    ;;
  *)
    echo "usage: $0 release|asan|tsan" >&2
    exit 2
    ;;
esac
