#include "server/storage/sqlite/sqlite_store.h"

#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bestand/v1/inventory.pb.h"
#include "common/time.h"
#include "gtest/gtest.h"
#include "server/storage/sqlite/schema.h"
#include "tests/test_util.h"

namespace bestand {
namespace {

using testing::ExecSql;
using testing::QuerySql;
using testing::TempDir;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = OpenSqliteStore({.path = dir_.File("t.db")});
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }

  int64_t InsertPerson(const std::string& email, const std::string& department = "") {
    auto tx = store_->BeginWrite();
    EXPECT_TRUE(tx.ok());
    v1::Person p;
    p.set_email(email);
    p.set_display_name("Name of " + email);
    p.set_department(department);
    auto id = (*tx)->Insert(Kind::kPerson, p);
    EXPECT_TRUE(id.ok()) << id.status();
    EXPECT_TRUE((*tx)->Commit().ok());
    return id.value_or(0);
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, RoundTripsEveryKindOfField) {
  int64_t person = InsertPerson("jw@firma.de");
  v1::Device d;
  d.set_asset_tag("NB-0042");
  d.set_type(v1::Device::LAPTOP);
  d.set_serial_number("PF3XK2L9");
  d.set_assignee("people/" + std::to_string(person));
  d.set_purchase_price_minor(129999);
  d.set_notes("Größe: 14\"\nmit Dockingstation");
  *d.mutable_create_time() = FromMicros(1764300000123456);
  d.set_hardware_uuid("4c4c4544-0058-4b10-8032-b7c04f514833");
  auto tx = store_->BeginWrite();
  ASSERT_TRUE(tx.ok());
  auto id = (*tx)->Insert(Kind::kDevice, d);
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE((*tx)->Commit().ok());

  auto rtx = store_->BeginRead();
  ASSERT_TRUE(rtx.ok());
  v1::Device got;
  ASSERT_TRUE(*(*rtx)->Get(Kind::kDevice, *id, &got));
  d.set_name("devices/" + std::to_string(*id));
  EXPECT_EQ(got.SerializeAsString(), d.SerializeAsString()) << got.DebugString();
}

TEST_F(SqliteStoreTest, MigratesToCurrentVersionAndRefusesNewerDatabases) {
  store_.reset();
  ExecSql(dir_.File("t.db"), "PRAGMA user_version = 99");
  auto s = OpenSqliteStore({.path = dir_.File("t.db")});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("99"), absl::string_view::npos);
}

TEST_F(SqliteStoreTest, MigrationThreeKeepsPackagesAndTheirHistory) {
  // A version 2 database with two packages of one publisher, a device's set and an event.
  store_.reset();
  const std::string db = dir_.File("v2.db");
  auto migrations = sqlite_schema::Migrations();
  ExecSql(db, std::string(migrations[0]) + std::string(migrations[1]) + R"sql(
    PRAGMA user_version = 2;
    INSERT INTO devices (id, asset_tag, create_time, update_time) VALUES (1, 'NB-1', 0, 0);
    INSERT INTO software_publishers (id, name) VALUES (7, 'Debian');
    INSERT INTO software_packages (id, name, version, architecture, source, publisher_id)
      VALUES (3, 'bash', '5.2-2', 'amd64', 'dpkg', 7), (5, 'vim', '9.0-1', 'amd64', 'dpkg', 7);
    INSERT INTO device_software (device_id, packages, set_hash) VALUES (1, x'01', 'h');
    INSERT INTO software_events (device_id, time, kind, package_id) VALUES (1, 10, 1, 5);
  )sql");
  auto s = OpenSqliteStore({.path = db});
  ASSERT_TRUE(s.ok()) << s.status();
  auto tx = (*s)->BeginRead();
  ASSERT_TRUE(tx.ok());
  auto packages = (*tx)->GetPackages({3, 5});
  ASSERT_TRUE(packages.ok()) << packages.status();
  ASSERT_EQ(packages->size(), 2u);
  EXPECT_EQ((*packages)[1].name, "vim");
  EXPECT_EQ((*packages)[1].version, "9.0-1");
  EXPECT_EQ((*packages)[1].architecture, "amd64");
  EXPECT_EQ((*packages)[1].source, "dpkg");
  EXPECT_EQ((*packages)[1].publisher, "Debian");
  auto events = (*tx)->ListSoftwareEvents(1, 0, 10);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].package_id, 5);
  EXPECT_EQ(QuerySql(db, "SELECT count(*) FROM software_origins"), "1\n");
}

