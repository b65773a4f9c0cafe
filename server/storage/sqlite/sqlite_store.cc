#include "server/storage/sqlite/sqlite_store.h"

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/storage/sqlite/connection.h"
#include "server/storage/sqlite/resource_mapping.h"
#include "server/storage/sqlite/schema.h"
#include "server/storage/sqlite/sqlite_tx.h"

namespace bestand {
namespace {

using sqlite::Connection;
using sqlite::Mapping;
using sqlite::Mappings;
using sqlite::NewTx;
using sqlite::Stmt;

absl::Status Migrate(Connection& conn) {
  int64_t version = 0;
  {  // a statement left active would keep DROP TABLE from running
    BESTAND_ASSIGN_OR_RETURN(Stmt st, conn.Prepare("PRAGMA user_version"));
    BESTAND_RETURN_IF_ERROR(st.Run("reading the schema version"));
    version = st.Int(0);
  }
  auto migrations = sqlite_schema::Migrations();
  if (version > static_cast<int64_t>(migrations.size())) {
    return absl::FailedPreconditionError(
        absl::StrCat("the database has schema version ", version, " but this build knows only ",
                     migrations.size(), "; use a newer bestand-server"));
  }
  // Migrations rebuild tables that others refer to: foreign keys are checked once at the end of
  // each migration instead of on every statement (SQLite's documented procedure).
  BESTAND_RETURN_IF_ERROR(conn.Exec("PRAGMA foreign_keys = OFF"));
  for (size_t v = static_cast<size_t>(version); v < migrations.size(); ++v) {
    BESTAND_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
    absl::Status s = conn.Exec(std::string(migrations[v]));
    if (s.ok()) {
      BESTAND_ASSIGN_OR_RETURN(Stmt check, conn.Prepare("PRAGMA foreign_key_check"));
      BESTAND_ASSIGN_OR_RETURN(bool dangling, check.Step("checking foreign keys"));
      if (dangling) {
        s = absl::DataLossError(absl::StrCat("table ", check.Text(0), " row ", check.Int(1),
                                             " refers to a missing row of ", check.Text(2)));
      }
    }
    if (s.ok()) s = conn.Exec(absl::StrCat("PRAGMA user_version = ", v + 1));
    if (s.ok()) s = conn.Exec(absl::StrCat("PRAGMA application_id = ", kBestandApplicationId));
    if (s.ok()) s = conn.Exec("COMMIT");
    if (!s.ok()) {
      conn.Exec("ROLLBACK").IgnoreError();
      conn.Exec("PRAGMA foreign_keys = ON").IgnoreError();
      return absl::InternalError(absl::StrCat("migration ", v + 1, " failed: ", s.message()));
    }
  }
  return conn.Exec("PRAGMA foreign_keys = ON");
}

// Checks that every stored field of every resource has its column, so a proto change without a
// migration fails at start-up instead of on first use.
absl::Status CheckSchema(Connection& conn) {
  for (const Mapping& m : Mappings()) {
    absl::StatusOr<Stmt> st = conn.Prepare(m.select + " LIMIT 0");
    if (!st.ok()) {
      return absl::InternalError(absl::StrCat("the database does not match the ", m.spec->noun,
                                              " resource: ", st.status().message()));
    }
  }
  return absl::OkStatus();
}

class SqliteStore : public Store {
 public:
  SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer)
      : options_(std::move(options)), writer_(std::move(writer)) {}

  absl::StatusOr<std::unique_ptr<ReadTx>> BeginRead() override {
    if (options_.path == ":memory:") {
      std::unique_lock lock(writer_mu_);
      BESTAND_RETURN_IF_ERROR(writer_->Exec("BEGIN"));
      return std::unique_ptr<ReadTx>(NewTx(
          writer_.get(),
          [l = std::make_shared<std::unique_lock<std::mutex>>(std::move(lock))] { l->unlock(); }));
    }
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard lock(pool_mu_);
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!conn) {
      BESTAND_ASSIGN_OR_RETURN(conn, Connection::Open(options_.path));
    }
    BESTAND_RETURN_IF_ERROR(conn->Exec("BEGIN"));
    Connection* raw = conn.release();
    return std::unique_ptr<ReadTx>(NewTx(raw, [this, raw] {
      std::unique_ptr<Connection> c(raw);
      std::lock_guard lock(pool_mu_);
      if (static_cast<int>(idle_.size()) < options_.max_idle_readers) {
        idle_.push_back(std::move(c));
      }
    }));
  }

