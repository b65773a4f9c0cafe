#include "server/core/inventory.h"

#include "absl/strings/match.h"
#include "bestand/v1/inventory.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/audit.h"
#include "server/core/audit_verify.h"
#include "server/imports/resource_csv.h"
#include "tests/core/core_fixture.h"
#include "tests/test_util.h"

namespace bestand {
namespace {

using testing::ExecSql;

MATCHER_P2(StatusIs, code, substring, "") {
  return arg.code() == code && absl::StrContains(arg.message(), substring);
}

class InventoryTest : public testing::CoreTest {
 protected:
  absl::StatusOr<v1::Person> AddPerson(const std::string& email, const std::string& name,
                                       const std::string& department = "") {
    v1::Person p, out;
    p.set_email(email);
    p.set_display_name(name);
    p.set_department(department);
    absl::Status s = inventory_->Create("test", Kind::kPerson, p, &out);
    if (!s.ok()) return s;
    return out;
  }

  v1::VerifyAuditResponse Verify(std::vector<std::string> anchors = {}) {
    auto tx = store_->BeginRead();
    return *VerifyAudit(**tx, anchors);
  }
};

TEST_F(InventoryTest, CreateNormalisesAndDefaults) {
  auto p = AddPerson("  Juergen.Weiss@Firma.DE ", "Jürgen Weiß", "Vertrieb");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name(), "people/1");
  EXPECT_EQ(p->email(), "juergen.weiss@firma.de");
  EXPECT_EQ(p->display_name(), "Jürgen Weiß");
  EXPECT_EQ(p->status(), v1::Person::ACTIVE);
  EXPECT_GT(p->create_time().seconds(), 0);
}

TEST_F(InventoryTest, InvalidFieldsAreNamed) {
  EXPECT_THAT(AddPerson("no-at-sign", "X").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "email: 'no-at-sign' is not an email"));
  EXPECT_THAT(AddPerson("a@firma.de", "").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "display_name: is required"));
  EXPECT_THAT(AddPerson("a@firma.de", std::string(201, 'x')).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "display_name: is 201 characters"));
  // 200 characters of two bytes each are within the limit: it counts characters, not bytes.
  std::string umlauts;
  for (int i = 0; i < 200; ++i) umlauts += "ä";
  EXPECT_TRUE(AddPerson("b@firma.de", umlauts).ok());

  v1::Person p, out;
  p.set_email("c@firma.de");
  p.set_display_name("C");
  p.set_start_date("2027-02-29");
  EXPECT_THAT(inventory_->Create("test", Kind::kPerson, p, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "start_date: 2027-02-29 is not a calendar date"));
  p.set_start_date("29.02.2028");
  EXPECT_THAT(inventory_->Create("test", Kind::kPerson, p, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "start_date: '29.02.2028' is not a date in the form YYYY-MM-DD"));
  p.set_start_date("");
  v1::License big, big_out;
  big.set_display_name("L");
  big.set_seats(100001);
  EXPECT_THAT(
      inventory_->Create("test", Kind::kLicense, big, &big_out),
      StatusIs(absl::StatusCode::kInvalidArgument, "seats: 100001 is out of range 0..100000"));

  v1::Device d, dout;
  d.set_serial_number("To be filled by O.E.M.");
  EXPECT_THAT(inventory_->Create("test", Kind::kDevice, d, &dout),
              StatusIs(absl::StatusCode::kInvalidArgument, "serial_number"));
  d.set_serial_number("00000000");
  EXPECT_THAT(inventory_->Create("test", Kind::kDevice, d, &dout),
              StatusIs(absl::StatusCode::kInvalidArgument, "placeholder"));

  v1::License l, lout;
  l.set_display_name("Office");
  l.set_currency("EURO");
  EXPECT_THAT(inventory_->Create("test", Kind::kLicense, l, &lout),
              StatusIs(absl::StatusCode::kInvalidArgument, "currency"));
  EXPECT_EQ(Count(Kind::kPerson), 1);  // only the valid one
}

