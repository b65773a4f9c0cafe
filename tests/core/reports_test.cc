// The reports on a small company whose figures are worked out by hand in the comments; the
// expected values are literals, not computed by the code under test.
#include "server/core/reports.h"

#include "common/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/inventory.h"
#include "tests/core/core_fixture.h"

namespace bestand {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

TEST(MoneyRulesTest, AnnualCostMonthlyRoundingAndDeadlines) {
  v1::License monthly;
  monthly.set_seats(3);
  monthly.set_price_per_seat_minor(1250);  // 12.50 a month
  monthly.set_billing_period(v1::License::MONTHLY);
  EXPECT_EQ(AnnualCostMinor(monthly), 45000);  // 3 x 12.50 x 12 = 450.00
  v1::License yearly = monthly;
  yearly.set_billing_period(v1::License::YEARLY);
  EXPECT_EQ(AnnualCostMinor(yearly), 3750);  // 3 x 12.50 = 37.50
  yearly.set_seats(0);
  EXPECT_EQ(AnnualCostMinor(yearly), 0);
  yearly.set_unlimited_seats(true);
  EXPECT_EQ(AnnualCostMinor(yearly), 1250);  // a site license: the price once a year

  EXPECT_EQ(MonthlyFromAnnual(3750), 313);  // 312.5 rounds half away from zero
  EXPECT_EQ(MonthlyFromAnnual(3749), 312);  // 312.42
  EXPECT_EQ(MonthlyFromAnnual(-3750), -313);
  EXPECT_EQ(MonthlyFromAnnual(45000), 3750);

  // Leap years: 30 days before 2028-03-29 is 2028-02-28; a day before 2028-03-01 is 02-29.
  EXPECT_EQ(CancellationDeadline(absl::CivilDay(2028, 3, 29), 30), absl::CivilDay(2028, 2, 28));
  EXPECT_EQ(CancellationDeadline(absl::CivilDay(2028, 3, 1), 1), absl::CivilDay(2028, 2, 29));
  EXPECT_EQ(CancellationDeadline(absl::CivilDay(2027, 3, 1), 1), absl::CivilDay(2027, 2, 28));

  EXPECT_TRUE(MatchesPattern("libreoffice*", "LibreOffice-Writer"));
  EXPECT_TRUE(MatchesPattern("*acrobat*", "adobe-acrobat-reader"));
  EXPECT_FALSE(MatchesPattern("libreoffice", "libreoffice-writer"));
  EXPECT_FALSE(MatchesPattern("*zoom", "zoom-client"));
}

class ReportsTest : public testing::CoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CoreTest::SetUp());
    reports_->SetTodayForTesting(absl::CivilDay(2026, 11, 28));

    Create(Kind::kVendor, "display_name: 'Microsoft'");
    Create(Kind::kVendor, "display_name: 'Zoom'");
    Create(Kind::kApplication, "display_name: 'Teams' category: 'Video' vendor: 'Microsoft'");
    Create(Kind::kApplication, "display_name: 'Zoom' category: 'Video' vendor: 'Zoom'");
    Create(Kind::kApplication, "display_name: 'Webex' category: 'video'");
    Create(Kind::kPerson, "email: 'anna@firma.de' display_name: 'Anna' department: 'Sales'");
    Create(Kind::kPerson, "email: 'bernd@firma.de' display_name: 'Bernd' department: 'Sales'");
    Create(Kind::kPerson, "email: 'carla@firma.de' display_name: 'Carla' department: 'IT'");
    Create(Kind::kPerson,
           "email: 'dora@firma.de' display_name: 'Dora' department: 'IT' status: LEFT");
    // Zoom: 4 seats x 13.99 a month = 671.52 a year; yearly term ending 2027-01-31, 30 days'
    // notice -> cancel by 2027-01-01.
    Create(Kind::kLicense,
           "display_name: 'Zoom Pro' application: 'Zoom' vendor: 'Zoom' seats: 4 "
           "price_per_seat_minor: 1399 billing_period: MONTHLY term_start: '2026-02-01' "
           "term_end: '2027-01-31' auto_renew: true notice_period_days: 30 cost_center: '4711'");
    // Teams: 3 seats x 120.00 a year = 360.00 a year, no term.
    Create(Kind::kLicense,
           "display_name: 'Teams Premium' application: 'Teams' vendor: 'Microsoft' seats: 3 "
           "price_per_seat_minor: 12000 billing_period: YEARLY cost_center: '4711'");
    // A license with zero seats costs nothing and recommends nothing.
    Create(Kind::kLicense,
           "display_name: 'Webex Free' application: 'Webex' seats: 0 price_per_seat_minor: 500");
    // Renewed by itself in the past: the term 2025-03-01..2026-02-28 rolls on to 2027-02-28;
    // with 1 day's notice the deadline is 2027-02-27. 10 seats x 9.99 monthly x 12 months.
    Create(Kind::kLicense,
           "display_name: 'Backup' seats: 10 price_per_seat_minor: 999 term_start: '2025-03-01' "
           "term_end: '2026-02-28' auto_renew: true notice_period_days: 1");
    // A deadline already passed while the term runs: missed. 2 x 50.00 a year.
    Create(Kind::kLicense,
           "display_name: 'CAD' seats: 2 price_per_seat_minor: 5000 billing_period: YEARLY "
           "term_start: '2026-01-01' term_end: '2026-12-31' auto_renew: true "
           "notice_period_days: 90");

    // Zoom seats: Anna (active 10 days ago), Bernd (active exactly 90 days ago: still active),
    // Carla (last active 91 days ago: idle), Dora (left).
    Seat("Zoom Pro", "anna@firma.de");
    Seat("Zoom Pro", "bernd@firma.de");
    Seat("Zoom Pro", "carla@firma.de");
    Seat("Zoom Pro", "dora@firma.de");
    Account("Zoom", "anna", "anna@firma.de", "2026-11-18");
    Account("Zoom", "bernd", "bernd@firma.de", "2026-08-30");  // 2026-11-28 minus 90 days
    Account("Zoom", "carla", "carla@firma.de", "2026-08-29");
    Account("Zoom", "dora", "dora@firma.de", "2026-11-01");
    // Teams: Anna and Carla active; one seat unassigned.
    Seat("Teams Premium", "anna@firma.de");
    Seat("Teams Premium", "carla@firma.de");
    Account("Teams", "anna", "anna@firma.de", "2026-11-27");
    Account("Teams", "carla", "carla@firma.de", "2026-11-27");
    Account("Webex", "anna", "anna@firma.de", "");
  }

  void Seat(const std::string& license, const std::string& person) {
    Create(Kind::kLicenseAssignment,
           absl::StrCat("license: '", license, "' person: '", person, "'"));
  }
  void Account(const std::string& app, const std::string& user, const std::string& person,
               const std::string& last_active) {
    std::string text =
        absl::StrCat("application: '", app, "' username: '", user, "' person: '", person, "'");
    if (!last_active.empty()) {
      absl::CivilDay day = *ParseIsoDate(last_active);
      text +=
          absl::StrCat(" last_activity_time { seconds: ",
                       absl::ToUnixSeconds(absl::FromCivil(day, absl::UTCTimeZone())) + 3600, " }");
    }
    Create(Kind::kAccount, text);
  }
  const v1::LicenseUsage* Find(const v1::LicenseReport& r, const std::string& name) {
    for (const auto& u : r.licenses()) {
      if (u.display_name() == name) return &u;
    }
    ADD_FAILURE() << name << " not in the report";
    return nullptr;
  }
};

