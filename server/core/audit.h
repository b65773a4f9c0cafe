// The hash-chained audit trail. Every change to the inventory or the tokens is recorded in the
// same write transaction as the change itself, so a change and its event commit together. What
// each kind of record's state looks like is in audited_state.h; checking it, audit_verify.h.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/audit.pb.h"
#include "server/storage/store.h"

namespace bestand {

// The prev_hash of the first event.
extern const std::string kZeroAuditHash;

// SHA-256 over the event's fields (everything but `hash`), hex.
std::string AuditHash(const v1::AuditEvent& event);

// Appends an event after the newest one in `tx`. `before`/`after` are AuditJson strings; empty
// on create/delete respectively.
absl::Status RecordAudit(WriteTx& tx, absl::string_view actor, absl::string_view action,
                         absl::string_view resource, std::string before, std::string after);

}  // namespace bestand
