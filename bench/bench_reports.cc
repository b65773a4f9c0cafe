// Reports over a generated company, server-side (the report code on the server's store), each
// next to a plain full scan of the same data timed in the same run: every person, account,
// application, vendor, device, license and seat read, and every device's software decoded.
//   1,000 people, 200 applications in 20 categories, 300 licenses, 4 accounts and about
//   6 seats per person, 5,000 devices with 1,500 packages each (stored normalised), 20 product
//   rules. Target: each report <= 300 ms. Medians of --rounds. Not a test: it prints.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_company.h"
#include "bench/bench_util.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "server/core/inventory.h"
#include "server/core/reports.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace bestand {
namespace {

using bench::Median;
using bench::MedianMs;

using Clock = std::chrono::steady_clock;

int Main(int argc, char** argv) {
  std::map<std::string, int> counts = {{"rounds", 5}, {"devices", 5000}};
  if (!bench::ParseCounts(argc, argv, &counts, "bench_reports [--rounds N] [--devices N]")) {
    return 2;
  }
  const int rounds = counts["rounds"], devices = counts["devices"], packages_per_device = 1500;
  bench::BenchDir dir;
  auto opened = OpenSqliteStore({.path = dir.path() + "/bench.db"});
  if (!opened.ok()) return 1;
  std::unique_ptr<Store> store = std::move(*opened);
  std::mt19937 rng(42);
  auto seed_start = Clock::now();
  if (absl::Status seeded = bench::SeedCompany(*store, devices, packages_per_device, rng);
      !seeded.ok()) {
    return std::fprintf(stderr, "seeding: %s\n", seeded.ToString().c_str()), 1;
  }
  const double seed_s = std::chrono::duration<double>(Clock::now() - seed_start).count();

  // The plain full scan: read everything the reports read, compute nothing.
  int64_t rows = 0;
  const double scan_ms = MedianMs(rounds, [&]() -> absl::Status {
    rows = 0;
    auto tx = store->BeginRead();
    if (!tx.ok()) return tx.status();
    for (Kind k : {Kind::kPerson, Kind::kAccount, Kind::kApplication, Kind::kVendor, Kind::kDevice,
                   Kind::kLicense, Kind::kLicenseAssignment, Kind::kProductRule}) {
      BESTAND_RETURN_IF_ERROR((*tx)->List(k, ListQuery(), [&](int64_t, const auto&) {
        ++rows;
        return absl::OkStatus();
      }));
    }
    BESTAND_RETURN_IF_ERROR((*tx)->ScanPackages([&](const PackageRecord&) {
      ++rows;
      return absl::OkStatus();
    }));
    return (*tx)->ScanDeviceSoftware([&](int64_t, const DeviceSoftwareRecord& sw) {
      rows += static_cast<int64_t>(sw.package_ids.size());
      return absl::OkStatus();
    });
  });
  Reports reports(store.get());
  struct Row {
    const char* name;
    std::function<absl::Status()> run;
  };
  const std::vector<Row> all = {
      {"licenses", [&] { return reports.Licenses({}).status(); }},
      {"overlaps", [&] { return reports.Overlaps().status(); }},
      {"renewals", [&] { return reports.Renewals({}).status(); }},
      {"costs --by department",
       [&] {
         v1::CostReportRequest r;
         r.set_by("department");
         return reports.Costs(r).status();
       }},
      {"costs --by person",
       [&] {
         v1::CostReportRequest r;
         r.set_by("person");
         return reports.Costs(r).status();
       }},
      {"compliance", [&] { return reports.Compliance().status(); }},
      {"summary", [&] { return reports.Summary({}).status(); }},
  };
  std::printf(
      "bench_reports: 1,000 people, 200 applications, 300 licenses, %d devices x %d packages "
      "(seeded in %.1f s), medians of %d\n",
      devices, packages_per_device, seed_s, rounds);
  std::printf("%-34s %9s %9s\n", "", "ms", "x scan");
  std::printf("%-34s %9.1f %9.2f   (%lld rows and package entries)\n", "plain full scan", scan_ms,
              1.0, static_cast<long long>(rows));
  for (const Row& r : all) {
    double ms = MedianMs(rounds, r.run);
    std::printf("%-34s %9.1f %9.2f   target <= 300 ms: %s\n", r.name, ms, ms / scan_ms,
                ms <= 300 ? "met" : "MISSED");
  }
  return 0;
}

}  // namespace
}  // namespace bestand

int main(int argc, char** argv) { return bestand::Main(argc, argv); }
