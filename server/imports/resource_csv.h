// A CSV file of one collection's resources, as a spreadsheet exports it: a header row of field
// names (compared ignoring case, spaces and underscores), one resource per row.
#pragma once

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/core/inventory.h"
#include "server/imports/import_result.h"

namespace bestand {

// Imports `content` into `collection` through `inventory` in one transaction (none when
// `dry_run`). Rows match stored resources by `name` or a natural key and update them; others
// are created. Output-only columns other than `name` are ignored. `progress(done, total)` is
// called every `progress_every` rows. When `cancelled()` turns true (the caller went away) the
// import stops and nothing is written: CANCELLED. A bad file or row is INVALID_ARGUMENT "line L,
// column 'C': ..." (or "line L: ...") and nothing is imported.
absl::StatusOr<ImportResult> ImportResourceCsv(
    Inventory& inventory, absl::string_view actor, absl::string_view collection,
    absl::string_view content, bool dry_run, const std::function<void(int64_t, int64_t)>& progress,
    int progress_every = 500, const std::function<bool()>& cancelled = nullptr);

}  // namespace bestand
