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

int64_t Create(WriteTx& tx, Kind kind, const std::string& text) {
  absl::StatusOr<int64_t> id =
      tx.Insert(kind, *bench::ParseResource(kind, text));  // seeding: no validation or audit
  if (!id.ok())
    std::fprintf(stderr, "seeding %s: %s\n", text.c_str(), id.status().ToString().c_str());
  return id.value_or(0);
}

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
  const absl::CivilDay today = TodayUtc();
  auto seed_start = Clock::now();
  {
    auto tx = *store->BeginWrite();
    for (int v = 0; v < 40; ++v)
      Create(*tx, Kind::kVendor, absl::StrCat("display_name: 'V", v, "'"));
    for (int p = 0; p < 1000; ++p) {
      Create(*tx, Kind::kPerson,
             absl::StrCat("email: 'p", p, "@firma.de' display_name: 'P", p, "' department: 'D",
                          p % 12, "' status: ", p % 25 == 0 ? "LEFT" : "ACTIVE"));
    }
    for (int a = 0; a < 200; ++a) {
      Create(*tx, Kind::kApplication,
             absl::StrCat("display_name: 'App ", a, "' category: 'C", a % 20, "' vendor: 'vendors/",
                          1 + a % 40, "'"));
    }
    for (int l = 0; l < 300; ++l) {
      Create(*tx, Kind::kLicense,
             absl::StrCat("display_name: 'L", l, "' application: 'applications/", 1 + l % 200,
                          "' vendor: 'vendors/", 1 + l % 40, "' seats: 25 price_per_seat_minor: ",
                          500 + l * 7, " billing_period: ", l % 3 ? "MONTHLY" : "YEARLY",
                          " term_end: '", FormatIsoDate(today + l % 365), "' auto_renew: true",
                          " notice_period_days: 30 product: 'Product ", l % 20, "'"));
    }
    for (int p = 0; p < 1000; ++p) {
      for (int k = 0; k < 4; ++k) {
        int app = (p * 7 + k * 53) % 200;
        Create(
            *tx, Kind::kAccount,
            absl::StrCat("application: 'applications/", app + 1, "' username: 'p", p,
                         "' person: 'people/", p + 1, "' status: ACTIVE last_activity_time {",
                         " seconds: ", 1760000000 + static_cast<int64_t>(rng() % 10000000), " }"));
      }
    }
    for (int l = 0; l < 300; ++l) {  // 20 of 25 seats assigned
      for (int s = 0; s < 20; ++s) {
        Create(*tx, Kind::kLicenseAssignment,
               absl::StrCat("license: 'licenses/", l + 1, "' person: 'people/",
                            1 + (l * 20 + s) % 1000, "'"));
      }
    }
    for (int r = 0; r < 20; ++r) {
      Create(*tx, Kind::kProductRule,
             absl::StrCat("pattern: 'product-", r, "-*' product: 'Product ", r, "'"));
    }
    // Packages: 1,200 on every device, 300 from a pool of 3,000 (some named for products).
    std::vector<int64_t> shared, pool;
    for (int i = 0; i < 1200; ++i) {
      shared.push_back(
          *tx->InsertPackage({0, "dpkg", absl::StrCat("lib", i), "amd64", "1.0", "Debian"}));
    }
    for (int i = 0; i < 3000; ++i) {
      std::string name =
          i % 10 == 0 ? absl::StrCat("product-", i % 20, "-app") : absl::StrCat("tool", i);
      pool.push_back(
          *tx->InsertPackage({0, "dpkg", name, "amd64", absl::StrCat("2.", i), "Debian"}));
    }
    for (int d = 0; d < devices; ++d) {
      int64_t id = Create(*tx, Kind::kDevice,
                          absl::StrCat("asset_tag: 'NB-", d, "' type: LAPTOP assignee: 'people/",
                                       1 + d % 1000, "' status: ASSIGNED"));
      DeviceSoftwareRecord sw;
      std::vector<int64_t> ids = shared;
      for (int k = 0; k < packages_per_device - 1200; ++k) ids.push_back(pool[rng() % pool.size()]);
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      for (int64_t p : ids) {
        sw.package_ids.push_back(p);
        sw.install_micros.push_back(1735689600000000);
        sw.first_seen_micros.push_back(1764300000000000);
      }
      if (!tx->PutDeviceSoftware(id, sw).ok()) return std::fprintf(stderr, "seeding software\n"), 1;
    }
    if (!tx->Commit().ok()) return std::fprintf(stderr, "seeding failed\n"), 1;
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
