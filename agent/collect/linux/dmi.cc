#include "agent/collect/linux/dmi.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "agent/collect/collectors.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent {

bool IsPlaceholder(const std::string& value) {
  absl::string_view v = absl::StripAsciiWhitespace(value);
  // Template strings board vendors leave in SMBIOS; several of them appear on thousands of
  // different machines and would merge them into one asset.
  static constexpr absl::string_view kJunk[] = {
      "To be filled by O.E.M.",
      "To be filled by O.E.M",
      "To be filled by OEM",
      "Default string",
      "Default",
      "System Serial Number",
      "System Product Name",
      "System Manufacturer",
      "System Version",
      "System Name",
      "Chassis Serial Number",
      "Chassis Manufacture",
      "Chassis Version",
      "Base Board Serial Number",
      "Base Board Product Name",
      "Not Specified",
      "Not Applicable",
      "Not Available",
      "Not Present",
      "N/A",
      "NA",
      "None",
      "Null",
      "Unknown",
      "Undefined",
      "Empty",
      "Invalid",
      "OEM",
      "O.E.M.",
      "SKU",
      "Type1ProductConfigId",
      "0123456789",
      "123456789",
      "1234567890",
      "03000200-0400-0500-0006-000700080009",
  };
  for (absl::string_view junk : kJunk) {
    if (absl::EqualsIgnoreCase(v, junk)) return true;
  }
  // Filler: a single character repeated, separators aside ("00000000", "FFFFFFFF-FFFF-...",
  // "........"), or nothing at all.
  char first = 0;
  size_t n = 0;
  for (char c : v) {
    if (c == '-' || c == ' ' || c == ':') continue;
    c = absl::ascii_tolower(static_cast<unsigned char>(c));
    if (n++ == 0) {
      first = c;
    } else if (c != first) {
      return false;
    }
  }
  return true;
}

namespace collect {

// SMBIOS 3.x "System Enclosure or Chassis Types". 2 ("Unknown") is left out: it says nothing.
std::string ChassisTypeName(int type) {
  static constexpr std::pair<int, const char*> kNames[] = {
      {1, "Other"},
      {3, "Desktop"},
      {4, "Low Profile Desktop"},
      {5, "Pizza Box"},
      {6, "Mini Tower"},
      {7, "Tower"},
      {8, "Portable"},
      {9, "Laptop"},
      {10, "Notebook"},
      {11, "Hand Held"},
      {12, "Docking Station"},
      {13, "All in One"},
      {14, "Sub Notebook"},
      {15, "Space-saving"},
      {16, "Lunch Box"},
      {17, "Main Server Chassis"},
      {18, "Expansion Chassis"},
      {19, "SubChassis"},
      {20, "Bus Expansion Chassis"},
      {21, "Peripheral Chassis"},
      {22, "RAID Chassis"},
      {23, "Rack Mount Chassis"},
      {24, "Sealed-case PC"},
      {25, "Multi-system chassis"},
      {26, "Compact PCI"},
      {27, "Advanced TCA"},
      {28, "Blade"},
      {29, "Blade Enclosure"},
      {30, "Tablet"},
      {31, "Convertible"},
      {32, "Detachable"},
      {33, "IoT Gateway"},
      {34, "Embedded PC"},
      {35, "Mini PC"},
      {36, "Stick PC"},
  };
  for (const auto& [number, name] : kNames) {
    if (number == type) return name;
  }
  return "";
}

absl::Status CollectDmi(const std::string& root, v1::InventoryReport* report) {
  const std::string dir = Under(root, "/sys/class/dmi/id");
  if (!IsDirectory(dir)) return absl::OkStatus();  // ARM boards, VMs without SMBIOS
  auto attr = [&](const char* name) {
    std::string v = ReadAttr(dir + "/" + name);
    return IsPlaceholder(v) ? std::string() : v;
  };
  v1::Hardware hw;
  std::string manufacturer = attr("sys_vendor"), model = attr("product_name");
  // Lenovo puts a machine type ("21AH00BXGE") in product_name and the name people know
  // ("ThinkPad T14 Gen 3") in product_version.
  if (absl::EqualsIgnoreCase(manufacturer, "LENOVO")) {
    if (std::string v = attr("product_version"); !v.empty()) model = v;
  }
  // Self-built PCs keep the board vendor's template strings at the system level but name the
  // mainboard properly, which then is the best description of the machine.
  if (manufacturer.empty() && model.empty()) {
    manufacturer = attr("board_vendor");
    model = attr("board_name");
  }
  hw.set_manufacturer(manufacturer);
  hw.set_model(model);
  hw.set_serial_number(attr("product_serial"));  // root-only; empty for other users
  hw.set_hardware_uuid(Lower(attr("product_uuid")));
  hw.set_bios_vendor(attr("bios_vendor"));
  hw.set_bios_version(attr("bios_version"));
  hw.set_bios_date(attr("bios_date"));
  absl::Status result;
  std::string chassis = ReadAttr(dir + "/chassis_type");
  if (!chassis.empty()) {
    int type = 0;
    if (absl::SimpleAtoi(chassis, &type)) {
      // Bit 7 of the SMBIOS byte is the chassis lock flag, not part of the type.
      hw.set_chassis_type(ChassisTypeName(type & 0x7f));
    } else {
      result = absl::InvalidArgumentError(
          absl::StrCat("/sys/class/dmi/id/chassis_type: '", chassis, "' is not a number"));
    }
  }
  if (hw.ByteSizeLong() > 0) *report->mutable_hardware() = std::move(hw);
  return result;
}

}  // namespace collect
}  // namespace bestand::agent