TEST_F(ReportsTest, LicensesCountActiveIdleLeaversAndWaste) {
  v1::LicenseReportRequest req;  // 90 days
  auto r = reports_->Licenses(req);
  ASSERT_TRUE(r.ok()) << r.status();
  const v1::LicenseUsage* zoom = Find(*r, "Zoom Pro");
  ASSERT_NE(zoom, nullptr);
  EXPECT_EQ(zoom->assigned(), 4);
  EXPECT_EQ(zoom->active(), 2);   // Anna, Bernd (exactly 90 days counts as active)
  EXPECT_EQ(zoom->idle(), 1);     // Carla, 91 days
  EXPECT_EQ(zoom->leavers(), 1);  // Dora
  EXPECT_EQ(zoom->unassigned(), 0);
  EXPECT_EQ(zoom->annual_cost_minor(), 67152);   // 4 x 13.99 x 12
  EXPECT_EQ(zoom->annual_waste_minor(), 33576);  // 2 seats x 167.88
  EXPECT_EQ(zoom->recommendation(), "reduce to 2 seats");
  EXPECT_THAT(zoom->reclaimable(),
              UnorderedElementsAre("carla@firma.de (idle since 2026-08-29)",
                                   "dora@firma.de (left, reclaim pending at the vendor)"));
  const v1::LicenseUsage* teams = Find(*r, "Teams Premium");
  EXPECT_EQ(teams->active(), 2);
  EXPECT_EQ(teams->unassigned(), 1);
  EXPECT_EQ(teams->annual_cost_minor(), 36000);
  EXPECT_EQ(teams->annual_waste_minor(), 12000);
  EXPECT_EQ(teams->recommendation(), "reduce to 2 seats");
  const v1::LicenseUsage* webex = Find(*r, "Webex Free");
  EXPECT_EQ(webex->annual_cost_minor(), 0);
  EXPECT_EQ(webex->recommendation(), "keep");
  const v1::LicenseUsage* backup = Find(*r, "Backup");
  EXPECT_EQ(backup->recommendation(), "cancel by 2027-02-27") << "nobody uses it";
  // Totals: 671.52 + 360.00 + 0 + 1198.80 (10 x 9.99 x 12) + 100.00 = 2330.32.
  ASSERT_EQ(r->annual_cost_size(), 1);
  EXPECT_EQ(r->annual_cost(0).minor(), 233032);
  // Waste: 335.76 + 120.00 + 1198.80 (10 unassigned) + 100.00 (2 unassigned) = 1754.56.
  EXPECT_EQ(r->annual_waste(0).minor(), 175456);

  // One day more of tolerance makes Carla active; with 89 days Bernd is idle too.
  req.set_inactive_days(91);
  EXPECT_EQ(Find(*reports_->Licenses(req), "Zoom Pro")->idle(), 0);
  req.set_inactive_days(89);
  EXPECT_EQ(Find(*reports_->Licenses(req), "Zoom Pro")->idle(), 2);
  req.set_inactive_days(0);
  req.set_inactive_days(5000);
  EXPECT_EQ(reports_->Licenses(req).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ReportsTest, PeopleAndSeatsTooNewToJudgeAreNotIdle) {
  // Today is 2026-11-28, the window 90 days: from 2026-08-30.
  Create(Kind::kPerson,
         "email: 'neu@firma.de' display_name: 'Neu' status: ONBOARDING start_date: '2027-01-04'");
  Create(Kind::kPerson, "email: 'frisch@firma.de' display_name: 'Frisch' start_date: '2026-11-20'");
  Create(Kind::kPerson, "email: 'konto@firma.de' display_name: 'Konto' start_date: '2019-04-01'");
  Create(Kind::kPerson, "email: 'alt@firma.de' display_name: 'Alt' start_date: '2019-04-01'");
  Create(Kind::kLicense,
         "display_name: 'Webex Pro' application: 'Webex' seats: 5 price_per_seat_minor: 1000");
  for (const char* p : {"neu", "frisch", "konto", "alt"}) {
    Create(Kind::kLicenseAssignment, absl::StrCat("license: 'Webex Pro' person: '", p,
                                                  "@firma.de' assign_date: '2025-01-01'"));
  }
  // Neu has not started; Frisch started 8 days ago; Konto's account was created just now
  // (younger than the window) and shows no activity yet; Alt has no account and has held the
  // seat since 2025: idle.
  Account("Webex", "neu", "neu@firma.de", "");
  Account("Webex", "konto", "konto@firma.de", "");
  const absl::StatusOr<v1::LicenseReport> report = reports_->Licenses({});
  ASSERT_TRUE(report.ok()) << report.status();
  const v1::LicenseUsage* webex = Find(*report, "Webex Pro");
  ASSERT_NE(webex, nullptr);
  EXPECT_EQ(webex->recent(), 3);
  EXPECT_EQ(webex->idle(), 1);
  EXPECT_EQ(webex->active(), 0);
  EXPECT_EQ(webex->recommendation(), "reduce to 3 seats") << "new people's seats are kept";
  EXPECT_THAT(webex->reclaimable(),
              UnorderedElementsAre("alt@firma.de (no activity recorded)", "1 unassigned"));
  // 2 seats (Alt's and the unassigned one) x 10.00 x 12.
  EXPECT_EQ(webex->annual_waste_minor(), 24000);
}

TEST_F(ReportsTest, MinimumSeatsAndPacksBoundTheReduction) {
  v1::License zoom;
  ASSERT_TRUE(inventory_->Get(Kind::kLicense, "Zoom Pro", &zoom).ok());
  zoom.set_seats(12);
  zoom.set_pack_size(5);
  google::protobuf::FieldMask mask;
  mask.add_paths("seats");
  mask.add_paths("pack_size");
  v1::License out;
  ASSERT_TRUE(inventory_->Update("test", Kind::kLicense, zoom, mask, &out).ok());
  // Two active seats, packs of five: keep five.
  EXPECT_EQ(Find(*reports_->Licenses({}), "Zoom Pro")->recommendation(), "reduce to 5 seats");
}

TEST_F(ReportsTest, RenewalsSortByDeadlineRollForwardAndFlagMissed) {
  v1::RenewalReportRequest req;
  req.set_within_days(120);
  auto r = reports_->Renewals(req);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> rows;
  for (const auto& x : r->renewals()) {
    rows.push_back(absl::StrCat(x.display_name(), " ", x.cancellation_deadline(), " ", x.term_end(),
                                x.missed() ? " missed " : " ", x.next_term_cost_minor()));
  }
  EXPECT_THAT(rows, ElementsAre(
                        // 2026-12-31 - 90 days = 2026-10-02, passed: missed. 2 x 50.00.
                        "CAD 2026-10-02 2026-12-31 missed 10000",
                        // 12 months x 4 x 13.99.
                        "Zoom Pro 2027-01-01 2027-01-31 67152",
                        // Rolled from 2026-02-28 to 2027-02-28; 12 x 10 x 9.99.
                        "Backup 2027-02-27 2027-02-28 119880"));
  req.set_within_days(30);
  EXPECT_EQ(reports_->Renewals(req)->renewals_size(), 1) << "only the missed one";
}

TEST_F(ReportsTest, CostsAddUpWhicheverWayTheyAreGrouped) {
  for (const char* by : {"department", "cost-center", "vendor", "application", "person"}) {
    v1::CostReportRequest req;
    req.set_by(by);
    auto r = reports_->Costs(req);
    ASSERT_TRUE(r.ok()) << by << ": " << r.status();
    int64_t annual = 0, monthly = 0;
    for (const auto& l : r->lines()) {
      annual += l.annual_minor();
      monthly += l.monthly_minor();
    }
    EXPECT_EQ(annual, 233032) << by;  // the license total above
    EXPECT_EQ(r->annual_total(0).minor(), annual) << by;
    EXPECT_EQ(r->monthly_total(0).minor(), monthly) << by;
  }
  v1::CostReportRequest req;
  req.set_by("department");
  auto r = reports_->Costs(req);
  std::vector<std::string> lines;
  for (const auto& l : r->lines()) {
    lines.push_back(absl::StrCat(l.group(), " ", l.annual_minor(), " ", l.monthly_minor()));
  }
  // Sales: Anna and Bernd's Zoom (2 x 167.88) + Anna's Teams (120.00) = 455.76, monthly 37.98.
  // IT: Carla's and Dora's Zoom + Carla's Teams = 455.76. Unassigned: Teams 120.00, Backup
  // 1198.80, CAD 100.00 = 1418.80, monthly 118.23 (118.2333).
  EXPECT_THAT(lines, ElementsAre("(unassigned) 141880 11823", "IT 45576 3798", "Sales 45576 3798"));
  req.set_by("planet");
  EXPECT_EQ(reports_->Costs(req).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ReportsTest, OverlapsNameTheToolToKeepAndWhoUsesSeveral) {
  auto r = reports_->Overlaps();
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->overlaps_size(), 1);
  const v1::Overlap& video = r->overlaps(0);
  EXPECT_EQ(video.applications_size(), 3);  // "Video" and "video" are one category
  EXPECT_EQ(video.keep(), "Zoom");          // 4 users against Teams' 2 and Webex' 1
  EXPECT_THAT(video.people_in_several(), UnorderedElementsAre("anna@firma.de", "carla@firma.de"));
  ASSERT_EQ(video.saving_size(), 1);
  EXPECT_EQ(video.saving(0).minor(), 36000);  // Teams Premium; Webex costs nothing
  auto summary = reports_->Summary({});
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->annual_spend(0).minor(), 233032);
  // Backup cancelled: 1198.80; Zoom reduced by 2 seats: 335.76; dropping Teams Premium saves
  // 360.00, of which its own reduction to 2 seats already counts 120.00: 240.00 beyond it;
  // CAD, nobody holds it, cancelled: 100.00.
  std::vector<std::string> savings;
  for (const v1::Saving& s : summary->top_savings()) {
    savings.push_back(absl::StrCat(s.annual_minor(), " ", s.currency()));
  }
  EXPECT_THAT(savings,
              ElementsAre("119880 EUR", "33576 EUR", "24000 EUR", "12000 EUR", "10000 EUR"));
  EXPECT_THAT(summary->top_savings(2).what(), ::testing::HasSubstr("consolidate onto Zoom"));
  // The same in fields, for readers in other languages.
  const v1::Saving& consolidation = summary->top_savings(2);
  EXPECT_EQ(consolidation.kind(), v1::Saving::CONSOLIDATION);
  EXPECT_EQ(consolidation.keep(), "Zoom");
  EXPECT_THAT(consolidation.drop(), UnorderedElementsAre("Teams", "Webex"));
  EXPECT_TRUE(consolidation.beyond_licenses());
  const v1::Saving& zoom = summary->top_savings(1);
  EXPECT_EQ(zoom.kind(), v1::Saving::LICENSE);
  EXPECT_EQ(zoom.recommended_seats(), 2);
  EXPECT_EQ(zoom.cancel_by(), "");
  EXPECT_EQ(summary->top_savings(0).recommended_seats(), 0);
  EXPECT_EQ(summary->top_savings(0).cancel_by(), "2027-02-27");  // Backup, see above
  // Each seat once: 1198.80 + 335.76 + 240.00 + 120.00 + 100.00.
  ASSERT_EQ(summary->total_savings_size(), 1);
  EXPECT_EQ(summary->total_savings(0).minor(), 199456);
}

