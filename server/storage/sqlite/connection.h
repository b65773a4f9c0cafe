// An SQLite connection with its cache of prepared statements, and the statements borrowed from
// it. Errors of SQLite become absl statuses by what they mean to the caller (see SqliteError).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/storage/store.h"

namespace bestand::sqlite {

// The status for SQLite result `rc` while doing `what`: ALREADY_EXISTS for a unique key,
// FAILED_PRECONDITION for a foreign key, INVALID_ARGUMENT for a CHECK or NOT NULL constraint,
// UNAVAILABLE when busy, RESOURCE_EXHAUSTED when the database is full, INTERNAL otherwise.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);

// A prepared statement borrowed from a connection's cache; reset when it goes out of scope.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(std::exchange(o.s_, nullptr)) {}
  Stmt(const Stmt&) = delete;
  ~Stmt() {
    if (s_) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void Bind(int i, absl::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindNull(int i) { sqlite3_bind_null(s_, i); }
  void BindBlob(int i, absl::string_view v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindValue(int i, const FieldValue& v) {
    if (const int64_t* n = std::get_if<int64_t>(&v)) {
      Bind(i, *n);
    } else {
      Bind(i, std::get<std::string>(v));
    }
  }
  // True when a row is available, false when done.
  absl::StatusOr<bool> Step(absl::string_view what) {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, rc, what);
  }
  absl::Status Run(absl::string_view what) { return Step(what).status(); }
  sqlite3_stmt* raw() { return s_; }
  bool IsNull(int col) { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  int64_t Int(int col) { return sqlite3_column_int64(s_, col); }
  std::string Text(int col) {
    // sqlite3_column_blob returns TEXT and BLOB bytes alike, without conversion.
    const void* p = sqlite3_column_blob(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

// One connection, used by one thread at a time.
class Connection {
 public:
  // Opens `path` (creating it when missing and `create`) with foreign keys on and, for a file,
  // WAL journaling with synchronous NORMAL.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path,
                                                          bool create = true);
  Connection(const Connection&) = delete;
  ~Connection();

  // Runs `sql` (any number of statements) without caching it.
  absl::Status Exec(const std::string& sql);
  // The cached statement for `sql`, prepared on first use.
  absl::StatusOr<Stmt> Prepare(const std::string& sql);

  sqlite3* db() { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace bestand::sqlite
