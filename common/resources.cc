#include "common/resources.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "bestand/v1/inventory.pb.h"
#include "bestand/v1/report.pb.h"
#include "bestand/v1/workflow.pb.h"

namespace bestand {
namespace {

namespace v1 = ::bestand::v1;
using google::protobuf::FieldDescriptor;

std::vector<ResourceSpec> MakeSpecs() {
  std::vector<ResourceSpec> specs;
  specs.push_back({
      .kind = Kind::kPerson,
      .collection = "people",
      .noun = "person",
      .descriptor = v1::Person::descriptor(),
      .unique_keys = {{"email"}},
  });
  specs.push_back({
      .kind = Kind::kDevice,
      .collection = "devices",
      .noun = "device",
      .descriptor = v1::Device::descriptor(),
      .unique_keys = {{"asset_tag"}, {"serial_number"}},
  });
  specs.push_back({
      .kind = Kind::kApplication,
      .collection = "applications",
      .noun = "application",
      .descriptor = v1::Application::descriptor(),
      .unique_keys = {{"display_name"}},
  });
  specs.push_back({
      .kind = Kind::kVendor,
      .collection = "vendors",
      .noun = "vendor",
      .descriptor = v1::Vendor::descriptor(),
      .unique_keys = {{"display_name"}},
  });
  specs.push_back({
      .kind = Kind::kAccount,
      .collection = "accounts",
      .noun = "account",
      .descriptor = v1::Account::descriptor(),
      .unique_keys = {{"application", "username"}},
  });
  specs.push_back({
      .kind = Kind::kAccessGrant,
      .collection = "accessGrants",
      .noun = "access grant",
      .descriptor = v1::AccessGrant::descriptor(),
      .unique_keys = {{"account", "role"}},
  });
  specs.push_back({
      .kind = Kind::kLicense,
      .collection = "licenses",
      .noun = "license",
      .descriptor = v1::License::descriptor(),
      .unique_keys = {{"display_name"}},
  });
  specs.push_back({
      .kind = Kind::kLicenseAssignment,
      .collection = "licenseAssignments",
      .noun = "license assignment",
      .descriptor = v1::LicenseAssignment::descriptor(),
      .unique_keys = {{"license", "person"}, {"license", "device"}},
  });
  specs.push_back({
      .kind = Kind::kTemplateItem,
      .collection = "templateItems",
      .noun = "template item",
      .descriptor = v1::TemplateItem::descriptor(),
      .unique_keys = {{"template", "application", "role", "license", "device_type"}},
      .keys_include_empty = true,
  });
  specs.push_back({
      .kind = Kind::kCase,
      .collection = "cases",
      .noun = "case",
      .descriptor = v1::Case::descriptor(),
  });
  specs.push_back({
      .kind = Kind::kTask,
      .collection = "tasks",
      .noun = "task",
      .descriptor = v1::Task::descriptor(),
  });
  specs.push_back({
      .kind = Kind::kProductRule,
      .collection = "productRules",
      .noun = "product rule",
      .descriptor = v1::ProductRule::descriptor(),
      .unique_keys = {{"pattern", "product"}},
  });
  return specs;
}

std::vector<absl::string_view> Collections(const std::vector<ResourceSpec>& specs) {
  std::vector<absl::string_view> out;
  for (const ResourceSpec& s : specs) out.push_back(s.collection);
  return out;
}

// Fills the derived fields of `spec` from its descriptor's field options.
void Derive(ResourceSpec& spec, const std::vector<ResourceSpec>& all) {
  for (int i = 0; i < spec.descriptor->field_count(); ++i) {
    const FieldDescriptor* f = spec.descriptor->field(i);
    const v1::FieldRules& rules = Rules(f);
    const absl::string_view name = f->name();
    if (!rules.reference().empty()) {
      for (const ResourceSpec& target : all) {
        if (target.collection == rules.reference()) spec.references.push_back({name, target.kind});
      }
    }
    if (rules.alias()) spec.alias_keys.push_back(name);
    if (rules.required()) spec.required.push_back(name);
    if (rules.searchable()) spec.search_fields.push_back(name);
    if (rules.behavior() == v1::FieldRules::COMPUTED) spec.computed.push_back(name);
    if (rules.behavior() == v1::FieldRules::OUTPUT_ONLY) spec.output_only.push_back(name);
  }
}

// A broken model is a programming error that no request may meet: stop before serving.
[[noreturn]] void Fail(absl::string_view message) {
  std::fprintf(stderr, "bestand: resource model: %.*s\n", static_cast<int>(message.size()),
               message.data());
  std::abort();
}

// The specs by kind: each kind exactly once, every field supported.
std::vector<ResourceSpec> CheckedSpecs() {
  std::vector<ResourceSpec> written = MakeSpecs();
  const std::vector<absl::string_view> collections = Collections(written);
  std::vector<std::optional<ResourceSpec>> by_kind(kKindCount);
  for (ResourceSpec& spec : written) {
    const size_t k = static_cast<size_t>(spec.kind);
    if (k >= kKindCount || by_kind[k]) Fail(absl::StrCat(spec.noun, ": kind given twice"));
    if (absl::Status s = CheckResourceFields(spec.descriptor, collections); !s.ok()) {
      Fail(s.message());
    }
    Derive(spec, written);
    by_kind[k] = std::move(spec);
  }
  std::vector<ResourceSpec> specs;
  for (size_t k = 0; k < kKindCount; ++k) {
    if (!by_kind[k]) Fail(absl::StrCat("kind ", k, " has no spec"));
    specs.push_back(std::move(*by_kind[k]));
  }
  return specs;
}

const std::vector<ResourceSpec>& Specs() {
  static const std::vector<ResourceSpec>* const specs =
      new std::vector<ResourceSpec>(CheckedSpecs());
  return *specs;
}

bool IsIntegerKind(v1::FieldRules::Kind kind) {
  return kind == v1::FieldRules::MONEY || kind == v1::FieldRules::PRICE_PER_SEAT ||
         kind == v1::FieldRules::SEATS || kind == v1::FieldRules::DAYS;
}

// The reason `f` cannot be a resource field, or "" when it can.
std::string Unsupported(const FieldDescriptor* f, std::span<const absl::string_view> collections) {
  const v1::FieldRules& rules = Rules(f);
  const bool integer = f->cpp_type() == FieldDescriptor::CPPTYPE_INT32 ||
                       f->cpp_type() == FieldDescriptor::CPPTYPE_INT64;
  if (f->is_repeated()) return "repeated fields are not supported";
  if (f->type() == FieldDescriptor::TYPE_BYTES) return "bytes fields are not supported";
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
    case FieldDescriptor::CPPTYPE_BOOL:
    case FieldDescriptor::CPPTYPE_ENUM:
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (f->message_type()->full_name() != "google.protobuf.Timestamp") {
        return absl::StrCat("messages other than google.protobuf.Timestamp are not supported (",
                            f->message_type()->full_name(), ")");
      }
      break;
    default:
      return absl::StrCat(f->cpp_type_name(), " fields are not supported");
  }
  if (integer && !IsIntegerKind(rules.kind())) {
    return "an integer field needs (bestand.v1.field).kind MONEY, PRICE_PER_SEAT, SEATS or DAYS";
  }
  if (!integer && IsIntegerKind(rules.kind())) return "an integer kind on a field that is not one";
  if (rules.kind() != v1::FieldRules::KIND_UNSPECIFIED && !IsIntegerKind(rules.kind()) &&
      f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
    return "a text kind on a field that is not a string";
  }
  const bool text = f->cpp_type() == FieldDescriptor::CPPTYPE_STRING;
  if ((rules.required() || rules.alias() || rules.searchable()) && !text) {
    return "required, alias and searchable are for string fields";
  }
  if (!rules.reference().empty()) {
    if (!text) return "a reference must be a string";
    if (std::find(collections.begin(), collections.end(), rules.reference()) == collections.end()) {
      return absl::StrCat("reference to '", rules.reference(), "', which is no collection");
    }
  }
  return "";
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

const v1::FieldRules& Rules(const FieldDescriptor* field) {
  return field->options().GetExtension(v1::field);
}

v1::FieldRules::Kind FieldKind(const FieldDescriptor* field) { return Rules(field).kind(); }

int64_t IntFieldMax(const FieldDescriptor* field) {
  switch (FieldKind(field)) {
    case v1::FieldRules::DAYS:
      return kMaxDays;
    case v1::FieldRules::SEATS:
      return kMaxSeats;
    case v1::FieldRules::PRICE_PER_SEAT:
      return kMaxPricePerSeatMinor;
    default:
      return kMaxMoneyMinor;
  }
}

bool IsDateField(const FieldDescriptor* field) { return FieldKind(field) == v1::FieldRules::DATE; }

bool IsMoneyField(const FieldDescriptor* field) {
  return FieldKind(field) == v1::FieldRules::MONEY ||
         FieldKind(field) == v1::FieldRules::PRICE_PER_SEAT;
}

absl::Status CheckResourceFields(const google::protobuf::Descriptor* resource,
                                 std::span<const absl::string_view> collections) {
  for (absl::string_view standard : {kNameField, kCreateTimeField, kUpdateTimeField}) {
    if (resource->FindFieldByName(std::string(standard)) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(resource->full_name(), " has no field '", standard, "'"));
    }
  }
  for (int i = 0; i < resource->field_count(); ++i) {
    const FieldDescriptor* f = resource->field(i);
    if (std::string why = Unsupported(f, collections); !why.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(f->full_name(), ": ", why));
    }
  }
  return absl::OkStatus();
}

std::unique_ptr<google::protobuf::Message> NewResource(const ResourceSpec& spec) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(spec.descriptor)->New());
}

}  // namespace bestand
