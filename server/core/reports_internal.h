// What the reports share (reports.cc and the reports_*.cc files): the company as one read of the
// inventory, money and term helpers, and each report computed from a loaded company, so the
// summary can combine them. Used by the reports and the notification rules (core/notify/), which
// say what the reports find; not part of the core's interface.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/report.pb.h"
#include "common/resources.h"
#include "google/protobuf/message.h"
#include "server/storage/store.h"

namespace bestand {

// Everything the reports read, in one transaction.
struct Company {
  std::vector<v1::License> licenses;
  std::unordered_map<int64_t, std::vector<v1::LicenseAssignment>> seats;  // by license id
  std::unordered_map<int64_t, v1::Person> people;
  std::unordered_map<int64_t, v1::Application> apps;
  std::unordered_map<int64_t, v1::Vendor> vendors;
  std::unordered_map<int64_t, v1::Device> devices;
  std::vector<v1::Account> accounts;
  // Last activity and the newest account's creation per (person, application).
  std::map<std::pair<int64_t, int64_t>, int64_t> last_activity, newest_account;
};

// Calls `fn(id, record)` for every record of `kind`, as an `M`.
template <typename M, typename Fn>
absl::Status ForEach(ReadTx& tx, Kind kind, Fn fn) {
  return tx.List(kind, ListQuery(), [&](int64_t id, const google::protobuf::Message& m) {
    fn(id, static_cast<const M&>(m));
    return absl::OkStatus();
  });
}

// Reads the company in `tx`.
absl::StatusOr<Company> LoadCompany(ReadTx& tx);

// The price of one seat for a year. Input bounds keep it below 1.2 x 10^9.
int64_t SeatYearMinor(const v1::License& l);

// The license's currency; EUR when it names none.
std::string Currency(const v1::License& l);

// The monthly figures of rows of one currency with these annual figures: the currency's
// monthly total (annual total / 12, rounded) split in proportion by largest remainder.
std::vector<int64_t> MonthlyShares(const std::vector<int64_t>& annual);

// The current term of a license: its stored term, rolled forward while it ended before `today`
// and renews by itself. Whole-month terms roll by months (so leap days fall where they should).
struct Term {
  absl::CivilDay start, end;
  int months = 12;  // length, when a whole number of months
};

// The license's current term on `today`; nullopt when it has no valid term end.
std::optional<Term> CurrentTerm(const v1::License& l, absl::CivilDay today);

// The email of `person` (a resource name); the name itself when no such person is loaded.
std::string Email(const Company& c, absl::string_view person);

// A request's day count `value` in `field`: 90 when 0; INVALID_ARGUMENT outside 1..3650.
absl::StatusOr<int> ReportDays(absl::string_view field, int value);

// reports_licenses.cc: every license's usage, waste and recommendation, with totals, judging
// seats idle after `inactive_days` without activity.
absl::StatusOr<v1::LicenseReport> LicensesOf(const Company& c, absl::CivilDay today,
                                             int inactive_days);

// reports_licenses.cc: the renewals whose cancellation deadline is within `within_days` of
// `today` (or missed in the current term), soonest first.
v1::RenewalReport RenewalsOf(const Company& c, absl::CivilDay today, int within_days);

// reports_costs.cc: what costs are grouped by.
enum class CostBy { kDepartment, kCostCenter, kVendor, kApplication, kPerson, kCategory };

// reports_costs.cc: costs grouped by `by` (attribution rules in report.proto).
absl::StatusOr<v1::CostReport> CostsBy(const Company& c, CostBy by);

// reports_summary.cc: the summary with seats idle after `inactive` days and the deadlines of
// the next `within` days.
absl::StatusOr<v1::SummaryReport> SummaryOf(const Company& c, absl::CivilDay today, int inactive,
                                            int within);

// reports_overlaps.cc: applications of one category used side by side, with what keeping only
// the most used one saves.
absl::StatusOr<v1::OverlapReport> OverlapsOf(const Company& c);

}  // namespace bestand
