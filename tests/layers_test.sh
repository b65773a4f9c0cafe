#!/usr/bin/env bash
# Fails when a file includes one of a higher layer. The layers, lowest first:
#   common/  <  server/storage/, server/pki/  <  server/core/  <  server/imports/, server/mail/
#     (< server/connectors/)
#     <  server/http/, server/service/  <  server/web/ (on server/http/)  <  the wiring (server/app, server/main); above the core,
#     the store and the CA are reached only through the core
#   common/  <  common/rpc/  <  client/, agent/ (which include nothing of server/ and nothing of
#   each other)
# Only common/rpc/, the service layers, the client's grpc_* files and the agent's reporter speak
# gRPC: the rest of common/, the store, the core, the CLI and the agent's collectors include none.
# Usage: layers_test.sh SOURCE_DIR
set -euo pipefail
cd "$1"
fail=0
# check DIR ALLOWED...: every include under DIR of one of Bestand's own directories (or of gRPC)
# must start with an allowed prefix. Files whose path matches $SKIP (a glob) are left out.
SKIP=''
check() {
  local dir=$1
  shift
  local allowed=("$@")
  while IFS=: read -r file line include; do
    # shellcheck disable=SC2053
    [[ -n $SKIP && $file == $SKIP ]] && continue
    local target=${include#*\"}
    target=${target%%\"*}
    case $target in
      common/* | server/* | client/* | agent/* | tests/* | bench/* | grpcpp/* | bestand/v1/*.grpc.pb.h) ;;
      *) continue ;;
    esac
    local ok=0
    for prefix in "${allowed[@]}"; do
      [[ $target == "$prefix"* ]] && ok=1
    done
    if [ "$ok" -eq 0 ]; then
      echo "$file:$line includes $target, above its layer ($dir may include ${*})"
      fail=1
    fi
  done < <(grep -rn --include='*.cc' --include='*.h' '^#include "' "$dir" || true)
}
SKIP='common/rpc/*' check common/ common/
check common/rpc/ common/ grpcpp/
check server/storage/ common/ server/storage/
check server/pki/ common/ server/pki/
check server/core/ common/ server/storage/ server/pki/ server/core/
# Above the core nothing reaches the store or the CA but through it.
check server/imports/ common/ server/core/ server/imports/
check server/http/ common/ server/core/ server/imports/ server/http/
check server/mail/ common/ server/core/ server/mail/
check server/connectors/ common/ server/core/ server/mail/ server/connectors/
check server/web/ common/ server/core/ server/http/ server/web/
check server/service/ common/ server/core/ server/imports/ server/service/ grpcpp/ bestand/v1/
SKIP='client/grpc_*' check client/ common/ client/
check client/ common/ client/ grpcpp/ bestand/v1/
check agent/collect/ common/ agent/collect/
check agent/ common/ agent/ grpcpp/ bestand/v1/
if [ "$fail" -ne 0 ]; then exit 1; fi
echo "every include points to its own layer or below"
