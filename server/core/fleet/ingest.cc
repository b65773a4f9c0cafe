#include <algorithm>
#include <condition_variable>
#include <future>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "bestand/v1/inventory.pb.h"
#include "common/crypto.h"
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

struct Fleet::PendingReport {
  AgentIdentity who;
  const v1::ReportRequest* request = nullptr;
  std::string hash;              // the content hash acknowledged to the agent
  std::string facts;             // the report without its software, serialized
  std::vector<uint64_t> hashes;  // of each package
  std::vector<int64_t> ids;      // of each package, 0 where not yet known
  ReportDone done;
  int64_t now = 0;                                // when it was stored
  absl::flat_hash_map<uint64_t, int64_t> stored;  // packages new with this report
  bool attempted = false;  // StoreReport ran (and `result` holds its outcome)
  absl::StatusOr<v1::ReportResponse> result;
};

Fleet::Fleet(Store* store, KeyAndCert ca, FleetOptions options)
    : store_(store),
      ca_(std::move(ca)),
      options_(options),
      sealer_(options.seal_key.empty() ? *RandomBytes(32) : options.seal_key) {}

Fleet::~Fleet() {
  std::unique_lock<std::mutex> lock(queue_mu_);
  idle_.wait(lock, [this] { return !writing_; });
}

void Fleet::Report(const AgentIdentity& who, const v1::ReportRequest& req, ReportDone done) {
  if (absl::Status s = ValidateMessage(req.report(), ""); !s.ok()) return done(s);
  const v1::InventoryReport facts = FactsOf(req.report());
  size_t text_bytes = 0;
  std::vector<uint64_t> hashes = HashPackages(req.report(), &text_bytes);
  // The report's size: an upper bound from sizes at hand (a package encodes its text and at most
  // kPackageOverhead bytes of tags, lengths and time) decides nearly every report; only a report
  // near the limit is measured exactly, which walks every package again. Unknown fields are
  // left out of the bound: they are never stored, and gRPC bounds the whole message.
  constexpr size_t kPackageOverhead = 64;
  const size_t bound = req.content_hash().size() + 16 + facts.ByteSizeLong() + text_bytes +
                       kPackageOverhead * hashes.size();
  if (bound > kMaxReportBytes && req.ByteSizeLong() > kMaxReportBytes) {
    return done(absl::InvalidArgumentError(
        absl::StrCat("report: ", req.ByteSizeLong(), " bytes; at most ", kMaxReportBytes)));
  }
  auto job = std::make_unique<PendingReport>();
  job->facts = facts.SerializeAsString();
  job->hashes = std::move(hashes);
  job->who = who;
  job->request = &req;
  job->done = std::move(done);
  // The agent's hash is taken when it is well formed: it only decides when that agent's own
  // device is sent in full again, so a wrong one harms nobody else. Computing it costs a copy
  // and a serialisation of the whole report.
  job->hash = req.content_hash().size() == 64 &&
                      req.content_hash().find_first_not_of("0123456789abcdef") == std::string::npos
                  ? req.content_hash()
                  : ReportContentHash(req.report());
  // Packages are looked up here, off the writer's thread; the writer looks up again only those
  // still unknown, which another report may have stored meanwhile.
  job->ids.resize(job->hashes.size());
  packages_.Find(job->hashes, absl::MakeSpan(job->ids));
  if (absl::Status s = CheckNewPackages(req.report(), job->ids); !s.ok()) return job->done(s);
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    queue_.push_back(std::move(job));
    if (writing_) return;  // the thread writing now takes it with its next batch
    writing_ = true;
  }
  WriteQueued();
}

absl::StatusOr<v1::ReportResponse> Fleet::Report(const AgentIdentity& who,
                                                 const v1::ReportRequest& req) {
  std::promise<absl::StatusOr<v1::ReportResponse>> result;
  std::future<absl::StatusOr<v1::ReportResponse>> answer = result.get_future();
  Report(who, req, [&](absl::StatusOr<v1::ReportResponse> r) { result.set_value(std::move(r)); });
  return answer.get();
}

