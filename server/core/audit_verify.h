// Checking the audit trail: the hash chain and its anchors, every record against its last
// audited state, and the seals over what agents reported.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "bestand/v1/audit.pb.h"
#include "server/core/seal.h"
#include "server/storage/store.h"

namespace bestand {

// Recomputes the chain, checks that it still holds every anchor ("SEQUENCE:HASH", heads of
// earlier verifications) and compares every resource and token with its last audited state.
// With `sealer`, also every seal over what agents reported (software sets, their history,
// agents' last reports and last-seen times): rows edited or removed outside Bestand are named.
// INVALID_ARGUMENT for a malformed anchor.
absl::StatusOr<v1::VerifyAuditResponse> VerifyAudit(ReadTx& tx,
                                                    absl::Span<const std::string> anchors = {},
                                                    const Sealer* sealer = nullptr);

}  // namespace bestand
