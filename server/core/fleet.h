// The agents' side of the inventory: enrollment tokens, enrollment (CSR -> client certificate
// bound to a device), reports and heartbeats, and the questions asked of what agents reported.
//
// Device identity: the agent certificate names the device. An enrollment gets a new device
// unless the coordinator bound its token to an existing one (and that device has no active
// agent): identity facts are not secret, so a machine claiming a known hardware UUID never
// takes a device over; duplicates show as findings. Firmware placeholders never identify
// anything. Serial numbers agents report are kept apart from those people record.
//
// Software is stored normalised: one row per distinct package, one compact row per device; only
// changes become history (the first report sets every package's first-seen time).
//
// Thread safety: safe for concurrent use; writes go through the store's single writer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "bestand/v1/agent.pb.h"
#include "common/pki/cert.h"
#include "server/core/fleet/agent_registry.h"
#include "server/core/fleet/package_index.h"
#include "server/core/fleet/report_checks.h"
#include "server/core/seal.h"
#include "server/storage/store.h"

namespace bestand {

struct FleetOptions {
  // What the server tells agents: report again after this many seconds.
  int report_interval_seconds = 3600;
  // The key of the seals over what agents report (seal.h); empty: a new random one (tests).
  std::string seal_key;
};

// What importing one machine's inventory file did.
struct InventoryImport {
  std::string device;  // "devices/{id}"
  bool created = false;
  int packages = 0;
  int changes = 0;  // installs, removals, upgrades recorded as history
};

// The devices, not retired, whose agent (or, without one, another tool's last inventory) was
// last seen before `cutoff_micros`, read in `tx`: what Fleet::ListStaleDevices lists.
// `heartbeat(device_id)`, when given, is a newer last-seen time not yet written to the store.
absl::StatusOr<v1::ListStaleDevicesResponse> StaleDevicesIn(
    ReadTx& tx, int64_t cutoff_micros, const std::function<int64_t(int64_t)>& heartbeat);

class Fleet {
 public:
  // `store` must outlive the fleet; `ca` signs agent certificates.
  Fleet(Store* store, KeyAndCert ca, FleetOptions options = {});
  // Waits for the reports being written.
  ~Fleet();

  // Loads the enrolled agents into memory; call once before serving.
  absl::Status Load();
  // Seals what agents reported before seals existed (a data directory whose seal key was just
  // created); records one audit event with the counts. Returns how many rows it sealed.
  absl::StatusOr<int64_t> SealUnsealed();
  const Sealer& sealer() const { return sealer_; }
  // Writes the heartbeat times received since the last flush (call every few seconds and at
  // shutdown; a crash loses at most that many seconds of "last seen").
  absl::Status FlushLastSeen();

  absl::StatusOr<v1::CreateEnrollmentTokenResponse> CreateEnrollmentToken(
      const std::string& actor, const v1::CreateEnrollmentTokenRequest& request);
  absl::StatusOr<v1::ListEnrollmentTokensResponse> ListEnrollmentTokens();
  // `name` is "enrollmentTokens/{id}" or the display name.
  absl::Status RevokeEnrollmentToken(const std::string& actor, const std::string& name);
  // Revokes the agent certificate of `device` (a resource name or natural key).
  absl::Status RevokeAgent(const std::string& actor, const std::string& device);

  // UNAUTHENTICATED for an unknown, used-up, expired or revoked token.
  absl::StatusOr<v1::EnrollResponse> Enroll(const std::string& token_secret,
                                            const v1::EnrollRequest& request);
  // Checks a presented client certificate: it must name a device whose current (or, after a
  // renewal, previous) unrevoked agent certificate has this serial. UNAUTHENTICATED otherwise.
  absl::StatusOr<AgentIdentity> AuthenticateAgent(const std::string& cert_pem);
  // Signs a new certificate for the agent's device; the one `who` presented stays valid until
  // it expires, the one before it no longer is.
  absl::StatusOr<v1::RenewCertificateResponse> RenewCertificate(
      const AgentIdentity& who, const v1::RenewCertificateRequest& request);