void Fleet::WriteQueued() {
  while (true) {
    std::vector<std::unique_ptr<PendingReport>> batch;
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      if (queue_.empty()) {
        writing_ = false;
        idle_.notify_all();
        return;
      }
      size_t take = std::min(queue_.size(), kMaxBatch);
      std::move(queue_.begin(), queue_.begin() + take, std::back_inserter(batch));
      queue_.erase(queue_.begin(), queue_.begin() + take);
    }
    WriteBatch(batch);
    for (auto& job : batch) job->done(std::move(job->result));
  }
}

void Fleet::WriteBatch(std::vector<std::unique_ptr<PendingReport>>& batch) {
  absl::Status s = [&]() -> absl::Status {
    BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
    absl::flat_hash_map<uint64_t, int64_t> batch_packages;
    for (auto& job : batch) {
      absl::Status stored = tx->Nested([&] { return StoreReport(*tx, *job, batch_packages); });
      job->attempted = true;
      if (!stored.ok()) {
        job->result = stored;
        continue;
      }
      batch_packages.insert(job->stored.begin(), job->stored.end());
    }
    BESTAND_RETURN_IF_ERROR(tx->Commit());
    // Only committed ids enter the index and the registry, while `tx` still holds the single
    // writer, so they change in commit order.
    for (auto& job : batch) {
      if (!job->result.ok()) continue;
      for (const auto& [package_hash, id] : job->stored) {
        if (absl::Status added = packages_.Add(package_hash, id); !added.ok()) {
          job->result = added;
        }
      }
      registry_.Reported(job->who.device_id, job->hash, job->now);
    }
    return absl::OkStatus();
  }();
  if (s.ok()) return;
  // The transaction failed: reports stored in it, or never tried, share its error.
  for (auto& job : batch) {
    if (job->result.ok() || !job->attempted) job->result = s;
  }
}

