#include "server/core/audited_state.h"

#include <memory>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bestand/v1/inventory.pb.h"
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

std::string CalendarLinkName(int64_t id) { return absl::StrCat("calendarLinks/", id); }

v1::Webhook WebhookFromRecord(const WebhookRecord& r) {
  v1::Webhook w;
  w.set_name(absl::StrCat("webhooks/", r.id));
  w.set_url(r.url_hint);
  w.set_language(r.language);
  for (int rule : r.rules) w.add_rules(static_cast<v1::NotificationRule>(rule));
  *w.mutable_create_time() = FromMicros(r.create_micros);
  return w;
}

std::string WebhookAuditJson(const WebhookRecord& r) {
  return absl::StrCat("{\"webhook\":", StateJson(WebhookFromRecord(r)), ",\"sealed_sha256\":\"",
                      Sha256Hex(absl::StrCat(r.url_sealed, "\n", r.secret_sealed)), "\"}");
}

v1::Connection ConnectionFromRecord(const ConnectionRecord& r) {
  v1::Connection c;
  c.set_application(absl::StrCat("applications/", r.application_id));
  c.set_protocol(static_cast<v1::Connection::Protocol>(r.protocol));
  c.set_url(r.url);
  c.set_flavor(static_cast<v1::Connection::Flavor>(r.flavor));
  c.set_bind_dn(r.bind_dn);
  c.set_base_dn(r.base_dn);
  c.set_disabled_ou(r.disabled_ou);
  c.set_users_ou(r.users_ou);
  c.set_login_pattern(r.login_pattern);
  c.set_lock_attribute(r.lock_attribute);
  c.set_ca_pem(r.ca_pem);
  c.set_allow_plaintext(r.allow_plaintext);
  c.set_has_secret(!r.secret_sealed.empty());
  *c.mutable_update_time() = FromMicros(r.update_micros);
  return c;
}

std::string ConnectionName(int64_t application_id) {
  return absl::StrCat("applications/", application_id, "/connection");
}

std::string ConnectionAuditJson(const ConnectionRecord& r) {
  return absl::StrCat("{\"connection\":", StateJson(ConnectionFromRecord(r)),
                      ",\"sealed_sha256\":\"", Sha256Hex(r.secret_sealed), "\"}");
}

std::string CalendarLinkAuditJson(const CalendarLinkRecord& r) {
  return absl::StrCat("{\"person\":\"people/", r.person_id, "\",\"secret_sha256_sha256\":\"",
                      Sha256Hex(r.secret_sha256), "\"}");
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
  // Calendar links were audited on their person ("calendar-link", "calendar-revoke"), which
  // then differed from the person's state: the person's state is recorded again, and each
  // link as what it is.
  BESTAND_ASSIGN_OR_RETURN(std::vector<CalendarLinkRecord> links, tx->ListCalendarLinks(0));
  std::set<int64_t> people;
  for (const CalendarLinkRecord& l : links) {
    people.insert(l.person_id);
    AuditQuery q;
    q.resource = CalendarLinkName(l.id);
    q.limit = 1;
    BESTAND_ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> last, tx->ListAudit(q));
    if (last.empty() && l.revoke_micros == 0) {
      BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, "system", "audit.format", CalendarLinkName(l.id), "",
                                          CalendarLinkAuditJson(l)));
    }
  }
  for (int64_t id : people) {
    AuditQuery q;
    q.resource = absl::StrCat("people/", id);
    q.limit = 1;
    BESTAND_ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> last, tx->ListAudit(q));
    v1::Person person;
    BESTAND_ASSIGN_OR_RETURN(bool found, tx->Get(Kind::kPerson, id, &person));
    if (!found || last.empty() ||
        (last[0].action() != "calendar-link" && last[0].action() != "calendar-revoke")) {
      continue;
    }
    BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, "system", "audit.format", q.resource, last[0].after(),
                                        AuditJson(Spec(Kind::kPerson), person)));
  }
  return tx->Commit();
}

}  // namespace bestand
