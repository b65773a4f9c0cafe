// The audit trail as the services read it: pages of events, newest first, and verification.
//
// Thread safety: every method runs in its own read transaction; safe from any thread.
#pragma once

#include "absl/status/statusor.h"
#include "bestand/v1/audit.pb.h"
#include "server/core/seal.h"
#include "server/storage/store.h"

namespace bestand {

class AuditLog {
 public:
  // `store` and `sealer` (may be null: agent seals are then not checked) must outlive this.
  AuditLog(Store* store, const Sealer* sealer) : store_(store), sealer_(sealer) {}

  // One page of events matching `r.resource()` (a resource name or natural key) and
  // `r.actor()`, newest first; `next_page_token` set when older ones follow. INVALID_ARGUMENT
  // naming page_size, resource or a page_token that no earlier page returned.
  absl::StatusOr<v1::ListAuditEventsResponse> List(const v1::ListAuditEventsRequest& r) const;

  // VerifyAudit (audit_verify.h) over the current state with `r.anchors()`.
  absl::StatusOr<v1::VerifyAuditResponse> Verify(const v1::VerifyAuditRequest& r) const;

 private:
  Store* store_;
  const Sealer* sealer_;
};

}  // namespace bestand
