// Versioned schema migrations; migration i (0-based) moves user_version from i to i+1.
#pragma once

#include <span>

#include "absl/strings/string_view.h"

namespace bestand::sqlite_schema {

std::span<const absl::string_view> Migrations();

}  // namespace bestand::sqlite_schema