TEST_F(InventoryTest, TextThatReadsOtherThanItIsIsRefused) {
  // A right-to-left override makes "Anna\u202Egpj.exe" read as "Annaexe.jpg".
  EXPECT_THAT(AddPerson("a@firma.de", "Anna\u202Egpj.exe").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "display_name: contains U+202E, a bidirectional override"));
  EXPECT_THAT(AddPerson("a@firma.de", "Anna\u2066x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "U+2066, a bidirectional isolate"));
  EXPECT_THAT(AddPerson("a@firma.de", "Anna\x7F").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "U+007F, the control character DEL"));
  EXPECT_THAT(AddPerson("a@firma.de", "Anna\u0085").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "U+0085, a control character"));
  EXPECT_THAT(AddPerson("a@firma.de", "Anna\tSchmidt").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "U+0009, a control character"));
  EXPECT_EQ(Count(Kind::kPerson), 0);
  // Right-to-left names and line breaks in notes are text like any other.
  ASSERT_TRUE(AddPerson("s@firma.de", "\u05E9\u05E8\u05D4 \u05DB\u05D4\u05DF").ok());
  v1::Vendor v, out;
  v.set_display_name("IT-Partner");
  v.set_notes("Zeile 1\nZeile 2\u200F");
  EXPECT_TRUE(inventory_->Create("test", Kind::kVendor, v, &out).ok());
  v.set_display_name("Other");
  v.set_notes("\u202Ehidden");
  EXPECT_THAT(inventory_->Create("test", Kind::kVendor, v, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "notes: contains U+202E"));
}

TEST_F(InventoryTest, ReferencesResolveNaturalKeysAndUnknownOnesAreNotFound) {
  ASSERT_TRUE(AddPerson("anna@firma.de", "Anna").ok());
  v1::Device d, out;
  d.set_asset_tag("NB-1");
  d.set_assignee("ANNA@firma.de");
  ASSERT_TRUE(inventory_->Create("test", Kind::kDevice, d, &out).ok());
  EXPECT_EQ(out.assignee(), "people/1");
  EXPECT_EQ(out.status(), v1::Device::ASSIGNED);

  d.set_asset_tag("NB-2");
  d.set_assignee("bernd@firma.de");
  EXPECT_THAT(inventory_->Create("test", Kind::kDevice, d, &out),
              StatusIs(absl::StatusCode::kNotFound, "assignee: person 'bernd@firma.de' not found"));

  v1::Device got;
  ASSERT_TRUE(inventory_->Get(Kind::kDevice, "NB-1", &got).ok());
  EXPECT_EQ(got.name(), "devices/1");
  EXPECT_THAT(inventory_->Get(Kind::kDevice, "devices/77", &got),
              StatusIs(absl::StatusCode::kNotFound, "device 'devices/77' not found"));
}

TEST_F(InventoryTest, DuplicatesAreAlreadyExists) {
  ASSERT_TRUE(AddPerson("anna@firma.de", "Anna").ok());
  EXPECT_THAT(AddPerson("Anna@Firma.de", "Anna 2").status(),
              StatusIs(absl::StatusCode::kAlreadyExists, "email 'anna@firma.de' already exists"));
  v1::Application app, out;
  app.set_display_name("DATEV");
  ASSERT_TRUE(inventory_->Create("test", Kind::kApplication, app, &out).ok());
  app.set_display_name("datev");
  EXPECT_THAT(inventory_->Create("test", Kind::kApplication, app, &out),
              StatusIs(absl::StatusCode::kAlreadyExists, "display_name"));
}

TEST_F(InventoryTest, UpdateChangesOnlyMaskedFieldsAndSkipsNoOps) {
  auto p = AddPerson("anna@firma.de", "Anna", "Vertrieb");
  ASSERT_TRUE(p.ok());
  v1::Person change, out;
  change.set_name("anna@firma.de");
  change.set_department("Einkauf");
  change.set_display_name("ignored: not in the mask");
  google::protobuf::FieldMask mask;
  mask.add_paths("department");
  ASSERT_TRUE(inventory_->Update("test", Kind::kPerson, change, mask, &out).ok());
  EXPECT_EQ(out.department(), "Einkauf");
  EXPECT_EQ(out.display_name(), "Anna");

  auto events_before = Verify().events_checked();
  ASSERT_TRUE(inventory_->Update("test", Kind::kPerson, change, mask, &out).ok());
  EXPECT_EQ(Verify().events_checked(), events_before) << "a no-op update wrote an event";

  mask.add_paths("create_time");
  EXPECT_THAT(inventory_->Update("test", Kind::kPerson, change, mask, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "update_mask: 'create_time' is output"));
  mask.Clear();
  mask.add_paths("shoe_size");
  EXPECT_THAT(inventory_->Update("test", Kind::kPerson, change, mask, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "'shoe_size' is not a field"));
}

