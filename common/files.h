// Reading whole files.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace bestand {

// The whole file; NOT_FOUND naming the path when it cannot be read.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace bestand
