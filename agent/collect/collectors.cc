// The collectors of collectors.h, each put together from the per-source collectors in
// agent/collect/linux/, and CollectAll over all of them.
#include "agent/collect/collectors.h"

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/collect/linux/block_devices.h"
#include "agent/collect/linux/cpu.h"
#include "agent/collect/linux/disks.h"
#include "agent/collect/linux/dmi.h"
#include "agent/collect/linux/dpkg.h"
#include "agent/collect/linux/filesystems.h"
#include "agent/collect/linux/flatpak.h"
#include "agent/collect/linux/memory.h"
#include "agent/collect/linux/network.h"
#include "agent/collect/linux/os_release.h"
#include "agent/collect/linux/rpm.h"
#include "agent/collect/linux/snap.h"
#include "agent/collect/linux/system.h"
#include "agent/collect/linux/users.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent {
namespace {

struct SoftwareSource {
  const char* name;
  absl::Status (*run)(const std::string& root, collect::Packages* out);
};

constexpr SoftwareSource kSoftwareSources[] = {{"dpkg", collect::CollectDpkg},
                                               {"rpm", collect::CollectRpm},
                                               {"snap", collect::CollectSnap},
                                               {"flatpak", collect::CollectFlatpak}};

// Runs every software source, reports failures per source and stores the sorted union.
void CollectSoftwareSources(const std::string& root, v1::InventoryReport* report,
                            std::vector<std::pair<std::string, absl::Status>>* failures) {
  collect::Packages packages;
  for (const SoftwareSource& source : kSoftwareSources) {
    absl::Status st = source.run(root, &packages);
    if (!st.ok()) failures->emplace_back(source.name, std::move(st));
  }
  std::sort(packages.begin(), packages.end(),
            [](const v1::SoftwarePackage& a, const v1::SoftwarePackage& b) {
              return std::tie(a.source(), a.name(), a.architecture(), a.version()) <
                     std::tie(b.source(), b.name(), b.architecture(), b.version());
            });
  auto* field = report->mutable_software();
  field->Reserve(field->size() + static_cast<int>(packages.size()));
  for (v1::SoftwarePackage& p : packages) *field->Add() = std::move(p);
}

}  // namespace

absl::Status CollectSystem(const std::string& root, v1::InventoryReport* report) {
  collect::CollectHostIdentity(root, report);
  absl::Status result = collect::CollectOperatingSystem(root, report);
  result.Update(collect::CollectBootTime(root, report));
  return result;
}

absl::Status CollectDmi(const std::string& root, v1::InventoryReport* report) {
  return collect::CollectDmi(root, report);
}

absl::Status CollectCpuMemory(const std::string& root, v1::InventoryReport* report) {
  absl::Status result = collect::CollectCpu(root, report);
  result.Update(collect::CollectMemory(root, report));
  return result;
}

absl::Status CollectStorage(const std::string& root, v1::InventoryReport* report) {
  collect::BlockTopology topo;
  absl::Status result = collect::LoadBlockTopology(root, &topo);
  result.Update(collect::CollectDisks(root, topo, report));
  result.Update(collect::CollectFilesystems(root, topo, report));
  return result;
}

absl::Status CollectNetwork(const std::string& root, v1::InventoryReport* report) {
  return collect::CollectNetwork(root, report);
}

absl::Status CollectUsers(const std::string& root, v1::InventoryReport* report) {
  return collect::CollectUsers(root, report);
}

absl::Status CollectSoftware(const std::string& root, v1::InventoryReport* report) {
  std::vector<std::pair<std::string, absl::Status>> failures;
  CollectSoftwareSources(root, report, &failures);
  if (failures.empty()) return absl::OkStatus();
  std::string message;
  for (const auto& [source, status] : failures) {
    absl::StrAppend(&message, message.empty() ? "" : "; ", source, ": ", status.message());
  }
  return absl::Status(failures.front().second.code(), message);
}

v1::InventoryReport CollectAll(const std::string& root) {
  v1::InventoryReport report;
  report.set_agent_version(BESTAND_VERSION);
  const int64_t now_ns = absl::ToUnixNanos(absl::Now());
  report.mutable_collect_time()->set_seconds(now_ns / 1000000000);
  report.mutable_collect_time()->set_nanos(static_cast<int32_t>(now_ns % 1000000000));
  auto add_error = [&](const std::string& collector, const absl::Status& status) {
    v1::CollectorError* e = report.add_errors();
    e->set_collector(collector);
    e->set_message(std::string(status.message()));
  };
  static constexpr struct {
    const char* name;
    absl::Status (*collect)(const std::string&, v1::InventoryReport*);
  } kCollectors[] = {
      {"system", CollectSystem},   {"dmi", CollectDmi},         {"cpu", CollectCpuMemory},
      {"storage", CollectStorage}, {"network", CollectNetwork}, {"users", CollectUsers},
  };
  for (const auto& c : kCollectors) {
    absl::Status st = c.collect(root, &report);
    if (!st.ok()) add_error(c.name, st);
  }
  // Software sources fail independently: a broken rpm database says nothing about dpkg.
  std::vector<std::pair<std::string, absl::Status>> failures;
  CollectSoftwareSources(root, &report, &failures);
  for (const auto& [source, status] : failures) add_error(source, status);
  return report;
}

}  // namespace bestand::agent
