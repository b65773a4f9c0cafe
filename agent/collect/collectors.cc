#include "agent/collect/collectors.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <utmp.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace bestand::agent {
namespace {

// ---------------------------------------------------------------------------------------------
// Files under the root.

bool IsRealRoot(const std::string& root) { return root.empty() || root == "/"; }

// `path` (absolute) inside `root`. Plain string joining rather than chroot-like resolution: an
// absolute symlink inside a fixture tree would escape it, but the collectors resolve the few
// symlinks they care about (snap, flatpak) themselves.
std::string Under(const std::string& root, absl::string_view path) {
  if (IsRealRoot(root)) return std::string(path);
  absl::string_view base = root;
  while (base.size() > 1 && base.back() == '/') base.remove_suffix(1);
  return absl::StrCat(base, path);
}

// NotFound for ENOTDIR too: a fixture or a half-removed tree may have a file where a directory
// is expected, and that means "absent" just like ENOENT.
absl::Status FileError(int err, absl::string_view path) {
  if (err == ENOTDIR) err = ENOENT;
  return absl::ErrnoToStatus(err, path);
}

// Reads a whole file. procfs and sysfs report a size of 0 or 4096 whatever they hold, so this
// reads to EOF instead of trusting st_size; for regular files st_size makes it one read.
absl::Status ReadFileTo(const std::string& path, std::string* out) {
  out->clear();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(errno, path);
  struct stat st;
  size_t capacity = 4096;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    capacity = static_cast<size_t>(st.st_size) + 1;  // +1 sees EOF without a second resize
  }
  out->resize(capacity);
  size_t len = 0;
  for (;;) {
    if (len == out->size()) out->resize(out->size() * 2);
    ssize_t n = read(fd, out->data() + len, out->size() - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      out->clear();
      return FileError(err, path);
    }
    if (n == 0) break;
    len += static_cast<size_t>(n);
  }
  close(fd);
  out->resize(len);
  return absl::OkStatus();
}

// The trimmed contents of a small attribute file, or "" when it cannot be read: these attributes
// are optional (many sysfs files exist only for some devices, DMI serials only for root).
std::string ReadAttr(const std::string& path) {
  std::string s;
  if (!ReadFileTo(path, &s).ok()) return "";
  absl::StripAsciiWhitespace(&s);
  return s;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Entry names of a directory, sorted so reports are stable.
absl::Status ListDir(const std::string& path, std::vector<std::string>* names) {
  names->clear();
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return FileError(errno, path);
  while (const dirent* e = readdir(dir)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    names->emplace_back(e->d_name);
  }
  closedir(dir);
  std::sort(names->begin(), names->end());
  return absl::OkStatus();
}

absl::Status ReadLink(const std::string& path, std::string* target) {
  char buf[PATH_MAX];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  if (n < 0) return FileError(errno, path);
  if (static_cast<size_t>(n) >= sizeof buf) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": symlink target too long"));
  }
  target->assign(buf, static_cast<size_t>(n));
  return absl::OkStatus();
}

// Where a relative or absolute symlink target found in `dir` points, inside `root`.
std::string ResolveTarget(const std::string& root, const std::string& dir,
                          const std::string& target) {
  return absl::StartsWith(target, "/") ? Under(root, target) : dir + "/" + target;
}

void SetSeconds(int64_t seconds, google::protobuf::Timestamp* ts) {
  ts->set_seconds(seconds);
  ts->set_nanos(0);
}

// Calls `fn(line, line_number)` for every line of `text` (without the newline).
template <typename Fn>
void ForEachLine(absl::string_view text, Fn fn) {
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == absl::string_view::npos) nl = text.size();
    fn(text.substr(pos, nl - pos), ++line_no);
    pos = nl + 1;
  }
}

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

// ---------------------------------------------------------------------------------------------
// System.

// hostname(5): the first line that is neither empty nor a comment.
std::string ParseEtcHostname(absl::string_view text) {
  std::string result;
  ForEachLine(text, [&](absl::string_view line, int) {
    line = absl::StripAsciiWhitespace(line);
    if (result.empty() && !line.empty() && line[0] != '#') result = std::string(line);
  });
  return result;
}

// os-release(5) values are shell-like: bare, 'single quoted' or "double quoted" with backslash
// escapes.
std::string OsReleaseValue(absl::string_view v) {
  v = absl::StripAsciiWhitespace(v);
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
    return std::string(v.substr(1, v.size() - 2));
  }
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    v = v.substr(1, v.size() - 2);
    std::string out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) ++i;
      out.push_back(v[i]);
    }
    return out;
  }
  return std::string(v);
}

void ParseOsRelease(absl::string_view text, v1::OperatingSystem* os) {
  // The format says to ignore lines that are not assignments, so nothing here is an error.
  ForEachLine(text, [&](absl::string_view line, int) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') return;
    size_t eq = line.find('=');
    if (eq == absl::string_view::npos) return;
    absl::string_view key = line.substr(0, eq);
    if (key == "ID") {
      os->set_id(OsReleaseValue(line.substr(eq + 1)));
    } else if (key == "PRETTY_NAME") {
      os->set_pretty_name(OsReleaseValue(line.substr(eq + 1)));
    } else if (key == "VERSION_ID") {
      os->set_version_id(OsReleaseValue(line.substr(eq + 1)));
    }
  });
}

