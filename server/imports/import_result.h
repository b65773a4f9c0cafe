// What every import reports, and the bounds every import file is held to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bestand {

// Bounds of an import file; beyond them the import is INVALID_ARGUMENT and changes nothing.
inline constexpr size_t kMaxImportBytes = 16 * 1024 * 1024;
inline constexpr size_t kMaxImportRows = 50000;

struct ImportResult {
  int64_t rows = 0;
  int64_t created = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  // Directory exports: accounts the file no longer lists, and how many were marked deleted.
  std::vector<std::string> missing;
  int64_t deleted = 0;
};

}  // namespace bestand