TEST_F(SqliteStoreTest, DuplicateNaturalKeyIsAlreadyExistsIgnoringCase) {
  InsertPerson("anna@firma.de");
  auto tx = store_->BeginWrite();
  ASSERT_TRUE(tx.ok());
  v1::Person p;
  p.set_email("ANNA@firma.de");
  p.set_display_name("Anna");
  EXPECT_EQ((*tx)->Insert(Kind::kPerson, p).status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(SqliteStoreTest, DanglingReferenceIsRefused) {
  auto tx = store_->BeginWrite();
  ASSERT_TRUE(tx.ok());
  v1::Device d;
  d.set_assignee("people/999");
  EXPECT_EQ((*tx)->Insert(Kind::kDevice, d).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SqliteStoreTest, UncommittedWritesRollBack) {
  {
    auto tx = store_->BeginWrite();
    ASSERT_TRUE(tx.ok());
    v1::Person p;
    p.set_email("gone@firma.de");
    p.set_display_name("Gone");
    ASSERT_TRUE((*tx)->Insert(Kind::kPerson, p).ok());
  }
  auto rtx = store_->BeginRead();
  ASSERT_TRUE(rtx.ok());
  EXPECT_EQ(*(*rtx)->Count(Kind::kPerson, {}), 0);
}

TEST_F(SqliteStoreTest, ReadersSeeOnlyCommittedStateWhileTheWriterWorks) {
  InsertPerson("a@firma.de");
  auto wtx = store_->BeginWrite();
  ASSERT_TRUE(wtx.ok());
  v1::Person p;
  p.set_email("b@firma.de");
  p.set_display_name("B");
  ASSERT_TRUE((*wtx)->Insert(Kind::kPerson, p).ok());
  // A reader on another thread is not blocked by the open write transaction (WAL).
  int64_t seen = -1;
  std::thread reader([&] {
    auto rtx = store_->BeginRead();
    ASSERT_TRUE(rtx.ok());
    seen = *(*rtx)->Count(Kind::kPerson, {});
  });
  reader.join();
  EXPECT_EQ(seen, 1);
  ASSERT_TRUE((*wtx)->Commit().ok());
  auto rtx = store_->BeginRead();
  EXPECT_EQ(*(*rtx)->Count(Kind::kPerson, {}), 2);
}

TEST_F(SqliteStoreTest, ListFiltersSearchesAndPagesById) {
  for (int i = 0; i < 10; ++i) {
    InsertPerson("p" + std::to_string(i) + "@firma.de", i % 2 ? "Vertrieb" : "Technik");
  }
  auto rtx = store_->BeginRead();
  ASSERT_TRUE(rtx.ok());
  std::vector<int64_t> ids;
  ListQuery q;
  q.equals.push_back({"department", std::string("Vertrieb")});
  q.after_id = 2;
  q.limit = 3;
  ASSERT_TRUE((*rtx)
                  ->List(Kind::kPerson, q,
                         [&](int64_t id, const google::protobuf::Message&) {
                           ids.push_back(id);
                           return absl::OkStatus();
                         })
                  .ok());
  EXPECT_EQ(ids, (std::vector<int64_t>{4, 6, 8}));

  ListQuery search;
  search.search = "P7@";
  int found = 0;
  ASSERT_TRUE((*rtx)
                  ->List(Kind::kPerson, search,
                         [&](int64_t, const google::protobuf::Message& m) {
                           EXPECT_EQ(static_cast<const v1::Person&>(m).email(), "p7@firma.de");
                           ++found;
                           return absl::OkStatus();
                         })
                  .ok());
  EXPECT_EQ(found, 1);
}

TEST_F(SqliteStoreTest, LicenseAssignedSeatsIsComputed) {
  int64_t a = InsertPerson("a@firma.de");
  int64_t b = InsertPerson("b@firma.de");
  auto tx = store_->BeginWrite();
  ASSERT_TRUE(tx.ok());
  v1::License l;
  l.set_display_name("Office");
  l.set_seats(5);
  int64_t lid = *(*tx)->Insert(Kind::kLicense, l);
  for (int64_t p : {a, b}) {
    v1::LicenseAssignment as;
    as.set_license("licenses/" + std::to_string(lid));
    as.set_person("people/" + std::to_string(p));
    ASSERT_TRUE((*tx)->Insert(Kind::kLicenseAssignment, as).ok());
  }
  v1::License got;
  ASSERT_TRUE(*(*tx)->Get(Kind::kLicense, lid, &got));
  EXPECT_EQ(got.assigned_seats(), 2);
}

TEST(SqliteOpenTest, OnlyABestandDatabaseIsOpenedWhenNothingMayBeCreated) {
  TempDir dir;
  // Missing: nothing is created.
  auto missing = OpenSqliteStore({.path = dir.File("none.db"), .create = false});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "only 'bestand-server init'"));
  EXPECT_FALSE(std::filesystem::exists(dir.File("none.db")));
  // Empty (a truncated file): refused, not started as a fresh database without tokens.
  { std::ofstream(dir.File("empty.db")); }
  auto empty = OpenSqliteStore({.path = dir.File("empty.db"), .create = false});
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(empty.status().message(), "is empty (0 bytes)"));
  EXPECT_EQ(std::filesystem::file_size(dir.File("empty.db")), 0u) << "left as it was";
  // Not SQLite at all.
  { std::ofstream(dir.File("text.db")) << "name,email\nAnna,anna@firma.de\n"; }
  auto text = OpenSqliteStore({.path = dir.File("text.db"), .create = false});
  EXPECT_TRUE(absl::StrContains(text.status().message(), "is not an SQLite database"));
  // Another program's SQLite database.
  ExecSql(dir.File("other.db"), "CREATE TABLE recipes (name TEXT)");
  auto other = OpenSqliteStore({.path = dir.File("other.db"), .create = false});
  EXPECT_TRUE(absl::StrContains(other.status().message(), "but not Bestand's"));
  EXPECT_EQ(QuerySql(dir.File("other.db"), "PRAGMA user_version"), "0\n") << "not migrated";
  // Bestand's: created once, then opened.
  ASSERT_TRUE(OpenSqliteStore({.path = dir.File("b.db")}).ok());
  EXPECT_EQ(QuerySql(dir.File("b.db"), "PRAGMA application_id"),
            absl::StrCat(kBestandApplicationId, "\n"));
  EXPECT_TRUE(OpenSqliteStore({.path = dir.File("b.db"), .create = false}).ok());
}