// The resolver's canonical name for `hostname`. getaddrinfo() cannot be cancelled and an
// unreachable DNS server stalls it for the resolver's whole timeout (5 s per try and server), so
// it runs on a detached thread; an agent that has waited long enough reports the short name.
std::string ResolveFqdn(const std::string& hostname, std::chrono::milliseconds timeout) {
  if (hostname.find('.') != std::string::npos) return hostname;  // already qualified
  struct Lookup {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::string canonical;
  };
  auto lookup = std::make_shared<Lookup>();
  std::thread([lookup, hostname] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_CANONNAME;
    addrinfo* res = nullptr;
    std::string canonical;
    if (getaddrinfo(hostname.c_str(), nullptr, &hints, &res) == 0) {
      if (res != nullptr && res->ai_canonname != nullptr) canonical = res->ai_canonname;
      freeaddrinfo(res);
    }
    std::lock_guard<std::mutex> lock(lookup->mu);
    lookup->canonical = std::move(canonical);
    lookup->done = true;
    lookup->cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(lookup->mu);
  if (!lookup->cv.wait_for(lock, timeout, [&] { return lookup->done; })) return hostname;
  // "localhost.localdomain" from a sloppy /etc/hosts names every machine alike; an unqualified
  // answer adds nothing to the hostname.
  const std::string& c = lookup->canonical;
  if (c.find('.') == std::string::npos || absl::StartsWithIgnoreCase(c, "localhost")) {
    return hostname;
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// DMI.

// SMBIOS 3.x "System Enclosure or Chassis Types". 2 ("Unknown") is left out: it says nothing.
std::string ChassisTypeName(int type) {
  static constexpr std::pair<int, const char*> kNames[] = {
      {1, "Other"},
      {3, "Desktop"},
      {4, "Low Profile Desktop"},
      {5, "Pizza Box"},
      {6, "Mini Tower"},
      {7, "Tower"},
      {8, "Portable"},
      {9, "Laptop"},
      {10, "Notebook"},
      {11, "Hand Held"},
      {12, "Docking Station"},
      {13, "All in One"},
      {14, "Sub Notebook"},
      {15, "Space-saving"},
      {16, "Lunch Box"},
      {17, "Main Server Chassis"},
      {18, "Expansion Chassis"},
      {19, "SubChassis"},
      {20, "Bus Expansion Chassis"},
      {21, "Peripheral Chassis"},
      {22, "RAID Chassis"},
      {23, "Rack Mount Chassis"},
      {24, "Sealed-case PC"},
      {25, "Multi-system chassis"},
      {26, "Compact PCI"},
      {27, "Advanced TCA"},
      {28, "Blade"},
      {29, "Blade Enclosure"},
      {30, "Tablet"},
      {31, "Convertible"},
      {32, "Detachable"},
      {33, "IoT Gateway"},
      {34, "Embedded PC"},
      {35, "Mini PC"},
      {36, "Stick PC"},
  };
  for (const auto& [number, name] : kNames) {
    if (number == type) return name;
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// CPU and memory.

// Where architectures keep the CPU's name, best first: x86 and some ARM "model name", 32-bit ARM
// "Processor" (capitalised, unlike the per-CPU "processor" counter), MIPS "cpu model", POWER
// "cpu", RISC-V "uarch".
int ModelKeyRank(absl::string_view key) {
  static constexpr absl::string_view kKeys[] = {"model name", "Processor", "cpu model", "cpu",
                                                "uarch"};
  for (size_t i = 0; i < std::size(kKeys); ++i) {
    if (key == kKeys[i]) return static_cast<int>(i);
  }
  return INT_MAX;
}

// arm64 kernels print only the core's part number; lscpu-style names for Arm Ltd's own designs
// (implementer 0x41), which cover most ARM machines an office runs.
std::string ArmCoreName(absl::string_view implementer, absl::string_view part) {
  if (implementer != "0x41") return "";
  static constexpr std::pair<absl::string_view, absl::string_view> kParts[] = {
      {"0xd03", "Cortex-A53"}, {"0xd04", "Cortex-A35"},  {"0xd05", "Cortex-A55"},
      {"0xd07", "Cortex-A57"}, {"0xd08", "Cortex-A72"},  {"0xd09", "Cortex-A73"},
      {"0xd0a", "Cortex-A75"}, {"0xd0b", "Cortex-A76"},  {"0xd0c", "Neoverse-N1"},
      {"0xd0d", "Cortex-A77"}, {"0xd40", "Neoverse-V1"}, {"0xd41", "Cortex-A78"},
      {"0xd44", "Cortex-X1"},  {"0xd46", "Cortex-A510"}, {"0xd47", "Cortex-A710"},
      {"0xd48", "Cortex-X2"},  {"0xd49", "Neoverse-N2"}, {"0xd4f", "Neoverse-V2"}};
  for (const auto& [number, name] : kParts) {
    if (absl::EqualsIgnoreCase(part, number)) return absl::StrCat("ARM ", name);
  }
  return "";
}

absl::StatusOr<v1::Cpu> ParseCpuInfo(absl::string_view text) {
  int threads = 0;
  std::set<std::string> sockets;
  std::map<std::string, int> cores_per_socket;
  std::set<std::pair<std::string, std::string>> core_ids;
  std::string model, arm_implementer, arm_part;
  int model_rank = INT_MAX;

  bool in_processor = false;
  std::string physical_id, core_id;
  int cpu_cores = 0;
  auto end_processor = [&] {
    if (in_processor) {
      if (!physical_id.empty()) {
        sockets.insert(physical_id);
        if (cpu_cores > 0) cores_per_socket[physical_id] = cpu_cores;
      }
      if (!core_id.empty()) core_ids.emplace(physical_id, core_id);
    }
    in_processor = false;
    physical_id.clear();
    core_id.clear();
    cpu_cores = 0;
  };
  ForEachLine(text, [&](absl::string_view line, int) {
    if (absl::StripAsciiWhitespace(line).empty()) {
      end_processor();
      return;
    }
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) return;
    absl::string_view key = absl::StripAsciiWhitespace(line.substr(0, colon));
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    if (key == "processor") {
      end_processor();
      in_processor = true;
      ++threads;
    } else if (key == "physical id") {
      physical_id = std::string(value);
    } else if (key == "core id") {
      core_id = std::string(value);
    } else if (key == "cpu cores") {
      if (!absl::SimpleAtoi(value, &cpu_cores)) cpu_cores = 0;
    } else if (key == "CPU implementer") {
      if (arm_implementer.empty()) arm_implementer = std::string(value);
    } else if (key == "CPU part") {
      if (arm_part.empty()) arm_part = std::string(value);
    } else if (int rank = ModelKeyRank(key); rank < model_rank && !value.empty()) {
      model = std::string(value);
      model_rank = rank;
    }
  });
  end_processor();
  if (threads == 0) return absl::InvalidArgumentError("/proc/cpuinfo lists no processor");

  v1::Cpu cpu;
  cpu.set_model(model.empty() ? ArmCoreName(arm_implementer, arm_part) : model);
  cpu.set_threads(threads);
  // ARM and most non-x86 kernels give no topology here; one socket with a core per logical
  // processor is then the honest reading.
  cpu.set_sockets(sockets.empty() ? 1 : static_cast<int>(sockets.size()));
  if (!cores_per_socket.empty()) {
    int cores = 0;
    for (const auto& [socket, n] : cores_per_socket) cores += n;
    cpu.set_cores(cores);
  } else if (!core_ids.empty()) {
    cpu.set_cores(static_cast<int>(core_ids.size()));
  } else {
    cpu.set_cores(threads);
  }
  return cpu;
}

absl::StatusOr<int64_t> ParseMemTotal(absl::string_view text) {
  absl::StatusOr<int64_t> result = absl::InvalidArgumentError("/proc/meminfo has no MemTotal");
  ForEachLine(text, [&](absl::string_view line, int) {
    if (!absl::ConsumePrefix(&line, "MemTotal:")) return;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    int64_t value = 0;
    if (parts.empty() || !absl::SimpleAtoi(parts[0], &value) || value < 0 ||
        (parts.size() > 1 && parts[1] != "kB")) {
      result = absl::InvalidArgumentError(absl::StrCat("/proc/meminfo: cannot read MemTotal '",
                                                       absl::StripAsciiWhitespace(line), "'"));
      return;
    }
    result = parts.size() > 1 ? value * 1024 : value;
  });
  return result;
}

// ---------------------------------------------------------------------------------------------
// Storage.

// What /sys/block says about how block devices stack.
struct BlockTopology {
  std::set<std::string> devices;                           // /sys/block entries
  std::map<std::string, std::vector<std::string>> slaves;  // dm-*, md*: what they sit on
  std::map<std::string, std::string> disk_of_partition;    // "nvme0n1p3" -> "nvme0n1"
  std::map<std::string, std::string> dm_by_name;           // "vg0-root" -> "dm-1"
  std::map<std::string, std::string> by_devnum;            // "254:1" -> "dm-1" (real root only)
  std::set<std::string> crypt;                             // dm-crypt mappings
};

bool IsStackedDevice(absl::string_view name) {
  return absl::StartsWith(name, "dm-") || absl::StartsWith(name, "md");
}

// Block devices that are no disk: RAM and compressed RAM, loop-mounted images, device-mapper
// and md RAID (the disks under them are reported), network block devices, and the boot/RPMB
// hardware partitions an eMMC exposes next to its user area.
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

// Chains are short (LVM on LUKS on a partition); the bound only guards against a corrupt tree
// that links in a circle.
constexpr int kMaxStackDepth = 16;

bool SitsOnCrypt(const BlockTopology& topo, const std::string& dev, int depth = 0) {
  if (depth > kMaxStackDepth) return false;
  if (topo.crypt.count(dev) > 0) return true;
  auto it = topo.slaves.find(dev);
  if (it == topo.slaves.end()) return false;
  for (const std::string& s : it->second) {
    if (SitsOnCrypt(topo, s, depth + 1)) return true;
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

// Disks that hold (part of) a dm-crypt mapping, however deep the stack between them.
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

// SCSI/SATA disks have no serial attribute; the unit serial number VPD page (0x80) holds it:
// a 4-byte header whose bytes 2-3 give the length, then ASCII, often space padded.
std::string SerialFromVpdPage80(const std::string& path) {
  std::string page;
  if (!ReadFileTo(path, &page).ok() || page.size() < 4 || static_cast<uint8_t>(page[1]) != 0x80) {
    return "";
  }
  size_t len =
      (static_cast<size_t>(static_cast<uint8_t>(page[2])) << 8) | static_cast<uint8_t>(page[3]);
  len = std::min(len, page.size() - 4);
  return std::string(absl::StripAsciiWhitespace(absl::string_view(page).substr(4, len)));
}

std::string DisplayableOrEmpty(std::string value) { return IsPlaceholder(value) ? "" : value; }

absl::Status CollectDisks(const std::string& root, const BlockTopology& topo,
                          v1::InventoryReport* report) {
  absl::Status result;
  const std::string dir = Under(root, "/sys/block");
  const std::set<std::string> encrypted = EncryptedDisks(topo);
  for (const std::string& name : topo.devices) {
    if (!IsDiskName(name)) continue;
    const std::string base = dir + "/" + name;
    std::string size_text = ReadAttr(base + "/size");
    int64_t sectors = 0;
    if (!absl::SimpleAtoi(size_text, &sectors) || sectors < 0) {
      result.Update(absl::InvalidArgumentError(
          absl::StrCat("/sys/block/", name, "/size: '", size_text, "' is not a sector count")));
      continue;
    }
    // An empty card reader slot or optical drive: a device, but no disk to inventory.
    if (sectors == 0) continue;
    v1::Disk* disk = report->add_disks();
    disk->set_name(name);
    // sysfs counts in 512-byte units whatever the device's logical block size.
    disk->set_size_bytes(sectors * 512);
    std::string model = ReadAttr(base + "/device/model");
    if (model.empty()) model = ReadAttr(base + "/device/name");  // MMC/SD
    disk->set_model(DisplayableOrEmpty(model));
    std::string serial = ReadAttr(base + "/device/serial");                       // NVMe, MMC
    if (serial.empty()) serial = ReadAttr(base + "/serial");                      // virtio
    if (serial.empty()) serial = SerialFromVpdPage80(base + "/device/vpd_pg80");  // SCSI, SATA
    disk->set_serial_number(DisplayableOrEmpty(serial));
    disk->set_ssd(ReadAttr(base + "/queue/rotational") == "0");
    disk->set_removable(ReadAttr(base + "/removable") == "1");
    disk->set_encrypted(encrypted.count(name) > 0);
  }
  return result;
}

// /proc/mounts escapes space, tab, newline and backslash as three-digit octal ("\040").
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

// Filesystems that hold data someone cares about; everything else in the mount table (proc,
// tmpfs, cgroup, overlay, squashfs images of snaps, FUSE portals, ...) is plumbing.
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

// ---------------------------------------------------------------------------------------------
// Network.

int PrefixLength(const sockaddr* mask) {
  if (mask == nullptr) return -1;
  const unsigned char* bytes = nullptr;
  size_t n = 0;
  if (mask->sa_family == AF_INET) {
    bytes = reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in*>(mask)->sin_addr);
    n = 4;
  } else if (mask->sa_family == AF_INET6) {
    bytes = reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr);
    n = 16;
  } else {
    return -1;
  }
  int bits = 0;
  for (size_t i = 0; i < n; ++i) bits += __builtin_popcount(bytes[i]);
  return bits;
}

absl::Status AddressesFromGetifaddrs(std::map<std::string, std::vector<std::string>>* out) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return absl::ErrnoToStatus(errno, "getifaddrs");
  for (const ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
    if (ifa->ifa_addr == nullptr) continue;
    int family = ifa->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    char text[INET6_ADDRSTRLEN];
    const void* addr = family == AF_INET
                           ? static_cast<const void*>(
                                 &reinterpret_cast<const sockaddr_in*>(ifa->ifa_addr)->sin_addr)
                           : static_cast<const void*>(
                                 &reinterpret_cast<const sockaddr_in6*>(ifa->ifa_addr)->sin6_addr);
    if (inet_ntop(family, addr, text, sizeof text) == nullptr) continue;
    // IPv4 aliases show up as "eth0:1"; they belong to eth0.
    std::string name = ifa->ifa_name;
    name = name.substr(0, name.find(':'));
    int prefix = PrefixLength(ifa->ifa_netmask);
    (*out)[name].push_back(prefix >= 0 ? absl::StrCat(text, "/", prefix) : std::string(text));
  }
  freeifaddrs(list);
  return absl::OkStatus();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// /proc/net/if_inet6: "ADDRESS(32 hex) IFINDEX PREFIXLEN SCOPE FLAGS NAME", numbers in hex.
absl::Status ParseIfInet6(absl::string_view text,
                          std::map<std::string, std::vector<std::string>>* out) {
  absl::Status result;
  ForEachLine(text, [&](absl::string_view line, int line_no) {
    std::vector<absl::string_view> f =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (f.empty()) return;
    auto bad = [&](absl::string_view why) {
      result.Update(
          absl::InvalidArgumentError(absl::StrCat("/proc/net/if_inet6 line ", line_no, ": ", why)));
    };
    if (f.size() != 6) return bad("expected 6 fields");
    if (f[0].size() != 32) return bad("the address is not 32 hex digits");
    in6_addr addr;
    for (size_t i = 0; i < 16; ++i) {
      int hi = HexDigit(f[0][2 * i]), lo = HexDigit(f[0][2 * i + 1]);
      if (hi < 0 || lo < 0) return bad("the address is not 32 hex digits");
      addr.s6_addr[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    uint32_t prefix = 0;
    if (!absl::SimpleHexAtoi(f[2], &prefix) || prefix > 128) return bad("bad prefix length");
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &addr, buf, sizeof buf) == nullptr) return bad("bad address");
    (*out)[std::string(f[5])].push_back(absl::StrCat(buf, "/", prefix));
  });
  return result;
}

bool IsEmptyMac(absl::string_view mac) {
  return mac.find_first_not_of("0:") == absl::string_view::npos;
}

// ---------------------------------------------------------------------------------------------
// Users.

// The user of the newest login. wtmp only ever grows at the end, so the last USER_PROCESS record
// is the newest one even across clock changes, and reading backwards stops after a few records
// on a file holding months of history.
absl::StatusOr<std::string> LastLoginUser(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    absl::Status st = FileError(errno, path);
    if (absl::IsNotFound(st)) return std::string();
    return st;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return FileError(err, path);
  }
  // A trailing partial record is one being written right now; it is left for the next run.
  size_t end = static_cast<size_t>(st.st_size) / sizeof(utmp);
  constexpr size_t kBatch = 64;
  std::vector<utmp> batch(kBatch);
  while (end > 0) {
    size_t begin = end > kBatch ? end - kBatch : 0;
    size_t want = (end - begin) * sizeof(utmp);
    ssize_t n = pread(fd, batch.data(), want, static_cast<off_t>(begin * sizeof(utmp)));
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(want)) {
      int err = n < 0 ? errno : EIO;
      close(fd);
      return FileError(err, path);
    }
    for (size_t i = end - begin; i-- > 0;) {
      const utmp& u = batch[i];
      if (u.ut_type == USER_PROCESS && u.ut_user[0] != '\0') {
        close(fd);
        return std::string(u.ut_user, strnlen(u.ut_user, sizeof u.ut_user));
      }
    }
    end = begin;
  }
  close(fd);
  return std::string();
}

bool IsLoginShell(absl::string_view shell) {
  // passwd(5): an empty shell field means /bin/sh.
  absl::string_view base = shell.substr(shell.rfind('/') + 1);
  return base != "nologin" && base != "false";
}

// ---------------------------------------------------------------------------------------------
// Software.

using Packages = std::vector<v1::SoftwarePackage>;

int64_t MtimeSeconds(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_mtime) : 0;
}

int64_t LinkMtimeSeconds(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_mtime) : 0;
}