TEST_F(ReportsTest, ComplianceCountsInstallsByRuleAgainstSeats) {
  Create(Kind::kProductRule, "pattern: 'libreoffice*' product: 'LibreOffice'");
  Create(Kind::kProductRule, "pattern: '*acrobat*' product: 'Acrobat Pro'");
  Create(Kind::kDevice, "asset_tag: 'NB-1' assignee: 'anna@firma.de'");
  Create(Kind::kDevice, "asset_tag: 'NB-2' assignee: 'bernd@firma.de'");
  Create(Kind::kDevice, "asset_tag: 'NB-3'");
  // Acrobat: 2 seats, one held by device NB-3, one by Anna (whose laptop is NB-1).
  Create(Kind::kLicense, "display_name: 'Acrobat' product: 'Acrobat Pro' seats: 2");
  Create(Kind::kLicenseAssignment, "license: 'Acrobat' device: 'NB-3'");
  Create(Kind::kLicenseAssignment, "license: 'Acrobat' person: 'anna@firma.de'");
  {
    auto tx = *store_->BeginWrite();
    int64_t writer = *tx->InsertPackage({0, "dpkg", "libreoffice-writer", "amd64", "7.4", "D"});
    int64_t calc = *tx->InsertPackage({0, "dpkg", "libreoffice-calc", "amd64", "7.4", "D"});
    int64_t acrobat = *tx->InsertPackage({0, "flatpak", "com.adobe.Acrobat", "x86_64", "23", "A"});
    int64_t vim = *tx->InsertPackage({0, "dpkg", "vim", "amd64", "9.0", "D"});
    auto put = [&](int64_t device, std::vector<int64_t> ids) {
      DeviceSoftwareRecord sw;
      for (int64_t id : ids) {
        sw.package_ids.push_back(id);
        sw.install_micros.push_back(0);
        sw.first_seen_micros.push_back(1764300000000000);
      }
      ASSERT_TRUE(tx->PutDeviceSoftware(device, sw).ok());
    };
    put(1, {writer, calc, acrobat});  // NB-1: Anna holds a seat
    put(2, {writer, acrobat, vim});   // NB-2: Bernd holds none
    put(3, {acrobat});                // NB-3: the device holds one
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto r = reports_->Compliance();
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->products_size(), 2);
  const v1::ProductCompliance& office = r->products(0);
  EXPECT_EQ(office.product(), "LibreOffice");
  EXPECT_EQ(office.installs(), 2);  // two devices, whatever number of packages
  EXPECT_EQ(office.seats(), 0);
  EXPECT_EQ(office.difference(), 2);
  EXPECT_THAT(office.unlicensed_devices(), UnorderedElementsAre("NB-1", "NB-2"));
  EXPECT_THAT(office.packages(), ElementsAre("libreoffice-calc", "libreoffice-writer"));
  const v1::ProductCompliance& acrobat = r->products(1);
  EXPECT_EQ(acrobat.installs(), 3);
  EXPECT_EQ(acrobat.seats(), 2);
  EXPECT_EQ(acrobat.difference(), 1);
  EXPECT_THAT(acrobat.unlicensed_devices(), ElementsAre("NB-2"));
}

}  // namespace
}  // namespace bestand
