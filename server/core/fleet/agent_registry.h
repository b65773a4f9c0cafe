// Enrolled agents in memory: whose certificate is whose, revocations, heartbeat times.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/storage/store.h"

namespace bestand {

// An agent authenticated by its client certificate.
struct AgentIdentity {
  int64_t device_id = 0;
  std::string cert_serial;
};

// OK when `who` presents the device's current certificate (or, after a renewal, the one
// before it) and the agent is not revoked; UNAUTHENTICATED otherwise.
absl::Status CheckAgent(const std::optional<AgentRecord>& agent, const AgentIdentity& who);

// Every enrolled agent's certificate serial, revocation and last report, in memory: checking an
// agent's certificate and answering a heartbeat need no database access. Heartbeat times are
// kept here and written in batches (Fleet::FlushLastSeen). Updated only after commits, while the
// committing transaction still holds the store's single writer, so updates happen in commit order.
class AgentRegistry {
 public:
  void Enrolled(const AgentRecord& agent);
  void Reported(int64_t device, const std::string& hash, int64_t micros);
  absl::Status Check(const AgentIdentity& who);
  // Records a heartbeat; returns the content hash the server holds for the device.
  absl::StatusOr<std::string> Seen(const AgentIdentity& who, int64_t micros);
  int64_t LastSeen(int64_t device);
  // Heartbeat times not yet written, as (device, micros); clears them.
  std::vector<std::pair<int64_t, int64_t>> TakeDirty();
  // Puts back what TakeDirty returned when writing it failed.
  void MarkDirty(const std::vector<std::pair<int64_t, int64_t>>& seen);
  std::optional<AgentIdentity> CertIdentity(const std::string& pem);
  void RememberCert(const std::string& pem, const AgentIdentity& who);

 private:
  struct State {
    std::string cert_serial, previous_cert_serial;
    bool revoked = false;
    std::string report_hash;
    int64_t last_seen = 0;
    bool dirty = false;
  };
  absl::Status CheckLocked(const AgentIdentity& who) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static constexpr size_t kMaxCerts = 100000;
  std::mutex mu_;
  std::unordered_map<int64_t, State> agents_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, AgentIdentity> certs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bestand
