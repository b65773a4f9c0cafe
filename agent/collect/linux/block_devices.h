// How block devices stack, from /sys/block: disks and their partitions, what device-mapper and
// md RAID devices sit on, and which mappings are dm-crypt. The disks and filesystems collectors
// both read it.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace bestand::agent::collect {

// What /sys/block says about how block devices stack.
struct BlockTopology {
  std::set<std::string> devices;                           // /sys/block entries
  std::map<std::string, std::vector<std::string>> slaves;  // dm-*, md*: what they sit on
  std::map<std::string, std::string> disk_of_partition;    // "nvme0n1p3" -> "nvme0n1"
  std::map<std::string, std::string> dm_by_name;           // "vg0-root" -> "dm-1"
  std::map<std::string, std::string> by_devnum;            // "254:1" -> "dm-1" (real root only)
  std::set<std::string> crypt;                             // dm-crypt mappings
};

// True for device-mapper ("dm-*") and md RAID ("md*") names: devices that sit on others.
bool IsStackedDevice(absl::string_view name);

// False for block devices that are no disk: RAM and compressed RAM, loop-mounted images,
// device-mapper and md RAID (the disks under them are reported), network block devices, and the
// boot/RPMB hardware partitions an eMMC exposes next to its user area; true for all others.
bool IsDiskName(absl::string_view name);

// Adds what /sys/block under `root` says to `*topo`; device numbers only on the real root.
// Attributes that cannot be read are left out. An absent /sys/block is no error (the topology
// stays empty); one that cannot be listed is.
absl::Status LoadBlockTopology(const std::string& root, BlockTopology* topo);

// True when `dev` is a dm-crypt mapping or sits on one, however many devices lie between them
// (up to a bound that only a corrupt, circular tree reaches).
bool SitsOnCrypt(const BlockTopology& topo, const std::string& dev);

// Disks that hold (part of) a dm-crypt mapping, however deep the stack between them: the devices
// at the bottom of each mapping's stack, a partition replaced by its disk.
std::set<std::string> EncryptedDisks(const BlockTopology& topo);

}  // namespace bestand::agent::collect
