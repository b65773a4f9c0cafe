#include "agent/collect/linux/os_release.h"

#include <sys/utsname.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent::collect {

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

absl::Status CollectOperatingSystem(const std::string& root, v1::InventoryReport* report) {
  absl::Status result;
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
  return result;
}

}  // namespace bestand::agent::collect