absl::Status Fleet::ResolvePackages(WriteTx& tx, const v1::InventoryReport& report,
                                    const std::vector<uint64_t>& hashes,
                                    const absl::flat_hash_map<uint64_t, int64_t>& batch_packages,
                                    std::vector<int64_t>& ids,
                                    absl::flat_hash_map<uint64_t, int64_t>* stored) {
  for (int i = 0; i < report.software_size(); ++i) {
    const v1::SoftwarePackage& p = report.software(i);
    int64_t& id = ids[i];
    if (id == 0) id = packages_.Find(hashes[i]);
    if (id == 0) {
      auto in_batch = batch_packages.find(hashes[i]);
      if (in_batch != batch_packages.end()) id = in_batch->second;
    }
    if (id == 0) {
      auto [it, inserted] = stored->try_emplace(hashes[i], 0);
      if (inserted) {
        BESTAND_ASSIGN_OR_RETURN(
            it->second, tx.InsertPackage({0, p.source(), p.name(), p.architecture(), p.version(),
                                          p.publisher()}));
        if (it->second > UINT32_MAX) {
          return absl::ResourceExhaustedError("more than 2^32 distinct packages are stored");
        }
      }
      id = it->second;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Fleet::ImportSoftware(WriteTx& tx, const std::string& actor, int64_t device,
                                          const v1::InventoryReport& report,
                                          const std::vector<uint64_t>& hashes,
                                          std::vector<int64_t>& ids, int64_t now_micros,
                                          absl::flat_hash_map<uint64_t, int64_t>* stored) {
  BESTAND_RETURN_IF_ERROR(ResolvePackages(tx, report, hashes, {}, ids, stored));
  BESTAND_ASSIGN_OR_RETURN(auto before, tx.ListSoftwareEvents(device, 0, 1));
  BESTAND_ASSIGN_OR_RETURN(std::optional<DeviceSoftwareRecord> old_software,
                           tx.GetDeviceSoftware(device));
  BESTAND_ASSIGN_OR_RETURN(std::string seal,
                           StoreSoftware(tx, sealer_, device, report, ids, now_micros));
  // The seal is anchored: by the device's agent record where it has one, else in the audit
  // trail (imports are rare enough for an event each).
  BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> agent, tx.GetAgent(device));
  if (agent) {
    BESTAND_RETURN_IF_ERROR(PutSealedAgent(tx, sealer_, *agent, seal));
  } else if (!old_software || old_software->seal != seal) {
    BESTAND_RETURN_IF_ERROR(RecordAudit(tx, actor, "software.import", SoftwareName(device),
                                        old_software ? SoftwareAuditJson(old_software->seal) : "",
                                        SoftwareAuditJson(seal)));
  }
  BESTAND_ASSIGN_OR_RETURN(auto after, tx.ListSoftwareEvents(device, 0, kMaxReportPackages));
  int changes = 0;
  for (const SoftwareEventRecord& e : after) {
    if (!before.empty() && e.id <= before[0].id) break;
    ++changes;
  }
  return changes;
}

absl::StatusOr<InventoryImport> Fleet::ImportInventory(const std::string& actor,
                                                       const v1::InventoryReport& report,
                                                       bool dry_run) {
  BESTAND_RETURN_IF_ERROR(ValidateMessage(report, ""));
  size_t text_bytes = 0;
  const std::vector<uint64_t> hashes = HashPackages(report, &text_bytes);
  std::vector<int64_t> ids(hashes.size());
  packages_.Find(hashes, absl::MakeSpan(ids));
  BESTAND_RETURN_IF_ERROR(CheckNewPackages(report, ids));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  // The device this machine is: hardware UUID, machine-id, the agent's own device id, then a
  // clean serial number (an administrator's file, unlike an agent's claim, may be matched by
  // its serial).
  const std::string serial = CleanSerial(report.hardware().serial_number());
  const std::pair<const char*, std::string> keys[] = {
      {"hardware_uuid", CleanUuid(report.hardware().hardware_uuid())},
      {"machine_id", CleanMachineId(report.machine_id())},
      {"agent_device_id", Clamp(report.agent_device_id())},
      {"serial_number", serial},
      {"reported_serial_number", serial}};
  std::optional<int64_t> device;
  for (const auto& [field, value] : keys) {
    if (value.empty() || device) continue;
    BESTAND_ASSIGN_OR_RETURN(device, tx->FindId(Kind::kDevice, {{field, value}}));
  }
  InventoryImport out;
  out.created = !device;
  const int64_t now = NowMicros();
  if (!device) {
    v1::Device d;
    d.set_hostname(report.hostname());
    d.set_status(v1::Device::IN_STOCK);
    d.set_currency("EUR");
    d.set_hardware_uuid(keys[0].second);
    d.set_machine_id(keys[1].second);
    d.set_agent_device_id(keys[2].second);
    d.set_reported_serial_number(serial);
    *d.mutable_create_time() = FromMicros(now);
    *d.mutable_update_time() = FromMicros(now);
    BESTAND_ASSIGN_OR_RETURN(device, tx->Insert(Kind::kDevice, d));
    d.set_name(DeviceName(*device));
    BESTAND_RETURN_IF_ERROR(
        RecordAudit(*tx, actor, "create", d.name(), "", AuditJson(Spec(Kind::kDevice), d)));
  }
  BESTAND_RETURN_IF_ERROR(ApplyReportFacts(*tx, actor, *device, report, v1::InventoryReport()));
  BESTAND_RETURN_IF_ERROR(StoreImportedFacts(*tx, *device, report, now));
  absl::flat_hash_map<uint64_t, int64_t> stored;
  // A partial inventory without software says nothing about it: what is stored stays.
  if (!report.partial() || report.software_size() > 0) {
    BESTAND_ASSIGN_OR_RETURN(
        out.changes, ImportSoftware(*tx, actor, *device, report, hashes, ids, now, &stored));
  }
  out.device = DeviceName(*device);
  out.packages = report.software_size();
  if (dry_run) return out;  // rolled back with `tx`
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  for (const auto& [package_hash, id] : stored) {  // while `tx` holds the single writer
    BESTAND_RETURN_IF_ERROR(packages_.Add(package_hash, id));
  }
  return out;
}

absl::Status Fleet::StoreReport(WriteTx& tx, PendingReport& job,
                                const absl::flat_hash_map<uint64_t, int64_t>& batch_packages) {
  const AgentIdentity& who = job.who;
  const v1::InventoryReport& report = job.request->report();
  const int64_t now = job.now = NowMicros();
  BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> agent, tx.GetAgent(who.device_id));
  BESTAND_RETURN_IF_ERROR(CheckAgent(agent, who));
  const std::string actor = absl::StrCat("agent:", DeviceName(who.device_id));
  v1::InventoryReport last;  // the facts of the previous report
  if (!last.ParseFromString(agent->facts)) last.Clear();
  BESTAND_RETURN_IF_ERROR(ApplyReportFacts(tx, actor, who.device_id, report, last));
  BESTAND_RETURN_IF_ERROR(
      ResolvePackages(tx, report, job.hashes, batch_packages, job.ids, &job.stored));
  BESTAND_ASSIGN_OR_RETURN(std::string seal,
                           StoreSoftware(tx, sealer_, who.device_id, report, job.ids, now));
  agent->facts = std::move(job.facts);
  agent->report_hash = job.hash;
  agent->last_report_micros = now;
  agent->last_seen_micros = now;
  BESTAND_RETURN_IF_ERROR(PutSealedAgent(tx, sealer_, *agent, seal));
  v1::ReportResponse resp;
  resp.set_device(DeviceName(who.device_id));
  resp.set_acknowledged_hash(job.hash);
  resp.set_next_report_seconds(options_.report_interval_seconds);
  job.result = std::move(resp);
  return absl::OkStatus();
}

absl::StatusOr<v1::HeartbeatResponse> Fleet::Heartbeat(const AgentIdentity& who,
                                                       const v1::HeartbeatRequest& req) {
  // Heartbeats touch memory only; FlushLastSeen writes the times in batches.
  BESTAND_ASSIGN_OR_RETURN(std::string acknowledged, registry_.Seen(who, NowMicros()));
  v1::HeartbeatResponse resp;
  resp.set_send_full_report(req.content_hash() != acknowledged);
  resp.set_next_report_seconds(options_.report_interval_seconds);
  return resp;
}

absl::Status Fleet::FlushLastSeen() {
  std::vector<std::pair<int64_t, int64_t>> seen = registry_.TakeDirty();
  if (seen.empty()) return absl::OkStatus();
  absl::Status s = [&]() -> absl::Status {
    BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
    for (const auto& [device, micros] : seen) {
      BESTAND_RETURN_IF_ERROR(tx->TouchAgent(device, micros, sealer_.Seen(device, micros)));
    }
    return tx->Commit();
  }();
  if (!s.ok()) registry_.MarkDirty(seen);  // tried again at the next flush
  return s;
}

absl::StatusOr<int64_t> Fleet::SealUnsealed() {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
  std::unordered_map<int64_t, std::string> heads;
  BESTAND_RETURN_IF_ERROR(tx->ScanSoftwareEvents([&](const SoftwareEventRecord& e) {
    std::string& head = heads[e.device_id];
    head = sealer_.NextHead(head, e);
    return absl::OkStatus();
  }));
  std::vector<std::pair<int64_t, DeviceSoftwareRecord>> software;  // written after the scan
  BESTAND_RETURN_IF_ERROR(
      tx->ScanDeviceSoftware([&](int64_t device, const DeviceSoftwareRecord& r) {
        if (r.seal.empty()) software.emplace_back(device, r);
        return absl::OkStatus();
      }));
  std::vector<AgentRecord> agents;
  BESTAND_RETURN_IF_ERROR(tx->ListAgents([&](const AgentRecord& a) {
    if (a.seal.empty()) agents.push_back(a);
    return absl::OkStatus();
  }));
  for (auto& [device, r] : software) {
    r.events_head = heads[device];
    r.seal = sealer_.Software(device, r);
    BESTAND_RETURN_IF_ERROR(tx->PutDeviceSoftware(device, r));
    BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> agent, tx->GetAgent(device));
    if (!agent) {
      BESTAND_RETURN_IF_ERROR(RecordAudit(*tx, "system", "software.seal", SoftwareName(device), "",
                                          SoftwareAuditJson(r.seal)));
    }
  }
  for (AgentRecord& a : agents) BESTAND_RETURN_IF_ERROR(PutSealedAgent(*tx, sealer_, a));
  BESTAND_RETURN_IF_ERROR(tx->Commit());
  return static_cast<int64_t>(software.size() + agents.size());
}

absl::Status Fleet::Load() {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_RETURN_IF_ERROR(tx->ScanPackages([this](const PackageRecord& p) {
    return packages_.Add(
        PackageIndex::Hash(p.source, p.name, p.architecture, p.version, p.publisher), p.id);
  }));
  return tx->ListAgents([this](const AgentRecord& a) {
    registry_.Enrolled(a);
    return absl::OkStatus();
  });
}

}  // namespace bestand
