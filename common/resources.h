// The inventory's resource kinds and what the layers above and below need to know about each:
// collection name, natural keys, references, required and searchable fields. Fields and their
// rules come from the protobuf descriptors and their (bestand.v1.field) options
// (proto/bestand/v1/field_options.proto), so adding a field to a message needs no code here.
//
// The model is built and checked on first use: a resource field of a type Bestand cannot store
// (repeated, a message other than Timestamp, an integer without a kind, ...) stops the process
// with a message naming it, before anything reads or writes a resource.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/field_options.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace bestand {

enum class Kind {
  kPerson,
  kDevice,
  kApplication,
  kVendor,
  kAccount,
  kAccessGrant,
  kLicense,
  kLicenseAssignment,
  kTemplateItem,
  kCase,
  kTask,
  kProductRule,
};
inline constexpr size_t kKindCount = static_cast<size_t>(Kind::kProductRule) + 1;

// A field that holds the resource name of another resource.
struct Reference {
  absl::string_view field;
  Kind target;
};

// A kind's collection, noun and keys are written in resources.cc; the fields after them are
// derived from the field options, in field order.
struct ResourceSpec {
  Kind kind;
  // AIP collection id, e.g. "people"; resource names are "{collection}/{id}".
  absl::string_view collection;
  // Singular noun for messages, e.g. "person".
  absl::string_view noun;
  const google::protobuf::Descriptor* descriptor;
  // Natural keys used to match rows on import and to report duplicates, each a list of fields.
  // A key with an empty field identifies nothing, unless keys_include_empty.
  std::vector<std::vector<absl::string_view>> unique_keys = {};
  // Keys compare every listed field, empty ones included: a template item is its template and
  // what it gives, whichever of application, role, license and device type that is.
  bool keys_include_empty = false;

  // Fields that hold references to other resources (option `reference`).
  std::vector<Reference> references = {};
  // Single fields that identify a resource and may stand in for its id ("people/a@b.de")
  // (option `alias`).
  std::vector<absl::string_view> alias_keys = {};
  // Fields that must be set on create (option `required`).
  std::vector<absl::string_view> required = {};
  // Fields matched by a List request's `query` (option `searchable`).
  std::vector<absl::string_view> search_fields = {};
  // Fields the server derives; never written by callers and not part of the audited state
  // (behavior COMPUTED).
  std::vector<absl::string_view> computed = {};
  // Stored fields that only the server sets, e.g. from agent reports (behavior OUTPUT_ONLY).
  std::vector<absl::string_view> output_only = {};

  const Reference* FindReference(absl::string_view field) const;
  bool IsComputed(absl::string_view field) const;
};

std::span<const ResourceSpec> AllSpecs();
const ResourceSpec& Spec(Kind kind);
// An empty message of the spec's resource type.
std::unique_ptr<google::protobuf::Message> NewResource(const ResourceSpec& spec);
// nullptr when `collection` names no resource kind.
const ResourceSpec* SpecByCollection(absl::string_view collection);

// Fields every resource has and the server maintains.
inline constexpr absl::string_view kNameField = "name";
inline constexpr absl::string_view kCreateTimeField = "create_time";
inline constexpr absl::string_view kUpdateTimeField = "update_time";
// Money bounds: with at most kMaxLicenses licenses of at most kMaxSeats seats at most
// kMaxPricePerSeatMinor per seat and month, a year of everything costs at most 1.2 x 10^18
// minor units, well inside int64 (9.2 x 10^18), so no report total can overflow.
inline constexpr int64_t kMaxSeats = 100000;
inline constexpr int64_t kMaxPricePerSeatMinor = 100000000;  // 1,000,000.00 EUR
inline constexpr int64_t kMaxLicenses = 10000;
static_assert(kMaxLicenses * kMaxSeats * kMaxPricePerSeatMinor * 12 < (int64_t{1} << 62));
// Other money fields (a device's purchase price): 10,000,000,000.00 EUR.
inline constexpr int64_t kMaxMoneyMinor = 1000000000000LL;
// Numbers of days (a notice period): ten years.
inline constexpr int64_t kMaxDays = 3650;

// The (bestand.v1.field) options of `field`; all defaults when it has none.
const v1::FieldRules& Rules(const google::protobuf::FieldDescriptor* field);
// Rules(field).kind.
v1::FieldRules::Kind FieldKind(const google::protobuf::FieldDescriptor* field);

// The largest value an integer field of a resource takes (the smallest is 0), by its kind.
int64_t IntFieldMax(const google::protobuf::FieldDescriptor* field);

// True for the text fields that hold an ISO 8601 date ("YYYY-MM-DD").
bool IsDateField(const google::protobuf::FieldDescriptor* field);
// True for the integer fields that hold an amount in minor units (kinds MONEY, PRICE_PER_SEAT).
bool IsMoneyField(const google::protobuf::FieldDescriptor* field);

// OK when every field of `resource` is one the model supports, else INVALID_ARGUMENT naming the
// first that is not: a resource has `name`, `create_time` and `update_time`; fields are single
// (not repeated), text, bool, enum, 32/64-bit integers with an integer kind, or
// google.protobuf.Timestamp; text kinds, references, required, alias and searchable are on
// text fields; a reference names a collection of `collections`. Exposed for the test that feeds it
// malformed messages.
absl::Status CheckResourceFields(const google::protobuf::Descriptor* resource,
                                 std::span<const absl::string_view> collections);

// True for name, create_time, update_time and the spec's computed fields: callers cannot set them.
bool IsOutputOnly(const ResourceSpec& spec, absl::string_view field);

}  // namespace bestand
