#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "bestand/v1/inventory.pb.h"
#include "common/crypto.h"
#include "common/pki/cert.h"
#include "common/report_hash.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "server/core/audit.h"
#include "server/core/audited_state.h"
#include "server/core/fleet.h"
#include "server/core/fleet/device_facts.h"
#include "server/core/fleet/report_checks.h"
#include "server/core/fleet/software_store.h"
#include "server/core/fleet/versions.h"
#include "server/core/inventory.h"
#include "server/pki/ca.h"

namespace bestand {
namespace {

constexpr int kMaxEnrollmentUses = 10000;
constexpr int64_t kMaxEnrollmentTtlSeconds = 30 * 24 * 3600;

absl::StatusOr<int64_t> ExpiryMicros(const IssuedCert& cert) {
  BESTAND_ASSIGN_OR_RETURN(int64_t seconds, CertExpirySeconds(cert.cert_pem));
  return seconds * 1000000;
}

}  // namespace

absl::StatusOr<v1::CreateEnrollmentTokenResponse> Fleet::CreateEnrollmentToken(
    const std::string& actor, const v1::CreateEnrollmentTokenRequest& req) {
  const v1::EnrollmentToken& t = req.token();
  std::string name(absl::StripAsciiWhitespace(t.display_name()));
  if (name.empty()) name = absl::StrCat("enrollment ", FormatIsoDate(TodayUtc()));
  if (Utf8Length(name) > 100 || !IsValidUtf8(name)) {
    return absl::InvalidArgumentError("display_name: at most 100 characters");
  }
  int32_t uses = t.max_uses() ? t.max_uses() : 1;
  if (uses < 1 || uses > kMaxEnrollmentUses) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_uses: ", uses, " is out of range 1..", kMaxEnrollmentUses));
  }
  const int64_t now = NowMicros();
  const int64_t now_seconds = now / 1000000;
  // Checked before any arithmetic, so no input can overflow it.
  if (req.ttl_seconds() < 0 || req.ttl_seconds() > kMaxEnrollmentTtlSeconds ||
      (t.has_expire_time() &&
       (t.expire_time().seconds() <= now_seconds ||
        t.expire_time().seconds() > now_seconds + kMaxEnrollmentTtlSeconds))) {
    return absl::InvalidArgumentError("ttl_seconds: the token must expire within 30 days");
  }
  int64_t expire = t.has_expire_time()
                       ? ToMicros(t.expire_time())
                       : now + (req.ttl_seconds() ? req.ttl_seconds() : 86400) * 1000000;
  if (!t.device().empty() && uses != 1) {
    return absl::InvalidArgumentError(
        "max_uses: a token bound to a device is good for one enrollment");
  }
  BESTAND_ASSIGN_OR_RETURN(std::string random, RandomToken(32));
  std::string secret = absl::StrCat("bse_", random);
  EnrollmentTokenRecord rec{0, name, Sha256Hex(secret), uses, 0, expire, now, 0};
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  if (!t.device().empty()) {
    absl::StatusOr<int64_t> device = ResolveName(*tx, Kind::kDevice, t.device());
    if (!device.ok())
      return FieldError(device.status().code(), "device", device.status().message());
    rec.device_id = *device;
  }
  BESTAND_ASSIGN_OR_RETURN(rec.id, tx->InsertEnrollmentToken(rec));
  v1::CreateEnrollmentTokenResponse resp;
  *resp.mutable_token() = EnrollmentTokenFromRecord(rec);
  BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, actor, "enrollmentToken.create", resp.token().name(), "",
                                      EnrollmentTokenAuditJson(rec)));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  resp.set_secret(std::move(secret));
  return resp;
}

absl::StatusOr<v1::ListEnrollmentTokensResponse> Fleet::ListEnrollmentTokens() {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(std::vector<EnrollmentTokenRecord> tokens, tx->ListEnrollmentTokens());
  v1::ListEnrollmentTokensResponse resp;
  for (const auto& t : tokens) *resp.add_tokens() = EnrollmentTokenFromRecord(t);
  return resp;
}

absl::Status Fleet::RevokeEnrollmentToken(const std::string& actor, const std::string& name) {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(std::vector<EnrollmentTokenRecord> tokens, tx->ListEnrollmentTokens());
  for (EnrollmentTokenRecord& t : tokens) {
    if (absl::StrCat("enrollmentTokens/", t.id) != name && t.display_name != name) continue;
    if (t.revoke_micros != 0) return absl::OkStatus();
    std::string before = EnrollmentTokenAuditJson(t);
    t.revoke_micros = NowMicros();
    BESTAND_RETURN_IF_ERROR(tx->PutEnrollmentToken(t));
    BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, actor, "enrollmentToken.revoke",
                                        absl::StrCat("enrollmentTokens/", t.id), before,
                                        EnrollmentTokenAuditJson(t)));
    return tx->Commit();
  }
  return absl::NotFoundError(absl::StrCat("enrollment token '", name, "' not found"));
}

