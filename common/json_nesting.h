// A bound on how deep JSON nests, checked before any parser sees the text: protobuf's JSON
// parser recurses per level and takes quadratic time on deep nesting, so text nested deeper
// than a format needs is refused at once, in one linear pass without allocating.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace bestand {

// INVALID_ARGUMENT when objects and arrays nest deeper than `max_depth` (the top-level value
// is depth 1). Brackets inside strings do not count. Says nothing about whether the rest is
// valid JSON: that is the parser's job.
absl::Status CheckJsonNesting(absl::string_view json, int max_depth);

}  // namespace bestand