struct DpkgEntry {
  absl::string_view package, status, architecture, version, maintainer, multi_arch;
  int line = 0;      // where the stanza starts, for messages
  bool bad = false;  // a malformed line inside; the stanza is dropped
  bool any = false;  // has at least one field
};

bool IsInstalledStatus(absl::string_view status) {
  // "want flag status": only packages dpkg considers fully installed, whether held or not; a
  // removed package's leftover conffiles ("deinstall ok config-files") is not software.
  std::vector<absl::string_view> words =
      absl::StrSplit(status, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  return words.size() == 3 && (words[0] == "install" || words[0] == "hold") && words[1] == "ok" &&
         words[2] == "installed";
}

// /var/lib/dpkg/status is deb822: "Field: value" lines, continuation lines starting with a space
// or tab (Description, Conffiles), stanzas separated by blank lines. It has thousands of
// stanzas, so this is one pass of string_view slicing over a single read.
absl::Status CollectDpkg(const std::string& root, Packages* out) {
  std::string text;
  absl::Status st = ReadFileTo(Under(root, "/var/lib/dpkg/status"), &text);
  if (absl::IsNotFound(st)) return absl::OkStatus();
  if (!st.ok()) return st;

  const std::string info_dir = Under(root, "/var/lib/dpkg/info/");
  std::string list_path;
  absl::Status result;
  DpkgEntry e;
  auto finish = [&] {
    if (e.any && !e.bad) {
      if (e.package.empty()) {
        result.Update(absl::InvalidArgumentError(
            absl::StrCat("dpkg status line ", e.line, ": stanza without a Package field")));
      } else if (IsInstalledStatus(e.status)) {
        v1::SoftwarePackage& p = out->emplace_back();
        p.set_source("dpkg");
        p.set_name(std::string(e.package));
        p.set_version(std::string(e.version));
        p.set_architecture(std::string(e.architecture));
        p.set_publisher(std::string(e.maintainer));
        // dpkg names the file list "NAME:ARCH.list" for Multi-Arch: same packages, which can be
        // installed for several architectures at once, and "NAME.list" otherwise.
        const bool same = e.multi_arch == "same";
        for (int attempt = 0; attempt < 2; ++attempt) {
          list_path.assign(info_dir).append(e.package.data(), e.package.size());
          if (same == (attempt == 0) && !e.architecture.empty()) {
            list_path.append(":").append(e.architecture.data(), e.architecture.size());
          }
          list_path.append(".list");
          if (int64_t t = MtimeSeconds(list_path); t > 0) {
            SetSeconds(t, p.mutable_install_time());
            break;
          }
        }
      }
    }
    e = DpkgEntry();
  };
  ForEachLine(text, [&](absl::string_view line, int line_no) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      finish();
      return;
    }
    if (line[0] == ' ' || line[0] == '\t') return;  // continuation of a multi-line field
    if (!e.any) {
      e.any = true;
      e.line = line_no;
    }
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos || colon == 0) {
      result.Update(absl::InvalidArgumentError(
          absl::StrCat("dpkg status line ", line_no, ": expected 'Field: value'")));
      e.bad = true;
      return;
    }
    absl::string_view key = line.substr(0, colon);
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    // Field names are case-insensitive in deb822; dpkg writes them capitalised, so the exact
    // compare usually decides and the fallback costs nothing.
    auto is = [&](absl::string_view name) {
      return key == name || absl::EqualsIgnoreCase(key, name);
    };
    switch (key[0] | 0x20) {
      case 'p':
        if (is("Package")) e.package = value;
        break;
      case 's':
        if (is("Status")) e.status = value;
        break;
      case 'a':
        if (is("Architecture")) e.architecture = value;
        break;
      case 'v':
        if (is("Version")) e.version = value;
        break;
      case 'm':
        if (is("Maintainer")) {
          e.maintainer = value;
        } else if (is("Multi-Arch")) {
          e.multi_arch = value;
        }
        break;
      default:
        break;
    }
  });
  finish();
  return result;
}