absl::Status Fleet::RevokeAgent(const std::string& actor, const std::string& device) {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(int64_t id, ResolveName(*tx, Kind::kDevice, device));
  BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> agent, tx->GetAgent(id));
  if (!agent) {
    return absl::FailedPreconditionError(absl::StrCat(DeviceName(id), " has no enrolled agent"));
  }
  if (agent->revoke_micros != 0) return absl::OkStatus();
  std::string before = AgentAuditJson(*agent);
  agent->revoke_micros = NowMicros();
  BESTAND_RETURN_IF_ERROR(PutSealedAgent(*tx, sealer_, *agent));
  BESTAND_RETURN_IF_ERROR(
      RecordAudit(*tx, actor, "agent.revoke", AgentName(id), before, AgentAuditJson(*agent)));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  registry_.Enrolled(*agent);
  return absl::OkStatus();
}

absl::StatusOr<v1::EnrollResponse> Fleet::Enroll(const std::string& secret,
                                                 const v1::EnrollRequest& req) {
  if (req.csr_pem().size() > 16384) return absl::InvalidArgumentError("csr_pem: too large");
  for (const std::string* f :
       {&req.hostname(), &req.machine_id(), &req.hardware_uuid(), &req.serial_number()}) {
    if (f->size() > kMaxReportString || !IsValidUtf8(*f)) {
      return absl::InvalidArgumentError("enrollment facts: too long or not UTF-8");
    }
  }
  const std::string hash = Sha256Hex(secret);
  const int64_t now = NowMicros();
  // The token is checked first in a read transaction, so callers without a valid token never
  // hold up the single writer; the write transaction checks it again.
  auto find_token = [&](ReadTx& tx) -> absl::StatusOr<EnrollmentTokenRecord> {
    BESTAND_ASSIGN_OR_RETURN(std::vector<EnrollmentTokenRecord> tokens, tx.ListEnrollmentTokens());
    auto token = std::find_if(tokens.begin(), tokens.end(),
                              [&](const auto& t) { return t.secret_sha256 == hash; });
    if (secret.empty() || token == tokens.end()) {
      return absl::UnauthenticatedError("unknown enrollment token");
    }
    if (token->revoke_micros != 0 || token->expire_micros <= now) {
      return absl::UnauthenticatedError(
          absl::StrCat("enrollment token '", token->display_name, "' has expired or was revoked"));
    }
    if (token->uses >= token->max_uses) {
      return absl::UnauthenticatedError(absl::StrCat("enrollment token '", token->display_name,
                                                     "' is used up (", token->max_uses, " uses)"));
    }
    return *token;
  };
  {
    BESTAND_ASSIGN_OR_RETURN(auto rtx, store_->BeginRead());
    BESTAND_RETURN_IF_ERROR(find_token(*rtx).status());
  }
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(EnrollmentTokenRecord token_record, find_token(*tx));
  EnrollmentTokenRecord* token = &token_record;
  const std::string actor = absl::StrCat("enrollment:", token->display_name);

  // Identity facts are not secret: whoever claims a known machine's hardware UUID gets a device
  // of its own (a "possible duplicate device" finding), unless the coordinator bound the token
  // to the device this machine is.
  std::optional<int64_t> device_id;
  if (token->device_id) {
    device_id = token->device_id;
    BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> active, tx->GetAgent(*device_id));
    if (active && active->revoke_micros == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(DeviceName(*device_id),
                       " has an active agent; if this machine replaces it (re-imaged), run "
                       "'bestand agent revoke ",
                       DeviceName(*device_id), "' first"));
    }
    v1::Device before;
    BESTAND_ASSIGN_OR_RETURN(bool found, tx->Get(Kind::kDevice, *device_id, &before));
    if (!found) return absl::NotFoundError(absl::StrCat(DeviceName(*device_id), " is gone"));
    v1::Device after = before;
    after.set_hardware_uuid(CleanUuid(req.hardware_uuid()));
    after.set_machine_id(CleanMachineId(req.machine_id()));
    if (!req.hostname().empty()) after.set_hostname(Clamp(req.hostname()));
    after.set_reported_serial_number(Clamp(CleanSerial(req.serial_number())));
    BESTAND_RETURN_IF_ERROR(SaveDevice(*tx, actor, *device_id, before, std::move(after)));
  } else {
    v1::Device d;
    d.set_hostname(Clamp(req.hostname()));
    d.set_status(v1::Device::IN_STOCK);
    d.set_currency("EUR");
    d.set_hardware_uuid(CleanUuid(req.hardware_uuid()));
    d.set_machine_id(CleanMachineId(req.machine_id()));
    d.set_reported_serial_number(Clamp(CleanSerial(req.serial_number())));
    *d.mutable_create_time() = FromMicros(now);
    *d.mutable_update_time() = FromMicros(now);
    BESTAND_ASSIGN_OR_RETURN(int64_t id, tx->Insert(Kind::kDevice, d));
    d.set_name(DeviceName(id));
    BESTAND_RETURN_IF_ERROR(
        RecordAudit(*tx, actor, "create", d.name(), "", AuditJson(Spec(Kind::kDevice), d)));
    device_id = id;
  }
  BESTAND_ASSIGN_OR_RETURN(IssuedCert cert,
                           SignClientCsr(ca_, req.csr_pem(), DeviceName(*device_id)));

  BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> existing, tx->GetAgent(*device_id));
  AgentRecord agent = existing.value_or(AgentRecord{});
  std::string before = existing ? AgentAuditJson(*existing) : "";
  agent.device_id = *device_id;
  agent.cert_serial = cert.serial_hex;
  BESTAND_ASSIGN_OR_RETURN(agent.cert_expire_micros, ExpiryMicros(cert));
  agent.previous_cert_serial.clear();
  agent.enroll_micros = now;
  agent.revoke_micros = 0;
  agent.report_hash.clear();  // the first report after enrolling is always a full one
  BESTAND_RETURN_IF_ERROR(PutSealedAgent(*tx, sealer_, agent));
  BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, actor, "agent.enroll", AgentName(*device_id), before,
                                      AgentAuditJson(agent)));
  std::string token_before = EnrollmentTokenAuditJson(*token);
  ++token->uses;
  BESTAND_RETURN_IF_ERROR(tx->PutEnrollmentToken(*token));
  BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, actor, "enrollmentToken.use",
                                      absl::StrCat("enrollmentTokens/", token->id), token_before,
                                      EnrollmentTokenAuditJson(*token)));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  registry_.Enrolled(agent);
  v1::EnrollResponse resp;
  resp.set_certificate_pem(cert.cert_pem);
  resp.set_ca_pem(ca_.cert_pem);
  resp.set_device(DeviceName(*device_id));
  return resp;
}

