#include "agent/collect/linux/block_devices.h"

#include "absl/strings/match.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent::collect {
namespace {

// Chains are short (LVM on LUKS on a partition); the bound only guards against a corrupt tree
// that links in a circle.
constexpr int kMaxStackDepth = 16;

bool SitsOnCryptAt(const BlockTopology& topo, const std::string& dev, int depth) {
  if (depth > kMaxStackDepth) return false;
  if (topo.crypt.count(dev) > 0) return true;
  auto it = topo.slaves.find(dev);
  if (it == topo.slaves.end()) return false;
  for (const std::string& s : it->second) {
    if (SitsOnCryptAt(topo, s, depth + 1)) return true;
  }
  return false;
}

void CollectLeaves(const BlockTopology& topo, const std::string& dev, int depth,
                   std::set<std::string>* leaves) {
  auto it = topo.slaves.find(dev);
  if (it == topo.slaves.end() || depth > kMaxStackDepth) {
    leaves->insert(dev);
    return;
  }
  for (const std::string& s : it->second) CollectLeaves(topo, s, depth + 1, leaves);
}

}  // namespace

bool IsStackedDevice(absl::string_view name) {
  return absl::StartsWith(name, "dm-") || absl::StartsWith(name, "md");
}

bool IsDiskName(absl::string_view name) {
  for (absl::string_view prefix : {"loop", "ram", "zram", "dm-", "md", "nbd"}) {
    if (absl::StartsWith(name, prefix)) return false;
  }
  if (absl::StartsWith(name, "mmcblk") &&
      (absl::StrContains(name, "boot") || absl::StrContains(name, "rpmb"))) {
    return false;
  }
  return true;
}

absl::Status LoadBlockTopology(const std::string& root, BlockTopology* topo) {
  const std::string dir = Under(root, "/sys/block");
  std::vector<std::string> names;
  absl::Status st = ListDir(dir, &names);
  if (absl::IsNotFound(st)) return absl::OkStatus();
  if (!st.ok()) return st;
  std::vector<std::string> entries;
  for (const std::string& name : names) {
    topo->devices.insert(name);
    const std::string base = dir + "/" + name;
    if (IsStackedDevice(name)) {
      if (ListDir(base + "/slaves", &entries).ok() && !entries.empty()) {
        topo->slaves[name] = entries;
      }
      if (absl::StartsWith(name, "dm-")) {
        std::string dm_name = ReadAttr(base + "/dm/name");
        if (!dm_name.empty()) topo->dm_by_name[dm_name] = name;
        if (absl::StartsWith(ReadAttr(base + "/dm/uuid"), "CRYPT-")) topo->crypt.insert(name);
      }
      // Only needed to identify mounts by device number, which is only possible on a live system.
      if (IsRealRoot(root)) {
        std::string devnum = ReadAttr(base + "/dev");
        if (!devnum.empty()) topo->by_devnum[devnum] = name;
      }
    } else if (IsDiskName(name)) {
      if (!ListDir(base, &entries).ok()) continue;
      for (const std::string& entry : entries) {
        if (absl::StartsWith(entry, name) && PathExists(base + "/" + entry + "/partition")) {
          topo->disk_of_partition[entry] = name;
        }
      }
    }
  }
  return absl::OkStatus();
}

bool SitsOnCrypt(const BlockTopology& topo, const std::string& dev) {
  return SitsOnCryptAt(topo, dev, 0);
}

std::set<std::string> EncryptedDisks(const BlockTopology& topo) {
  std::set<std::string> leaves;
  for (const std::string& dm : topo.crypt) CollectLeaves(topo, dm, 0, &leaves);
  std::set<std::string> disks;
  for (const std::string& leaf : leaves) {
    auto it = topo.disk_of_partition.find(leaf);
    disks.insert(it == topo.disk_of_partition.end() ? leaf : it->second);
  }
  return disks;
}

}  // namespace bestand::agent::collect
