// Properties of the money rules over random companies: two currencies, site licenses, leavers,
// device seats, packs, minimum seats and over-assigned licenses. Whatever the company, every
// grouping of the costs and the licenses report agree per currency to the minor unit, no figure
// mixes currencies, and the documented input bounds cannot overflow.
#include <map>
#include <random>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/inventory.h"
#include "server/core/reports.h"
#include "server/imports/resource_csv.h"
#include "tests/core/core_fixture.h"

namespace bestand {
namespace {

class ReportPropertyTest : public testing::CoreTest, public ::testing::WithParamInterface<int> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CoreTest::SetUp());
    reports_->SetTodayForTesting(absl::CivilDay(2026, 11, 28));
  }
};

// The annual cost of a license by the README's rule, computed here independently.
int64_t ExpectedAnnual(const v1::License& l) {
  const int64_t periods = l.billing_period() == v1::License::YEARLY ? 1 : 12;
  return l.price_per_seat_minor() * periods * (l.unlimited_seats() ? 1 : l.seats());
}

TEST_P(ReportPropertyTest, EveryGroupingAgreesPerCurrencyAndNoFigureMixesCurrencies) {
  std::mt19937 rng(GetParam());
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const std::vector<std::string> departments = {"Sales", "IT", "Finance", ""};
  const std::vector<std::string> cost_centers = {"100", "200", ""};
  const std::vector<std::string> currencies = {"EUR", "USD"};

  Create(Kind::kVendor, [] {
    v1::Vendor v;
    v.set_display_name("V1");
    return v;
  }());
  Create(Kind::kVendor, [] {
    v1::Vendor v;
    v.set_display_name("V2");
    return v;
  }());
  std::vector<std::string> apps;
  for (int i = 0; i < 4; ++i) {
    v1::Application a;
    a.set_display_name(absl::StrCat("App", i));
    a.set_category(i < 3 ? "Video" : "CRM");  // three overlapping tools
    if (pick(0, 1)) a.set_vendor(pick(0, 1) ? "V1" : "V2");
    apps.push_back(Create(Kind::kApplication, a).name());
  }
  std::vector<v1::Person> people;
  const int n_people = pick(3, 14);
  for (int i = 0; i < n_people; ++i) {
    v1::Person p;
    p.set_email(absl::StrCat("p", i, "@firma.de"));
    p.set_display_name(absl::StrCat("P", i));
    p.set_department(departments[pick(0, 3)]);
    p.set_cost_center(cost_centers[pick(0, 2)]);
    const int status = pick(0, 9);
    p.set_status(status == 0   ? v1::Person::LEFT
                 : status == 1 ? v1::Person::LEAVING
                 : status == 2 ? v1::Person::ONBOARDING
                               : v1::Person::ACTIVE);
    if (status == 1) p.set_end_date(pick(0, 1) ? "2026-11-01" : "2026-12-31");
    people.push_back(Create(Kind::kPerson, p));
    for (const std::string& app : apps) {
      if (pick(0, 2) == 0) continue;
      v1::Account a;
      a.set_application(app);
      a.set_username(p.email());
      a.set_person(people.back().name());
      if (pick(0, 1))
        a.mutable_last_activity_time()->set_seconds(1795651200 - pick(0, 200) * 86400);
      Create(Kind::kAccount, a);
    }
  }
  std::vector<std::string> devices;
  for (int i = 0; i < 3; ++i) {
    v1::Device d;
    d.set_asset_tag(absl::StrCat("NB-", i));
    if (i > 0) d.set_assignee(people[pick(0, n_people - 1)].name());
    devices.push_back(Create(Kind::kDevice, d).name());
  }

  std::map<std::string, int64_t> expected;                           // by currency
  std::map<std::pair<std::string, std::string>, int64_t> by_vendor;  // (vendor, currency)
  const int n_licenses = pick(3, 10);
  for (int i = 0; i < n_licenses; ++i) {
    v1::License l;
    l.set_display_name(absl::StrCat("L", i));
    l.set_currency(currencies[pick(0, 1)]);
    l.set_unlimited_seats(pick(0, 4) == 0);
    l.set_seats(pick(0, 12));
    l.set_price_per_seat_minor(pick(0, 1) ? pick(1, 999999) : pick(0, 99) * 100);
    l.set_billing_period(pick(0, 1) ? v1::License::YEARLY : v1::License::MONTHLY);
    if (pick(0, 1)) l.set_application(apps[pick(0, 3)]);
    if (pick(0, 1)) l.set_vendor(pick(0, 1) ? "V1" : "V2");
    if (pick(0, 3) == 0) l.set_cost_center("900");
    l.set_min_seats(pick(0, 3));
    l.set_pack_size(pick(0, 5));
    v1::License created = Create(Kind::kLicense, l);
    // Seats for random holders, at most as many as bought (any number for site licenses).
    std::set<int> holders;
    const int want = l.unlimited_seats() ? pick(0, n_people) : pick(0, l.seats());
    while (static_cast<int>(holders.size()) < std::min(want, n_people)) {
      holders.insert(pick(0, n_people - 1));
    }
    for (int h : holders) {
      v1::LicenseAssignment s;
      s.set_license(created.name());
      s.set_person(people[h].name());
      Create(Kind::kLicenseAssignment, s);
    }
    if (pick(0, 3) == 0 && !l.unlimited_seats() && static_cast<int>(holders.size()) < l.seats()) {
      v1::LicenseAssignment s;
      s.set_license(created.name());
      s.set_device(devices[pick(0, 2)]);
      Create(Kind::kLicenseAssignment, s);
    }
    // Sometimes the seat count is forced below the seats held: an over-assignment.
    ASSERT_TRUE(inventory_->Get(Kind::kLicense, created.name(), &created).ok());
    if (!l.unlimited_seats() && created.assigned_seats() > 0 && pick(0, 3) == 0) {
      v1::License fewer = created;
      fewer.set_seats(pick(0, created.assigned_seats() - 1));
      google::protobuf::FieldMask mask;
      mask.add_paths("seats");
      ASSERT_TRUE(
          inventory_->Update("test", Kind::kLicense, fewer, mask, &created, {.force = true}).ok());
      l.set_seats(fewer.seats());
    }
    expected[l.currency()] += ExpectedAnnual(l);
    by_vendor[{l.vendor().empty() ? "(none)" : l.vendor(), l.currency()}] += ExpectedAnnual(l);
  }
  auto monthly_of = [](int64_t annual) { return (annual + 6) / 12; };  // half up, annual >= 0
  auto check_totals = [&](const google::protobuf::RepeatedPtrField<v1::Money>& annual,
                          const google::protobuf::RepeatedPtrField<v1::Money>& monthly,
                          const std::string& where) {
    ASSERT_EQ(annual.size(), static_cast<int>(expected.size())) << where;
    ASSERT_EQ(monthly.size(), static_cast<int>(expected.size())) << where;
    for (int i = 0; i < annual.size(); ++i) {
      EXPECT_EQ(annual[i].minor(), expected.at(annual[i].currency())) << where;
      EXPECT_EQ(monthly[i].currency(), annual[i].currency()) << where;
      EXPECT_EQ(monthly[i].minor(), monthly_of(annual[i].minor())) << where;
    }
  };

  absl::StatusOr<v1::LicenseReport> licenses = reports_->Licenses({});
  ASSERT_TRUE(licenses.ok()) << licenses.status();
  check_totals(licenses->annual_cost(), licenses->monthly_cost(), "licenses");
  std::map<std::string, int64_t> license_monthly;
  for (const v1::LicenseUsage& u : licenses->licenses()) {
    license_monthly[u.currency()] += u.monthly_cost_minor();
    EXPECT_LE(u.annual_waste_minor(), u.annual_cost_minor()) << u.display_name();
  }
  for (const v1::Money& m : licenses->monthly_cost()) {
    EXPECT_EQ(license_monthly[m.currency()], m.minor()) << "license rows add up";
  }

  for (const char* by : {"department", "cost-center", "vendor", "application", "person"}) {
    v1::CostReportRequest req;
    req.set_by(by);
    absl::StatusOr<v1::CostReport> r = reports_->Costs(req);
    ASSERT_TRUE(r.ok()) << by << ": " << r.status();
    check_totals(r->annual_total(), r->monthly_total(), by);
    std::map<std::string, int64_t> annual, monthly;
    std::set<std::pair<std::string, std::string>> seen;
    for (const v1::CostLine& line : r->lines()) {
      EXPECT_TRUE(expected.count(line.currency()))
          << by << ": no license is billed in " << line.currency();
      EXPECT_TRUE(seen.insert({line.group(), line.currency()}).second)
          << by << ": " << line.group() << " twice in " << line.currency();
      annual[line.currency()] += line.annual_minor();
      monthly[line.currency()] += line.monthly_minor();
      // Each row's monthly figure is within a minor unit and a half of its annual / 12.
      EXPECT_LT(std::abs(line.monthly_minor() * 12 - line.annual_minor()), 18) << by;
      if (std::string(by) == "vendor") {
        EXPECT_EQ(line.annual_minor(), by_vendor.at({line.group(), line.currency()}))
            << line.group() << " " << line.currency();
      }
    }
    for (const auto& [cur, total] : expected) {
      EXPECT_EQ(annual[cur], total) << by << " " << cur;
      EXPECT_EQ(monthly[cur], monthly_of(total)) << by << " " << cur;
    }
  }

  absl::StatusOr<v1::SummaryReport> summary = reports_->Summary({});
  ASSERT_TRUE(summary.ok()) << summary.status();
  check_totals(summary->annual_spend(), summary->monthly_spend(), "summary");
  std::map<std::string, int64_t> category;
  for (const v1::CostLine& line : summary->spend_by_category()) {
    category[line.currency()] += line.annual_minor();
  }
  for (const auto& [cur, total] : expected) EXPECT_EQ(category[cur], total) << "by category";
  // Savings: each seat counted once, so never more than is spent, and per currency.
  std::map<std::string, int64_t> listed;
  for (const v1::Saving& s : summary->top_savings()) {
    ASSERT_TRUE(expected.count(s.currency())) << s.what();
    EXPECT_GT(s.annual_minor(), 0) << s.what();
    listed[s.currency()] += s.annual_minor();
  }
  for (const v1::Money& m : summary->total_savings()) {
    EXPECT_LE(m.minor(), expected.at(m.currency())) << "saves more than is spent";
    EXPECT_GE(m.minor(), listed[m.currency()]) << "the top ten are part of the total";
  }
}

