// The license report (usage, waste, recommendations) and the renewal report.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/report.pb.h"
#include "common/money.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "server/core/inventory.h"
#include "server/core/reports.h"
#include "server/core/reports_internal.h"

namespace bestand {
namespace {

int64_t MicrosAtStartOf(absl::CivilDay day) {
  return absl::ToUnixMicros(absl::FromCivil(day, absl::UTCTimeZone()));
}

absl::CivilDay DayOfMicros(int64_t micros) {
  return absl::ToCivilDay(absl::FromUnixMicros(micros), absl::UTCTimeZone());
}

bool IsLeaver(const v1::Person& p) {
  return p.status() == v1::Person::LEFT || p.status() == v1::Person::LEAVING;
}

// Why a leaver's seat is reclaimable: leaving on a day to come, or gone and the seat still held
// at the vendor until the provider's task is done.
std::string LeaverNote(const v1::Person& p, absl::CivilDay today) {
  absl::StatusOr<absl::CivilDay> last = ParseIsoDate(p.end_date());
  if (p.status() == v1::Person::LEAVING && last.ok() && *last >= today) {
    return absl::StrCat(" (leaving ", p.end_date(), ")");
  }
  return absl::StrCat(" (left", p.end_date().empty() ? "" : " " + p.end_date(),
                      ", reclaim pending at the vendor)");
}

// Counts the seats of `l` into `u` (assigned, active, recent, idle, leavers), naming the idle
// and the leavers' seats as reclaimable. Seats without activity for `inactive_days` are idle.
void CountSeats(const Company& c, const v1::License& l, absl::CivilDay today, int inactive_days,
                v1::LicenseUsage& u) {
  const absl::CivilDay window_start = today - inactive_days;
  const int64_t idle_before = MicrosAtStartOf(window_start);  // older activity: idle
  // Too new to judge: not started yet, or started, joined the application or got the seat
  // within the window.
  auto recent = [&](const v1::LicenseAssignment& s, const v1::Person& p) {
    if (p.status() == v1::Person::ONBOARDING) return true;
    for (const std::string* date : {&p.start_date(), &s.assign_date()}) {
      absl::StatusOr<absl::CivilDay> d = ParseIsoDate(*date);
      if (d.ok() && *d > window_start) return true;
    }
    auto created = c.newest_account.find({IdOf(s.person()), IdOf(l.application())});
    return created != c.newest_account.end() && created->second >= idle_before;
  };
  auto seats = c.seats.find(IdOf(l.name()));
  if (seats != c.seats.end()) {
    for (const v1::LicenseAssignment& s : seats->second) {
      u.set_assigned(u.assigned() + 1);
      if (s.person().empty()) {
        u.set_active(u.active() + 1);  // devices hold seats without logging in
        continue;
      }
      auto person = c.people.find(IdOf(s.person()));
      if (person != c.people.end() && IsLeaver(person->second)) {
        u.set_leavers(u.leavers() + 1);
        u.add_reclaimable(person->second.email() + LeaverNote(person->second, today));
        continue;
      }
      if (l.application().empty()) {
        u.set_active(u.active() + 1);  // no application: no activity to judge by
        continue;
      }
      auto last = c.last_activity.find({IdOf(s.person()), IdOf(l.application())});
      if (last != c.last_activity.end() && last->second >= idle_before) {
        u.set_active(u.active() + 1);
        continue;
      }
      // Activity before the window shows an account older than it: idle. Without any, a seat
      // too new to judge is not.
      if (last == c.last_activity.end() && person != c.people.end() && recent(s, person->second)) {
        u.set_recent(u.recent() + 1);
        continue;
      }
      u.set_idle(u.idle() + 1);
      u.add_reclaimable(
          absl::StrCat(Email(c, s.person()),
                       last == c.last_activity.end()
                           ? " (no activity recorded)"
                           : " (idle since " + FormatIsoDate(DayOfMicros(last->second)) + ")"));
    }
  }
}

// What to do with `l` given the counts in `u`: keep what is used, respecting the contract's
// minimum and pack size. Sets the recommendation and the seats it keeps.
void Recommend(const v1::License& l, absl::CivilDay today, v1::LicenseUsage& u) {
  const int needed = u.active() + u.recent();
  u.set_recommended_seats(u.seats());
  if (u.over_assigned() > 0) {
    u.set_recommendation(absl::StrCat("over-assigned: ", u.assigned(), " assigned, ", l.seats(),
                                      " bought; buy ", u.over_assigned(), " or free ",
                                      u.over_assigned()));
  } else if (l.unlimited_seats() || l.seats() == 0) {
    u.set_recommendation("keep");
  } else if (needed == 0) {
    std::optional<Term> term = CurrentTerm(l, today);
    u.set_recommended_seats(0);
    if (term) {
      u.set_cancel_by(FormatIsoDate(CancellationDeadline(term->end, l.notice_period_days())));
    }
    u.set_recommendation(term ? "cancel by " + u.cancel_by() : "cancel");
  } else {
    int target = std::max(needed, l.min_seats());
    if (l.pack_size() > 1) target = (target + l.pack_size() - 1) / l.pack_size() * l.pack_size();
    if (target < l.seats()) {
      u.set_recommended_seats(target);
      u.set_recommendation(absl::StrCat("reduce to ", target, target == 1 ? " seat" : " seats"));
    } else {
      u.set_recommendation("keep");
    }
  }
}

// One license's usage, with the seats behind its recommendation.
v1::LicenseUsage Usage(const Company& c, const v1::License& l, absl::CivilDay today,
                       int inactive_days) {
  v1::LicenseUsage u;
  u.set_license(l.name());
  u.set_display_name(l.display_name());
  u.set_currency(Currency(l));
  u.set_unlimited(l.unlimited_seats());
  u.set_seats(l.unlimited_seats() ? 0 : l.seats());
  CountSeats(c, l, today, inactive_days, u);
  if (!l.unlimited_seats()) {
    u.set_unassigned(std::max(0, l.seats() - u.assigned()));
    u.set_over_assigned(std::max(0, u.assigned() - l.seats()));
  }
  if (u.unassigned() > 0) u.add_reclaimable(absl::StrCat(u.unassigned(), " unassigned"));
  u.set_annual_cost_minor(AnnualCostMinor(l));
  if (!l.unlimited_seats()) {
    // Seats paid for and not used; freeing seats of an over-assigned license first makes it
    // compliant and saves nothing.
    const int wasted = std::max(0, u.unassigned() + u.idle() + u.leavers() - u.over_assigned());
    u.set_annual_waste_minor(SeatYearMinor(l) * wasted);
  }
  Recommend(l, today, u);
  if (u.recommendation() == "keep") u.clear_reclaimable();
  return u;
}

}  // namespace

absl::StatusOr<v1::LicenseReport> LicensesOf(const Company& c, absl::CivilDay today,
                                             int inactive_days) {
  v1::LicenseReport out;
  out.set_inactive_days(inactive_days);
  MoneyTotals cost, waste, monthly;
  for (const v1::License& l : c.licenses) {
    v1::LicenseUsage u = Usage(c, l, today, inactive_days);
    BESTAND_RETURN_IF_ERROR(cost.Add(u.currency(), u.annual_cost_minor()));
    BESTAND_RETURN_IF_ERROR(waste.Add(u.currency(), u.annual_waste_minor()));
    *out.add_licenses() = std::move(u);
  }
  std::map<std::string, std::vector<v1::LicenseUsage*>> by_currency;
  for (v1::LicenseUsage& u : *out.mutable_licenses()) by_currency[u.currency()].push_back(&u);
  for (auto& [cur, usages] : by_currency) {
    std::vector<int64_t> a;
    for (const v1::LicenseUsage* u : usages) a.push_back(u->annual_cost_minor());
    const std::vector<int64_t> shares = MonthlyShares(a);
    for (size_t i = 0; i < usages.size(); ++i) usages[i]->set_monthly_cost_minor(shares[i]);
    BESTAND_RETURN_IF_ERROR(monthly.Add(cur, MonthlyFromAnnual(cost.Get(cur))));
  }
  std::sort(out.mutable_licenses()->begin(), out.mutable_licenses()->end(),
            [](const v1::LicenseUsage& a, const v1::LicenseUsage& b) {
              return std::make_tuple(a.currency(), b.annual_waste_minor(), a.display_name()) <
                     std::make_tuple(b.currency(), a.annual_waste_minor(), b.display_name());
            });
  cost.ToProto(out.mutable_annual_cost());
  waste.ToProto(out.mutable_annual_waste());
  monthly.ToProto(out.mutable_monthly_cost());
  return out;
}

v1::RenewalReport RenewalsOf(const Company& c, absl::CivilDay today, int within_days) {
  v1::RenewalReport out;
  out.set_within_days(within_days);
  for (const v1::License& l : c.licenses) {
    std::optional<Term> term = CurrentTerm(l, today);
    if (!term || term->end < today) continue;  // no term, or ended without renewing
    absl::CivilDay deadline = CancellationDeadline(term->end, l.notice_period_days());
    const bool missed = deadline < today;
    if (!missed && deadline - today > within_days) continue;
    v1::Renewal* r = out.add_renewals();
    r->set_license(l.name());
    r->set_display_name(l.display_name());
    r->set_term_end(FormatIsoDate(term->end));
    r->set_cancellation_deadline(FormatIsoDate(deadline));
    r->set_days_left(static_cast<int32_t>(deadline - today));
    r->set_auto_renew(l.auto_renew());
    r->set_missed(missed);
    r->set_currency(Currency(l));
    const int64_t seats = l.unlimited_seats() ? 1 : l.seats();
    // The next term as long as this one, billed per period; no proration.
    const int64_t periods =
        l.billing_period() == v1::License::YEARLY ? std::max(1, term->months / 12) : term->months;
    r->set_next_term_cost_minor(l.auto_renew() ? seats * l.price_per_seat_minor() * periods : 0);
  }
  std::sort(out.mutable_renewals()->begin(), out.mutable_renewals()->end(),
            [](const v1::Renewal& a, const v1::Renewal& b) {
              return std::tie(a.cancellation_deadline(), a.display_name()) <
                     std::tie(b.cancellation_deadline(), b.display_name());
            });
  return out;
}

absl::StatusOr<v1::LicenseReport> Reports::Licenses(const v1::LicenseReportRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(int days, ReportDays("inactive_days", r.inactive_days()));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(Company c, LoadCompany(*tx));
  return LicensesOf(c, Today(), days);
}

absl::StatusOr<v1::RenewalReport> Reports::Renewals(const v1::RenewalReportRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(int days, ReportDays("within_days", r.within_days()));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(Company c, LoadCompany(*tx));
  return RenewalsOf(c, Today(), days);
}

}  // namespace bestand
