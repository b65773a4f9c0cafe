#include "server/imports/glpi_inventory.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/json_nesting.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "common/xml.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace bestand {
namespace {

// The GLPI inventory format nests five levels at most (root, content, section, item, list in
// an item); a little room for what newer agents add.
constexpr int kMaxGlpiNesting = 12;

using google::protobuf::Struct;
using google::protobuf::Value;

const Struct* Object(const Struct& s, const char* key) {
  auto it = s.fields().find(key);
  return it != s.fields().end() && it->second.has_struct_value() ? &it->second.struct_value()
                                                                 : nullptr;
}

std::string Text(const Struct* s, const char* key) {
  if (s == nullptr) return "";
  auto it = s->fields().find(key);
  if (it == s->fields().end()) return "";
  const Value& v = it->second;
  if (v.has_string_value()) return std::string(absl::StripAsciiWhitespace(v.string_value()));
  if (v.has_number_value()) return absl::StrCat(static_cast<int64_t>(v.number_value()));
  return "";
}

// GLPI names the package managers as the agents found them; Bestand's agent says "dpkg" for
// Debian packages.
std::string Source(std::string from) {
  from = absl::AsciiStrToLower(from);
  if (from == "deb") return "dpkg";
  return from.empty() ? "unknown" : from;
}

// Install dates as the agents write them: "2016-10-26" (GLPI), "26/10/2016" and
// "2025/04/20 00:00:00" (OCS; see below for its month), with a time of day ("2019-12-19 10:11:12",
// "2019-12-19T10:11:12Z", macOS's "2006-08-20 12:06"), read as UTC. "N/A" and the epoch say
// nothing.
// `month_offset` corrects a writer that counts months from 0.
std::optional<int64_t> InstallSeconds(const std::string& text, int month_offset = 0) {
  absl::string_view date = absl::StripAsciiWhitespace(text);
  absl::string_view clock;
  if (size_t split = date.find_first_of(" T"); split != absl::string_view::npos) {
    clock = absl::StripSuffix(absl::StripAsciiWhitespace(date.substr(split + 1)), "Z");
    date = date.substr(0, split);
  }
  std::vector<std::string> p = absl::StrSplit(date, absl::ByAnyChar("-/"));
  int a = 0, m = 0, c = 0;
  if (p.size() != 3 || !absl::SimpleAtoi(p[0], &a) || !absl::SimpleAtoi(p[1], &m) ||
      !absl::SimpleAtoi(p[2], &c)) {
    return std::nullopt;
  }
  const bool year_first = p[0].size() == 4;
  const int y = year_first ? a : c, d = year_first ? c : a;
  m += month_offset;
  if (m < 1 || m > 12 || d < 1 || d > 31 || y <= 1970 || y > 9999) return std::nullopt;
  const absl::CivilDay day(y, m, d);
  if (day.day() != d) return std::nullopt;  // 31 February is no date
  int hour = 0, minute = 0, second = 0;
  std::vector<std::string> t = absl::StrSplit(clock, ':', absl::SkipEmpty());
  if (t.size() >= 2 && absl::SimpleAtoi(t[0], &hour) && absl::SimpleAtoi(t[1], &minute) &&
      (t.size() == 2 || absl::SimpleAtoi(t[2], &second)) && hour >= 0 && hour < 24 && minute >= 0 &&
      minute < 60 && second >= 0 && second < 61) {
    return absl::ToUnixSeconds(
        absl::FromCivil(absl::CivilSecond(y, m, d, hour, minute, second), absl::UTCTimeZone()));
  }
  return absl::ToUnixSeconds(absl::FromCivil(day, absl::UTCTimeZone()));
}

// The operating system's name with its version where the name lacks it ("Mac OS X" and
// "10.6.8"); GLPI writes "operatingsystem", OCS only HARDWARE/OSNAME and OSVERSION.
std::string OsName(const Struct* os, const Struct* hardware) {
  std::string name = Text(os, "full_name");
  if (name.empty()) name = Text(os, "name");
  if (name.empty()) name = Text(hardware, "osname");
  std::string version = Text(os, "version");
  if (version.empty()) version = Text(hardware, "osversion");
  if (!version.empty() && !absl::StrContains(name, version)) {
    name = name.empty() ? version : absl::StrCat(name, " ", version);
  }
  return name;
}

// The entries of a section: a list, or a single one where the XML had one element.
std::vector<const Struct*> Items(const Struct& content, const char* section) {
  std::vector<const Struct*> out;
  auto it = content.fields().find(section);
  if (it == content.fields().end()) return out;
  if (it->second.has_struct_value()) out.push_back(&it->second.struct_value());
  for (const Value& v : it->second.list_value().values()) {
    if (v.has_struct_value()) out.push_back(&v.struct_value());
  }
  return out;
}

// A number, as JSON writes it or as XML text ("274877.906944"); 0 when absent or malformed.
double Number(const Struct* s, const char* key) {
  if (s == nullptr) return 0;
  auto it = s->fields().find(key);
  if (it == s->fields().end()) return 0;
  double d = 0;
  if (it->second.has_number_value()) d = it->second.number_value();
  if (it->second.has_string_value() && !absl::SimpleAtod(it->second.string_value(), &d)) d = 0;
  return std::isfinite(d) && d > 0 ? d : 0;
}

// An amount in `unit` bytes, bounded far below int64's limit (a petabyte of memory is corrupt).
int64_t Bytes(double amount, double unit) {
  const double bytes = amount * unit;
  return bytes > 0 && bytes < 1e18 ? static_cast<int64_t>(bytes) : 0;
}

// The first of `keys` that `s` has as text.
std::string FirstText(const Struct* s, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (std::string t = Text(s, key); !t.empty()) return t;
  }
  return "";
}