INSTANTIATE_TEST_SUITE_P(RandomCompanies, ReportPropertyTest, ::testing::Range(1, 41));

// The documented bounds: 10,000 licenses of 100,000 seats at 1,000,000.00 a seat and month
// cost 10^4 x 10^5 x 10^8 x 12 = 1.2 x 10^18 minor units a year, exactly, and no more can be
// entered.
class ReportLimitsTest : public testing::CoreTest {};

TEST_F(ReportLimitsTest, TheDocumentedBoundsCannotOverflow) {
  std::string csv = "display_name,seats,price_per_seat_minor,billing_period\n";
  for (int i = 0; i < kMaxLicenses; ++i) {
    absl::StrAppend(&csv, "L", i, ",", kMaxSeats, ",", kMaxPricePerSeatMinor, ",monthly\n");
  }
  absl::StatusOr<ImportResult> imported =
      ImportResourceCsv(*inventory_, "test", "licenses", csv, false, nullptr);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->created, 10000);

  absl::StatusOr<v1::LicenseReport> licenses = reports_->Licenses({});
  ASSERT_TRUE(licenses.ok()) << licenses.status();
  EXPECT_EQ(licenses->annual_cost(0).minor(), 1200000000000000000);
  EXPECT_EQ(licenses->monthly_cost(0).minor(), 100000000000000000);
  EXPECT_EQ(licenses->annual_waste(0).minor(), 1200000000000000000);  // nobody holds a seat
  for (const char* by : {"department", "vendor", "person"}) {
    v1::CostReportRequest req;
    req.set_by(by);
    absl::StatusOr<v1::CostReport> costs = reports_->Costs(req);
    ASSERT_TRUE(costs.ok()) << costs.status();
    EXPECT_EQ(costs->annual_total(0).minor(), 1200000000000000000) << by;
  }
  absl::StatusOr<v1::SummaryReport> summary = reports_->Summary({});
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->total_savings(0).minor(), 1200000000000000000);

  v1::License one_more;
  one_more.set_display_name("one more");
  v1::License out;
  EXPECT_EQ(inventory_->Create("test", Kind::kLicense, one_more, &out).code(),
            absl::StatusCode::kResourceExhausted);
  // Beyond a bound on a field: refused, naming the range.
  v1::License big;
  ASSERT_TRUE(inventory_->Get(Kind::kLicense, "L0", &big).ok());
  google::protobuf::FieldMask mask;
  mask.add_paths("price_per_seat_minor");
  big.set_price_per_seat_minor(kMaxPricePerSeatMinor + 1);
  absl::Status s = inventory_->Update("test", Kind::kLicense, big, mask, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("out of range 0..100000000"));
  mask.set_paths(0, "seats");
  big.set_seats(kMaxSeats + 1);
  s = inventory_->Update("test", Kind::kLicense, big, mask, &out);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("out of range 0..100000"));
}

}  // namespace
}  // namespace bestand
