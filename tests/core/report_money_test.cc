// The money rules of the reports on a company billed in two currencies, with a site license,
// cost centers and an over-assigned license. Every expected figure is worked out by hand in
// the comments.
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/inventory.h"
#include "server/core/reports.h"
#include "tests/core/core_fixture.h"

namespace bestand {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// "486.00 EUR + 749.50 USD"-style text of a Money list, for compact assertions.
std::string Text(const google::protobuf::RepeatedPtrField<v1::Money>& money) {
  return FormatTotals(money);
}

class ReportMoneyTest : public testing::CoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CoreTest::SetUp());
    reports_->SetTodayForTesting(absl::CivilDay(2026, 11, 28));

    Create(Kind::kVendor, "display_name: 'Microsoft'");
    Create(Kind::kVendor, "display_name: 'Cisco'");
    Create(Kind::kApplication, "display_name: 'Teams' category: 'Video' vendor: 'Microsoft'");
    Create(Kind::kApplication, "display_name: 'Zoom' category: 'Video'");
    Create(Kind::kApplication, "display_name: 'Webex' category: 'Video' vendor: 'Cisco'");
    Create(Kind::kApplication, "display_name: 'Intranet' category: 'Intranet'");
    Create(Kind::kApplication, "display_name: 'CRM' category: 'CRM'");
    // Sales: Anna, Bernd (cost center 100); IT: Carla, Dieter (200); Finance: Eva (300).
    Person("anna", "Sales", "100");
    Person("bernd", "Sales", "100");
    Person("carla", "IT", "200");
    Person("dieter", "IT", "200");
    Person("eva", "Finance", "300");
    // Everybody uses Teams (5 users: kept); Anna, Bernd and Carla use Zoom; Eva uses Webex.
    for (const char* p : {"anna", "bernd", "carla", "dieter", "eva"}) Active("Teams", p);
    for (const char* p : {"anna", "bernd", "carla"}) Active("Zoom", p);
    Active("Webex", "eva");
    for (const char* p : {"anna", "bernd", "carla", "dieter", "eva"}) Active("CRM", p);
    for (const char* p : {"anna", "bernd", "carla"}) Active("Intranet", p);

    // Teams: 5 seats x 10.00 a month = 600.00 EUR a year, all used.
    Create(Kind::kLicense,
           "display_name: 'Teams' application: 'Teams' vendor: 'Microsoft' seats: 5 "
           "price_per_seat_minor: 1000");
    for (const char* p : {"anna", "bernd", "carla", "dieter", "eva"}) Seat("Teams", p);
    // Zoom: 3 seats x 13.50 a month = 486.00 EUR a year, all used, charged to cost center 900.
    Create(Kind::kLicense,
           "display_name: 'Zoom Pro' application: 'Zoom' seats: 3 price_per_seat_minor: 1350 "
           "cost_center: '900'");
    for (const char* p : {"anna", "bernd", "carla"}) Seat("Zoom Pro", p);
    // Webex: 5 seats x 149.90 USD a year = 749.50 USD, one used: reduce to 1 saves 599.60 USD.
    Create(Kind::kLicense,
           "display_name: 'Webex Suite' application: 'Webex' vendor: 'Cisco' seats: 5 "
           "price_per_seat_minor: 14990 currency: 'USD' billing_period: YEARLY");
    Seat("Webex Suite", "eva");
    // Intranet: a site license for 1,000.00 EUR a year held by Anna, Bernd (Sales) and Carla
    // (IT): Sales 2/3 = 666.666.. -> 666.67, IT 333.33.
    Create(Kind::kLicense,
           "display_name: 'Intranet' application: 'Intranet' unlimited_seats: true "
           "price_per_seat_minor: 100000 billing_period: YEARLY");
    for (const char* p : {"anna", "bernd", "carla"}) Seat("Intranet", p);
    // A site license nobody holds: 50.00 EUR a year to "(unassigned)".
    Create(Kind::kLicense,
           "display_name: 'Wiki' unlimited_seats: true price_per_seat_minor: 5000 "
           "billing_period: YEARLY");
  }

  void Person(const std::string& name, const std::string& department, const std::string& cc) {
    Create(Kind::kPerson,
           absl::StrCat("email: '", name, "@firma.de' display_name: '", name, "' department: '",
                        department, "' cost_center: '", cc, "' start_date: '2024-01-01'"));
  }
  void Active(const std::string& app, const std::string& person) {
    // Active two days before "today".
    Create(Kind::kAccount,
           absl::StrCat("application: '", app, "' username: '", person, "' person: '", person,
                        "@firma.de' last_activity_time { seconds: 1795651200 }"));
  }
  void Seat(const std::string& license, const std::string& person) {
    Create(Kind::kLicenseAssignment,
           absl::StrCat("license: '", license, "' person: '", person, "@firma.de'"));
  }
  std::map<std::string, std::string> Costs(const std::string& by) {
    v1::CostReportRequest req;
    req.set_by(by);
    absl::StatusOr<v1::CostReport> r = reports_->Costs(req);
    EXPECT_TRUE(r.ok()) << r.status();
    std::map<std::string, std::string> lines;
    for (const v1::CostLine& l : r->lines()) {
      lines[l.group()] += (lines[l.group()].empty() ? "" : " + ") +
                          FormatMoney(l.annual_minor(), l.currency()) + " (" +
                          FormatMoney(l.monthly_minor(), l.currency()) + "/month)";
    }
    return lines;
  }
};