// CPU, memory, disks and network interfaces, in the units Bestand's agent reports (GLPI and OCS
// give memory in MiB, disk sizes in MB).
void ReadHardwareFacts(const Struct& content, v1::InventoryReport* r) {
  for (const Struct* cpu : Items(content, "cpus")) {
    v1::Cpu* c = r->mutable_cpu();
    if (c->model().empty()) c->set_model(FirstText(cpu, {"name", "type"}));
    c->set_sockets(c->sockets() + 1);
    c->set_cores(c->cores() + static_cast<int32_t>(std::min(
                                  4096.0, std::max(Number(cpu, "core"), Number(cpu, "cores")))));
    c->set_threads(c->threads() +
                   static_cast<int32_t>(
                       std::min(4096.0, std::max({Number(cpu, "thread"), Number(cpu, "threads"),
                                                  Number(cpu, "logical_cpus")}))));
  }
  r->set_memory_bytes(Bytes(Number(Object(content, "hardware"), "memory"), 1024.0 * 1024));
  for (const Struct* storage : Items(content, "storages")) {
    v1::Disk* d = r->add_disks();
    d->set_name(Text(storage, "name"));
    d->set_model(Text(storage, "model"));
    d->set_serial_number(FirstText(storage, {"serial", "serialnumber"}));
    d->set_size_bytes(Bytes(Number(storage, "disksize"), 1e6));
  }
  std::map<std::string, v1::NetworkInterface*> by_name;  // GLPI repeats a NIC per address
  for (const Struct* network : Items(content, "networks")) {
    const std::string name = FirstText(network, {"description", "name"});
    v1::NetworkInterface*& nic = by_name[name];
    if (nic == nullptr) {
      nic = r->add_interfaces();
      nic->set_name(name);
      nic->set_mac(absl::AsciiStrToLower(FirstText(network, {"macaddr", "mac"})));
      nic->set_up(absl::EqualsIgnoreCase(Text(network, "status"), "up"));
      const std::string virtualdev = Text(network, "virtualdev");
      auto it = network->fields().find("virtualdev");
      const bool is_virtual = (it != network->fields().end() && it->second.bool_value()) ||
                              virtualdev == "1" || absl::EqualsIgnoreCase(virtualdev, "true");
      nic->set_physical(!is_virtual);
    }
    for (const char* key : {"ipaddress", "ipaddress6"}) {
      if (std::string address = Text(network, key); !address.empty()) nic->add_addresses(address);
    }
  }
}

