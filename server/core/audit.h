// The hash-chained audit trail. Every change to the inventory or the tokens is recorded in the
// same write transaction as the change itself, so a change and its event commit together.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "bestand/v1/audit.pb.h"
#include "common/resources.h"
#include "google/protobuf/message.h"
#include "server/core/seal.h"
#include "server/storage/store.h"

namespace bestand {

// The JSON recorded for a resource: protobuf JSON with proto field names, computed fields left
// out (they change when other resources change). Deterministic for equal messages.
std::string AuditJson(const ResourceSpec& spec, const google::protobuf::Message& resource);
// The JSON recorded for a token and an enrollment token: never the secret or the hash it is
// checked by, but the SHA-256 of that hash, so verify compares the whole stored hash.
std::string TokenAuditJson(const TokenRecord& record);
std::string EnrollmentTokenAuditJson(const EnrollmentTokenRecord& record);

// Records, once, the newer audit formats of records whose last audited state is in a former
// one (tokens before their secret digest was audited), so a database from an earlier version
// verifies. Call at start-up, before serving.
absl::Status UpgradeAuditFormats(Store* store);

// SHA-256 over the event's fields (everything but `hash`), hex.
std::string AuditHash(const v1::AuditEvent& event);

// Appends an event after the newest one in `tx`. `before`/`after` are AuditJson strings; empty
// on create/delete respectively.
absl::Status RecordAudit(WriteTx& tx, absl::string_view actor, absl::string_view action,
                         absl::string_view resource, std::string before, std::string after);

// Recomputes the chain, checks that it still holds every anchor ("SEQUENCE:HASH", heads of
// earlier verifications) and compares every resource and token with its last audited state.
// With `sealer`, also every seal over what agents reported (software sets, their history,
// agents' last reports and last-seen times): rows edited or removed outside Bestand are named.
// INVALID_ARGUMENT for a malformed anchor.
absl::StatusOr<v1::VerifyAuditResponse> VerifyAudit(ReadTx& tx,
                                                    absl::Span<const std::string> anchors = {},
                                                    const Sealer* sealer = nullptr);

}  // namespace bestand
