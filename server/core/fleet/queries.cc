#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <unordered_map>

#include "absl/container/flat_hash_set.h"
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

absl::StatusOr<v1::DeviceInventory> Fleet::GetDeviceInventory(
    const v1::GetDeviceInventoryRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(int64_t id, ResolveName(*tx, Kind::kDevice, r.device()));
  v1::DeviceInventory out;
  out.set_device(DeviceName(id));
  BESTAND_ASSIGN_OR_RETURN(std::optional<AgentRecord> agent, tx->GetAgent(id));
  if (agent) {
    out.mutable_report()->ParseFromString(agent->facts);
    if (agent->last_report_micros)
      *out.mutable_last_report_time() = FromMicros(agent->last_report_micros);
    int64_t seen = std::max(agent->last_seen_micros, registry_.LastSeen(id));
    if (seen) *out.mutable_last_seen_time() = FromMicros(seen);
    out.set_agent_active(agent->revoke_micros == 0);
  } else {  // another agent's inventory, reported or imported
    BESTAND_ASSIGN_OR_RETURN(std::optional<ImportedFactsRecord> facts, tx->GetImportedFacts(id));
    if (facts) {
      out.mutable_report()->ParseFromString(facts->facts);
      *out.mutable_last_report_time() = FromMicros(facts->report_micros);
      *out.mutable_last_seen_time() = FromMicros(facts->report_micros);
    }
  }
  if (!r.include_software()) return out;
  BESTAND_ASSIGN_OR_RETURN(std::optional<DeviceSoftwareRecord> sw, tx->GetDeviceSoftware(id));
  if (!sw) return out;
  BESTAND_ASSIGN_OR_RETURN(std::vector<PackageRecord> packages, tx->GetPackages(sw->package_ids));
  std::unordered_map<int64_t, size_t> index;
  for (size_t i = 0; i < sw->package_ids.size(); ++i) index[sw->package_ids[i]] = i;
  for (const PackageRecord& p : packages) {
    v1::InstalledSoftware* s = out.add_software();
    s->set_name(p.name);
    s->set_version(p.version);
    s->set_architecture(p.architecture);
    s->set_source(p.source);
    s->set_publisher(p.publisher);
    size_t i = index[p.id];
    if (sw->install_micros[i]) *s->mutable_install_time() = FromMicros(sw->install_micros[i]);
    *s->mutable_first_seen_time() = FromMicros(sw->first_seen_micros[i]);
  }
  std::sort(out.mutable_software()->begin(), out.mutable_software()->end(),
            [](const auto& a, const auto& b) {
              return std::tie(a.source(), a.name(), a.architecture()) <
                     std::tie(b.source(), b.name(), b.architecture());
            });
  return out;
}

absl::StatusOr<v1::ListSoftwareChangesResponse> Fleet::ListSoftwareChanges(
    const v1::ListSoftwareChangesRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(int page, PageSize(r.page_size()));
  int64_t before = 0;
  if (!r.page_token().empty() && (!absl::SimpleAtoi(r.page_token(), &before) || before <= 0)) {
    return absl::InvalidArgumentError("page_token: not a token from a previous page");
  }
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(int64_t id, ResolveName(*tx, Kind::kDevice, r.device()));
  BESTAND_ASSIGN_OR_RETURN(std::vector<SoftwareEventRecord> events,
                           tx->ListSoftwareEvents(id, before, page + 1));
  std::vector<int64_t> ids;
  for (const auto& e : events) {
    ids.push_back(e.package_id);
    if (e.previous_package_id) ids.push_back(e.previous_package_id);
  }
  BESTAND_ASSIGN_OR_RETURN(std::vector<PackageRecord> packages, tx->GetPackages(ids));
  std::unordered_map<int64_t, const PackageRecord*> by_id;
  for (const auto& p : packages) by_id[p.id] = &p;
  v1::ListSoftwareChangesResponse out;
  for (size_t i = 0; i < events.size() && static_cast<int>(i) < page; ++i) {
    const SoftwareEventRecord& e = events[i];
    const PackageRecord* p = by_id[e.package_id];
    const PackageRecord* old = e.previous_package_id ? by_id[e.previous_package_id] : nullptr;
    if (!p) continue;
    v1::SoftwareChange* c = out.add_changes();
    c->set_device(DeviceName(id));
    c->set_kind(static_cast<v1::SoftwareChange::Kind>(e.kind));
    c->set_name(p->name);
    c->set_architecture(p->architecture);
    c->set_source(p->source);
    if (e.kind == v1::SoftwareChange::REMOVED) {
      c->set_old_version(p->version);
    } else {
      c->set_new_version(p->version);
      if (old) c->set_old_version(old->version);
    }
    *c->mutable_time() = FromMicros(e.micros);
  }
  if (static_cast<int>(events.size()) > page) {
    out.set_next_page_token(absl::StrCat(events[page - 1].id));
  }
  return out;
}