// Both formats: the root object holds "content" (and "deviceid").
absl::StatusOr<v1::InventoryReport> FromGlpi(const Struct& root) {
  const Struct* content = Object(root, "content");
  if (content == nullptr) {
    return absl::InvalidArgumentError(
        "not a GLPI inventory: the object 'content' is missing (see the GLPI inventory format)");
  }
  const Struct* hardware = Object(*content, "hardware");
  const Struct* bios = Object(*content, "bios");
  const Struct* os = Object(*content, "operatingsystem");
  v1::InventoryReport r;
  r.set_agent_device_id(Text(&root, "deviceid"));
  if (auto partial = root.fields().find("partial"); partial != root.fields().end()) {
    r.set_partial(partial->second.bool_value() || partial->second.number_value() != 0 ||
                  partial->second.string_value() == "true");
  }
  r.set_hostname(Text(hardware, "name"));
  if (r.hostname().empty()) r.set_hostname(r.agent_device_id());
  r.set_fqdn(Text(os, "fqdn"));
  r.mutable_hardware()->set_hardware_uuid(Text(hardware, "uuid"));
  r.mutable_hardware()->set_chassis_type(Text(hardware, "chassis_type"));
  r.mutable_hardware()->set_manufacturer(Text(bios, "smanufacturer"));
  r.mutable_hardware()->set_model(Text(bios, "smodel"));
  r.mutable_hardware()->set_serial_number(Text(bios, "ssn"));
  r.mutable_hardware()->set_bios_vendor(Text(bios, "bmanufacturer"));
  r.mutable_hardware()->set_bios_version(Text(bios, "bversion"));
  r.mutable_hardware()->set_bios_date(Text(bios, "bdate"));
  r.mutable_os()->set_pretty_name(OsName(os, hardware));
  r.mutable_os()->set_version_id(Text(os, "version"));
  if (r.os().version_id().empty()) r.mutable_os()->set_version_id(Text(hardware, "osversion"));
  r.mutable_os()->set_kernel_release(Text(os, "kernel_version"));
  r.mutable_os()->set_architecture(Text(os, "arch"));
  if (r.os().architecture().empty()) r.mutable_os()->set_architecture(Text(hardware, "arch"));
  if (r.os().architecture().empty()) {  // OCS on Unix: "x86_64/00-00-00 07:08:59" (uptime)
    const std::string description = Text(hardware, "description");
    const std::string arch = description.substr(0, description.find('/'));
    if (arch.size() < description.size() && arch.size() <= 16 &&
        arch.find(' ') == std::string::npos) {
      r.mutable_os()->set_architecture(arch);
    }
  }
  ReadHardwareFacts(*content, &r);
  {
    const std::vector<const Struct*> packages = Items(*content, "softwares");
    for (const Struct* package : packages) {
      const Struct& s = *package;
      v1::SoftwarePackage* p = r.add_software();
      p->set_name(Text(&s, "name"));
      p->set_version(Text(&s, "version"));
      p->set_architecture(Text(&s, "arch"));
      if (p->architecture().empty()) p->set_architecture(Text(&s, "architecture"));
      p->set_source(Source(Text(&s, "from")));
      p->set_publisher(Text(&s, "publisher"));
      std::string installed = Text(&s, "install_date");
      if (installed.empty()) installed = Text(&s, "installdate");
      // OCS 2.10 writes a Debian package's date from localtime() without adding 1 to the
      // month ("2025/04/20 00:00:00" for 20 May): recognised by its exact form.
      const bool ocs_deb = p->source() == "dpkg" && installed.size() == 19 && installed[4] == '/' &&
                           installed[7] == '/' && installed[10] == ' ';
      if (std::optional<int64_t> seconds = InstallSeconds(installed, ocs_deb ? 1 : 0)) {
        p->mutable_install_time()->set_seconds(*seconds);
      }
      if (p->name().empty()) r.mutable_software()->RemoveLast();  // nameless entries say nothing
    }
  }
  return r;
}

