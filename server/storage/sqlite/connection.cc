#include "server/storage/sqlite/connection.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace bestand::sqlite {

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return absl::AlreadyExistsError(absl::StrCat(what, ": ", msg));
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return absl::FailedPreconditionError(
          absl::StrCat(what, ": other records still refer to it or a reference is dangling"));
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
      return absl::InvalidArgumentError(absl::StrCat(what, ": ", msg));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(absl::StrCat(what, ": database is busy"));
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(
          absl::StrCat(what,
                       ": the database is full (the disk holding it has no space left, or "
                       "it reached its size limit); nothing was changed. Free space, then "
                       "try again"));
    default:
      return absl::InternalError(absl::StrCat(what, ": sqlite: ", msg));
  }
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool create) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX, nullptr);
  auto conn = std::unique_ptr<Connection>(new Connection(db));
  if (rc != SQLITE_OK) return SqliteError(db, rc, absl::StrCat("opening ", path));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 10000);
  BESTAND_RETURN_IF_ERROR(conn->Exec("PRAGMA foreign_keys = ON"));
  if (path != ":memory:") {
    BESTAND_RETURN_IF_ERROR(conn->Exec("PRAGMA journal_mode = WAL"));
    // In WAL mode NORMAL loses no committed data on a process crash, only on power loss.
    BESTAND_RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous = NORMAL"));
  }
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, s] : cache_) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

absl::Status Connection::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    absl::Status s = SqliteError(db_, rc, "executing statement");
    sqlite3_free(err);
    return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<Stmt> Connection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "preparing statement");
    it = cache_.emplace(sql, s).first;
  }
  return Stmt(db_, it->second);
}

}  // namespace bestand::sqlite
