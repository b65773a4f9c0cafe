#include "server/core/reports.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "bestand/v1/inventory.pb.h"
#include "common/money.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "server/core/inventory.h"

namespace bestand {
namespace {

using google::protobuf::Message;

int64_t MicrosAtStartOf(absl::CivilDay day) {
  return absl::ToUnixMicros(absl::FromCivil(day, absl::UTCTimeZone()));
}

absl::CivilDay DayOfMicros(int64_t micros) {
  return absl::ToCivilDay(absl::FromUnixMicros(micros), absl::UTCTimeZone());
}

int PeriodsPerYear(const v1::License& l) {
  return l.billing_period() == v1::License::YEARLY ? 1 : 12;
}

// The price of one seat for a year. Input bounds keep it below 1.2 x 10^9.
int64_t SeatYearMinor(const v1::License& l) { return l.price_per_seat_minor() * PeriodsPerYear(l); }

std::string Currency(const v1::License& l) { return l.currency().empty() ? "EUR" : l.currency(); }

constexpr absl::string_view kUnassigned = "(unassigned)";

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

template <typename M, typename Fn>
absl::Status ForEach(ReadTx& tx, Kind kind, Fn fn) {
  return tx.List(kind, ListQuery(), [&](int64_t id, const Message& m) {
    fn(id, static_cast<const M&>(m));
    return absl::OkStatus();
  });
}

absl::StatusOr<Company> Load(ReadTx& tx) {
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

bool IsLeaver(const v1::Person& p) {
  return p.status() == v1::Person::LEFT || p.status() == v1::Person::LEAVING;
}

// The person holding seat `s`: its person, or the assignee of its device; nullptr for none.
const v1::Person* Holder(const Company& c, const v1::LicenseAssignment& s) {
  std::string holder = s.person();
  if (holder.empty()) {
    auto d = c.devices.find(IdOf(s.device()));
    if (d == c.devices.end()) return nullptr;
    holder = d->second.assignee();
  }
  auto p = c.people.find(IdOf(holder));
  return p == c.people.end() ? nullptr : &p->second;
}

// How `l`'s annual cost divides among groups: the weight of each group is the number of seats
// its holders hold (`group_of` names a holder's group; "(devices)" for a device nobody has), plus
// the seats nobody holds as "(unassigned)". Weights add up to the seats bought when no more are
// assigned, so each held seat costs exactly one seat's price; a site license, or one with more
// seats assigned than bought, is divided in proportion to the seats held.
template <typename GroupOf>
std::map<std::string, int64_t> SeatWeights(const Company& c, const v1::License& l,
                                           GroupOf group_of) {
  std::map<std::string, int64_t> weights;
  int64_t held = 0;
  if (auto seats = c.seats.find(IdOf(l.name())); seats != c.seats.end()) {
    for (const v1::LicenseAssignment& s : seats->second) {
      const v1::Person* p = Holder(c, s);
      ++weights[p ? group_of(*p) : std::string("(devices)")];
      ++held;
    }
  }
  if (!l.unlimited_seats() && l.seats() > held) {
    weights[std::string(kUnassigned)] += l.seats() - held;
  }
  if (l.unlimited_seats() && held == 0) weights[std::string(kUnassigned)] = 1;
  return weights;
}

// The monthly figures of rows of one currency with these annual figures: the currency's
// monthly total (annual total / 12, rounded) split in proportion by largest remainder.
std::vector<int64_t> MonthlyShares(const std::vector<int64_t>& annual) {
  int64_t total = 0;
  for (int64_t a : annual) total += a;  // callers add with overflow checks first
  std::vector<int64_t> shares = Apportion(MonthlyFromAnnual(total), annual);
  if (shares.empty()) shares.assign(annual.size(), 0);
  return shares;
}

// The current term of a license: its stored term, rolled forward while it ended before `today`
// and renews by itself. Whole-month terms roll by months (so leap days fall where they should).
struct Term {
  absl::CivilDay start, end;
  int months = 12;  // length, when a whole number of months
};

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

// One license's usage, with the seats behind its recommendation.
v1::LicenseUsage Usage(const Company& c, const v1::License& l, absl::CivilDay today,
                       int inactive_days) {
  v1::LicenseUsage u;
  u.set_license(l.name());
  u.set_display_name(l.display_name());
  u.set_currency(Currency(l));
  u.set_unlimited(l.unlimited_seats());
  u.set_seats(l.unlimited_seats() ? 0 : l.seats());
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
  // What to do: keep what is used, respecting the contract's minimum and pack size.
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
    u.set_recommendation(
        term ? "cancel by " + FormatIsoDate(CancellationDeadline(term->end, l.notice_period_days()))
             : "cancel");
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
  if (u.recommendation() == "keep") u.clear_reclaimable();
  return u;
}

// The seats a license recommendation gives up (0 for site licenses and "keep").
int SeatsSaved(const v1::License& l, const v1::LicenseUsage& u) {
  return l.unlimited_seats() ? 0 : std::max(0, l.seats() - u.recommended_seats());
}

enum class CostBy { kDepartment, kCostCenter, kVendor, kApplication, kPerson, kCategory };

absl::StatusOr<CostBy> ParseCostBy(absl::string_view by) {
  static const std::pair<absl::string_view, CostBy> kBy[] = {{"department", CostBy::kDepartment},
                                                             {"cost-center", CostBy::kCostCenter},
                                                             {"vendor", CostBy::kVendor},
                                                             {"application", CostBy::kApplication},
                                                             {"person", CostBy::kPerson}};
  for (const auto& [name, value] : kBy) {
    if (name == by) return value;
  }
  return FieldError(absl::StatusCode::kInvalidArgument, "by",
                    absl::StrCat("'", by,
                                 "' is not one of department, cost-center, vendor, application, "
                                 "person"));
}

// Costs grouped by `by` (attribution rules in report.proto).
absl::StatusOr<v1::CostReport> CostsBy(const Company& c, CostBy by) {
  std::map<std::pair<std::string, std::string>, int64_t> annual;  // (currency, group)
  auto label = [](const std::string& s) { return s.empty() ? std::string("(none)") : s; };
  for (const v1::License& l : c.licenses) {
    const std::string cur = Currency(l);
    const v1::Application* app = nullptr;
    if (auto it = c.apps.find(IdOf(l.application())); it != c.apps.end()) app = &it->second;
    std::map<std::string, int64_t> weights;
    switch (by) {
      case CostBy::kVendor: {
        auto v = c.vendors.find(IdOf(l.vendor()));
        weights[v == c.vendors.end() ? "(none)" : v->second.display_name()] = 1;
        break;
      }
      case CostBy::kApplication:
        weights[app ? app->display_name() : label(l.product())] = 1;
        break;
      case CostBy::kCategory:
        weights[label(app ? app->category() : "")] = 1;
        break;
      case CostBy::kCostCenter:
        if (!l.cost_center().empty()) {
          weights[l.cost_center()] = 1;
        } else {
          weights = SeatWeights(c, l, [&](const v1::Person& p) { return label(p.cost_center()); });
        }
        break;
      case CostBy::kDepartment:
        weights = SeatWeights(c, l, [&](const v1::Person& p) { return label(p.department()); });
        break;
      case CostBy::kPerson:
        weights = SeatWeights(c, l, [](const v1::Person& p) { return p.email(); });
        break;
    }
    std::vector<int64_t> w;
    for (const auto& [group, weight] : weights) w.push_back(weight);
    const std::vector<int64_t> shares = Apportion(AnnualCostMinor(l), w);
    size_t i = 0;
    for (const auto& [group, weight] : weights) {
      int64_t& line = annual[{cur, group}];
      BESTAND_ASSIGN_OR_RETURN(line, CheckedAdd(line, shares.empty() ? 0 : shares[i++],
                                                absl::StrCat("cost of ", group)));
    }
  }
  v1::CostReport out;
  MoneyTotals annual_total, monthly_total;
  std::map<std::string, std::vector<v1::CostLine*>> by_currency;
  for (const auto& [key, minor] : annual) {
    v1::CostLine* line = out.add_lines();
    line->set_currency(key.first);
    line->set_group(key.second);
    line->set_annual_minor(minor);
    BESTAND_RETURN_IF_ERROR(annual_total.Add(key.first, minor));
  }
  for (v1::CostLine& line : *out.mutable_lines()) by_currency[line.currency()].push_back(&line);
  for (auto& [cur, lines] : by_currency) {
    std::vector<int64_t> a;
    for (const v1::CostLine* line : lines) a.push_back(line->annual_minor());
    const std::vector<int64_t> monthly = MonthlyShares(a);
    for (size_t i = 0; i < lines.size(); ++i) lines[i]->set_monthly_minor(monthly[i]);
    BESTAND_RETURN_IF_ERROR(monthly_total.Add(cur, MonthlyFromAnnual(annual_total.Get(cur))));
  }
  std::sort(out.mutable_lines()->begin(), out.mutable_lines()->end(),
            [](const v1::CostLine& a, const v1::CostLine& b) {
              return std::make_tuple(a.currency(), b.annual_minor(), a.group()) <
                     std::make_tuple(b.currency(), a.annual_minor(), b.group());
            });
  annual_total.ToProto(out.mutable_annual_total());
  monthly_total.ToProto(out.mutable_monthly_total());
  return out;
}

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

// Applications of one category, by lower-case category; only categories with several.
std::map<std::string, std::vector<int64_t>> OverlappingApps(const Company& c) {
  std::map<std::string, std::vector<int64_t>> by_category;
  for (const auto& [id, app] : c.apps) {
    if (!app.category().empty()) by_category[absl::AsciiStrToLower(app.category())].push_back(id);
  }
  std::erase_if(by_category, [](const auto& entry) { return entry.second.size() < 2; });
  for (auto& [category, ids] : by_category) std::sort(ids.begin(), ids.end());
  return by_category;
}

absl::StatusOr<v1::OverlapReport> OverlapsOf(const Company& c) {
  // Active users per application.
  std::unordered_map<int64_t, std::set<int64_t>> users;
  for (const v1::Account& a : c.accounts) {
    if (a.status() == v1::Account::ACTIVE && !a.person().empty()) {
      users[IdOf(a.application())].insert(IdOf(a.person()));
    }
  }
  std::unordered_map<int64_t, MoneyTotals> cost;  // by application
  for (const v1::License& l : c.licenses) {
    if (l.application().empty()) continue;
    BESTAND_RETURN_IF_ERROR(cost[IdOf(l.application())].Add(Currency(l), AnnualCostMinor(l)));
  }
  v1::OverlapReport out;
  MoneyTotals total;
  for (const auto& [category, ids] : OverlappingApps(c)) {
    v1::Overlap* o = out.add_overlaps();
    o->set_category(c.apps.at(ids[0]).category());
    int64_t keep = ids[0];
    std::map<int64_t, int> tools_per_person;
    for (int64_t id : ids) {
      const v1::Application& app = c.apps.at(id);
      v1::OverlapApp* oa = o->add_applications();
      oa->set_application(app.name());
      oa->set_display_name(app.display_name());
      oa->set_users(static_cast<int32_t>(users[id].size()));
      cost[id].ToProto(oa->mutable_annual_cost());
      if (users[id].size() > users[keep].size()) keep = id;
      for (int64_t p : users[id]) ++tools_per_person[p];
    }
    o->set_keep(c.apps.at(keep).display_name());
    MoneyTotals saving;
    for (int64_t id : ids) {
      if (id == keep) continue;
      for (const auto& [cur, minor] : cost[id].by_currency()) {
        BESTAND_RETURN_IF_ERROR(saving.Add(cur, minor));
        BESTAND_RETURN_IF_ERROR(total.Add(cur, minor));
      }
    }
    saving.ToProto(o->mutable_saving());
    for (const auto& [person, n] : tools_per_person) {
      if (n > 1) o->add_people_in_several(Email(c, absl::StrCat("people/", person)));
    }
  }
  total.ToProto(out.mutable_saving());
  return out;
}

}  // namespace

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

namespace {
absl::StatusOr<int> Days(absl::string_view field, int value) {
  if (value == 0) return 90;
  if (value < 1 || value > 3650) {
    return FieldError(absl::StatusCode::kInvalidArgument, field, "must be between 1 and 3650");
  }
  return value;
}
}  // namespace

absl::StatusOr<v1::LicenseReport> Reports::Licenses(const v1::LicenseReportRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(int days, Days("inactive_days", r.inactive_days()));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(Company c, Load(*tx));
  return LicensesOf(c, Today(), days);
}

absl::StatusOr<v1::RenewalReport> Reports::Renewals(const v1::RenewalReportRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(int days, Days("within_days", r.within_days()));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(Company c, Load(*tx));
  return RenewalsOf(c, Today(), days);
}

absl::StatusOr<v1::CostReport> Reports::Costs(const v1::CostReportRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(CostBy by, ParseCostBy(r.by().empty() ? "department" : r.by()));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(Company c, Load(*tx));
  BESTAND_ASSIGN_OR_RETURN(v1::CostReport out, CostsBy(c, by));
  out.set_by(r.by().empty() ? "department" : r.by());
  return out;
}

absl::StatusOr<v1::OverlapReport> Reports::Overlaps() {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(Company c, Load(*tx));
  return OverlapsOf(c);
}

absl::StatusOr<v1::ComplianceReport> Reports::Compliance() {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  std::vector<v1::ProductRule> rules;
  BESTAND_RETURN_IF_ERROR(ForEach<v1::ProductRule>(
      *tx, Kind::kProductRule, [&](int64_t, const v1::ProductRule& r) { rules.push_back(r); }));
  // Products by lower-case name, in the order first seen.
  std::vector<std::string> products;
  std::map<std::string, int> product_index;
  for (const v1::ProductRule& r : rules) {
    auto [it, added] = product_index.emplace(absl::AsciiStrToLower(r.product()),
                                             static_cast<int>(products.size()));
    if (added) products.push_back(r.product());
  }
  v1::ComplianceReport out;
  if (products.empty()) return out;
  // Which stored packages are which products: each distinct package name is matched once.
  std::unordered_map<int64_t, std::vector<int>> package_products;
  std::vector<std::set<std::string>> matched_names(products.size());
  std::unordered_map<std::string, std::vector<int>> by_name;
  BESTAND_RETURN_IF_ERROR(tx->ScanPackages([&](const PackageRecord& p) {
    auto [it, fresh] = by_name.try_emplace(p.name);
    if (fresh) {
      for (const v1::ProductRule& r : rules) {
        if (MatchesPattern(r.pattern(), p.name)) {
          it->second.push_back(product_index.at(absl::AsciiStrToLower(r.product())));
        }
      }
    }
    if (!it->second.empty()) {
      package_products[p.id] = it->second;
      for (int i : it->second) {
        if (matched_names[i].size() < 50) matched_names[i].insert(p.name);
      }
    }
    return absl::OkStatus();
  }));
  std::vector<std::set<int64_t>> installed(products.size());  // device ids
  BESTAND_RETURN_IF_ERROR(
      tx->ScanDeviceSoftware([&](int64_t device, const DeviceSoftwareRecord& sw) {
        for (int64_t id : sw.package_ids) {
          auto it = package_products.find(id);
          if (it == package_products.end()) continue;
          for (int i : it->second) installed[i].insert(device);
        }
        return absl::OkStatus();
      }));
  BESTAND_ASSIGN_OR_RETURN(Company c, Load(*tx));
  for (size_t i = 0; i < products.size(); ++i) {
    v1::ProductCompliance* pc = out.add_products();
    pc->set_product(products[i]);
    pc->set_installs(static_cast<int32_t>(installed[i].size()));
    int seats = 0;
    bool unlimited = false;
    std::set<int64_t> devices_with_seat, people_with_seat;
    for (const v1::License& l : c.licenses) {
      if (absl::AsciiStrToLower(l.product()) != absl::AsciiStrToLower(products[i])) continue;
      unlimited |= l.unlimited_seats();
      seats += l.seats();
      if (auto s = c.seats.find(IdOf(l.name())); s != c.seats.end()) {
        for (const v1::LicenseAssignment& a : s->second) {
          if (!a.device().empty()) devices_with_seat.insert(IdOf(a.device()));
          if (!a.person().empty()) people_with_seat.insert(IdOf(a.person()));
        }
      }
    }
    pc->set_seats(unlimited ? -1 : seats);
    pc->set_difference(unlimited ? 0 : pc->installs() - seats);
    if (pc->difference() > 0) {
      for (int64_t d : installed[i]) {
        auto dev = c.devices.find(d);
        const bool covered =
            devices_with_seat.count(d) ||
            (dev != c.devices.end() && people_with_seat.count(IdOf(dev->second.assignee())));
        if (covered) continue;
        const v1::Device* dv = dev == c.devices.end() ? nullptr : &dev->second;
        pc->add_unlicensed_devices(dv && !dv->asset_tag().empty()  ? dv->asset_tag()
                                   : dv && !dv->hostname().empty() ? dv->hostname()
                                                                   : absl::StrCat("devices/", d));
      }
    }
    for (const std::string& n : matched_names[i]) pc->add_packages(n);
  }
  return out;
}

absl::StatusOr<v1::SummaryReport> Reports::Summary(const v1::SummaryReportRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(int inactive, Days("inactive_days", r.inactive_days()));
  BESTAND_ASSIGN_OR_RETURN(int within, Days("within_days", r.within_days()));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(Company c, Load(*tx));
  const absl::CivilDay today = Today();
  v1::SummaryReport out;
  *out.mutable_create_time() = FromMicros(NowMicros());
  BESTAND_ASSIGN_OR_RETURN(*out.mutable_licenses(), LicensesOf(c, today, inactive));
  *out.mutable_annual_spend() = out.licenses().annual_cost();
  *out.mutable_monthly_spend() = out.licenses().monthly_cost();
  *out.mutable_annual_waste() = out.licenses().annual_waste();

  // Savings, each seat counted once: first what the license recommendations give up, then what
  // dropping a tool saves beyond that.
  std::unordered_map<int64_t, const v1::License*> license_by_id;
  for (const v1::License& l : c.licenses) license_by_id[IdOf(l.name())] = &l;
  std::unordered_map<int64_t, int> seats_saved;  // by license id
  std::vector<v1::Saving> savings;
  for (const v1::LicenseUsage& u : out.licenses().licenses()) {
    const v1::License& l = *license_by_id.at(IdOf(u.license()));
    if (u.over_assigned() > 0) {
      out.add_compliance_risks(absl::StrCat(u.display_name(), ": ", u.assigned(),
                                            " seats assigned, ", u.seats(), " bought (",
                                            u.over_assigned(), " more than the contract covers)"));
    }
    const int saved = SeatsSaved(l, u);
    if (saved == 0) continue;
    seats_saved[IdOf(l.name())] = saved;
    v1::Saving& s = savings.emplace_back();
    s.set_what(absl::StrCat(
        u.display_name(), ": ", u.recommendation(),
        u.reclaimable().empty() ? "" : " (" + absl::StrJoin(u.reclaimable(), ", ") + ")"));
    s.set_currency(u.currency());
    s.set_annual_minor(SeatYearMinor(l) * saved);
  }
  BESTAND_ASSIGN_OR_RETURN(const v1::OverlapReport overlaps, OverlapsOf(c));
  for (const v1::Overlap& o : overlaps.overlaps()) {
    std::vector<std::string> others;
    std::set<int64_t> dropped;
    for (const v1::OverlapApp& a : o.applications()) {
      if (a.display_name() == o.keep()) continue;
      others.push_back(a.display_name());
      dropped.insert(IdOf(a.application()));
    }
    MoneyTotals extra;
    std::set<std::string> overlapping;  // currencies where license recommendations count too
    for (const v1::License& l : c.licenses) {
      if (!dropped.count(IdOf(l.application()))) continue;
      auto saved = seats_saved.find(IdOf(l.name()));
      const int64_t counted = saved == seats_saved.end() ? 0 : SeatYearMinor(l) * saved->second;
      if (counted > 0) overlapping.insert(Currency(l));
      BESTAND_RETURN_IF_ERROR(extra.Add(Currency(l), AnnualCostMinor(l) - counted));
    }
    for (const auto& [cur, minor] : extra.by_currency()) {
      if (minor <= 0) continue;
      v1::Saving& s = savings.emplace_back();
      s.set_what(absl::StrCat(
          o.category(), ": consolidate onto ", o.keep(), " (drop ", absl::StrJoin(others, ", "),
          ")", overlapping.count(cur) ? ", beyond the license recommendations" : ""));
      s.set_currency(cur);
      s.set_annual_minor(minor);
    }
  }
  MoneyTotals total_savings;
  for (const v1::Saving& s : savings) {
    BESTAND_RETURN_IF_ERROR(total_savings.Add(s.currency(), s.annual_minor()));
  }
  total_savings.ToProto(out.mutable_total_savings());
  std::sort(savings.begin(), savings.end(), [](const v1::Saving& a, const v1::Saving& b) {
    return std::make_tuple(a.currency(), b.annual_minor(), a.what()) <
           std::make_tuple(b.currency(), a.annual_minor(), b.what());
  });
  std::map<std::string, int> shown;  // per currency
  for (v1::Saving& s : savings) {
    if (++shown[s.currency()] <= 10) *out.add_top_savings() = std::move(s);
  }

  v1::RenewalReport renewals = RenewalsOf(c, today, within);
  *out.mutable_upcoming_deadlines() = std::move(*renewals.mutable_renewals());
  BESTAND_ASSIGN_OR_RETURN(v1::CostReport categories, CostsBy(c, CostBy::kCategory));
  *out.mutable_spend_by_category() = std::move(*categories.mutable_lines());
  return out;
}

}  // namespace bestand
