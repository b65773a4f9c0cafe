// The company the benchmarks over a whole inventory seed, written straight into the store (no
// validation, no audit: seeding is not what they measure): 40 vendors, 1,000 people in 12
// departments (one in 25 has left), 200 applications in 20 categories, 300 licenses with 20 of
// 25 seats assigned, 4 accounts per person, 20 product rules, and `devices` devices with
// `packages_per_device` packages each (1,200 shared by all, the rest from a pool of 3,000).
#pragma once

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_util.h"
#include "bestand/v1/workflow.pb.h"
#include "common/time.h"
#include "server/storage/store.h"

namespace bestand::bench {

inline int64_t Create(WriteTx& tx, Kind kind, const std::string& text) {
  absl::StatusOr<int64_t> id = tx.Insert(kind, *ParseResource(kind, text));
  if (!id.ok())
    std::fprintf(stderr, "seeding %s: %s\n", text.c_str(), id.status().ToString().c_str());
  return id.value_or(0);
}

// Seeds the company into `tx` (the caller commits).
inline absl::Status SeedCompanyInTx(WriteTx& tx, int devices, int packages_per_device,
                                    std::mt19937& rng) {
  const absl::CivilDay today = TodayUtc();
  for (int v = 0; v < 40; ++v) Create(tx, Kind::kVendor, absl::StrCat("display_name: 'V", v, "'"));
  for (int p = 0; p < 1000; ++p) {
    Create(tx, Kind::kPerson,
           absl::StrCat("email: 'p", p, "@firma.de' display_name: 'P", p, "' department: 'D",
                        p % 12, "' status: ", p % 25 == 0 ? "LEFT" : "ACTIVE"));
  }
  for (int a = 0; a < 200; ++a) {
    Create(tx, Kind::kApplication,
           absl::StrCat("display_name: 'App ", a, "' category: 'C", a % 20, "' vendor: 'vendors/",
                        1 + a % 40, "'"));
  }
  for (int l = 0; l < 300; ++l) {
    Create(tx, Kind::kLicense,
           absl::StrCat("display_name: 'L", l, "' application: 'applications/", 1 + l % 200,
                        "' vendor: 'vendors/", 1 + l % 40, "' seats: 25 price_per_seat_minor: ",
                        500 + l * 7, " billing_period: ", l % 3 ? "MONTHLY" : "YEARLY",
                        " term_end: '", FormatIsoDate(today + l % 365), "' auto_renew: true",
                        " notice_period_days: 30 product: 'Product ", l % 20, "'"));
  }
  for (int p = 0; p < 1000; ++p) {
    for (int k = 0; k < 4; ++k) {
      int app = (p * 7 + k * 53) % 200;
      Create(tx, Kind::kAccount,
             absl::StrCat("application: 'applications/", app + 1, "' username: 'p", p,
                          "' person: 'people/", p + 1, "' status: ACTIVE last_activity_time {",
                          " seconds: ", 1760000000 + static_cast<int64_t>(rng() % 10000000), " }"));
    }
  }
  for (int l = 0; l < 300; ++l) {  // 20 of 25 seats assigned
    for (int s = 0; s < 20; ++s) {
      Create(tx, Kind::kLicenseAssignment,
             absl::StrCat("license: 'licenses/", l + 1, "' person: 'people/",
                          1 + (l * 20 + s) % 1000, "'"));
    }
  }
  for (int r = 0; r < 20; ++r) {
    Create(tx, Kind::kProductRule,
           absl::StrCat("pattern: 'product-", r, "-*' product: 'Product ", r, "'"));
  }
  // Packages: 1,200 on every device, 300 from a pool of 3,000 (some named for products).
  std::vector<int64_t> shared, pool;
  for (int i = 0; i < 1200; ++i) {
    shared.push_back(
        *tx.InsertPackage({0, "dpkg", absl::StrCat("lib", i), "amd64", "1.0", "Debian"}));
  }
  for (int i = 0; i < 3000; ++i) {
    std::string name =
        i % 10 == 0 ? absl::StrCat("product-", i % 20, "-app") : absl::StrCat("tool", i);
    pool.push_back(*tx.InsertPackage({0, "dpkg", name, "amd64", absl::StrCat("2.", i), "Debian"}));
  }
  for (int d = 0; d < devices; ++d) {
    int64_t id = Create(tx, Kind::kDevice,
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
    if (!tx.PutDeviceSoftware(id, sw).ok()) return absl::InternalError("seeding software");
  }
  return absl::OkStatus();
}

// Seeds `tasks` tasks around the company's people into `tx`: a fifth of them open, spread over
// the 40 vendors and over due dates from 100 days ago to 99 days ahead.
inline absl::Status SeedTasksInTx(WriteTx& tx, int tasks) {
  v1::Task t;
  const absl::CivilDay today = TodayUtc();
  for (int i = 0; i < tasks; ++i) {
    t.set_title(absl::StrCat("Disable the account of P", i % 1000, " in App ", i % 200));
    t.set_action(v1::Task::DISABLE_ACCOUNT);
    t.set_vendor(absl::StrCat("vendors/", 1 + i % 40));
    t.set_person(absl::StrCat("people/", 1 + i % 1000));
    t.set_status(i / 40 % 5 == 0 ? v1::Task::OPEN : v1::Task::DONE);
    t.set_priority(v1::Task::NORMAL);
    t.set_due_date(FormatIsoDate(today + (i % 200) - 100));
    if (absl::StatusOr<int64_t> id = tx.Insert(Kind::kTask, t); !id.ok()) return id.status();
  }
  return absl::OkStatus();
}

inline absl::Status SeedCompany(Store& store, int devices, int packages_per_device,
                                std::mt19937& rng) {
  absl::StatusOr<std::unique_ptr<WriteTx>> tx = store.BeginWrite();
  if (!tx.ok()) return tx.status();
  if (absl::Status s = SeedCompanyInTx(**tx, devices, packages_per_device, rng); !s.ok()) return s;
  return (*tx)->Commit();
}

}  // namespace bestand::bench
