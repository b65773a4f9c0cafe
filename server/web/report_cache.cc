#include "server/web/report_cache.h"

#include "absl/time/clock.h"

namespace bestand {

template <typename Report, typename Request, typename Compute>
absl::StatusOr<Report> ReportCache::Get(std::optional<Entry<Report>>& entry, const Request& request,
                                        Compute compute) {
  const std::string key = request.SerializeAsString();
  // Read before computing: a write while the report is computed makes it stale at once.
  const uint64_t generation = reports_->DataGeneration();
  const absl::Time now = absl::Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (entry && entry->request == key && entry->generation == generation &&
        now - entry->computed < max_age_) {
      return entry->report;
    }
  }
  absl::StatusOr<Report> report = compute();  // outside the lock: readers do not queue
  if (!report.ok()) return report;
  std::lock_guard<std::mutex> lock(mu_);
  entry = Entry<Report>{key, generation, now, *report};
  return report;
}

absl::StatusOr<v1::SummaryReport> ReportCache::Summary(const v1::SummaryReportRequest& request) {
  return Get(summary_, request, [&] { return reports_->Summary(request); });
}

absl::StatusOr<v1::LicenseReport> ReportCache::Licenses(const v1::LicenseReportRequest& request) {
  return Get(licenses_, request, [&] { return reports_->Licenses(request); });
}

absl::StatusOr<v1::RenewalReport> ReportCache::Renewals(const v1::RenewalReportRequest& request) {
  return Get(renewals_, request, [&] { return reports_->Renewals(request); });
}

}  // namespace bestand
