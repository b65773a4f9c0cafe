// Imports timed next to merely parsing the same file, in the same run (server-side code on a
// temporary SQLite store). Medians of --rounds, each import into a fresh store:
//   m365-users  a generated 5,000-user export (3 SKUs)          target <= 2 s
//   glpi        tests/data/glpi/computer_3.json (3,033 packages)  target <= 200 ms
// Not a test: it prints.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_util.h"
#include "common/csv.h"
#include "common/files.h"
#include "server/core/fleet.h"
#include "server/core/inventory.h"
#include "server/imports/directory_import.h"
#include "server/imports/glpi_inventory.h"
#include "server/pki/ca.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace bestand {
namespace {

using bench::MedianMs;

std::string M365Export(int users) {
  std::string csv =
      "Block credential,City,Country/Region,Department,Display name,First name,Last name,"
      "Licenses,Object Id,Title,Usage location,User principal name,When created\n";
  const char* skus[] = {"Microsoft 365 Business Standard",
                        "Microsoft 365 Business Standard+Microsoft Teams Exploratory",
                        "Microsoft 365 Business Basic", "Unlicensed"};
  for (int i = 0; i < users; ++i) {
    absl::StrAppend(&csv, i % 50 == 0 ? "True" : "False", ",Berlin,Germany,Abteilung ", i % 12,
                    ",\"Person, Nummer ", i, "\",Vorname,Nachname ", i, ",", skus[i % 4],
                    ",00000000-0000-4000-8000-", 100000000000 + i, ",Titel,DE,user", i,
                    "@firma.de,1/5/2023 10:00:00 AM\n");
  }
  return csv;
}

int Main(int argc, char** argv) {
  int rounds = 5;
  std::string glpi_file = std::string(argv[0]).substr(0, std::string(argv[0]).rfind('/') + 1) +
                          "../../tests/data/glpi/computer_3.json";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int v = 0;
    if (flag == "--rounds" && absl::SimpleAtoi(argv[i + 1], &v) && v > 0) {
      rounds = v;
    } else if (flag == "--glpi-file") {
      glpi_file = argv[i + 1];
    } else {
      return std::fprintf(stderr, "usage: bench_import [--rounds N] [--glpi-file FILE]\n"), 2;
    }
  }
  bench::BenchDir dir;
  int store_no = 0;
  auto fresh = [&]() {
    return std::move(*OpenSqliteStore({.path = absl::StrCat(dir.path(), "/", store_no++, ".db")}));
  };

  const std::string m365 = M365Export(5000);
  const double csv_parse = MedianMs(rounds, [&] { return ParseCsv(m365).status(); });
  const double csv_import = MedianMs(rounds, [&] {
    std::unique_ptr<Store> store = fresh();
    Inventory inventory(store.get());
    auto r = ImportDirectoryExport(inventory, "bench", "m365-users", m365, false, false);
    if (!r.ok()) return r.status();
    return r->created == 5000 ? absl::OkStatus()
                              : absl::InternalError(absl::StrCat(r->created, " people created"));
  });

  absl::StatusOr<std::string> json = ReadFileToString(glpi_file);
  if (!json.ok()) return std::fprintf(stderr, "cannot read %s\n", glpi_file.c_str()), 1;
  const double json_parse = MedianMs(rounds, [&] { return ParseGlpiInventory(*json).status(); });
  auto ca = CreateCa("Bench CA");
  const double json_import = MedianMs(rounds, [&] {
    std::unique_ptr<Store> store = fresh();
    Fleet fleet(store.get(), *ca);
    auto report = ParseGlpiInventory(*json);
    if (!report.ok()) return report.status();
    return fleet.ImportInventory("bench", *report, false).status();
  });

  std::printf("bench_import: medians of %d rounds, each import into a fresh SQLite file\n", rounds);
  std::printf("%-44s %10s %10s %9s\n", "", "parse ms", "import ms", "x parse");
  std::printf("%-44s %10.1f %10.1f %9.1f   target <= 2000 ms: %s\n", "m365-users, 5,000 users",
              csv_parse, csv_import, csv_import / csv_parse, csv_import <= 2000 ? "met" : "MISSED");
  std::printf("%-44s %10.1f %10.1f %9.1f   target <= 200 ms: %s\n",
              "glpi computer_3.json (3,033 packages)", json_parse, json_import,
              json_import / json_parse, json_import <= 200 ? "met" : "MISSED");
  return 0;
}

}  // namespace
}  // namespace bestand

int main(int argc, char** argv) { return bestand::Main(argc, argv); }
