// User exports of Microsoft 365 and Google Workspace, in the exact form the admin consoles write
// them (tests/data/exports), imported into a real store.
#include "server/imports/directory_import.h"

#include "absl/time/time.h"
#include "bestand/v1/inventory.pb.h"
#include "common/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/audit.h"
#include "server/core/audit_verify.h"
#include "server/core/inventory.h"
#include "server/imports/glpi_inventory.h"
#include "tests/core/core_fixture.h"
#include "tests/test_util.h"

namespace bestand {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DirectoryImportTest : public testing::CoreTest {
 protected:
  absl::StatusOr<ImportResult> Import(const std::string& format, const std::string& file,
                                      bool dry_run = false, bool mark_deleted = false) {
    std::string content = testing::ReadFile(std::string(BESTAND_EXPORTS) + "/" + file);
    EXPECT_FALSE(content.empty()) << file;
    return ImportDirectoryExport(*inventory_, "test", format, content, dry_run, mark_deleted);
  }
};

TEST_F(DirectoryImportTest, M365UsersBecomePeopleAccountsAndSeatsAndReimportChangesNothing) {
  auto dry = Import("m365-users", "m365-users.csv", /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_EQ(dry->created, 3);
  EXPECT_EQ(Count(Kind::kPerson), 0) << "a dry run changed something";

  auto r = Import("m365-users", "m365-users.csv");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows, 3);
  EXPECT_EQ(r->created, 3);
  auto bernd = Get<v1::Person>(Kind::kPerson, "bernd@weiss-haustechnik.de");  // lower-cased
  EXPECT_EQ(bernd.display_name(), "Müller, Bernd");
  EXPECT_EQ(bernd.department(), "Buchhaltung");
  EXPECT_EQ(bernd.job_title(), "Buchhalter");
  auto scanner = Get<v1::Account>(Kind::kAccount, "accounts/3");
  EXPECT_EQ(scanner.username(), "scan@weiss-haustechnik.de");
  EXPECT_EQ(scanner.status(), v1::Account::DISABLED) << "Block credential True";
  EXPECT_EQ(scanner.external_id(), "6f1a2b3c-0000-4000-8000-000000000003");
  auto standard = Get<v1::License>(Kind::kLicense, "Microsoft 365 Business Standard");
  EXPECT_EQ(standard.seats(), 2);  // as many as the file shows, for the coordinator to correct
  EXPECT_EQ(standard.assigned_seats(), 2);
  EXPECT_EQ(Get<v1::License>(Kind::kLicense, "Microsoft Teams Exploratory").assigned_seats(), 1);
  EXPECT_EQ(Count(Kind::kLicense), 2) << "Unlicensed is no license";

  // The same file again, and the same export as German Excel saves it: nothing changes.
  for (const char* file : {"m365-users.csv", "m365-users-excel.csv"}) {
    auto again = Import("m365-users", file);
    ASSERT_TRUE(again.ok()) << file << ": " << again.status();
    EXPECT_EQ(again->created + again->updated, 0) << file;
    EXPECT_EQ(again->unchanged, 3) << file;
  }

  // Next month Bernd is gone from the export: reported, and only marked deleted when asked.
  auto next = Import("m365-users", "m365-users-next-month.csv");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_THAT(next->missing, ElementsAre("bernd@weiss-haustechnik.de"));
  EXPECT_EQ(Get<v1::Account>(Kind::kAccount, "accounts/2").status(), v1::Account::ACTIVE);
  next = Import("m365-users", "m365-users-next-month.csv", false, /*mark_deleted=*/true);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->deleted, 1);
  EXPECT_EQ(Get<v1::Account>(Kind::kAccount, "accounts/2").status(), v1::Account::DELETED);
  EXPECT_EQ(Count(Kind::kAccount), 3) << "never removed";

  auto tx = store_->BeginRead();
  auto verified = VerifyAudit(**tx);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok()) << verified->DebugString();
}

TEST_F(DirectoryImportTest, M365ActivitySetsTheLatestDayOfAnyService) {
  ASSERT_TRUE(Import("m365-users", "m365-users.csv").ok());
  auto r = Import("m365-activity", "m365-activity.csv");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->updated, 2);
  EXPECT_THAT(r->missing, ElementsAre(HasSubstr("unknown@weiss-haustechnik.de")));
  auto anna = Get<v1::Account>(Kind::kAccount, "accounts/1");
  EXPECT_EQ(FormatIsoDate(absl::ToCivilDay(
                absl::FromUnixSeconds(anna.last_activity_time().seconds()), absl::UTCTimeZone())),
            "2026-11-27");  // Teams, the latest of Exchange, OneDrive, SharePoint and Teams
  auto again = Import("m365-activity", "m365-activity.csv");
  EXPECT_EQ(again->updated, 0);
}

TEST_F(DirectoryImportTest, AnActivityReportWithConcealedNamesIsRefusedWithTheWayOut) {
  ASSERT_TRUE(Import("m365-users", "m365-users.csv").ok());
  auto r = Import("m365-activity", "m365-activity-concealed.csv");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("line 2, column 'User Principal Name': '5C2E8B1F0A4D7E6390C1B2A3F4E5D6C7' "
                        "is a concealed user name"));
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("clear 'Display concealed user, group, and site names in all reports'"));
  auto anna = Get<v1::Account>(Kind::kAccount, "accounts/1");
  EXPECT_FALSE(anna.has_last_activity_time()) << "nothing was imported";
}

