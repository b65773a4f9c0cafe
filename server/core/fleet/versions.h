// Debian's version ordering, used to tell upgrades from downgrades in software history.
#pragma once

#include "absl/strings/string_view.h"

namespace bestand {

// Debian's version ordering (epoch, upstream, revision; '~' sorts before everything): <0, 0, >0.
int CompareVersions(absl::string_view a, absl::string_view b);

}  // namespace bestand
