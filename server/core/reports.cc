#include "server/core/reports.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "bestand/v1/inventory.pb.h"
#include "common/money.h"
#include "common/resources.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "server/core/inventory.h"
#include "server/core/reports_internal.h"
#include "server/storage/store.h"

namespace bestand {
namespace {

int PeriodsPerYear(const v1::License& l) {
  return l.billing_period() == v1::License::YEARLY ? 1 : 12;
}

}  // namespace

int64_t SeatYearMinor(const v1::License& l) { return l.price_per_seat_minor() * PeriodsPerYear(l); }

std::string Currency(const v1::License& l) { return l.currency().empty() ? "EUR" : l.currency(); }

absl::StatusOr<Company> LoadCompany(ReadTx& tx) {
  Company c;
  BESTAND_RETURN_IF_ERROR(ForEach<v1::License>(
      tx, Kind::kLicense, [&](int64_t, const v1::License& l) { c.licenses.push_back(l); }));
  BESTAND_RETURN_IF_ERROR(ForEach<v1::LicenseAssignment>(
      tx, Kind::kLicenseAssignment,
      [&](int64_t, const v1::LicenseAssignment& s) { c.seats[IdOf(s.license())].push_back(s); }));
  BESTAND_RETURN_IF_ERROR(ForEach<v1::Person>(
      tx, Kind::kPerson, [&](int64_t id, const v1::Person& p) { c.people.emplace(id, p); }));
  BESTAND_RETURN_IF_ERROR(ForEach<v1::Application>(
      tx, Kind::kApplication,
      [&](int64_t id, const v1::Application& a) { c.apps.emplace(id, a); }));
  BESTAND_RETURN_IF_ERROR(ForEach<v1::Vendor>(
      tx, Kind::kVendor, [&](int64_t id, const v1::Vendor& v) { c.vendors.emplace(id, v); }));
  BESTAND_RETURN_IF_ERROR(ForEach<v1::Device>(
      tx, Kind::kDevice, [&](int64_t id, const v1::Device& d) { c.devices.emplace(id, d); }));
  BESTAND_RETURN_IF_ERROR(
      ForEach<v1::Account>(tx, Kind::kAccount, [&](int64_t, const v1::Account& a) {
        c.accounts.push_back(a);
        if (a.person().empty()) return;
        const std::pair<int64_t, int64_t> key{IdOf(a.person()), IdOf(a.application())};
        int64_t& created = c.newest_account[key];
        created = std::max(created, ToMicros(a.create_time()));
        if (!a.has_last_activity_time()) return;
        int64_t& last = c.last_activity[key];
        last = std::max(last, ToMicros(a.last_activity_time()));
      }));
  return c;
}

std::vector<int64_t> MonthlyShares(const std::vector<int64_t>& annual) {
  int64_t total = 0;
  for (int64_t a : annual) total += a;  // callers add with overflow checks first
  std::vector<int64_t> shares = Apportion(MonthlyFromAnnual(total), annual);
  if (shares.empty()) shares.assign(annual.size(), 0);
  return shares;
}

std::optional<Term> CurrentTerm(const v1::License& l, absl::CivilDay today) {
  absl::StatusOr<absl::CivilDay> end = ParseIsoDate(l.term_end());
  if (!end.ok()) return std::nullopt;
  absl::StatusOr<absl::CivilDay> start = ParseIsoDate(l.term_start());
  Term t;
  t.end = *end;
  // No start: a year ending on term_end.
  t.start = start.ok() ? *start : absl::CivilDay(end->year() - 1, end->month(), end->day()) + 1;
  const absl::CivilDay after = t.end + 1;
  if (after.day() == t.start.day()) {
    t.months =
        static_cast<int>((after.year() - t.start.year()) * 12 + after.month() - t.start.month());
  }
  if (t.months <= 0) t.months = 12;
  while (l.auto_renew() && t.end < today) {
    absl::CivilDay next_start = t.end + 1;
    absl::CivilMonth m(next_start.year(), next_start.month());
    m += t.months;
    absl::CivilDay next_after(m.year(), m.month(), next_start.day());
    t.start = next_start;
    t.end = next_after - 1;
  }
  return t;
}

std::string Email(const Company& c, absl::string_view person) {
  auto it = c.people.find(IdOf(person));
  return it == c.people.end() ? std::string(person) : it->second.email();
}

absl::StatusOr<int> ReportDays(absl::string_view field, int value) {
  if (value == 0) return 90;
  if (value < 1 || value > 3650) {
    return FieldError(absl::StatusCode::kInvalidArgument, field, "must be between 1 and 3650");
  }
  return value;
}

int64_t AnnualCostMinor(const v1::License& l) {
  return l.unlimited_seats() ? SeatYearMinor(l) : SeatYearMinor(l) * l.seats();
}

absl::CivilDay CancellationDeadline(absl::CivilDay term_end, int notice_days) {
  return term_end - std::max(0, notice_days);
}

bool MatchesPattern(absl::string_view pattern, absl::string_view name) {
  // Iterative glob with '*' only; case-insensitive.
  size_t p = 0, n = 0, star = absl::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() &&
               absl::ascii_tolower(pattern[p]) == absl::ascii_tolower(name[n])) {
      ++p;
      ++n;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

absl::CivilDay Reports::Today() const { return fixed_today_ ? today_ : TodayUtc(); }

}  // namespace bestand
