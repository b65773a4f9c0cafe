// The operating system: os-release(5), the kernel release and the architecture.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/agent.pb.h"

namespace bestand::agent::collect {

// One os-release(5) value, surrounding whitespace stripped. The values are shell-like: bare,
// 'single quoted' (taken literally) or "double quoted" with backslash escapes (a backslash
// takes the next character literally).
std::string OsReleaseValue(absl::string_view v);

// Sets id, pretty_name and version_id of `*os` from the ID, PRETTY_NAME and VERSION_ID
// assignments in os-release(5) `text`; the last assignment of a key wins. Lines that are no
// assignment are ignored, as the format says, so nothing is an error.
void ParseOsRelease(absl::string_view text, v1::OperatingSystem* os);

// report.os from /etc/os-release (else /usr/lib/os-release), /proc/sys/kernel/osrelease and, on
// the real root only, uname()'s machine; left unset when none of them says anything. Absent
// files are no error; an os-release that cannot be read is (and the rest is still filled).
absl::Status CollectOperatingSystem(const std::string& root, v1::InventoryReport* report);

}  // namespace bestand::agent::collect
