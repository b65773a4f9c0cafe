#include "agent/collect/linux/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace bestand::agent::collect {

bool IsRealRoot(const std::string& root) { return root.empty() || root == "/"; }

// Plain string joining rather than chroot-like resolution: an absolute symlink inside a fixture
// tree would escape it, but the collectors resolve the few symlinks they care about (snap,
// flatpak) themselves.
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

// procfs and sysfs report a size of 0 or 4096 whatever they hold, so this reads to EOF instead
// of trusting st_size; for regular files st_size makes it one read.
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

// "" rather than an error: these attributes are optional (many sysfs files exist only for some
// devices, DMI serials only for root).
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

// Sorted so reports are stable.
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

std::string ResolveTarget(const std::string& root, const std::string& dir,
                          const std::string& target) {
  return absl::StartsWith(target, "/") ? Under(root, target) : dir + "/" + target;
}

int64_t MtimeSeconds(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_mtime) : 0;
}

int64_t LinkMtimeSeconds(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_mtime) : 0;
}

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

void SetSeconds(int64_t seconds, google::protobuf::Timestamp* ts) {
  ts->set_seconds(seconds);
  ts->set_nanos(0);
}

}  // namespace bestand::agent::collect
