// The reports the dashboard, the license page and the renewals page show, kept while the inventory
// has not changed (Reports::DataGeneration) and for at most `max_age` (their deadlines count days):
// the summary over a whole company takes about 100 ms to compute, reading it from here nothing. The
// report says when it was computed (create_time), and the dashboard shows it. Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bestand/v1/report.pb.h"
#include "server/core/reports.h"

namespace bestand {

class ReportCache {
 public:
  // `reports` must outlive the cache.
  explicit ReportCache(Reports* reports, absl::Duration max_age = absl::Minutes(1))
      : reports_(reports), max_age_(max_age) {}

  absl::StatusOr<v1::SummaryReport> Summary(const v1::SummaryReportRequest& request);
  absl::StatusOr<v1::LicenseReport> Licenses(const v1::LicenseReportRequest& request);
  absl::StatusOr<v1::RenewalReport> Renewals(const v1::RenewalReportRequest& request);

 private:
  template <typename Report>
  struct Entry {
    std::string request;  // serialized
    uint64_t generation = 0;
    absl::Time computed;
    Report report;
  };
  template <typename Report, typename Request, typename Compute>
  absl::StatusOr<Report> Get(std::optional<Entry<Report>>& entry, const Request& request,
                             Compute compute);

  Reports* reports_;
  const absl::Duration max_age_;
  std::mutex mu_;
  std::optional<Entry<v1::SummaryReport>> summary_ ABSL_GUARDED_BY(mu_);
  std::optional<Entry<v1::LicenseReport>> licenses_ ABSL_GUARDED_BY(mu_);
  std::optional<Entry<v1::RenewalReport>> renewals_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bestand
