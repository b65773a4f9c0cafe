// The software compliance report: installs of each licensed product (by product rules over the
// agents' software inventory) against the seats bought.
#include <cstddef>
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
#include "common/resources.h"
#include "common/status_macros.h"
#include "server/core/inventory.h"
#include "server/core/reports.h"
#include "server/core/reports_internal.h"
#include "server/storage/store.h"

namespace bestand {

namespace {

// The products the rules name, by lower-case name, in the order first seen.
struct Products {
  std::vector<std::string> names;    // as the first rule naming each writes it
  std::map<std::string, int> index;  // position in `names`, by lower-case name
};

Products ProductsOf(const std::vector<v1::ProductRule>& rules) {
  Products products;
  for (const v1::ProductRule& r : rules) {
    auto [it, added] = products.index.emplace(absl::AsciiStrToLower(r.product()),
                                              static_cast<int>(products.names.size()));
    if (added) products.names.push_back(r.product());
  }
  return products;
}

// Which stored packages are which products.
struct PackageMatches {
  std::unordered_map<int64_t, std::vector<int>> products;  // product positions, by package id
  std::vector<std::set<std::string>> names;  // per product: up to 50 matching package names
};

// Matches every stored package against the rules; each distinct package name is matched once.
absl::StatusOr<PackageMatches> MatchPackages(ReadTx& tx, const std::vector<v1::ProductRule>& rules,
                                             const Products& products) {
  PackageMatches matches;
  matches.names.resize(products.names.size());
  std::unordered_map<std::string, std::vector<int>> by_name;
  BESTAND_RETURN_IF_ERROR(tx.ScanPackages([&](const PackageRecord& p) {
    auto [it, fresh] = by_name.try_emplace(p.name);
    if (fresh) {
      for (const v1::ProductRule& r : rules) {
        if (MatchesPattern(r.pattern(), p.name)) {
          it->second.push_back(products.index.at(absl::AsciiStrToLower(r.product())));
        }
      }
    }
    if (!it->second.empty()) {
      matches.products[p.id] = it->second;
      for (int i : it->second) {
        if (matches.names[i].size() < 50) matches.names[i].insert(p.name);
      }
    }
    return absl::OkStatus();
  }));
  return matches;
}

// The ids of the devices each of `count` products is installed on, by product position.
absl::StatusOr<std::vector<std::set<int64_t>>> InstalledDevices(ReadTx& tx,
                                                                const PackageMatches& matches,
                                                                size_t count) {
  std::vector<std::set<int64_t>> installed(count);
  BESTAND_RETURN_IF_ERROR(
      tx.ScanDeviceSoftware([&](int64_t device, const DeviceSoftwareRecord& sw) {
        for (int64_t id : sw.package_ids) {
          auto it = matches.products.find(id);
          if (it == matches.products.end()) continue;
          for (int i : it->second) installed[i].insert(device);
        }
        return absl::OkStatus();
      }));
  return installed;
}

// Adds `product`'s installs (on the devices `installed`) against its seats to `out`, naming the
// devices no seat covers when there are more installs than seats.
void AddProductCompliance(const Company& c, const std::string& product,
                          const std::set<int64_t>& installed,
                          const std::set<std::string>& package_names, v1::ComplianceReport& out) {
  v1::ProductCompliance* pc = out.add_products();
  pc->set_product(product);
  pc->set_installs(static_cast<int32_t>(installed.size()));
  int seats = 0;
  bool unlimited = false;
  std::set<int64_t> devices_with_seat, people_with_seat;
  for (const v1::License& l : c.licenses) {
    if (absl::AsciiStrToLower(l.product()) != absl::AsciiStrToLower(product)) continue;
    unlimited |= l.unlimited_seats();
    seats += l.seats();
    if (auto s = c.seats.find(IdOf(l.name())); s != c.seats.end()) {
      for (const v1::LicenseAssignment& a : s->second) {
        if (!a.device().empty()) devices_with_seat.insert(IdOf(a.device()));
        if (!a.person().empty()) people_with_seat.insert(IdOf(a.person()));
      }
    }
  }
  pc->set_seats(unlimited ? -1 : seats);
  pc->set_difference(unlimited ? 0 : pc->installs() - seats);
  if (pc->difference() > 0) {
    for (int64_t d : installed) {
      auto dev = c.devices.find(d);
      const bool covered =
          devices_with_seat.count(d) ||
          (dev != c.devices.end() && people_with_seat.count(IdOf(dev->second.assignee())));
      if (covered) continue;
      const v1::Device* dv = dev == c.devices.end() ? nullptr : &dev->second;
      pc->add_unlicensed_devices(dv && !dv->asset_tag().empty()  ? dv->asset_tag()
                                 : dv && !dv->hostname().empty() ? dv->hostname()
                                                                 : absl::StrCat("devices/", d));
    }
  }
  for (const std::string& n : package_names) pc->add_packages(n);
}

}  // namespace

absl::StatusOr<v1::ComplianceReport> Reports::Compliance() {
  BESTAND_ASSIGN_OR_RETURN(auto tx, store_->BeginRead());
  std::vector<v1::ProductRule> rules;
  BESTAND_RETURN_IF_ERROR(ForEach<v1::ProductRule>(
      *tx, Kind::kProductRule, [&](int64_t, const v1::ProductRule& r) { rules.push_back(r); }));
  const Products products = ProductsOf(rules);
  v1::ComplianceReport out;
  if (products.names.empty()) return out;
  BESTAND_ASSIGN_OR_RETURN(const PackageMatches matches, MatchPackages(*tx, rules, products));
  BESTAND_ASSIGN_OR_RETURN(const std::vector<std::set<int64_t>> installed,
                           InstalledDevices(*tx, matches, products.names.size()));
  BESTAND_ASSIGN_OR_RETURN(Company c, LoadCompany(*tx));
  for (size_t i = 0; i < products.names.size(); ++i) {
    AddProductCompliance(c, products.names[i], installed[i], matches.names[i], out);
  }
  return out;
}

}  // namespace bestand
