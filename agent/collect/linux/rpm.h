// RPM packages: the headers in rpm's SQLite database (rpmdb.sqlite).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent::collect {

// What an RPM header says about a package; fields it lacks are empty or 0.
struct RpmPackage {
  std::string name, version, release, vendor, arch;
  int64_t install_time = 0;
};

// The NAME, VERSION, RELEASE, VENDOR, ARCH and INSTALLTIME of the RPM header `blob` (as rpm
// stores it in rpmdb.sqlite: big-endian entry count and data size, the 16-byte index entries,
// then the data; of an I18N string or string array the first string). InvalidArgument, with a
// message that names the fault, when the header is truncated or implausibly large, when one of
// these entries has the wrong type or points outside the data, and when it has no NAME.
absl::StatusOr<RpmPackage> ParseRpmHeader(absl::string_view blob);

// Appends the packages in /var/lib/rpm/rpmdb.sqlite (or /usr/lib/sysimage/rpm/rpmdb.sqlite) to
// `*out`: source "rpm", version "VERSION-RELEASE", the vendor as publisher; the gpg-pubkey
// pseudo-packages are left out. No database is no error. One that cannot be opened or queried
// is an error; so are unreadable headers, reported once with their count and the first fault,
// while the readable ones are still appended.
absl::Status CollectRpm(const std::string& root, Packages* out);

}  // namespace bestand::agent::collect