TEST_F(DirectoryImportTest, GoogleUsersBringSignInMfaSuspensionAndManagers) {
  auto r = Import("google-users", "google-users.csv");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->created, 2);
  auto carla = Get<v1::Account>(Kind::kAccount, "accounts/1");
  EXPECT_TRUE(carla.mfa_enabled());
  EXPECT_EQ(carla.status(), v1::Account::ACTIVE);
  EXPECT_TRUE(carla.has_last_activity_time());
  auto dieter = Get<v1::Account>(Kind::kAccount, "accounts/2");
  EXPECT_EQ(dieter.status(), v1::Account::DISABLED) << "Suspended";
  EXPECT_FALSE(dieter.has_last_activity_time()) << "Never logged in";
  auto person = Get<v1::Person>(Kind::kPerson, "dieter@weiss-haustechnik.de");
  EXPECT_EQ(person.display_name(), "Dieter Klein");
  EXPECT_EQ(person.cost_center(), "2000");
  EXPECT_EQ(person.manager(), "people/1");
  EXPECT_EQ(Import("google-users", "google-users.csv")->unchanged, 2);
}

TEST_F(DirectoryImportTest, MalformedFilesNameLineAndColumnAndImportNothing) {
  auto wrong = Import("google-users", "m365-users.csv");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.status().message(), HasSubstr("line 1: the column 'Email Address [Required]'"));
  std::string content = testing::ReadFile(std::string(BESTAND_EXPORTS) + "/m365-users.csv");
  auto truncated =
      ImportDirectoryExport(*inventory_, "test", "m365-users",
                            content.substr(0, content.find("Müller") + 3), false, false);
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(truncated.status().message(), HasSubstr("line 3"));
  std::string latin1 = content;
  latin1.replace(latin1.find("Müller"), 6, "M\xfcller");
  auto encoding = ImportDirectoryExport(*inventory_, "test", "m365-users", latin1, false, false);
  EXPECT_EQ(encoding.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(encoding.status().message(), HasSubstr("UTF-8"));
  EXPECT_EQ(Count(Kind::kPerson), 0);
  EXPECT_EQ(Count(Kind::kApplication), 0);
}

TEST(GlpiInventoryTest, ReadsHardwareAndEverySoftwareEntry) {
  auto r = ParseGlpiInventory(testing::ReadFile(std::string(BESTAND_GLPI) + "/computer_3.json"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->hostname(), "LF014");
  EXPECT_EQ(r->hardware().hardware_uuid(), "0055ADC9-1D3A-E411-8043-B05D95113232");
  EXPECT_EQ(r->hardware().serial_number(), "8C554721F");
  EXPECT_EQ(r->hardware().manufacturer(), "TOSHIBA");
  EXPECT_EQ(r->hardware().chassis_type(), "Notebook");
  EXPECT_EQ(r->software_size(), 3033);
  const v1::SoftwarePackage& first = r->software(0);
  EXPECT_EQ(first.name(), "xerces-j2");
  EXPECT_EQ(first.version(), "2.11.0-24.fc24");
  EXPECT_EQ(first.source(), "rpm");
  EXPECT_EQ(first.publisher(), "Fedora Project");
  EXPECT_EQ(first.install_time().seconds(), 1477440000);  // 2016-10-26
  EXPECT_EQ(ParseGlpiInventory("{\"deviceid\": \"x\"}").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseGlpiInventory("<REQUEST/>").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FusionInventoryTest, EveryInteropFileParsesAndMalformedXmlNamesItsLine) {
  for (const char* file : {"1.xml", "2.xml", "3.xml", "4.xml", "12.xml", "18.xml"}) {
    auto r = ParseFusionInventory(testing::ReadFile(std::string(BESTAND_GLPI) + "/xml/" + file));
    ASSERT_TRUE(r.ok()) << file << ": " << r.status();
    EXPECT_FALSE(r->hostname().empty()) << file;
    EXPECT_GT(r->software_size(), 0) << file;
  }
  auto r = ParseFusionInventory(testing::ReadFile(std::string(BESTAND_GLPI) + "/xml/1.xml"));
  EXPECT_EQ(r->hostname(), "LF014");
  EXPECT_EQ(r->hardware().hardware_uuid(), "0055ADC9-1D3A-E411-8043-B05D95113232");
  EXPECT_EQ(r->software_size(), 42);
  EXPECT_EQ(r->software(0).name(), "xerces-j2");
  EXPECT_FALSE(r->software(0).has_install_time()) << "N/A is no date";
  auto bad = ParseFusionInventory("<?xml version=\"1.0\"?>\n<REQUEST>\n<CONTENT>\n</REQUEST>");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("line 4"));
  EXPECT_THAT(ParseFusionInventory("<INVENTORY/>").status().message(), HasSubstr("<REQUEST>"));
  EXPECT_THAT(ParseFusionInventory("<REQUEST><A>x &nbsp; y</A></REQUEST>").status().message(),
              HasSubstr("undefined entity"));
  // No document type, so no entity can expand ("billion laughs") or fetch anything.
  EXPECT_THAT(ParseFusionInventory("<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY a "
                                   "\"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>\n<REQUEST>&b;"
                                   "</REQUEST>")
                  .status()
                  .message(),
              HasSubstr("DOCTYPE"));
  EXPECT_THAT(ParseFusionInventory("<REQUEST>" + std::string(40 * 3, '<') + "</REQUEST>")
                  .status()
                  .message(),
              HasSubstr("line 1"));
  std::string deep = "<REQUEST>";
  for (int i = 0; i < 40; ++i) deep += "<A>";
  EXPECT_THAT(ParseFusionInventory(deep).status().message(), HasSubstr("deeper than 32"));
}

}  // namespace
}  // namespace bestand
