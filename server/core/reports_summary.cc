// The summary report: spend, waste, the largest savings, compliance risks, upcoming deadlines
// and spend by category, from one read of the inventory.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
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

// The seats a license recommendation gives up (0 for site licenses and "keep").
int SeatsSaved(const v1::License& l, const v1::LicenseUsage& u) {
  return l.unlimited_seats() ? 0 : std::max(0, l.seats() - u.recommended_seats());
}

// What the license recommendations of `out.licenses()` save, into `savings`, with the seats each
// gives up in `seats_saved` (by license id); over-assigned licenses become compliance risks.
void LicenseSavings(const Company& c, v1::SummaryReport& out,
                    std::unordered_map<int64_t, int>& seats_saved,
                    std::vector<v1::Saving>& savings) {
  std::unordered_map<int64_t, const v1::License*> license_by_id;
  for (const v1::License& l : c.licenses) license_by_id[IdOf(l.name())] = &l;
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
    s.set_kind(v1::Saving::LICENSE);
    s.set_license(u.license());
    s.set_display_name(u.display_name());
    s.set_recommended_seats(u.recommended_seats());
    s.set_cancel_by(u.cancel_by());
    *s.mutable_reclaimable() = u.reclaimable();
  }
}

// What dropping the tools of overlap `o` but the one kept saves beyond the seats the license
// recommendations give up already (`seats_saved`, by license id), into `savings`.
absl::Status ConsolidationSavings(const Company& c, const v1::Overlap& o,
                                  const std::unordered_map<int64_t, int>& seats_saved,
                                  std::vector<v1::Saving>& savings) {
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
    s.set_what(absl::StrCat(o.category(), ": consolidate onto ", o.keep(), " (drop ",
                            absl::StrJoin(others, ", "), ")",
                            overlapping.count(cur) ? ", beyond the license recommendations" : ""));
    s.set_currency(cur);
    s.set_annual_minor(minor);
    s.set_kind(v1::Saving::CONSOLIDATION);
    s.set_category(o.category());
    s.set_keep(o.keep());
    for (const std::string& other : others) s.add_drop(other);
    s.set_beyond_licenses(overlapping.count(cur) > 0);
  }
  return absl::OkStatus();
}

// Sets the total of `savings` and the ten largest of each currency in `out`.
absl::Status TopSavings(std::vector<v1::Saving> savings, v1::SummaryReport& out) {
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
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::SummaryReport> Reports::Summary(const v1::SummaryReportRequest& r) {
  BESTAND_ASSIGN_OR_RETURN(int inactive, ReportDays("inactive_days", r.inactive_days()));
  BESTAND_ASSIGN_OR_RETURN(int within, ReportDays("within_days", r.within_days()));
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  BESTAND_ASSIGN_OR_RETURN(Company c, LoadCompany(*tx));
  return SummaryOf(c, Today(), inactive, within);
}

absl::StatusOr<v1::SummaryReport> SummaryOf(const Company& c, absl::CivilDay today, int inactive,
                                            int within) {
  v1::SummaryReport out;
  *out.mutable_create_time() = FromMicros(NowMicros());
  BESTAND_ASSIGN_OR_RETURN(*out.mutable_licenses(), LicensesOf(c, today, inactive));
  *out.mutable_annual_spend() = out.licenses().annual_cost();
  *out.mutable_monthly_spend() = out.licenses().monthly_cost();
  *out.mutable_annual_waste() = out.licenses().annual_waste();

  // Savings, each seat counted once: first what the license recommendations give up, then what
  // dropping a tool saves beyond that.
  std::unordered_map<int64_t, int> seats_saved;  // by license id
  std::vector<v1::Saving> savings;
  LicenseSavings(c, out, seats_saved, savings);
  BESTAND_ASSIGN_OR_RETURN(const v1::OverlapReport overlaps, OverlapsOf(c));
  for (const v1::Overlap& o : overlaps.overlaps()) {
    BESTAND_RETURN_IF_ERROR(ConsolidationSavings(c, o, seats_saved, savings));
  }
  BESTAND_RETURN_IF_ERROR(TopSavings(std::move(savings), out));

  v1::RenewalReport renewals = RenewalsOf(c, today, within);
  *out.mutable_upcoming_deadlines() = std::move(*renewals.mutable_renewals());
  BESTAND_ASSIGN_OR_RETURN(v1::CostReport categories, CostsBy(c, CostBy::kCategory));
  *out.mutable_spend_by_category() = std::move(*categories.mutable_lines());
  return out;
}

}  // namespace bestand
