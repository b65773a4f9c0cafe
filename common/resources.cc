#include "common/resources.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/report.pb.h"
#include "bestand/v1/workflow.pb.h"

namespace bestand {
namespace {

namespace v1 = ::bestand::v1;

std::vector<ResourceSpec> MakeSpecs() {
  std::vector<ResourceSpec> specs;
  specs.push_back({
      .kind = Kind::kPerson,
      .collection = "people",
      .noun = "person",
      .descriptor = v1::Person::descriptor(),
      .references = {{"manager", Kind::kPerson}},
      .alias_keys = {"email"},
      .unique_keys = {{"email"}},
      .required = {"email", "display_name"},
      .search_fields = {"email", "display_name"},
  });
  specs.push_back({
      .kind = Kind::kDevice,
      .collection = "devices",
      .noun = "device",
      .descriptor = v1::Device::descriptor(),
      .references = {{"assignee", Kind::kPerson}},
      .alias_keys = {"asset_tag", "serial_number"},
      .unique_keys = {{"asset_tag"}, {"serial_number"}},
      .search_fields = {"asset_tag", "serial_number", "hostname", "model"},
      .computed = {"last_report_time"},
      .output_only = {"hardware_uuid", "machine_id", "reported_serial_number"},
  });
  specs.push_back({
      .kind = Kind::kApplication,
      .collection = "applications",
      .noun = "application",
      .descriptor = v1::Application::descriptor(),
      .references = {{"vendor", Kind::kVendor}, {"owner", Kind::kPerson}},
      .alias_keys = {"display_name"},
      .unique_keys = {{"display_name"}},
      .required = {"display_name"},
      .search_fields = {"display_name"},
  });
  specs.push_back({
      .kind = Kind::kVendor,
      .collection = "vendors",
      .noun = "vendor",
      .descriptor = v1::Vendor::descriptor(),
      .references = {{"internal_contact", Kind::kPerson}},
      .alias_keys = {"display_name"},
      .unique_keys = {{"display_name"}},
      .required = {"display_name"},
      .search_fields = {"display_name"},
  });
  specs.push_back({
      .kind = Kind::kAccount,
      .collection = "accounts",
      .noun = "account",
      .descriptor = v1::Account::descriptor(),
      .references = {{"application", Kind::kApplication}, {"person", Kind::kPerson}},
      .unique_keys = {{"application", "username"}},
      .required = {"application", "username"},
      .search_fields = {"username"},
  });
  specs.push_back({
      .kind = Kind::kAccessGrant,
      .collection = "accessGrants",
      .noun = "access grant",
      .descriptor = v1::AccessGrant::descriptor(),
      .references = {{"account", Kind::kAccount},
                     {"person", Kind::kPerson},
                     {"application", Kind::kApplication},
                     {"approved_by", Kind::kPerson}},
      .unique_keys = {{"account", "role"}},
      .required = {"account", "role"},
      .search_fields = {"role"},
      .computed = {"person", "application"},
  });
  specs.push_back({
      .kind = Kind::kLicense,
      .collection = "licenses",
      .noun = "license",
      .descriptor = v1::License::descriptor(),
      .references = {{"application", Kind::kApplication},
                     {"vendor", Kind::kVendor},
                     {"owner", Kind::kPerson}},
      .alias_keys = {"display_name"},
      .unique_keys = {{"display_name"}},
      .required = {"display_name"},
      .search_fields = {"display_name", "product"},
      .computed = {"assigned_seats"},
  });
  specs.push_back({
      .kind = Kind::kLicenseAssignment,
      .collection = "licenseAssignments",
      .noun = "license assignment",
      .descriptor = v1::LicenseAssignment::descriptor(),
      .references = {{"license", Kind::kLicense},
                     {"person", Kind::kPerson},
                     {"device", Kind::kDevice}},
      .unique_keys = {{"license", "person"}, {"license", "device"}},
      .required = {"license"},
  });
  specs.push_back({
      .kind = Kind::kTemplateItem,
      .collection = "templateItems",
      .noun = "template item",
      .descriptor = v1::TemplateItem::descriptor(),
      .references = {{"application", Kind::kApplication}, {"license", Kind::kLicense}},
      .unique_keys = {{"template", "application", "role", "license", "device_type"}},
      .keys_include_empty = true,
      .required = {"template"},
      .search_fields = {"template", "role"},
  });
  specs.push_back({
      .kind = Kind::kCase,
      .collection = "cases",
      .noun = "case",
      .descriptor = v1::Case::descriptor(),
      .references = {{"person", Kind::kPerson}},
      .required = {"person"},
  });
  specs.push_back({
      .kind = Kind::kTask,
      .collection = "tasks",
      .noun = "task",
      .descriptor = v1::Task::descriptor(),
      .references = {{"parent", Kind::kCase},
                     {"vendor", Kind::kVendor},
                     {"person", Kind::kPerson},
                     {"application", Kind::kApplication},
                     {"account", Kind::kAccount},
                     {"access_grant", Kind::kAccessGrant},
                     {"license", Kind::kLicense},
                     {"device", Kind::kDevice}},
      .required = {"title"},
      .search_fields = {"title"},
  });
  specs.push_back({
      .kind = Kind::kProductRule,
      .collection = "productRules",
      .noun = "product rule",
      .descriptor = v1::ProductRule::descriptor(),
      .unique_keys = {{"pattern", "product"}},
      .required = {"pattern", "product"},
      .search_fields = {"pattern", "product"},
  });
  return specs;
}

const std::vector<ResourceSpec>& Specs() {
  static const std::vector<ResourceSpec>* const specs = new std::vector<ResourceSpec>(MakeSpecs());
  return *specs;
}

}  // namespace

const Reference* ResourceSpec::FindReference(absl::string_view field) const {
  for (const Reference& r : references) {
    if (r.field == field) return &r;
  }
  return nullptr;
}

bool ResourceSpec::IsComputed(absl::string_view field) const {
  return std::find(computed.begin(), computed.end(), field) != computed.end();
}

std::span<const ResourceSpec> AllSpecs() { return Specs(); }

const ResourceSpec& Spec(Kind kind) { return Specs()[static_cast<size_t>(kind)]; }

const ResourceSpec* SpecByCollection(absl::string_view collection) {
  for (const ResourceSpec& s : Specs()) {
    if (s.collection == collection) return &s;
  }
  return nullptr;
}

bool IsOutputOnly(const ResourceSpec& spec, absl::string_view field) {
  return field == kNameField || field == kCreateTimeField || field == kUpdateTimeField ||
         spec.IsComputed(field) ||
         std::find(spec.output_only.begin(), spec.output_only.end(), field) !=
             spec.output_only.end();
}

int64_t IntFieldMax(absl::string_view field) {
  if (field == "notice_period_days") return 3650;
  if (field == "seats" || field == "min_seats" || field == "pack_size") return kMaxSeats;
  if (field == "price_per_seat_minor") return kMaxPricePerSeatMinor;
  return kMaxMoneyMinor;
}

bool IsDateField(absl::string_view field) {
  return absl::EndsWith(field, "_date") || field == "term_start" || field == "term_end" ||
         field == "warranty_end";
}

std::unique_ptr<google::protobuf::Message> NewResource(const ResourceSpec& spec) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(spec.descriptor)->New());
}

}  // namespace bestand
