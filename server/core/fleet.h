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

#include <cstdint>
#include <functional>
#include <memory>
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
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "bestand/v1/agent.pb.h"
#include "common/pki/cert.h"
#include "server/core/seal.h"
#include "server/storage/store.h"

namespace bestand {

// Bounds of one report: larger reports are refused with INVALID_ARGUMENT naming the field.
inline constexpr size_t kMaxReportBytes = 8 * 1024 * 1024;
inline constexpr int kMaxReportPackages = 50000;
inline constexpr int kMaxReportItems = 1024;  // disks, filesystems, interfaces, users, errors
inline constexpr size_t kMaxReportString = 1000;

struct FleetOptions {
  // What the server tells agents: report again after this many seconds.
  int report_interval_seconds = 3600;
  // The key of the seals over what agents report (seal.h); empty: a new random one (tests).
  std::string seal_key;
};

// An agent authenticated by its client certificate.
struct AgentIdentity {
  int64_t device_id = 0;
  std::string cert_serial;
};

// The ids of all stored packages by a 64-bit hash of their identity (source, name,
// architecture, version, publisher): the database keeps no index on those columns, which was as
// large as the table itself. Loaded at start; a lookup allocates nothing. Two different packages
// with equal hashes would share an id: with n packages the chance that any pair does is about
// n^2 / 2^65 (one in 37 million at a million distinct packages).
class PackageIndex {
 public:
  PackageIndex() : ids_(0, ByHash{&hashes_}, SameHash{&hashes_}) {}
  PackageIndex(const PackageIndex&) = delete;
  PackageIndex& operator=(const PackageIndex&) = delete;

  static uint64_t Hash(absl::string_view source, absl::string_view name,
                       absl::string_view architecture, absl::string_view version,
                       absl::string_view publisher);
  // The id of each hash, 0 where unknown.
  void Find(absl::Span<const uint64_t> hashes, absl::Span<int64_t> ids);
  int64_t Find(uint64_t hash);
  // Only committed packages may be added (ids below 2^32).
  absl::Status Add(uint64_t hash, int64_t id);

 private:
  struct Probe {
    uint64_t hash;
  };
  struct ByHash {
    using is_transparent = void;
    const std::vector<uint64_t>* hashes;
    size_t operator()(uint32_t id) const { return (*hashes)[id]; }
    size_t operator()(Probe p) const { return p.hash; }
  };
  struct SameHash {
    using is_transparent = void;
    const std::vector<uint64_t>* hashes;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, Probe b) const { return (*hashes)[a] == b.hash; }
    bool operator()(Probe a, uint32_t b) const { return a.hash == (*hashes)[b]; }
  };
  int64_t FindLocked(uint64_t hash) ABSL_SHARED_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::vector<uint64_t> hashes_ ABSL_GUARDED_BY(mu_);  // by package id
  absl::flat_hash_set<uint32_t, ByHash, SameHash> ids_ ABSL_GUARDED_BY(mu_);
};

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
  absl::Mutex mu_;
  std::unordered_map<int64_t, State> agents_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, AgentIdentity> certs_ ABSL_GUARDED_BY(mu_);
};

// What importing one machine's inventory file did.
struct InventoryImport {
  std::string device;  // "devices/{id}"
  bool created = false;
  int packages = 0;
  int changes = 0;  // installs, removals, upgrades recorded as history
};

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

  // Reports stored per transaction at most: bounds how long one commit keeps others waiting.
  static constexpr size_t kMaxBatch = 64;

  Store* store_;
  KeyAndCert ca_;
  FleetOptions options_;
  PackageIndex packages_;
  AgentRegistry registry_;
  Sealer sealer_;
  absl::Mutex queue_mu_;
  std::vector<std::unique_ptr<PendingReport>> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool writing_ ABSL_GUARDED_BY(queue_mu_) = false;  // a thread is in WriteQueued
};

// Debian's version ordering (epoch, upstream, revision; '~' sorts before everything): <0, 0, >0.
int CompareVersions(absl::string_view a, absl::string_view b);

// The audited state of an agent (see audit.h).
std::string AgentAuditJson(const AgentRecord& agent);
// The audit trail's name for a device's imported software ("software/{id}") and its audited
// state: the seal of the software set (see seal.h).
std::string SoftwareName(int64_t device_id);
std::string SoftwareAuditJson(absl::string_view seal);
v1::EnrollmentToken EnrollmentTokenFromRecord(const EnrollmentTokenRecord& r);

}  // namespace bestand