TEST_F(ReportMoneyTest, OverlapsAndSavingsAreKeptPerCurrencyAndCountEachSeatOnce) {
  absl::StatusOr<v1::OverlapReport> overlaps = reports_->Overlaps();
  ASSERT_TRUE(overlaps.ok()) << overlaps.status();
  ASSERT_EQ(overlaps->overlaps_size(), 1);
  const v1::Overlap& video = overlaps->overlaps(0);
  EXPECT_EQ(video.keep(), "Teams");
  // Dropping Zoom and Webex: 486.00 EUR and 749.50 USD, never 1,235.50 of anything.
  EXPECT_EQ(Text(video.saving()), "486.00 EUR + 749.50 USD");
  EXPECT_EQ(Text(overlaps->saving()), "486.00 EUR + 749.50 USD");

  absl::StatusOr<v1::SummaryReport> summary = reports_->Summary({});
  ASSERT_TRUE(summary.ok()) << summary.status();
  std::vector<std::string> savings;
  for (const v1::Saving& s : summary->top_savings()) {
    savings.push_back(absl::StrCat(FormatMoney(s.annual_minor(), s.currency()), " ", s.what()));
  }
  // EUR: consolidating saves Zoom's 486.00 (no license recommendation touches it). USD: Webex
  // reduced to one seat saves 4 x 149.90 = 599.60; dropping it saves the remaining 149.90.
  EXPECT_THAT(savings,
              ElementsAre(HasSubstr("486.00 EUR Video: consolidate onto Teams"),
                          HasSubstr("599.60 USD Webex Suite: reduce to 1 seat"),
                          HasSubstr("149.90 USD Video: consolidate onto Teams (drop Zoom, Webex), "
                                    "beyond the license recommendations")));
  // Each seat once: 749.50 USD in all, not 599.60 + 749.50.
  EXPECT_EQ(Text(summary->total_savings()), "486.00 EUR + 749.50 USD");
  // 600.00 + 486.00 + 1,000.00 + 50.00 EUR; 749.50 USD. Monthly: 2,136.00 / 12 = 178.00;
  // 749.50 / 12 = 62.458 -> 62.46.
  EXPECT_EQ(Text(summary->annual_spend()), "2136.00 EUR + 749.50 USD");
  EXPECT_EQ(Text(summary->monthly_spend()), "178.00 EUR + 62.46 USD");
  // Waste: Webex's four unused seats, 599.60 USD.
  EXPECT_EQ(Text(summary->annual_waste()), "0.00 EUR + 599.60 USD");
  // Spend by category, each line in one currency.
  std::vector<std::string> categories;
  for (const v1::CostLine& l : summary->spend_by_category()) {
    categories.push_back(absl::StrCat(l.group(), " ", FormatMoney(l.annual_minor(), l.currency())));
  }
  EXPECT_THAT(categories, ElementsAre("Video 1086.00 EUR", "Intranet 1000.00 EUR",
                                      "(none) 50.00 EUR", "Video 749.50 USD"));
}