// RPM header as rpm stores it in rpmdb.sqlite: big-endian il (index entries) and dl (data bytes),
// il 16-byte entries (tag, type, offset, count), then the data.
constexpr uint32_t kRpmTagName = 1000;
constexpr uint32_t kRpmTagVersion = 1001;
constexpr uint32_t kRpmTagRelease = 1002;
constexpr uint32_t kRpmTagInstallTime = 1008;
constexpr uint32_t kRpmTagVendor = 1011;
constexpr uint32_t kRpmTagArch = 1022;
constexpr uint32_t kRpmTypeInt32 = 4;
constexpr uint32_t kRpmTypeString = 6;
constexpr uint32_t kRpmTypeStringArray = 8;
constexpr uint32_t kRpmTypeI18nString = 9;

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

struct RpmPackage {
  std::string name, version, release, vendor, arch;
  int64_t install_time = 0;
};

absl::StatusOr<RpmPackage> ParseRpmHeader(absl::string_view blob) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  if (blob.size() < 8) return absl::InvalidArgumentError("header shorter than 8 bytes");
  const uint32_t il = BigEndian32(p), dl = BigEndian32(p + 4);
  // rpm itself rejects headers beyond these sizes.
  if (il == 0 || il > 0xffff || dl > (256u << 20)) {
    return absl::InvalidArgumentError(absl::StrCat("implausible header sizes il=", il, " dl=", dl));
  }
  const uint64_t need = 8 + uint64_t{16} * il + dl;
  if (blob.size() < need) {
    return absl::InvalidArgumentError(
        absl::StrCat("header is ", blob.size(), " bytes, its sizes need ", need));
  }
  const unsigned char* index = p + 8;
  const char* data = blob.data() + 8 + 16 * static_cast<size_t>(il);
  RpmPackage pkg;
  for (uint32_t i = 0; i < il; ++i) {
    const unsigned char* entry = index + 16 * static_cast<size_t>(i);
    const uint32_t tag = BigEndian32(entry), type = BigEndian32(entry + 4);
    const uint32_t offset = BigEndian32(entry + 8), count = BigEndian32(entry + 12);
    std::string* text = nullptr;
    switch (tag) {
      case kRpmTagName:
        text = &pkg.name;
        break;
      case kRpmTagVersion:
        text = &pkg.version;
        break;
      case kRpmTagRelease:
        text = &pkg.release;
        break;
      case kRpmTagVendor:
        text = &pkg.vendor;
        break;
      case kRpmTagArch:
        text = &pkg.arch;
        break;
      case kRpmTagInstallTime:
        if (type != kRpmTypeInt32 || count < 1 || offset > dl || dl - offset < 4) {
          return absl::InvalidArgumentError("bad INSTALLTIME entry");
        }
        pkg.install_time = BigEndian32(reinterpret_cast<const unsigned char*>(data + offset));
        continue;
      default:
        continue;
    }
    // An I18N string or string array starts with its first (default language) string.
    if (type != kRpmTypeString && type != kRpmTypeI18nString && type != kRpmTypeStringArray) {
      return absl::InvalidArgumentError(
          absl::StrCat("tag ", tag, " has type ", type, ", expected a string"));
    }
    if (offset >= dl)
      return absl::InvalidArgumentError(absl::StrCat("tag ", tag, " offset out of range"));
    const void* nul = std::memchr(data + offset, '\0', dl - offset);
    if (nul == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("tag ", tag, " string is not terminated"));
    }
    text->assign(data + offset, static_cast<const char*>(nul) - (data + offset));
  }
  if (pkg.name.empty()) return absl::InvalidArgumentError("header without a NAME");
  return pkg;
}

