// The overlap report: applications of one category used side by side.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/report.pb.h"
#include "common/money.h"
#include "common/status_macros.h"
#include "server/core/inventory.h"
#include "server/core/reports.h"
#include "server/core/reports_internal.h"

namespace bestand {
namespace {

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

}  // namespace

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

absl::StatusOr<v1::OverlapReport> Reports::Overlaps() {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(Company c, LoadCompany(*tx));
  return OverlapsOf(c);
}

}  // namespace bestand
