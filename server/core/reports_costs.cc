// The cost report: annual and monthly costs grouped by department, cost center, vendor,
// application, person or category.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/report.pb.h"
#include "common/money.h"
#include "common/status_macros.h"
#include "server/core/inventory.h"
#include "server/core/reports.h"
#include "server/core/reports_internal.h"

namespace bestand {
namespace {

constexpr absl::string_view kUnassigned = "(unassigned)";

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

// How `l`'s annual cost divides among the groups of `by` (by seat for the groups of people).
std::map<std::string, int64_t> GroupWeights(const Company& c, const v1::License& l, CostBy by) {
  auto label = [](const std::string& s) { return s.empty() ? std::string("(none)") : s; };
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
  return weights;
}

}  // namespace

absl::StatusOr<v1::CostReport> CostsBy(const Company& c, CostBy by) {
  std::map<std::pair<std::string, std::string>, int64_t> annual;  // (currency, group)
  for (const v1::License& l : c.licenses) {
    const std::string cur = Currency(l);
    const std::map<std::string, int64_t> weights = GroupWeights(c, l, by);
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

absl::StatusOr<v1::CostReport> Reports::Costs(const v1::CostReportRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(CostBy by, ParseCostBy(r.by().empty() ? "department" : r.by()));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(Company c, LoadCompany(*tx));
  BESTAND_ASSIGN_OR_RETURN(v1::CostReport out, CostsBy(c, by));
  out.set_by(r.by().empty() ? "department" : r.by());
  return out;
}

}  // namespace bestand
