#!/usr/bin/env bash
# Installs what is missing, builds with ASan/UBSan and runs every test through ctest, then builds
# with ThreadSanitizer and runs them again (BESTAND_TSAN=0 skips that; tests/tsan.supp says what
# TSan cannot see). Arguments go to both ctest runs. Last, the fuzz targets of the hand-written
# parsers run BESTAND_FUZZ_RUNS inputs each (deploy/fuzz.sh; 0 skips them).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
deploy/build.sh asan
# The reflection test uses a third-party gRPC client from npm, the web test Playwright and
# axe-core, the connector tests a SCIM service built on scimmy.
for dir in tests/reflection tests/web tests/directory; do
  if [ ! -d $dir/node_modules ]; then
    (cd $dir && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
(cd build-asan && ctest --output-on-failure -j2 "$@")
if [ "${BESTAND_TSAN:-1}" != 0 ]; then
  deploy/build.sh tsan
  export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$PWD/tests/tsan.supp:halt_on_error=1:second_deadlock_stack=1}
  (cd build-tsan && ctest --output-on-failure -j2 "$@")
fi
if [ "${BESTAND_FUZZ_RUNS:-30000}" != 0 ]; then
  deploy/fuzz.sh
fi
