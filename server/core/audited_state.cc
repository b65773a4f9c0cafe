#include "server/core/audited_state.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "google/protobuf/util/json_util.h"
#include "server/core/audit.h"

namespace bestand {
namespace {

using google::protobuf::Message;

// `json` (an object) with the SHA-256 of a stored secret hash added: the audited state then
// covers the whole hash, while the trail shows neither the secret nor the hash it is checked by.
std::string WithSecretDigest(std::string json, absl::string_view secret_sha256) {
  json.pop_back();  // '}'
  return absl::StrCat(json, json.size() > 1 ? "," : "", "\"secret_digest\":\"",
                      Sha256Hex(secret_sha256), "\"}");
}

std::string LegacyTokenAuditJson(const TokenRecord& record) {
  v1::Token t = TokenFromRecord(record);
  t.clear_last_used_time();
  return StateJson(t);
}

std::string LegacyEnrollmentTokenAuditJson(const EnrollmentTokenRecord& record) {
  return StateJson(EnrollmentTokenFromRecord(record));
}

// Appends a format change for `resource` when its last audited state is `legacy` (the record
// was consistent under the former format) and the current format says more.
absl::Status Reaudit(WriteTx& tx, const std::string& resource, const std::string& legacy,
                     const std::string& current) {
  if (legacy == current) return absl::OkStatus();
  AuditQuery q;
  q.resource = resource;
  q.limit = 1;
  BESTAND_ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> last, tx.ListAudit(q));
  if (last.empty() || last[0].after() != legacy) return absl::OkStatus();
  return RecordAudit(tx, "system", "audit.format", resource, legacy, current);
}

}  // namespace

std::string StateJson(const Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  // Printing a valid generated message cannot fail.
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

std::string AuditJson(const ResourceSpec& spec, const Message& resource) {
  if (spec.computed.empty()) return StateJson(resource);
  std::unique_ptr<Message> copy(resource.New());
  copy->CopyFrom(resource);
  for (absl::string_view f : spec.computed) {
    copy->GetReflection()->ClearField(copy.get(), spec.descriptor->FindFieldByName(std::string(f)));
  }
  return StateJson(*copy);
}

v1::Token TokenFromRecord(const TokenRecord& r) {
  v1::Token t;
  t.set_name(absl::StrCat("tokens/", r.id));
  t.set_display_name(r.display_name);
  t.set_role(r.role);
  *t.mutable_create_time() = FromMicros(r.create_micros);
  if (r.revoke_micros) *t.mutable_revoke_time() = FromMicros(r.revoke_micros);
  if (r.last_used_micros) *t.mutable_last_used_time() = FromMicros(r.last_used_micros);
  t.set_fingerprint(r.secret_sha256.substr(0, 12));
  if (r.vendor_id) t.set_vendor(absl::StrCat("vendors/", r.vendor_id));
  if (r.expire_micros) *t.mutable_expire_time() = FromMicros(r.expire_micros);
  t.set_sign_in_link(r.sign_in_link);
  return t;
}

v1::EnrollmentToken EnrollmentTokenFromRecord(const EnrollmentTokenRecord& r) {
  v1::EnrollmentToken t;
  t.set_name(absl::StrCat("enrollmentTokens/", r.id));
  t.set_display_name(r.display_name);
  t.set_max_uses(r.max_uses);
  t.set_uses(r.uses);
  *t.mutable_expire_time() = FromMicros(r.expire_micros);
  *t.mutable_create_time() = FromMicros(r.create_micros);
  if (r.revoke_micros) *t.mutable_revoke_time() = FromMicros(r.revoke_micros);
  if (r.device_id) t.set_device(DeviceName(r.device_id));
  return t;
}

std::string TokenAuditJson(const TokenRecord& record) {
  return WithSecretDigest(LegacyTokenAuditJson(record), record.secret_sha256);
}

std::string EnrollmentTokenAuditJson(const EnrollmentTokenRecord& record) {
  return WithSecretDigest(LegacyEnrollmentTokenAuditJson(record), record.secret_sha256);
}

std::string AgentAuditJson(const AgentRecord& a) {
  // Only what decides who may report: certificate and revocation, not the reports themselves.
  return absl::StrCat("{\"device\":\"", DeviceName(a.device_id), "\",\"cert_serial\":\"",
                      a.cert_serial, "\",\"previous_cert_serial\":\"", a.previous_cert_serial,
                      "\",\"enroll_micros\":", a.enroll_micros,
                      ",\"revoke_micros\":", a.revoke_micros, "}");
}

std::string DeviceName(int64_t id) { return absl::StrCat("devices/", id); }
std::string AgentName(int64_t id) { return absl::StrCat("agents/", id); }
std::string SoftwareName(int64_t device_id) { return absl::StrCat("software/", device_id); }

std::string SoftwareAuditJson(absl::string_view seal) {
  return absl::StrCat("{\"seal\":\"", seal, "\"}");
}

absl::Status UpgradeAuditFormats(Store* store) {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(std::vector<TokenRecord> tokens, tx->ListTokens());
  for (const TokenRecord& t : tokens) {
    BESTAND_RETURN_IF_ERROR(
        Reaudit(*tx, absl::StrCat("tokens/", t.id), LegacyTokenAuditJson(t), TokenAuditJson(t)));
  }
  BESTAND_ASSIGN_OR_RETURN(std::vector<EnrollmentTokenRecord> enrollment,
                           tx->ListEnrollmentTokens());
  for (const EnrollmentTokenRecord& t : enrollment) {
    BESTAND_RETURN_IF_ERROR(Reaudit(*tx, absl::StrCat("enrollmentTokens/", t.id),
                                    LegacyEnrollmentTokenAuditJson(t),
                                    EnrollmentTokenAuditJson(t)));
  }
  return tx->Commit();
}

}  // namespace bestand