absl::Status CollectRpm(const std::string& root, Packages* out) {
  // Fedora 36+ and openSUSE moved the database to /usr/lib/sysimage/rpm and leave a symlink.
  std::string path;
  for (const char* candidate :
       {"/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite"}) {
    if (PathExists(Under(root, candidate))) {
      path = Under(root, candidate);
      break;
    }
  }
  if (path.empty()) return absl::OkStatus();

  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> closer(db, sqlite3_close);
  if (rc != SQLITE_OK) {
    return absl::InternalError(absl::StrCat(path, ": ", db ? sqlite3_errmsg(db) : "cannot open"));
  }
  // rpm may be installing something right now; its write transactions are short.
  sqlite3_busy_timeout(db, 2000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT hnum, blob FROM Packages", -1, &stmt, nullptr) != SQLITE_OK) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", sqlite3_errmsg(db)));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> finalizer(stmt, sqlite3_finalize);
  absl::Status result;
  int rows = 0, bad = 0;
  std::string first_error;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    ++rows;
    const int64_t hnum = sqlite3_column_int64(stmt, 0);
    const void* blob = sqlite3_column_blob(stmt, 1);
    const int size = sqlite3_column_bytes(stmt, 1);
    absl::StatusOr<RpmPackage> pkg = ParseRpmHeader(
        absl::string_view(static_cast<const char*>(blob), blob ? static_cast<size_t>(size) : 0));
    if (!pkg.ok()) {
      // One message per header could be thousands on a damaged database; the first and a
      // count say enough.
      if (bad++ == 0) first_error = absl::StrCat("package ", hnum, ": ", pkg.status().message());
      continue;
    }
    // Imported signing keys are stored as pseudo-packages; they are no software.
    if (pkg->name == "gpg-pubkey") continue;
    v1::SoftwarePackage& p = out->emplace_back();
    p.set_source("rpm");
    p.set_name(pkg->name);
    p.set_version(pkg->release.empty() ? pkg->version
                                       : absl::StrCat(pkg->version, "-", pkg->release));
    p.set_architecture(pkg->arch);
    p.set_publisher(pkg->vendor);
    if (pkg->install_time > 0) SetSeconds(pkg->install_time, p.mutable_install_time());
  }
  if (rc != SQLITE_DONE) {
    result.Update(absl::InternalError(absl::StrCat(path, ": ", sqlite3_errmsg(db))));
  }
  if (bad > 0) {
    result.Update(absl::InvalidArgumentError(
        absl::StrCat(bad, " of ", rows, " package headers are unreadable, first ", first_error)));
  }
  return result;
}

// A top-level YAML scalar: plain, where " #" starts a comment, or 'single' / "double" quoted,
// where anything after the closing quote (a comment) is ignored.
std::string YamlScalar(absl::string_view v) {
  v = absl::StripAsciiWhitespace(v);
  std::string out;
  if (!v.empty() && (v[0] == '\'' || v[0] == '"')) {
    const char quote = v[0];
    for (size_t i = 1; i < v.size(); ++i) {
      if (v[i] == quote) {
        // '' is an escaped quote inside single quotes; otherwise the scalar ends here.
        if (quote == '\'' && i + 1 < v.size() && v[i + 1] == '\'') {
          out.push_back('\'');
          ++i;
          continue;
        }
        return out;
      }
      if (quote == '"' && v[i] == '\\' && i + 1 < v.size()) ++i;
      out.push_back(v[i]);
    }
    return out;  // unterminated: take what is there
  }
  size_t comment = v.find(" #");
  if (comment != absl::string_view::npos) {
    v = absl::StripTrailingAsciiWhitespace(v.substr(0, comment));
  }
  return std::string(v);
}

struct SnapYaml {
  std::string name, version, publisher;
  std::vector<std::string> architectures;
};

// snap.yaml is YAML, but the fields wanted here are top-level scalars plus the architectures
// list (block "- amd64" items or a flow "[amd64, arm64]"), so a line reader does.
SnapYaml ParseSnapYaml(absl::string_view text) {
  SnapYaml y;
  bool in_architectures = false;
  ForEachLine(text, [&](absl::string_view line, int) {
    if (absl::StripAsciiWhitespace(line).empty() || line[0] == '#') return;
    const bool indented = line[0] == ' ' || line[0] == '\t' || line[0] == '-';
    if (indented) {
      absl::string_view item = absl::StripAsciiWhitespace(line);
      if (in_architectures && absl::ConsumePrefix(&item, "-")) {
        y.architectures.push_back(YamlScalar(item));
      }
      return;
    }
    in_architectures = false;
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) return;
    absl::string_view key = line.substr(0, colon);
    absl::string_view value = line.substr(colon + 1);
    if (key == "name") {
      y.name = YamlScalar(value);
    } else if (key == "version") {
      y.version = YamlScalar(value);
    } else if (key == "publisher") {
      y.publisher = YamlScalar(value);
    } else if (key == "architectures") {
      value = absl::StripAsciiWhitespace(value);
      if (absl::ConsumePrefix(&value, "[") && absl::ConsumeSuffix(&value, "]")) {
        for (absl::string_view a : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
          y.architectures.push_back(YamlScalar(a));
        }
      } else {
        in_architectures = true;
      }
    }
  });
  return y;
}

