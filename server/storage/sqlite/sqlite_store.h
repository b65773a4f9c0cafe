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
};

// Opens (creating when missing) and migrates the database. Fails when the file was written by a
// newer version of Bestand or does not match the resource descriptors.
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

// The schema version this build migrates to.
int SqliteSchemaVersion();

}  // namespace bestand