absl::StatusOr<v1::SearchSoftwareResponse> Fleet::SearchSoftware(
    const v1::SearchSoftwareRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(int page, PageSize(r.page_size()));
  if (r.name().size() > 200) return absl::InvalidArgumentError("name: too long");
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(std::vector<PackageRecord> packages, tx->FindPackages(r.name()));
  // Group package ids by (name, source), keeping at most `page` groups.
  std::map<std::pair<std::string, std::string>, std::vector<const PackageRecord*>> groups;
  v1::SearchSoftwareResponse out;
  for (const PackageRecord& p : packages) {
    auto key = std::make_pair(p.name, p.source);
    if (!groups.count(key) && static_cast<int>(groups.size()) == page) {
      out.set_truncated(true);
      continue;
    }
    groups[key].push_back(&p);
  }
  std::unordered_map<int64_t, std::vector<int64_t>> devices_of;  // package id -> devices
  for (const auto& [key, list] : groups) {
    for (const PackageRecord* p : list) devices_of[p->id];
  }
  BESTAND_RETURN_IF_ERROR(
      tx->ScanDeviceSoftware([&](int64_t device, const DeviceSoftwareRecord& sw) {
        for (int64_t id : sw.package_ids) {
          auto it = devices_of.find(id);
          if (it != devices_of.end()) it->second.push_back(device);
        }
        return absl::OkStatus();
      }));
  for (const auto& [key, list] : groups) {
    v1::SoftwareUsage* u = out.add_software();
    u->set_name(key.first);
    u->set_source(key.second);
    std::map<std::string, std::set<int64_t>> by_version;
    std::set<int64_t> all;
    for (const PackageRecord* p : list) {
      for (int64_t d : devices_of[p->id]) {
        by_version[p->version].insert(d);
        all.insert(d);
      }
    }
    for (const auto& [version, devices] : by_version) {
      v1::SoftwareUsage::Version* v = u->add_versions();
      v->set_version(version);
      for (int64_t d : devices) v->add_devices(DeviceName(d));
    }
    u->set_device_count(static_cast<int32_t>(all.size()));
  }
  return out;
}

absl::StatusOr<v1::ListStaleDevicesResponse> Fleet::ListStaleDevices(
    const v1::ListStaleDevicesRequest& r) {
  if (r.days() < 1 || r.days() > 3650) {
    return absl::InvalidArgumentError(absl::StrCat("days: ", r.days(), " is out of range 1..3650"));
  }
  const int64_t cutoff = NowMicros() - int64_t{r.days()} * 86400 * 1000000;
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  return StaleDevicesIn(*tx, cutoff,
                        [this](int64_t device_id) { return registry_.LastSeen(device_id); });
}

absl::StatusOr<v1::ListStaleDevicesResponse> StaleDevicesIn(
    ReadTx& tx, int64_t cutoff, const std::function<int64_t(int64_t)>& heartbeat) {
  v1::ListStaleDevicesResponse out;
  std::vector<AgentRecord> stale;
  absl::flat_hash_set<int64_t> with_agent;
  BESTAND_RETURN_IF_ERROR(tx.ListAgents([&](const AgentRecord& a) {
    with_agent.insert(a.device_id);
    AgentRecord current = a;
    if (heartbeat) current.last_seen_micros = std::max(a.last_seen_micros, heartbeat(a.device_id));
    if (a.revoke_micros == 0 && current.last_seen_micros < cutoff) stale.push_back(current);
    return absl::OkStatus();
  }));
  // Devices that other agents report: their last inventory, unless Bestand's agent has one.
  BESTAND_RETURN_IF_ERROR(tx.ListImportedFacts([&](const ImportedFactsRecord& f) {
    if (f.report_micros >= cutoff || with_agent.contains(f.device_id)) return absl::OkStatus();
    AgentRecord imported;  // only what the listing below reads
    imported.device_id = f.device_id;
    imported.last_seen_micros = f.report_micros;
    stale.push_back(std::move(imported));
    return absl::OkStatus();
  }));
  for (const AgentRecord& a : stale) {
    v1::Device d;
    BESTAND_ASSIGN_OR_RETURN(bool found, tx.Get(Kind::kDevice, a.device_id, &d));
    if (!found || d.status() == v1::Device::RETIRED) continue;
    v1::StaleDevice* s = out.add_devices();
    s->set_device(d.name());
    s->set_hostname(d.hostname());
    if (a.last_seen_micros) *s->mutable_last_seen_time() = FromMicros(a.last_seen_micros);
  }
  return out;
}

}  // namespace bestand
