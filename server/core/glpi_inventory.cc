#include "server/core/glpi_inventory.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/common/util.h"

namespace bestand {
namespace {

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

}  // namespace

absl::StatusOr<v1::InventoryReport> ParseGlpiInventory(absl::string_view json) {
  Struct root;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto parsed = google::protobuf::util::JsonStringToMessage(std::string(json), &root, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not JSON: ", std::string(parsed.message().data(), parsed.message().size())));
  }
  const Struct* content = Object(root, "content");
  if (content == nullptr) {
    return absl::InvalidArgumentError(
        "not a GLPI inventory: the object 'content' is missing (see the GLPI inventory format)");
  }
  const Struct* hardware = Object(*content, "hardware");
  const Struct* bios = Object(*content, "bios");
  const Struct* os = Object(*content, "operatingsystem");
  v1::InventoryReport r;
  r.set_hostname(Text(hardware, "name"));
  if (r.hostname().empty()) r.set_hostname(Text(&root, "deviceid"));
  r.set_fqdn(Text(os, "fqdn"));
  r.mutable_hardware()->set_hardware_uuid(Text(hardware, "uuid"));
  r.mutable_hardware()->set_chassis_type(Text(hardware, "chassis_type"));
  r.mutable_hardware()->set_manufacturer(Text(bios, "smanufacturer"));
  r.mutable_hardware()->set_model(Text(bios, "smodel"));
  r.mutable_hardware()->set_serial_number(Text(bios, "ssn"));
  r.mutable_hardware()->set_bios_vendor(Text(bios, "bmanufacturer"));
  r.mutable_hardware()->set_bios_version(Text(bios, "bversion"));
  r.mutable_hardware()->set_bios_date(Text(bios, "bdate"));
  r.mutable_os()->set_pretty_name(Text(os, "full_name"));
  if (r.os().pretty_name().empty()) r.mutable_os()->set_pretty_name(Text(os, "name"));
  r.mutable_os()->set_version_id(Text(os, "version"));
  r.mutable_os()->set_kernel_release(Text(os, "kernel_version"));
  r.mutable_os()->set_architecture(Text(os, "arch"));
  auto software = content->fields().find("softwares");
  if (software != content->fields().end() && software->second.has_list_value()) {
    for (const Value& v : software->second.list_value().values()) {
      if (!v.has_struct_value()) continue;
      const Struct& s = v.struct_value();
      v1::SoftwarePackage* p = r.add_software();
      p->set_name(Text(&s, "name"));
      p->set_version(Text(&s, "version"));
      p->set_architecture(Text(&s, "arch"));
      p->set_source(Source(Text(&s, "from")));
      p->set_publisher(Text(&s, "publisher"));
      if (absl::StatusOr<absl::CivilDay> day = ParseIsoDate(Text(&s, "install_date")); day.ok()) {
        p->mutable_install_time()->set_seconds(
            absl::ToUnixSeconds(absl::FromCivil(*day, absl::UTCTimeZone())));
      }
      if (p->name().empty()) r.mutable_software()->RemoveLast();  // nameless entries say nothing
    }
  }
  return r;
}

}  // namespace bestand
