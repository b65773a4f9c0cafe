#include "server/core/fleet/agent_registry.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace bestand {
namespace {

// The device's current certificate, or the one before its last renewal.
bool ValidSerial(const std::string& serial, const std::string& current,
                 const std::string& previous) {
  return serial == current || (!previous.empty() && serial == previous);
}

}  // namespace

absl::Status CheckAgent(const std::optional<AgentRecord>& agent, const AgentIdentity& who) {
  if (!agent || !ValidSerial(who.cert_serial, agent->cert_serial, agent->previous_cert_serial)) {
    return absl::UnauthenticatedError(
        "this agent certificate is no longer valid for the device; enroll again");
  }
  if (agent->revoke_micros != 0) {
    return absl::UnauthenticatedError("this device's agent was revoked; enroll again");
  }
  return absl::OkStatus();
}

void AgentRegistry::Enrolled(const AgentRecord& a) {
  std::lock_guard<std::mutex> lock(mu_);
  State& s = agents_[a.device_id];
  s.cert_serial = a.cert_serial;
  s.previous_cert_serial = a.previous_cert_serial;
  s.revoked = a.revoke_micros != 0;
  s.report_hash = a.report_hash;
  s.last_seen = std::max(s.last_seen, a.last_seen_micros);
}

void AgentRegistry::Reported(int64_t device, const std::string& hash, int64_t micros) {
  std::lock_guard<std::mutex> lock(mu_);
  State& s = agents_[device];
  s.report_hash = hash;
  // A heartbeat that arrived meanwhile stays dirty; the database never goes backwards.
  s.last_seen = std::max(s.last_seen, micros);
}

void AgentRegistry::MarkDirty(const std::vector<std::pair<int64_t, int64_t>>& seen) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [device, micros] : seen) {
    State& s = agents_[device];
    s.last_seen = std::max(s.last_seen, micros);
    s.dirty = true;
  }
}

absl::Status AgentRegistry::Check(const AgentIdentity& who) {
  std::lock_guard<std::mutex> lock(mu_);
  return CheckLocked(who);
}

absl::Status AgentRegistry::CheckLocked(const AgentIdentity& who) {
  auto it = agents_.find(who.device_id);
  if (it == agents_.end() ||
      !ValidSerial(who.cert_serial, it->second.cert_serial, it->second.previous_cert_serial)) {
    return absl::UnauthenticatedError(
        "this agent certificate is no longer valid for the device; enroll again");
  }
  if (it->second.revoked) {
    return absl::UnauthenticatedError("this device's agent was revoked; enroll again");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> AgentRegistry::Seen(const AgentIdentity& who, int64_t micros) {
  std::lock_guard<std::mutex> lock(mu_);
  BESTAND_RETURN_IF_ERROR(CheckLocked(who));
  State& s = agents_[who.device_id];
  s.last_seen = micros;
  s.dirty = true;
  return s.report_hash;
}

int64_t AgentRegistry::LastSeen(int64_t device) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = agents_.find(device);
  return it == agents_.end() ? 0 : it->second.last_seen;
}

std::vector<std::pair<int64_t, int64_t>> AgentRegistry::TakeDirty() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<int64_t, int64_t>> out;
  for (auto& [device, s] : agents_) {
    if (!s.dirty) continue;
    out.emplace_back(device, s.last_seen);
    s.dirty = false;
  }
  return out;
}

std::optional<AgentIdentity> AgentRegistry::CertIdentity(const std::string& pem) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = certs_.find(pem);
  if (it == certs_.end()) return std::nullopt;
  return it->second;
}

void AgentRegistry::RememberCert(const std::string& pem, const AgentIdentity& who) {
  std::lock_guard<std::mutex> lock(mu_);
  // Bounded: a fleet's certificates fit; past that, certificates are parsed per call.
  if (certs_.size() < kMaxCerts) certs_.emplace(pem, who);
}

}  // namespace bestand