TEST_F(InventoryTest, PeopleAreNeverDeletedButReferencedRecordsAreProtected) {
  ASSERT_TRUE(AddPerson("anna@firma.de", "Anna").ok());
  EXPECT_THAT(inventory_->Delete("test", Kind::kPerson, "anna@firma.de"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "offboard"));

  v1::Vendor v, vout;
  v.set_display_name("Systemhaus Müller");
  ASSERT_TRUE(inventory_->Create("test", Kind::kVendor, v, &vout).ok());
  v1::Application app, aout;
  app.set_display_name("Warenwirtschaft");
  app.set_vendor("Systemhaus Müller");
  ASSERT_TRUE(inventory_->Create("test", Kind::kApplication, app, &aout).ok());
  EXPECT_EQ(aout.vendor(), "vendors/1");
  EXPECT_THAT(inventory_->Delete("test", Kind::kVendor, "Systemhaus Müller"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "still referenced"));
  ASSERT_TRUE(inventory_->Delete("test", Kind::kApplication, "Warenwirtschaft").ok());
  ASSERT_TRUE(inventory_->Delete("test", Kind::kVendor, "vendors/1").ok());
  EXPECT_TRUE(Verify().ok());
}

TEST_F(InventoryTest, SeatsAreNotOverAssigned) {
  ASSERT_TRUE(AddPerson("a@firma.de", "A").ok());
  ASSERT_TRUE(AddPerson("b@firma.de", "B").ok());
  v1::License l, lout;
  l.set_display_name("Adobe Acrobat Pro");
  l.set_seats(1);
  ASSERT_TRUE(inventory_->Create("test", Kind::kLicense, l, &lout).ok());
  v1::LicenseAssignment a, aout;
  a.set_license("Adobe Acrobat Pro");
  a.set_person("a@firma.de");
  ASSERT_TRUE(inventory_->Create("test", Kind::kLicenseAssignment, a, &aout).ok());
  EXPECT_THAT(inventory_->Create("test", Kind::kLicenseAssignment, a, &aout),
              StatusIs(absl::StatusCode::kFailedPrecondition, "has 1 seat and it is assigned"));
  a.set_person("b@firma.de");
  EXPECT_THAT(inventory_->Create("test", Kind::kLicenseAssignment, a, &aout),
              StatusIs(absl::StatusCode::kFailedPrecondition, "it is assigned"));
  v1::Device d, dout;
  d.set_asset_tag("NB-1");
  ASSERT_TRUE(inventory_->Create("test", Kind::kDevice, d, &dout).ok());
  a.set_device("NB-1");
  EXPECT_THAT(inventory_->Create("test", Kind::kLicenseAssignment, a, &aout),
              StatusIs(absl::StatusCode::kInvalidArgument, "exactly one of person and device"));

  v1::License got;
  ASSERT_TRUE(inventory_->Get(Kind::kLicense, "Adobe Acrobat Pro", &got).ok());
  EXPECT_EQ(got.assigned_seats(), 1);
}