  using ReportDone = std::function<void(absl::StatusOr<v1::ReportResponse>)>;
  // Checks a report on the calling thread and queues it. Group commit: when no thread is
  // writing reports, the caller becomes the writer and stores what is queued, one transaction
  // per batch (each report in a savepoint of its own, so a bad one fails alone), until the
  // queue is empty; reports arriving meanwhile only queue and return. `done` runs once the
  // report is committed or refused, possibly on another caller's thread; `request` must stay
  // alive until then.
  void Report(const AgentIdentity& agent, const v1::ReportRequest& request, ReportDone done);
  // The same, waiting for the result.
  absl::StatusOr<v1::ReportResponse> Report(const AgentIdentity& agent,
                                            const v1::ReportRequest& request);
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const AgentIdentity& agent,
                                                  const v1::HeartbeatRequest& request);
  // One machine's inventory from another tool (a GLPI or FusionInventory agent's file), matched
  // to a stored device by hardware UUID, machine-id, then a clean serial number, or created; its
  // software goes through the same normalised storage and history as agent reports.
  absl::StatusOr<InventoryImport> ImportInventory(const std::string& actor,
                                                  const v1::InventoryReport& report, bool dry_run);

  absl::StatusOr<v1::DeviceInventory> GetDeviceInventory(const v1::GetDeviceInventoryRequest& r);
  absl::StatusOr<v1::ListSoftwareChangesResponse> ListSoftwareChanges(
      const v1::ListSoftwareChangesRequest& r);
  absl::StatusOr<v1::SearchSoftwareResponse> SearchSoftware(const v1::SearchSoftwareRequest& r);
  absl::StatusOr<v1::ListStaleDevicesResponse> ListStaleDevices(
      const v1::ListStaleDevicesRequest& r);

 private:
  struct PendingReport;
  // Writes batches of queued reports until none is left; answers each report.
  void WriteQueued();
  void WriteBatch(std::vector<std::unique_ptr<PendingReport>>& batch);
  // Stores one report inside the writer's transaction. `batch_packages` holds the packages
  // stored by the reports before it in the same transaction.
  absl::Status StoreReport(WriteTx& tx, PendingReport& report,
                           const absl::flat_hash_map<uint64_t, int64_t>& batch_packages);
  // The id of each package of `report` (`ids` holds those known already, 0 elsewhere): from the
  // index, from `batch_packages`, or stored now and added to `stored`.
  absl::Status ResolvePackages(WriteTx& tx, const v1::InventoryReport& report,
                               const std::vector<uint64_t>& hashes,
                               const absl::flat_hash_map<uint64_t, int64_t>& batch_packages,
                               std::vector<int64_t>& ids,
                               absl::flat_hash_map<uint64_t, int64_t>* stored);

  // Stores an imported inventory's software for `device` (see ResolvePackages for the ids)
  // with its seal; the number of installs, removals and upgrades recorded.
  absl::StatusOr<int> ImportSoftware(WriteTx& tx, const std::string& actor, int64_t device,
                                     const v1::InventoryReport& report,
                                     const std::vector<uint64_t>& hashes, std::vector<int64_t>& ids,
                                     int64_t now_micros,
                                     absl::flat_hash_map<uint64_t, int64_t>* stored);

  // Reports stored per transaction at most: bounds how long one commit keeps others waiting.
  static constexpr size_t kMaxBatch = 64;

  Store* store_;
  KeyAndCert ca_;
  FleetOptions options_;
  PackageIndex packages_;
  AgentRegistry registry_;
  Sealer sealer_;
  std::mutex queue_mu_;
  std::vector<std::unique_ptr<PendingReport>> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool writing_ ABSL_GUARDED_BY(queue_mu_) = false;  // a thread is in WriteQueued
  std::condition_variable idle_;                     // notified when writing_ becomes false
};

}  // namespace bestand