// /snap/NAME/current is a symlink to the active revision, which snapd mounts at /snap/NAME/REV.
absl::Status CollectSnap(const std::string& root, Packages* out) {
  const std::string dir = Under(root, "/snap");
  std::vector<std::string> names;
  absl::Status st = ListDir(dir, &names);
  if (absl::IsNotFound(st)) return absl::OkStatus();
  if (!st.ok()) return st;
  absl::Status result;
  std::string revision, yaml_text;
  for (const std::string& name : names) {
    const std::string snap_dir = dir + "/" + name;
    const std::string current = snap_dir + "/current";
    // /snap/bin, /snap/README and snaps half-way through removal have no current revision.
    if (!ReadLink(current, &revision).ok()) continue;
    const std::string yaml_path = ResolveTarget(root, snap_dir, revision) + "/meta/snap.yaml";
    st = ReadFileTo(yaml_path, &yaml_text);
    if (!st.ok()) {
      result.Update(absl::NotFoundError(
          absl::StrCat("snap ", name, " revision ", revision, ": ", st.message())));
      continue;
    }
    SnapYaml y = ParseSnapYaml(yaml_text);
    if (y.name.empty()) {
      result.Update(absl::InvalidArgumentError(absl::StrCat(yaml_path, ": no name")));
      continue;
    }
    v1::SoftwarePackage& p = out->emplace_back();
    p.set_source("snap");
    p.set_name(y.name);
    p.set_version(y.version);
    p.set_architecture(absl::StrJoin(y.architectures, ","));
    p.set_publisher(y.publisher);
    // snapd re-points "current" when it activates a revision: that is when this one arrived.
    if (int64_t t = LinkMtimeSeconds(current); t > 0) SetSeconds(t, p.mutable_install_time());
  }
  return result;
}