TEST_F(InventoryTest, ListPagesWithTokensAndBoundsPageSize) {
  for (int i = 0; i < 250; ++i) {
    ASSERT_TRUE(AddPerson("p" + std::to_string(i) + "@firma.de", "P", i < 50 ? "IT" : "").ok());
  }
  v1::ListPeopleRequest req;
  std::set<std::string> names;
  int pages = 0;
  do {
    v1::ListPeopleResponse resp;
    ASSERT_TRUE(inventory_->List(Kind::kPerson, req, &resp).ok());
    for (const auto& p : resp.people()) names.insert(p.name());
    req.set_page_token(resp.next_page_token());
    ++pages;
  } while (!req.page_token().empty());
  EXPECT_EQ(names.size(), 250u);
  EXPECT_EQ(pages, 3);

  v1::ListPeopleRequest filtered;
  filtered.set_department("IT");
  filtered.set_page_size(1000);
  v1::ListPeopleResponse resp;
  ASSERT_TRUE(inventory_->List(Kind::kPerson, filtered, &resp).ok());
  EXPECT_EQ(resp.people_size(), 50);
  EXPECT_TRUE(resp.next_page_token().empty());

  filtered.set_page_size(1001);
  EXPECT_THAT(inventory_->List(Kind::kPerson, filtered, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_size"));
  filtered.set_page_size(10);
  filtered.set_page_token("garbage");
  EXPECT_THAT(inventory_->List(Kind::kPerson, filtered, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_token"));
}

TEST_F(InventoryTest, CsvImportIsAllOrNothingAndNamesLineAndColumn) {
  // German Excel: BOM, semicolons, CRLF; a quoted field holding a separator and a line break.
  std::string good =
      "\xEF\xBB\xBF"
      "E-Mail;Display Name;Department;Notes\r\n"
      "juergen.weiss@firma.de;Jürgen Weiß;Vertrieb;\"Schlüssel; Büro 2\r\nund Parkplatz\"\r\n"
      "anna@firma.de;Anna Schmidt;Einkauf;\r\n";
  auto r = ImportResourceCsv(*inventory_, "test", "people", good, /*dry_run=*/true, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->created, 2);
  EXPECT_EQ(Count(Kind::kPerson), 0) << "a dry run changed something";

  r = ImportResourceCsv(*inventory_, "test", "people", good, false, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->created, 2);
  v1::Person p;
  ASSERT_TRUE(inventory_->Get(Kind::kPerson, "juergen.weiss@firma.de", &p).ok());
  EXPECT_EQ(p.notes(), "Schlüssel; Büro 2\r\nund Parkplatz");

  r = ImportResourceCsv(*inventory_, "test", "people", good, false, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->unchanged, 2) << "re-importing the same file changed something";

  std::string bad =
      "email,display_name,department\n"
      "neu1@firma.de,Neu Eins,IT\n"
      "anna@firma.de,Anna Schmidt,Vertrieb\n"
      "kaputt,Kaputt,IT\n";
  r = ImportResourceCsv(*inventory_, "test", "people", bad, false, nullptr);
  EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                   "line 4, column 'email': 'kaputt' is not an email"));
  EXPECT_EQ(Count(Kind::kPerson), 2) << "a failed import left rows behind";
  ASSERT_TRUE(inventory_->Get(Kind::kPerson, "anna@firma.de", &p).ok());
  EXPECT_EQ(p.department(), "Einkauf") << "a failed import changed a row";

  EXPECT_THAT(ImportResourceCsv(*inventory_, "test", "people", "email,shoe_size\na@b.de,42\n",
                                false, nullptr)
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "column 'shoe_size': not a field"));
  EXPECT_THAT(ImportResourceCsv(*inventory_, "test", "people", "display_name\nX\n", false, nullptr)
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "required column 'email'"));
  EXPECT_THAT(ImportResourceCsv(*inventory_, "test", "people", "email,display_name\n\"a@b.de,X\n",
                                false, nullptr)
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "line 2: a quoted field is not closed"));
  EXPECT_THAT(ImportResourceCsv(*inventory_, "test", "people",
                                "email,display_name\na@b.de,M\xFCller\n", false, nullptr)
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "line 2: the file is not UTF-8"));
}

