// Collectors: pure parsers that read a machine's facts from files under an injectable root
// directory ("/" on a real machine, a fixture tree in tests) and fill an InventoryReport.
// Each returns an error instead of failing the whole report; CollectAll records such errors in
// report.errors and still returns everything else. The per-source collectors behind these,
// with their parsers, are in agent/collect/linux/, one file per source.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "bestand/v1/agent.pb.h"

namespace bestand::agent {

// hostname (/proc/sys/kernel/hostname or /etc/hostname), fqdn, machine-id, os-release, kernel
// release, architecture, boot time (/proc/stat btime).
absl::Status CollectSystem(const std::string& root, v1::InventoryReport* report);
// /sys/class/dmi/id; placeholders dropped. A machine without DMI is not an error.
absl::Status CollectDmi(const std::string& root, v1::InventoryReport* report);
// /proc/cpuinfo, /proc/meminfo.
absl::Status CollectCpuMemory(const std::string& root, v1::InventoryReport* report);
// /sys/block, /proc/self/mounts (or /proc/mounts), statvfs, dm-crypt detection. Network
// filesystems are listed without sizes: statvfs() on a dead hard-mounted share never returns.
absl::Status CollectStorage(const std::string& root, v1::InventoryReport* report);
// /sys/class/net; addresses from getifaddrs() on the real root, /proc/net/if_inet6 elsewhere.
absl::Status CollectNetwork(const std::string& root, v1::InventoryReport* report);
// /etc/passwd human accounts; last login from /var/log/wtmp.
absl::Status CollectUsers(const std::string& root, v1::InventoryReport* report);
// Installed software from every source present: dpkg, rpm, snap, flatpak; sorted by source,
// name, architecture. A failing source keeps the others; the error names each failed source.
absl::Status CollectSoftware(const std::string& root, v1::InventoryReport* report);

// Everything above; never fails as a whole. Sets agent_version and collect_time. Failures are
// recorded per collector as "system", "dmi", "cpu", "storage", "network", "users", and per
// software source as "dpkg", "rpm", "snap", "flatpak".
v1::InventoryReport CollectAll(const std::string& root);

// True for DMI/serial placeholders that must never identify a machine.
bool IsPlaceholder(const std::string& value);

}  // namespace bestand::agent