absl::StatusOr<v1::RenewCertificateResponse> Fleet::RenewCertificate(
    const AgentIdentity& who, const v1::RenewCertificateRequest& req) {
  if (req.csr_pem().size() > 16384) return absl::InvalidArgumentError("csr_pem: too large");
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> agent, tx->GetAgent(who.device_id));
  BESTAND_RETURN_IF_ERROR(CheckAgent(agent, who));
  BESTAND_ASSIGN_OR_RETURN(IssuedCert cert,
                           SignClientCsr(ca_, req.csr_pem(), DeviceName(who.device_id)));
  const std::string before = AgentAuditJson(*agent);
  // The certificate the call came with stays valid: should this answer be lost, the agent still
  // holds a certificate that can renew again.
  agent->previous_cert_serial = who.cert_serial;
  agent->cert_serial = cert.serial_hex;
  BESTAND_ASSIGN_OR_RETURN(agent->cert_expire_micros, ExpiryMicros(cert));
  BESTAND_RETURN_IF_ERROR(PutSealedAgent(*tx, sealer_, *agent));
  BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, absl::StrCat("agent:", DeviceName(who.device_id)),
                                      "agent.renew", AgentName(who.device_id), before,
                                      AgentAuditJson(*agent)));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  registry_.Enrolled(*agent);
  v1::RenewCertificateResponse resp;
  resp.set_certificate_pem(cert.cert_pem);
  return resp;
}

absl::StatusOr<AgentIdentity> Fleet::AuthenticateAgent(const std::string& cert_pem) {
  if (cert_pem.empty()) {
    return absl::UnauthenticatedError(
        "no client certificate: agents report over mTLS after 'bestand-agent enroll'");
  }
  // TLS already verified the certificate against our CA; what remains is whose it is and whether
  // it is still that device's current one, both answered from memory.
  std::optional<AgentIdentity> who = registry_.CertIdentity(cert_pem);
  if (!who) {
    auto subject = CertSubjectAndSerial(cert_pem);
    if (!subject.ok()) return absl::UnauthenticatedError("unreadable client certificate");
    int64_t id = 0;
    absl::string_view cn = subject->first;
    if (!absl::ConsumePrefix(&cn, "devices/") || !absl::SimpleAtoi(cn, &id)) {
      return absl::UnauthenticatedError("the client certificate does not name a device");
    }
    who = AgentIdentity{id, subject->second};
    registry_.RememberCert(cert_pem, *who);
  }
  BESTAND_RETURN_IF_ERROR(registry_.Check(*who));
  return *who;
}

}  // namespace bestand
