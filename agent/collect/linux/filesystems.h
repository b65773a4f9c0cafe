// Mounted filesystems: /proc/self/mounts, statvfs().
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "agent/collect/linux/block_devices.h"
#include "bestand/v1/agent.pb.h"

namespace bestand::agent::collect {

// A /proc/mounts field with its three-digit octal escapes ("\040" for a space; the kernel
// escapes space, tab, newline and backslash so) decoded; any other backslash stays as it is.
std::string DecodeMountField(absl::string_view s);

// True for the filesystem types that hold data someone cares about (ext4, xfs, btrfs, vfat,
// ntfs, zfs, nfs, cifs, ...), false for the plumbing of a mount table (proc, tmpfs, cgroup,
// overlay, squashfs, FUSE portals, ...).
bool IsRealFilesystem(absl::string_view type);

// True for nfs, nfs4, cifs and smb3.
bool IsNetworkFilesystem(absl::string_view type);

// Appends report.filesystems for the real filesystems in /proc/self/mounts (or /proc/mounts), in
// mount table order: device, mount point, type, size and free space (statvfs under `root`; not
// for network filesystems) and whether it sits on dm-crypt according to `topo`. An absent mount
// table is no error; one that cannot be read is, and so is a line with fewer than three fields
// (InvalidArgument "mounts line N: expected device, mount point and type", the first of them;
// the other lines are still read).
absl::Status CollectFilesystems(const std::string& root, const BlockTopology& topo,
                                v1::InventoryReport* report);

}  // namespace bestand::agent::collect
