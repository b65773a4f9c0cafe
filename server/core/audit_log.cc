#include "server/core/audit_log.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "server/core/audit_verify.h"
#include "server/core/inventory.h"

namespace bestand {
namespace {

// A page token names the sequence the next page starts below; opaque to clients.
constexpr absl::string_view kBefore = "before:";

}  // namespace

absl::StatusOr<v1::ListAuditEventsResponse> AuditLog::List(
    const v1::ListAuditEventsRequest& r) const {
  BESTAND_ASSIGN_OR_RETURN(int page, PageSize(r.page_size()));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  AuditQuery q;
  BESTAND_ASSIGN_OR_RETURN(q.resource, AuditResourceFilter(*tx, r.resource()));
  q.actor = r.actor();
  q.limit = page + 1;  // one more than a page tells whether another follows
  if (!r.page_token().empty()) {
    std::string raw;
    absl::string_view rest;
    if (!absl::WebSafeBase64Unescape(r.page_token(), &raw) ||
        !absl::ConsumePrefix(&(rest = raw), kBefore) ||
        !absl::SimpleAtoi(rest, &q.before_sequence)) {
      return FieldError(absl::StatusCode::kInvalidArgument, "page_token",
                        "not a token from a previous page of this list");
    }
  }
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> events, tx->ListAudit(q));
  v1::ListAuditEventsResponse out;
  for (size_t i = 0; i < events.size() && static_cast<int>(i) < page; ++i) {
    *out.add_events() = std::move(events[i]);
  }
  if (static_cast<int>(events.size()) > page) {
    out.set_next_page_token(
        absl::WebSafeBase64Escape(absl::StrCat(kBefore, out.events(page - 1).sequence())));
  }
  return out;
}

absl::StatusOr<v1::VerifyAuditResponse> AuditLog::Verify(const v1::VerifyAuditRequest& r) const {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  const std::vector<std::string> anchors(r.anchors().begin(), r.anchors().end());
  return VerifyAudit(*tx, anchors, sealer_);
}

}  // namespace bestand
