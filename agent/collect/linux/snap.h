// Snap packages: /snap/NAME/current/meta/snap.yaml.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent::collect {

// A top-level YAML scalar, surrounding whitespace stripped: plain, where " #" starts a comment;
// 'single quoted', where '' is a quote; or "double quoted", where a backslash takes the next
// character literally. Anything after the closing quote is ignored; an unterminated quoted
// scalar yields what follows the opening quote.
std::string YamlScalar(absl::string_view v);

// What snap.yaml says about a snap; fields it lacks are empty.
struct SnapYaml {
  std::string name, version, publisher;
  std::vector<std::string> architectures;
};

// The top-level name, version and publisher of snap.yaml `text` and its architectures, a block
// list ("- amd64" lines) or a flow list ("[amd64, arm64]"). Lines it does not understand are
// ignored; nothing is an error.
SnapYaml ParseSnapYaml(absl::string_view text);

// Appends the active revision of every snap in /snap to `*out`: source "snap", architectures
// joined by ",", install time from when "current" was last re-pointed. Entries without a
// current revision are skipped. No /snap is no error; one that cannot be listed is, and so is a
// snap.yaml that cannot be read (NotFound "snap NAME revision REV: ...") or has no name
// (InvalidArgument "PATH: no name"); the other snaps are still appended.
absl::Status CollectSnap(const std::string& root, Packages* out);

}  // namespace bestand::agent::collect