TEST_F(InventoryTest, CsvImportReportsProgressAndResolvesReferences) {
  std::string csv = "email,display_name\n";
  for (int i = 0; i < 1200; ++i)
    csv += "p" + std::to_string(i) + "@firma.de,Person " + std::to_string(i) + "\n";
  std::vector<int64_t> progress;
  auto r = ImportResourceCsv(*inventory_, "test", "people", csv, false,
                             [&](int64_t done, int64_t total) {
                               EXPECT_EQ(total, 1200);
                               progress.push_back(done);
                             });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(progress, (std::vector<int64_t>{500, 1000}));

  r = ImportResourceCsv(*inventory_, "test", "devices",
                        "asset_tag,type,model,assignee,purchase_price_minor\n"
                        "NB-1,laptop,ThinkPad T14,p7@firma.de,129900\n",
                        false, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  v1::Device d;
  ASSERT_TRUE(inventory_->Get(Kind::kDevice, "NB-1", &d).ok());
  EXPECT_EQ(d.assignee(), "people/8");
  EXPECT_EQ(d.type(), v1::Device::LAPTOP);
  EXPECT_EQ(d.purchase_price_minor(), 129900);
}

TEST_F(InventoryTest, AuditVerifyDetectsEditsBehindBestandsBack) {
  ASSERT_TRUE(AddPerson("anna@firma.de", "Anna", "Vertrieb").ok());
  ASSERT_TRUE(AddPerson("bernd@firma.de", "Bernd", "Lager").ok());
  auto ok = Verify();
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.events_checked(), 2);
  EXPECT_EQ(ok.resources_checked(), 2);

  // A record changed directly in the database file.
  ExecSql(db(), "UPDATE people SET department = 'Geschäftsführung' WHERE email = 'anna@firma.de'");
  auto v = Verify();
  EXPECT_FALSE(v.ok());
  ASSERT_EQ(v.problems_size(), 1);
  EXPECT_EQ(v.problems(0), "people/1: differs from its last audited state (fields: department)");
  ExecSql(db(), "UPDATE people SET department = 'Vertrieb' WHERE email = 'anna@firma.de'");
  EXPECT_TRUE(Verify().ok());

  // An audit event rewritten to hide who did it.
  ExecSql(db(), "UPDATE audit_events SET actor = 'token:someone-else' WHERE sequence = 1");
  v = Verify();
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.problems(0), "event 1: content does not match its hash (edited)");
}

// Someone who can write the database file can rewrite the whole chain consistently; a head
// kept outside the database (an anchor) shows it.
TEST_F(InventoryTest, AuditVerifyWithAnAnchorDetectsARewrittenChain) {
  ASSERT_TRUE(AddPerson("anna@firma.de", "Anna").ok());
  ASSERT_TRUE(AddPerson("bernd@firma.de", "Bernd").ok());
  auto first = Verify();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(absl::StartsWith(first.head(), "2:")) << first.head();
  EXPECT_TRUE(Verify({first.head()}).ok());

  // Everything wiped and written again through Bestand: a consistent chain of its own.
  ExecSql(db(), "DELETE FROM audit_events; DELETE FROM people;");
  ASSERT_TRUE(AddPerson("anna@firma.de", "Anna", "Geschäftsführung").ok());
  ASSERT_TRUE(AddPerson("bernd@firma.de", "Bernd").ok());
  EXPECT_TRUE(Verify().ok());
  auto v = Verify({first.head()});
  EXPECT_FALSE(v.ok());
  EXPECT_THAT(v.problems(), ::testing::ElementsAre(
                                "anchor 2: the chain holds another event there (rewritten since)"));
  // An anchor past the end of the chain: events were cut off.
  v = Verify({absl::StrCat("7:", std::string(64, 'a'))});
  EXPECT_THAT(v.problems(),
              ::testing::ElementsAre("anchor 7: the chain has no such event (cut short)"));
  // A malformed anchor is refused, naming it.
  auto tx = store_->BeginRead();
  ASSERT_TRUE(tx.ok());
  auto bad = VerifyAudit(**tx, {std::string("2:xyz")});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "anchor '2:xyz'")) << bad.status();
}

TEST_F(InventoryTest, AuditVerifyDetectsRemovedEventsAndRowsAddedOutsideBestand) {
  ASSERT_TRUE(AddPerson("anna@firma.de", "Anna").ok());
  ASSERT_TRUE(AddPerson("bernd@firma.de", "Bernd").ok());
  ASSERT_TRUE(AddPerson("carla@firma.de", "Carla").ok());
  ExecSql(db(), "DELETE FROM audit_events WHERE sequence = 2");
  auto v = Verify();
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.problems(0), "event 3: expected sequence 2 (events missing)");

  ExecSql(db(), "DELETE FROM audit_events");
  ExecSql(db(), "INSERT INTO people (email, display_name) VALUES ('ghost@firma.de', 'Ghost')");
  v = Verify();
  EXPECT_FALSE(v.ok());
  EXPECT_TRUE(absl::StrContains(v.problems(3), "people/4: has no audit event")) << v.DebugString();
}

}  // namespace
}  // namespace bestand
