#include "agent/collect/linux/filesystems.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent::collect {
namespace {

// The /sys/block name behind a mount's source, or "" when it is no local block device.
std::string BlockNameOfSource(const std::string& root, const BlockTopology& topo,
                              const std::string& source) {
  absl::string_view s = source;
  if (absl::ConsumePrefix(&s, "/dev/mapper/")) {
    auto it = topo.dm_by_name.find(std::string(s));
    return it == topo.dm_by_name.end() ? "" : it->second;
  }
  if (!absl::ConsumePrefix(&s, "/dev/")) return "";
  std::string name(s);
  if (topo.devices.count(name) > 0 || topo.disk_of_partition.count(name) > 0) return name;
  // /dev/VG/LV, /dev/disk/by-uuid/...: symlinks a live system resolves to a device number.
  struct stat st;
  if (IsRealRoot(root) && stat(source.c_str(), &st) == 0 && S_ISBLK(st.st_mode)) {
    auto it = topo.by_devnum.find(absl::StrCat(major(st.st_rdev), ":", minor(st.st_rdev)));
    if (it != topo.by_devnum.end()) return it->second;
  }
  return "";
}

}  // namespace

std::string DecodeMountField(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const char a = s[i + 1], b = s[i + 2], c = s[i + 3];
      if (a >= '0' && a <= '3' && b >= '0' && b <= '7' && c >= '0' && c <= '7') {
        out.push_back(static_cast<char>((a - '0') * 64 + (b - '0') * 8 + (c - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool IsRealFilesystem(absl::string_view type) {
  static constexpr absl::string_view kTypes[] = {"ext2",     "ext3",  "ext4", "xfs",      "btrfs",
                                                 "vfat",     "exfat", "ntfs", "ntfs3",    "fuseblk",
                                                 "f2fs",     "zfs",   "jfs",  "reiserfs", "hfsplus",
                                                 "bcachefs", "nfs",   "nfs4", "cifs",     "smb3"};
  for (absl::string_view t : kTypes) {
    if (type == t) return true;
  }
  return false;
}

bool IsNetworkFilesystem(absl::string_view type) {
  return type == "nfs" || type == "nfs4" || type == "cifs" || type == "smb3";
}

absl::Status CollectFilesystems(const std::string& root, const BlockTopology& topo,
                                v1::InventoryReport* report) {
  std::string text;
  // /proc/self/mounts is this process's view even if /proc/mounts were not linked to it.
  absl::Status st = ReadFileTo(Under(root, "/proc/self/mounts"), &text);
  if (absl::IsNotFound(st)) st = ReadFileTo(Under(root, "/proc/mounts"), &text);
  if (absl::IsNotFound(st)) return absl::OkStatus();
  if (!st.ok()) return st;
  absl::Status result;
  ForEachLine(text, [&](absl::string_view line, int line_no) {
    if (absl::StripAsciiWhitespace(line).empty()) return;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() < 3) {
      result.Update(absl::InvalidArgumentError(
          absl::StrCat("mounts line ", line_no, ": expected device, mount point and type")));
      return;
    }
    if (!IsRealFilesystem(fields[2])) return;
    v1::Filesystem* fs = report->add_filesystems();
    fs->set_device(DecodeMountField(fields[0]));
    fs->set_mount_point(DecodeMountField(fields[1]));
    fs->set_type(std::string(fields[2]));
    // statvfs() on a hard-mounted network share whose server is gone never returns, and an
    // agent hanging on every PC in the building is worse than a share without a size.
    if (!IsNetworkFilesystem(fs->type())) {
      struct statvfs vfs;
      if (statvfs(Under(root, fs->mount_point()).c_str(), &vfs) == 0) {
        fs->set_size_bytes(static_cast<int64_t>(vfs.f_blocks) * static_cast<int64_t>(vfs.f_frsize));
        // What users can still write, as df reports it, not including root's reserve.
        fs->set_free_bytes(static_cast<int64_t>(vfs.f_bavail) * static_cast<int64_t>(vfs.f_frsize));
      }
    }
    std::string block = BlockNameOfSource(root, topo, fs->device());
    fs->set_encrypted(!block.empty() && SitsOnCrypt(topo, block));
  });
  return result;
}

}  // namespace bestand::agent::collect
