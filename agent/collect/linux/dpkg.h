// Debian packages: /var/lib/dpkg/status, install times from /var/lib/dpkg/info/*.list.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent::collect {

// An installed package's fields from /var/lib/dpkg/status, as views into the status text;
// fields the stanza lacks are empty.
struct DpkgPackage {
  absl::string_view package, architecture, version, maintainer, multi_arch;
};

// True for a dpkg "want flag status" Status value of a fully installed package, held or not
// ("install ok installed", "hold ok installed"); false for everything else, including a removed
// package's leftover conffiles ("deinstall ok config-files").
bool IsInstalledStatus(absl::string_view status);

// Appends the installed packages (IsInstalledStatus) of deb822 /var/lib/dpkg/status `text` to
// `*installed`, in file order. Field names are case-insensitive, values whitespace-stripped,
// continuation lines ignored, a trailing "\r" dropped. A stanza with a line that is no
// "Field: value" is dropped, and so is one without a Package field; each is an error
// (InvalidArgument "dpkg status line N: expected 'Field: value'" or "dpkg status line N: stanza
// without a Package field", the first of them), and the other stanzas are still read.
absl::Status ParseDpkgStatus(absl::string_view text, std::vector<DpkgPackage>* installed);

// Appends dpkg's installed packages to `*out` (source "dpkg"; the publisher is the maintainer),
// with the mtime of the package's file list as install time. No dpkg status file is no error;
// one that cannot be read is, and so is a malformed one (ParseDpkgStatus: its good stanzas are
// still appended).
absl::Status CollectDpkg(const std::string& root, Packages* out);

}  // namespace bestand::agent::collect
