// What the Linux collectors share: files under the injectable root directory, lines of text,
// timestamps. Everything under agent/collect/linux/ lives in bestand::agent::collect; the public
// interface is agent/collect/collectors.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/agent.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace bestand::agent::collect {

// ---------------------------------------------------------------------------------------------
// Files under the root.

// True when `root` is this machine's own root ("" or "/") rather than a fixture tree: only then
// may a collector ask the running kernel, the resolver or the device numbers.
bool IsRealRoot(const std::string& root);

// `path` (absolute) inside `root`: `path` itself on the real root, otherwise `root` (trailing
// slashes dropped) followed by `path`. Symlinks are not resolved.
std::string Under(const std::string& root, absl::string_view path);

// absl::ErrnoToStatus(err, path), except that ENOTDIR also yields NotFound.
absl::Status FileError(int err, absl::string_view path);

// Reads the whole file at `path` into `*out`, to EOF whatever size the file reports. Errors are
// FileError's (NotFound when the file or a directory on its path is absent); `*out` is then
// empty.
absl::Status ReadFileTo(const std::string& path, std::string* out);

// The contents of the file at `path` with surrounding ASCII whitespace stripped, or "" when it
// cannot be read.
std::string ReadAttr(const std::string& path);

// True when stat() succeeds on `path` (symlinks followed).
bool PathExists(const std::string& path);
// True when `path` is a directory or a symlink to one.
bool IsDirectory(const std::string& path);

// The entry names of directory `path` without "." and "..", sorted. Errors are FileError's.
absl::Status ListDir(const std::string& path, std::vector<std::string>* names);

// The target of symlink `path`. Errors are FileError's, or InvalidArgument when the target does
// not fit in PATH_MAX.
absl::Status ReadLink(const std::string& path, std::string* target);

// Where symlink target `target`, read from a link in directory `dir`, points: an absolute
// target inside `root`, a relative one next to the link.
std::string ResolveTarget(const std::string& root, const std::string& dir,
                          const std::string& target);

// The modification time of `path` in seconds since the epoch, following symlinks (MtimeSeconds)
// or of the symlink itself (LinkMtimeSeconds); 0 when it cannot be stat'ed.
int64_t MtimeSeconds(const std::string& path);
int64_t LinkMtimeSeconds(const std::string& path);

// ---------------------------------------------------------------------------------------------
// Text.

// Calls `fn(line, line_number)` for every line of `text` (without the newline), numbering from
// 1. A final line without a newline counts; the empty text has no lines.
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

// ASCII lower-casing; other bytes stay as they are.
std::string Lower(absl::string_view s);

// ---------------------------------------------------------------------------------------------
// Reports.

// Sets `*ts` to whole `seconds` since the epoch.
void SetSeconds(int64_t seconds, google::protobuf::Timestamp* ts);

// What each software source appends to; CollectSoftware sorts the union.
using Packages = std::vector<v1::SoftwarePackage>;

}  // namespace bestand::agent::collect
