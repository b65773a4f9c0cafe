// Flatpak apps: /var/lib/flatpak/app, their metadata keyfile and AppStream metainfo.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent::collect {

// What AppStream metainfo says about an app; fields it lacks are empty.
struct Metainfo {
  std::string version, developer;
};

// From AppStream metainfo `xml`: the version of the first <release> (AppStream lists them
// newest first) and the untranslated developer, <developer_name> (older files) or
// <developer><name> (AppStream 1.0), whichever comes first; read with expat (common/xml.h). A
// file that is no well-formed XML, or has a DOCTYPE, says nothing; nothing is an error.
Metainfo ParseMetainfo(absl::string_view xml);

// The first "name=" key of the [Application] group in flatpak metadata keyfile `text`, or "".
std::string FlatpakMetadataName(absl::string_view text);

// Appends the active deployment of every app in /var/lib/flatpak/app to `*out`: source
// "flatpak", the metadata name (else the app ID), architecture, version and developer from the
// metainfo (if any), install time from when "active" was last re-pointed. Apps without a
// "current" link are skipped. No app directory is no error; one that cannot be listed is, and
// so is an app whose "current" is not ARCH/BRANCH (InvalidArgument) or whose "active" or
// metadata cannot be read (NotFound), each naming the app; the other apps are still appended.
absl::Status CollectFlatpak(const std::string& root, Packages* out);

}  // namespace bestand::agent::collect
