// Management reports over one consistent read of the inventory: license usage and waste,
// overlapping tools, renewals and cancellation deadlines, costs, software compliance and a
// summary. The money rules are in proto/bestand/v1/report.proto.
//
// Thread safety: safe for concurrent use (each report reads in its own transaction).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/report.pb.h"
#include "common/money.h"
#include "server/storage/store.h"

namespace bestand {

// A year's cost of `license` at its current seats and price, in minor units.
int64_t AnnualCostMinor(const v1::License& license);
// The last day to give notice for a term ending on `term_end`.
absl::CivilDay CancellationDeadline(absl::CivilDay term_end, int notice_days);
// True when `name` matches a product rule `pattern` (case-insensitive; '*' matches any run).
bool MatchesPattern(absl::string_view pattern, absl::string_view name);

class Reports {
 public:
  // `store` must outlive the reports. `today` is fixed in tests; empty means the UTC date.
  explicit Reports(Store* store) : store_(store) {}
  void SetTodayForTesting(absl::CivilDay day) {
    today_ = day;
    fixed_today_ = true;
  }

  absl::StatusOr<v1::LicenseReport> Licenses(const v1::LicenseReportRequest& r);
  absl::StatusOr<v1::RenewalReport> Renewals(const v1::RenewalReportRequest& r);
  absl::StatusOr<v1::CostReport> Costs(const v1::CostReportRequest& r);
  absl::StatusOr<v1::OverlapReport> Overlaps();
  absl::StatusOr<v1::ComplianceReport> Compliance();
  absl::StatusOr<v1::SummaryReport> Summary(const v1::SummaryReportRequest& r);

  // Changes whenever the inventory may have (Store::WriteGeneration): a report computed while
  // it stays the same is still the report.
  uint64_t DataGeneration() const { return store_->WriteGeneration(); }

 private:
  absl::CivilDay Today() const;

  Store* store_;
  absl::CivilDay today_{1970, 1, 1};
  bool fixed_today_ = false;
};

}  // namespace bestand
