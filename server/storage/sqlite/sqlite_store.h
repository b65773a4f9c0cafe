// SQLite implementation of the Store: WAL mode, foreign keys on, one writer connection and a pool
// of reader connections, migrations keyed on PRAGMA user_version. All SQL of Bestand lives in
// this directory, with bound parameters only.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/storage/store.h"

namespace bestand {

struct SqliteOptions {
  // Database file, or ":memory:" for a private in-memory database (readers then share the writer's
  // connection, one transaction at a time).
  std::string path;
  // Reader connections kept open for reuse.
  int max_idle_readers = 8;
  // Create the database when the file is missing (only `init` does). When false, the file must
  // be a Bestand database: FAILED_PRECONDITION for a missing or empty file, one that is not
  // SQLite, or another program's SQLite database.
  bool create = true;
  // The largest the database may grow, in pages of 4 KiB (0: as large as the disk allows).
  // Writes beyond it fail as on a full disk: RESOURCE_EXHAUSTED, nothing changed.
  int64_t max_pages = 0;
};

// The SQLite application id Bestand's databases carry ("BSTD").
inline constexpr int32_t kBestandApplicationId = 0x42535444;

// Opens (creating when missing and `create`) and migrates the database. Fails when the file was
// written by a newer version of Bestand or does not match the resource descriptors.
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

// The schema version this build migrates to.
int SqliteSchemaVersion();

}  // namespace bestand