// The agents' XML as the JSON format's structure: elements holding elements become objects
// (lower-case names, repeated names become lists), the others their trimmed text; attributes
// say nothing here.
Value ToValue(const XmlElement& e) {
  Value out;
  if (e.children.empty()) {
    out.set_string_value(std::string(absl::StripAsciiWhitespace(e.text)));
    return out;
  }
  Struct& fields = *out.mutable_struct_value();
  for (const XmlElement& child : e.children) {
    auto [it, fresh] = fields.mutable_fields()->try_emplace(absl::AsciiStrToLower(child.name));
    if (fresh) {
      it->second = ToValue(child);
      continue;
    }
    if (!it->second.has_list_value()) {
      Value first = std::move(it->second);
      *it->second.mutable_list_value()->add_values() = std::move(first);
    }
    *it->second.mutable_list_value()->add_values() = ToValue(child);
  }
  return out;
}

absl::StatusOr<Struct> FusionRequest(absl::string_view xml) {
  BESTAND_ASSIGN_OR_RETURN(XmlElement root, ParseXml(xml));
  if (absl::AsciiStrToLower(root.name) != "request") {
    return absl::InvalidArgumentError(
        absl::StrCat("the root element is <", absl::AsciiStrToUpper(root.name),
                     ">, not <REQUEST>: not a FusionInventory or OCS inventory"));
  }
  Value v = ToValue(root);
  return v.has_struct_value() ? std::move(*v.mutable_struct_value()) : Struct();
}

}  // namespace

absl::StatusOr<GlpiMessage> ParseGlpiMessage(absl::string_view json) {
  BESTAND_RETURN_IF_ERROR(CheckJsonNesting(json, kMaxGlpiNesting));
  Struct root;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto parsed = google::protobuf::util::JsonStringToMessage(std::string(json), &root, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not JSON: ", std::string(parsed.message().data(), parsed.message().size())));
  }
  GlpiMessage m;
  m.action = absl::AsciiStrToLower(Text(&root, "action"));
  if (m.action.empty() && Object(root, "content") != nullptr) m.action = "inventory";
  if (auto tasks = root.fields().find("installed-tasks"); tasks != root.fields().end()) {
    for (const Value& v : tasks->second.list_value().values()) {
      if (v.has_string_value())
        m.installed_tasks.push_back(absl::AsciiStrToLower(v.string_value()));
    }
  }
  if (m.action == "inventory") {
    BESTAND_ASSIGN_OR_RETURN(m.report, FromGlpi(root));
  }
  return m;
}

absl::StatusOr<v1::InventoryReport> ParseGlpiInventory(absl::string_view json) {
  BESTAND_ASSIGN_OR_RETURN(GlpiMessage m, ParseGlpiMessage(json));
  if (m.action != "inventory") {
    return absl::InvalidArgumentError(
        absl::StrCat("a GLPI '", m.action, "' message, not an inventory"));
  }
  return std::move(m.report);
}

absl::StatusOr<std::string> ParseFusionQuery(absl::string_view xml) {
  if (!IsValidUtf8(xml)) return absl::InvalidArgumentError("the request is not UTF-8");
  BESTAND_ASSIGN_OR_RETURN(Struct root, FusionRequest(xml));
  return absl::AsciiStrToUpper(Text(&root, "query"));
}

absl::StatusOr<v1::InventoryReport> ParseFusionInventory(absl::string_view xml) {
  if (!IsValidUtf8(xml)) return absl::InvalidArgumentError("the file is not UTF-8");
  BESTAND_ASSIGN_OR_RETURN(Struct root, FusionRequest(xml));
  return FromGlpi(root);
}

}  // namespace bestand