  absl::StatusOr<std::unique_ptr<WriteTx>> TryBeginWrite() override {
    std::unique_lock lock(writer_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return absl::UnavailableError("the writer is busy");
    return Begin(std::move(lock));
  }

  absl::StatusOr<std::unique_ptr<WriteTx>> BeginWrite() override {
    return Begin(std::unique_lock(writer_mu_));
  }

  uint64_t WriteGeneration() const override { return generation_.load(std::memory_order_acquire); }

 private:
  absl::StatusOr<std::unique_ptr<WriteTx>> Begin(std::unique_lock<std::mutex> lock) {
    {
      BESTAND_ASSIGN_OR_RETURN(Stmt begin, writer_->Prepare("BEGIN IMMEDIATE"));
      BESTAND_RETURN_IF_ERROR(begin.Run("starting a write transaction"));
    }
    return NewTx(writer_.get(),
                 [this, l = std::make_shared<std::unique_lock<std::mutex>>(std::move(lock))] {
                   generation_.fetch_add(1, std::memory_order_release);
                   l->unlock();
                 });
  }

  SqliteOptions options_;
  std::mutex writer_mu_;
  std::unique_ptr<Connection> writer_;
  std::atomic<uint64_t> generation_{0};
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace

int SqliteSchemaVersion() { return static_cast<int>(sqlite_schema::Migrations().size()); }

namespace {

// Refuses a file that is not a Bestand database, before SQLite opens it (which would make an
// empty file a fresh database).
absl::Status CheckExistingFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("there is no database at ", path,
                     "; only 'bestand-server init' creates one (in a new data directory)"));
  }
  if (st.st_size == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " is empty (0 bytes), not a Bestand database: restore it from a backup"));
  }
  char header[16] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(header, sizeof header);
  if (!in || std::string(header, sizeof header) != std::string("SQLite format 3\0", 16)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is not an SQLite database, so not Bestand's"));
  }
  return absl::OkStatus();
}

// An existing database must be Bestand's: its application id, or (databases of versions before
// the id was set) a schema version and Bestand's audit table.
absl::Status CheckBestandDatabase(Connection& conn, const std::string& path) {
  BESTAND_ASSIGN_OR_RETURN(Stmt id, conn.Prepare("PRAGMA application_id"));
  BESTAND_RETURN_IF_ERROR(id.Run("reading the application id"));
  if (id.Int(0) == kBestandApplicationId) return absl::OkStatus();
  BESTAND_ASSIGN_OR_RETURN(
      Stmt audit, conn.Prepare("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND "
                               "name IN ('audit_events', 'tokens')"));
  BESTAND_RETURN_IF_ERROR(audit.Run("reading the schema"));
  if (id.Int(0) == 0 && audit.Int(0) == 2) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(path, " is an SQLite database, but not Bestand's"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  if (!options.create) BESTAND_RETURN_IF_ERROR(CheckExistingFile(options.path));
  BESTAND_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                           Connection::Open(options.path, options.create));
  if (options.max_pages > 0) {
    BESTAND_RETURN_IF_ERROR(
        writer->Exec(absl::StrCat("PRAGMA max_page_count = ", options.max_pages)));
  }
  if (!options.create) BESTAND_RETURN_IF_ERROR(CheckBestandDatabase(*writer, options.path));
  BESTAND_RETURN_IF_ERROR(Migrate(*writer));
  BESTAND_RETURN_IF_ERROR(CheckSchema(*writer));
  return std::unique_ptr<Store>(new SqliteStore(options, std::move(writer)));
}

}  // namespace bestand