TEST_F(ReportMoneyTest, SiteLicensesAreDividedAmongTheirHoldersGroups) {
  // Teams 600.00: Sales 2 seats 240.00, IT 240.00, Finance 120.00. Zoom 486.00: Sales 324.00,
  // IT 162.00. Intranet: Sales 666.67, IT 333.33. Wiki: (unassigned) 50.00.
  // EUR total 2,136.00, monthly 178.00 split by largest remainder: Sales 1,230.67 / 12 =
  // 102.555.., IT 735.33 / 12 = 61.2775, Finance 120.00 / 12 = 10.00, (unassigned) 50.00 / 12 =
  // 4.1666..: floors 102.55 + 61.27 + 10.00 + 4.16 = 177.98, the two cents left go to the
  // largest remainders (IT .75, unassigned .67). USD 749.50 / 12 = 62.458 -> 62.46: Finance
  // 149.90 -> 12.492, (unassigned) 599.60 -> 49.968: floors 12.49 + 49.96, the cent to 49.97.
  std::map<std::string, std::string> department = Costs("department");
  EXPECT_EQ(department["Sales"], "1230.67 EUR (102.55 EUR/month)");
  EXPECT_EQ(department["IT"], "735.33 EUR (61.28 EUR/month)");
  EXPECT_EQ(department["Finance"], "120.00 EUR (10.00 EUR/month) + 149.90 USD (12.49 USD/month)");
  EXPECT_EQ(department["(unassigned)"],
            "50.00 EUR (4.17 EUR/month) + 599.60 USD (49.97 USD/month)");
  // By person: Anna holds Teams 120.00, Zoom 162.00, Intranet 333.34 (the cent of 1,000.00
  // over three goes to the first holder).
  std::map<std::string, std::string> person = Costs("person");
  EXPECT_THAT(person["anna@firma.de"], HasSubstr("615.34 EUR"));
  EXPECT_THAT(person["bernd@firma.de"], HasSubstr("615.33 EUR"));
  EXPECT_THAT(person["carla@firma.de"], HasSubstr("615.33 EUR"));
}

TEST_F(ReportMoneyTest, CostCentersComeFromTheLicenseOrElseItsHolders) {
  // Zoom carries its own cost center 900: 486.00 whole. Teams: 100 240.00, 200 240.00, 300
  // 120.00; Intranet: 100 666.67, 200 333.33; Webex: 300 149.90 USD, (unassigned) 599.60 USD.
  std::map<std::string, std::string> cc = Costs("cost-center");
  EXPECT_THAT(cc["900"], HasSubstr("486.00 EUR"));
  EXPECT_THAT(cc["100"], HasSubstr("906.67 EUR"));
  EXPECT_THAT(cc["200"], HasSubstr("573.33 EUR"));
  EXPECT_THAT(cc["300"], HasSubstr("120.00 EUR"));
  EXPECT_THAT(cc["300"], HasSubstr("149.90 USD"));
  EXPECT_EQ(cc.count("(none)"), 0u) << "every holder has a cost center";
}