// Just enough XML for AppStream metainfo: find start tags outside comments, read attributes
// and text, decode the predefined entities.
std::string XmlUnescape(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == absl::string_view::npos || semi - i > 10) {
      out.push_back(s[i]);
      continue;
    }
    absl::string_view ent = s.substr(i + 1, semi - i - 1);
    static constexpr std::pair<absl::string_view, char> kEntities[] = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    bool known = false;
    for (const auto& [name, c] : kEntities) {
      if (ent == name) {
        out.push_back(c);
        known = true;
      }
    }
    uint32_t code = 0;
    if (!known && absl::ConsumePrefix(&ent, "#")) {
      bool ok = absl::ConsumePrefix(&ent, "x") ? absl::SimpleHexAtoi(ent, &code)
                                               : absl::SimpleAtoi(ent, &code);
      // Metainfo is UTF-8; encode the code point so names like "Ærø" survive.
      if (ok && code > 0 && code < 0x110000) {
        known = true;
        if (code < 0x80) {
          out.push_back(static_cast<char>(code));
        } else if (code < 0x800) {
          out.push_back(static_cast<char>(0xC0 | (code >> 6)));
          out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else if (code < 0x10000) {
          out.push_back(static_cast<char>(0xE0 | (code >> 12)));
          out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else {
          out.push_back(static_cast<char>(0xF0 | (code >> 18)));
          out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        }
      }
    }
    if (known) {
      i = semi;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

struct XmlTag {
  absl::string_view name;
  absl::string_view attributes;
  size_t content = 0;  // offset just past the tag's '>'
};

// The next start tag at or after `*pos`, skipping comments, processing instructions, CDATA and
// end tags. False at the end of the document.
bool NextStartTag(absl::string_view xml, size_t* pos, XmlTag* tag) {
  while (true) {
    size_t lt = xml.find('<', *pos);
    if (lt == absl::string_view::npos) return false;
    absl::string_view rest = xml.substr(lt);
    size_t skip_to = absl::string_view::npos;
    if (absl::StartsWith(rest, "<!--")) {
      skip_to = xml.find("-->", lt);
      if (skip_to != absl::string_view::npos) skip_to += 3;
    } else if (absl::StartsWith(rest, "<![CDATA[")) {
      skip_to = xml.find("]]>", lt);
      if (skip_to != absl::string_view::npos) skip_to += 3;
    } else if (absl::StartsWith(rest, "<?") || absl::StartsWith(rest, "<!") ||
               absl::StartsWith(rest, "</")) {
      skip_to = xml.find('>', lt);
      if (skip_to != absl::string_view::npos) skip_to += 1;
    } else {
      size_t gt = xml.find('>', lt);
      if (gt == absl::string_view::npos) return false;
      absl::string_view inner = xml.substr(lt + 1, gt - lt - 1);
      if (absl::EndsWith(inner, "/")) inner.remove_suffix(1);
      size_t name_end = inner.find_first_of(" \t\r\n");
      tag->name = inner.substr(0, name_end);
      tag->attributes = name_end == absl::string_view::npos ? "" : inner.substr(name_end);
      tag->content = gt + 1;
      *pos = gt + 1;
      return true;
    }
    if (skip_to == absl::string_view::npos) return false;
    *pos = skip_to;
  }
}

// The value of attribute `name` in a start tag's attribute text, or "" if it has none.
std::string XmlAttribute(absl::string_view attributes, absl::string_view name) {
  size_t pos = 0;
  while (pos < attributes.size()) {
    size_t eq = attributes.find('=', pos);
    if (eq == absl::string_view::npos) return "";
    absl::string_view key = absl::StripAsciiWhitespace(attributes.substr(pos, eq - pos));
    size_t q = attributes.find_first_not_of(" \t\r\n", eq + 1);
    if (q == absl::string_view::npos || (attributes[q] != '"' && attributes[q] != '\'')) return "";
    size_t close = attributes.find(attributes[q], q + 1);
    if (close == absl::string_view::npos) return "";
    if (key == name) return XmlUnescape(attributes.substr(q + 1, close - q - 1));
    pos = close + 1;
  }
  return "";
}

std::string XmlText(absl::string_view xml, const XmlTag& tag) {
  size_t end = xml.find('<', tag.content);
  if (end == absl::string_view::npos) return "";
  return XmlUnescape(absl::StripAsciiWhitespace(xml.substr(tag.content, end - tag.content)));
}

struct Metainfo {
  std::string version, developer;
};

// AppStream lists releases newest first. The developer is <developer_name> (older files) or
// <developer><name> (AppStream 1.0); translations carry xml:lang and are skipped.
Metainfo ParseMetainfo(absl::string_view xml) {
  Metainfo m;
  bool have_release = false, in_developer = false;
  size_t pos = 0;
  XmlTag tag;
  while (NextStartTag(xml, &pos, &tag)) {
    const bool translated = absl::StrContains(tag.attributes, "xml:lang");
    if (tag.name == "release" && !have_release) {
      m.version = XmlAttribute(tag.attributes, "version");
      have_release = true;
    } else if (tag.name == "developer_name" && !translated && m.developer.empty()) {
      m.developer = XmlText(xml, tag);
    } else if (tag.name == "developer") {
      in_developer = true;
    } else if (tag.name == "name" && in_developer && !translated && m.developer.empty()) {
      m.developer = XmlText(xml, tag);
    } else if (tag.name != "name") {
      in_developer = false;
    }
  }
  return m;
}

// The "name" key of the [Application] group in a flatpak's metadata keyfile.
std::string FlatpakMetadataName(absl::string_view text) {
  std::string name;
  bool in_application = false;
  ForEachLine(text, [&](absl::string_view line, int) {
    line = absl::StripAsciiWhitespace(line);
    if (absl::StartsWith(line, "[")) {
      in_application = line == "[Application]";
    } else if (in_application && absl::ConsumePrefix(&line, "name=") && name.empty()) {
      name = std::string(line);
    }
  });
  return name;
}

// /var/lib/flatpak/app/ID/current -> ARCH/BRANCH, ARCH/BRANCH/active -> COMMIT, and the
// deployment in ARCH/BRANCH/COMMIT holds "metadata" and the app's files/.
absl::Status CollectFlatpak(const std::string& root, Packages* out) {
  const std::string dir = Under(root, "/var/lib/flatpak/app");
  std::vector<std::string> ids;
  absl::Status st = ListDir(dir, &ids);
  if (absl::IsNotFound(st)) return absl::OkStatus();
  if (!st.ok()) return st;
  absl::Status result;
  std::string current, commit, text;
  for (const std::string& id : ids) {
    const std::string app_dir = dir + "/" + id;
    if (!ReadLink(app_dir + "/current", &current).ok()) continue;  // not (fully) installed
    std::vector<std::string> arch_branch = absl::StrSplit(current, '/');
    if (arch_branch.size() != 2 || arch_branch[0].empty() || arch_branch[1].empty()) {
      result.Update(absl::InvalidArgumentError(
          absl::StrCat("flatpak ", id, ": current points to '", current, "', not ARCH/BRANCH")));
      continue;
    }
    const std::string branch_dir = app_dir + "/" + current;
    const std::string active = branch_dir + "/active";
    st = ReadLink(active, &commit);
    if (!st.ok()) {
      result.Update(absl::NotFoundError(absl::StrCat("flatpak ", id, ": ", st.message())));
      continue;
    }
    const std::string deploy = ResolveTarget(root, branch_dir, commit);
    st = ReadFileTo(deploy + "/metadata", &text);
    if (!st.ok()) {
      result.Update(absl::NotFoundError(absl::StrCat("flatpak ", id, ": ", st.message())));
      continue;
    }
    std::string name = FlatpakMetadataName(text);
    v1::SoftwarePackage& p = out->emplace_back();
    p.set_source("flatpak");
    p.set_name(name.empty() ? id : name);
    p.set_architecture(arch_branch[0]);
    // Older apps install appdata under the pre-2016 name and directory.
    for (const std::string& candidate : {deploy + "/files/share/metainfo/" + id + ".metainfo.xml",
                                         deploy + "/files/share/metainfo/" + id + ".appdata.xml",
                                         deploy + "/files/share/appdata/" + id + ".appdata.xml"}) {
      if (ReadFileTo(candidate, &text).ok()) {
        Metainfo m = ParseMetainfo(text);
        p.set_version(m.version);
        p.set_publisher(m.developer);
        break;
      }
    }
    // flatpak re-points "active" on every deploy of this branch.
    if (int64_t t = LinkMtimeSeconds(active); t > 0) SetSeconds(t, p.mutable_install_time());
  }
  return result;
}

struct SoftwareSource {
  const char* name;
  absl::Status (*collect)(const std::string& root, Packages* out);
};

constexpr SoftwareSource kSoftwareSources[] = {
    {"dpkg", CollectDpkg}, {"rpm", CollectRpm}, {"snap", CollectSnap}, {"flatpak", CollectFlatpak}};

// Runs every software source, reports failures per source and stores the sorted union.
void CollectSoftwareSources(const std::string& root, v1::InventoryReport* report,
                            std::vector<std::pair<std::string, absl::Status>>* failures) {
  Packages packages;
  for (const SoftwareSource& source : kSoftwareSources) {
    absl::Status st = source.collect(root, &packages);
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

bool IsPlaceholder(const std::string& value) {
  absl::string_view v = absl::StripAsciiWhitespace(value);
  // Template strings board vendors leave in SMBIOS; several of them appear on thousands of
  // different machines and would merge them into one asset.
  static constexpr absl::string_view kJunk[] = {
      "To be filled by O.E.M.",
      "To be filled by O.E.M",
      "To be filled by OEM",
      "Default string",
      "Default",
      "System Serial Number",
      "System Product Name",
      "System Manufacturer",
      "System Version",
      "System Name",
      "Chassis Serial Number",
      "Chassis Manufacture",
      "Chassis Version",
      "Base Board Serial Number",
      "Base Board Product Name",
      "Not Specified",
      "Not Applicable",
      "Not Available",
      "Not Present",
      "N/A",
      "NA",
      "None",
      "Null",
      "Unknown",
      "Undefined",
      "Empty",
      "Invalid",
      "OEM",
      "O.E.M.",
      "SKU",
      "Type1ProductConfigId",
      "0123456789",
      "123456789",
      "1234567890",
      "03000200-0400-0500-0006-000700080009",
  };
  for (absl::string_view junk : kJunk) {
    if (absl::EqualsIgnoreCase(v, junk)) return true;
  }
  // Filler: a single character repeated, separators aside ("00000000", "FFFFFFFF-FFFF-...",
  // "........"), or nothing at all.
  char first = 0;
  size_t n = 0;
  for (char c : v) {
    if (c == '-' || c == ' ' || c == ':') continue;
    c = absl::ascii_tolower(static_cast<unsigned char>(c));
    if (n++ == 0) {
      first = c;
    } else if (c != first) {
      return false;
    }
  }
  return true;
}

absl::Status CollectSystem(const std::string& root, v1::InventoryReport* report) {
  absl::Status result;
  std::string hostname = ReadAttr(Under(root, "/proc/sys/kernel/hostname"));
  // "(none)" is the kernel's name for a host nobody has named yet.
  if (hostname.empty() || hostname == "(none)") {
    std::string text;
    if (ReadFileTo(Under(root, "/etc/hostname"), &text).ok()) hostname = ParseEtcHostname(text);
  }
  report->set_hostname(hostname);
  if (!hostname.empty()) {
    // A fixture tree has no resolver of its own; asking the host's DNS about it would be wrong.
    report->set_fqdn(IsRealRoot(root) ? ResolveFqdn(hostname, std::chrono::milliseconds(1500))
                                      : hostname);
  }
  report->set_machine_id(ReadAttr(Under(root, "/etc/machine-id")));

  v1::OperatingSystem os;
  std::string text;
  absl::Status st = ReadFileTo(Under(root, "/etc/os-release"), &text);
  if (absl::IsNotFound(st)) st = ReadFileTo(Under(root, "/usr/lib/os-release"), &text);
  if (st.ok()) {
    ParseOsRelease(text, &os);
  } else if (!absl::IsNotFound(st)) {
    result.Update(st);
  }
  os.set_kernel_release(ReadAttr(Under(root, "/proc/sys/kernel/osrelease")));
  // uname() describes the running kernel, which is not the fixture's.
  utsname uts;
  if (IsRealRoot(root) && uname(&uts) == 0) os.set_architecture(uts.machine);
  if (os.ByteSizeLong() > 0) *report->mutable_os() = std::move(os);

  st = ReadFileTo(Under(root, "/proc/stat"), &text);
  if (st.ok()) {
    ForEachLine(text, [&](absl::string_view line, int) {
      if (!absl::ConsumePrefix(&line, "btime ")) return;
      int64_t btime = 0;
      if (absl::SimpleAtoi(line, &btime) && btime > 0) {
        SetSeconds(btime, report->mutable_boot_time());
      } else {
        result.Update(absl::InvalidArgumentError(
            absl::StrCat("/proc/stat: btime '", line, "' is not a time")));
      }
    });
  } else if (!absl::IsNotFound(st)) {
    result.Update(st);
  }
  return result;
}

absl::Status CollectDmi(const std::string& root, v1::InventoryReport* report) {
  const std::string dir = Under(root, "/sys/class/dmi/id");
  if (!IsDirectory(dir)) return absl::OkStatus();  // ARM boards, VMs without SMBIOS
  auto attr = [&](const char* name) {
    std::string v = ReadAttr(dir + "/" + name);
    return IsPlaceholder(v) ? std::string() : v;
  };
  v1::Hardware hw;
  std::string manufacturer = attr("sys_vendor"), model = attr("product_name");
  // Lenovo puts a machine type ("21AH00BXGE") in product_name and the name people know
  // ("ThinkPad T14 Gen 3") in product_version.
  if (absl::EqualsIgnoreCase(manufacturer, "LENOVO")) {
    if (std::string v = attr("product_version"); !v.empty()) model = v;
  }
  // Self-built PCs keep the board vendor's template strings at the system level but name the
  // mainboard properly, which then is the best description of the machine.
  if (manufacturer.empty() && model.empty()) {
    manufacturer = attr("board_vendor");
    model = attr("board_name");
  }
  hw.set_manufacturer(manufacturer);
  hw.set_model(model);
  hw.set_serial_number(attr("product_serial"));  // root-only; empty for other users
  hw.set_hardware_uuid(Lower(attr("product_uuid")));
  hw.set_bios_vendor(attr("bios_vendor"));
  hw.set_bios_version(attr("bios_version"));
  hw.set_bios_date(attr("bios_date"));
  absl::Status result;
  std::string chassis = ReadAttr(dir + "/chassis_type");
  if (!chassis.empty()) {
    int type = 0;
    if (absl::SimpleAtoi(chassis, &type)) {
      // Bit 7 of the SMBIOS byte is the chassis lock flag, not part of the type.
      hw.set_chassis_type(ChassisTypeName(type & 0x7f));
    } else {
      result = absl::InvalidArgumentError(
          absl::StrCat("/sys/class/dmi/id/chassis_type: '", chassis, "' is not a number"));
    }
  }
  if (hw.ByteSizeLong() > 0) *report->mutable_hardware() = std::move(hw);
  return result;
}

absl::Status CollectCpuMemory(const std::string& root, v1::InventoryReport* report) {
  absl::Status result;
  std::string text;
  absl::Status st = ReadFileTo(Under(root, "/proc/cpuinfo"), &text);
  if (st.ok()) {
    absl::StatusOr<v1::Cpu> cpu = ParseCpuInfo(text);
    if (cpu.ok()) {
      *report->mutable_cpu() = *std::move(cpu);
    } else {
      result.Update(cpu.status());
    }
  } else if (!absl::IsNotFound(st)) {
    result.Update(st);
  }
  st = ReadFileTo(Under(root, "/proc/meminfo"), &text);
  if (st.ok()) {
    absl::StatusOr<int64_t> total = ParseMemTotal(text);
    if (total.ok()) {
      report->set_memory_bytes(*total);
    } else {
      result.Update(total.status());
    }
  } else if (!absl::IsNotFound(st)) {
    result.Update(st);
  }
  return result;
}

absl::Status CollectStorage(const std::string& root, v1::InventoryReport* report) {
  BlockTopology topo;
  absl::Status result = LoadBlockTopology(root, &topo);
  result.Update(CollectDisks(root, topo, report));
  result.Update(CollectFilesystems(root, topo, report));
  return result;
}

absl::Status CollectNetwork(const std::string& root, v1::InventoryReport* report) {
  const std::string dir = Under(root, "/sys/class/net");
  std::vector<std::string> names;
  absl::Status st = ListDir(dir, &names);
  if (absl::IsNotFound(st)) return absl::OkStatus();
  if (!st.ok()) return st;

  absl::Status result;
  std::map<std::string, std::vector<std::string>> addresses;
  if (IsRealRoot(root)) {
    result.Update(AddressesFromGetifaddrs(&addresses));
  } else {
    // A fixture's kernel state is only what its files say, and only IPv6 has a procfs table.
    std::string text;
    st = ReadFileTo(Under(root, "/proc/net/if_inet6"), &text);
    if (st.ok()) {
      result.Update(ParseIfInet6(text, &addresses));
    } else if (!absl::IsNotFound(st)) {
      result.Update(st);
    }
  }
  for (const std::string& name : names) {
    const std::string base = dir + "/" + name;
    // bonding_masters is a plain file next to the interface links.
    if (name == "lo" || !IsDirectory(base)) continue;
    v1::NetworkInterface* iface = report->add_interfaces();
    iface->set_name(name);
    std::string mac = Lower(ReadAttr(base + "/address"));
    if (!IsEmptyMac(mac)) iface->set_mac(mac);
    const std::string operstate = ReadAttr(base + "/operstate");
    // Tunnels and some drivers never report an operational state; carrier still tells.
    iface->set_up(operstate == "up" ||
                  (operstate == "unknown" && ReadAttr(base + "/carrier") == "1"));
    iface->set_physical(PathExists(base + "/device"));
    auto it = addresses.find(name);
    if (it != addresses.end()) {
      for (std::string& a : it->second) iface->add_addresses(std::move(a));
    }
  }
  return result;
}

absl::Status CollectUsers(const std::string& root, v1::InventoryReport* report) {
  absl::Status result;
  std::string text;
  absl::Status st = ReadFileTo(Under(root, "/etc/passwd"), &text);
  if (st.ok()) {
    ForEachLine(text, [&](absl::string_view line, int line_no) {
      // NIS compat entries ("+", "-name") name no local account.
      if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') return;
      std::vector<absl::string_view> f = absl::StrSplit(line, ':');
      int uid = 0;
      if (f.size() != 7 || f[0].empty() || !absl::SimpleAtoi(f[2], &uid)) {
        result.Update(absl::InvalidArgumentError(
            absl::StrCat("/etc/passwd line ", line_no, ": not name:x:uid:gid:gecos:home:shell")));
        return;
      }
      // Debian policy: 1000-59999 are people; below are system accounts, above dynamic ones.
      if (uid < 1000 || uid > 59999 || !IsLoginShell(f[6])) return;
      v1::LocalUser* user = report->add_users();
      user->set_name(std::string(f[0]));
      user->set_uid(uid);
      // GECOS is "full name,room,work phone,home phone,other".
      user->set_full_name(std::string(f[4].substr(0, f[4].find(','))));
      user->set_home(std::string(f[5]));
    });
  } else if (!absl::IsNotFound(st)) {
    result.Update(st);
  }
  absl::StatusOr<std::string> last = LastLoginUser(Under(root, "/var/log/wtmp"));
  if (last.ok()) {
    report->set_last_login_user(*last);
  } else {
    result.Update(last.status());
  }
  return result;
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
