#include "server/core/audit.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/status_macros.h"
#include "common/time.h"

namespace bestand {

const std::string kZeroAuditHash(64, '0');

std::string AuditHash(const v1::AuditEvent& e) {
  // Length-prefixed fields: no two different events encode to the same bytes.
  std::string buf;
  auto add = [&buf](absl::string_view s) { absl::StrAppend(&buf, s.size(), ":", s, ";"); };
  add(absl::StrCat(e.sequence()));
  add(absl::StrCat(ToMicros(e.time())));
  add(e.actor());
  add(e.action());
  add(e.resource());
  add(e.before());
  add(e.after());
  add(e.prev_hash());
  return Sha256Hex(buf);
}

absl::Status RecordAudit(WriteTx& tx, absl::string_view actor, absl::string_view action,
                         absl::string_view resource, std::string before, std::string after) {
  BESTAND_ASSIGN_OR_RETURN(std::optional<v1::AuditEvent> last, tx.LastAudit());
  v1::AuditEvent e;
  e.set_sequence(last ? last->sequence() + 1 : 1);
  *e.mutable_time() = FromMicros(NowMicros());
  e.set_actor(std::string(actor));
  e.set_action(std::string(action));
  e.set_resource(std::string(resource));
  e.set_before(std::move(before));
  e.set_after(std::move(after));
  e.set_prev_hash(last ? last->hash() : kZeroAuditHash);
  e.set_hash(AuditHash(e));
  return tx.AppendAudit(e);
}

}  // namespace bestand