TEST_F(ReportMoneyTest, EveryGroupingShowsTheSameTotalsAsTheLicensesReport) {
  absl::StatusOr<v1::LicenseReport> licenses = reports_->Licenses({});
  ASSERT_TRUE(licenses.ok()) << licenses.status();
  EXPECT_EQ(Text(licenses->annual_cost()), "2136.00 EUR + 749.50 USD");
  EXPECT_EQ(Text(licenses->monthly_cost()), "178.00 EUR + 62.46 USD");
  for (const char* by : {"department", "cost-center", "vendor", "application", "person"}) {
    v1::CostReportRequest req;
    req.set_by(by);
    absl::StatusOr<v1::CostReport> r = reports_->Costs(req);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(Text(r->annual_total()), "2136.00 EUR + 749.50 USD") << by;
    EXPECT_EQ(Text(r->monthly_total()), "178.00 EUR + 62.46 USD") << by;
    std::map<std::string, int64_t> annual, monthly;
    for (const v1::CostLine& l : r->lines()) {
      annual[l.currency()] += l.annual_minor();
      monthly[l.currency()] += l.monthly_minor();
    }
    EXPECT_EQ(annual["EUR"], 213600) << by;
    EXPECT_EQ(monthly["EUR"], 17800) << by;
    EXPECT_EQ(annual["USD"], 74950) << by;
    EXPECT_EQ(monthly["USD"], 6246) << by;
  }
  std::map<std::string, int64_t> monthly;
  for (const v1::LicenseUsage& u : licenses->licenses()) {
    monthly[u.currency()] += u.monthly_cost_minor();
  }
  EXPECT_EQ(monthly["EUR"], 17800);
  EXPECT_EQ(monthly["USD"], 6246);
}

TEST_F(ReportMoneyTest, SeatsBelowTheAssignedNeedForceAndAreFlagged) {
  // CRM: 5 seats x 20.00 a month, held by all five.
  Create(Kind::kLicense,
         "display_name: 'CRM' application: 'CRM' seats: 5 price_per_seat_minor: 2000");
  for (const char* p : {"anna", "bernd", "carla", "dieter", "eva"}) Seat("CRM", p);
  v1::License crm;
  ASSERT_TRUE(inventory_->Get(Kind::kLicense, "CRM", &crm).ok());
  crm.set_seats(3);
  google::protobuf::FieldMask mask;
  mask.add_paths("seats");
  v1::License out;
  absl::Status refused = inventory_->Update("test", Kind::kLicense, crm, mask, &out);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("less than the 5 seats assigned"));
  ASSERT_TRUE(inventory_->Get(Kind::kLicense, "CRM", &out).ok());
  EXPECT_EQ(out.seats(), 5) << "nothing changed";

  ASSERT_TRUE(inventory_->Update("test", Kind::kLicense, crm, mask, &out, {.force = true}).ok());
  absl::StatusOr<v1::LicenseReport> licenses = reports_->Licenses({});
  ASSERT_TRUE(licenses.ok());
  const v1::LicenseUsage* usage = nullptr;
  for (const auto& u : licenses->licenses()) {
    if (u.display_name() == "CRM") usage = &u;
  }
  ASSERT_NE(usage, nullptr);
  EXPECT_EQ(usage->over_assigned(), 2);
  EXPECT_EQ(usage->unassigned(), 0);
  EXPECT_EQ(usage->annual_waste_minor(), 0);
  EXPECT_THAT(usage->recommendation(), HasSubstr("over-assigned: 5 assigned, 3 bought"));
  absl::StatusOr<v1::SummaryReport> summary = reports_->Summary({});
  ASSERT_TRUE(summary.ok());
  EXPECT_THAT(summary->compliance_risks(), ElementsAre(HasSubstr("CRM: 5 seats assigned, 3")));
  // Its 3 x 240.00 = 720.00 a year is divided among the five holders: 144.00 each, so by
  // department Sales 288.00 more (2,136 + 720 = 2,856.00 in all), and every view agrees.
  EXPECT_THAT(Costs("department")["Sales"], HasSubstr("1518.67 EUR"));
  EXPECT_THAT(Costs("vendor")["(none)"], HasSubstr("2256.00 EUR"));  // Zoom, Intranet, Wiki, CRM
  for (const char* by : {"department", "cost-center", "vendor", "application", "person"}) {
    v1::CostReportRequest req;
    req.set_by(by);
    EXPECT_EQ(Text(reports_->Costs(req)->annual_total()), "2856.00 EUR + 749.50 USD") << by;
  }
}

}  // namespace
}  // namespace bestand