TEST(SqliteOpenTest, AFullDatabaseIsResourceExhaustedAndChangesNothing) {
  TempDir dir;
  ASSERT_TRUE(OpenSqliteStore({.path = dir.File("t.db")}).ok());
  const std::string pages = QuerySql(dir.File("t.db"), "PRAGMA page_count");
  auto store = OpenSqliteStore({.path = dir.File("t.db"), .max_pages = std::stoll(pages) + 2});
  ASSERT_TRUE(store.ok()) << store.status();
  absl::Status failed;
  int stored = 0;
  for (int i = 0; i < 1000 && failed.ok(); ++i) {
    auto tx = (*store)->BeginWrite();
    ASSERT_TRUE(tx.ok());
    v1::Person p;
    p.set_email(absl::StrCat("p", i, "@firma.de"));
    p.set_display_name(std::string(150, 'x'));
    p.set_notes(std::string(1500, 'n'));
    failed = (*tx)->Insert(Kind::kPerson, p).status();
    if (failed.ok()) failed = (*tx)->Commit();
    if (failed.ok()) ++stored;
  }
  EXPECT_EQ(failed.code(), absl::StatusCode::kResourceExhausted) << failed;
  EXPECT_TRUE(absl::StrContains(failed.message(), "the database is full")) << failed;
  EXPECT_FALSE(absl::StrContains(failed.message(), "sqlite")) << failed;
  auto rtx = (*store)->BeginRead();
  EXPECT_EQ(*(*rtx)->Count(Kind::kPerson, {}), stored) << "the failed write left nothing";
}

}  // namespace
}  // namespace bestand
