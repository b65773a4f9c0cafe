#include "server/core/field_checks.h"

#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/core/inventory.h"

namespace bestand {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Checks and canonicalises the text field `f` of `m`: UTF-8, trimmed (notes kept as given),
// length, characters, then by kind: references as "{collection}/{id}", dates, currency codes,
// email addresses (an alias key lower-cased), serial numbers.
absl::Status NormalizeText(ReadTx& tx, const ResourceSpec& spec, const FieldDescriptor* f,
                           Message* m) {
  const auto* r = m->GetReflection();
  const std::string& name = f->name();
  std::string v = r->GetString(*m, f);
  if (!IsValidUtf8(v)) return FieldError(absl::StatusCode::kInvalidArgument, name, "is not UTF-8");
  const v1::FieldRules::Kind kind = FieldKind(f);
  const bool notes = kind == v1::FieldRules::NOTES;
  if (!notes) v = std::string(absl::StripAsciiWhitespace(v));
  const size_t limit = notes ? kMaxNotesLength : kMaxTextLength;
  if (Utf8Length(v) > limit) {
    return FieldError(
        absl::StatusCode::kInvalidArgument, name,
        absl::StrCat("is ", Utf8Length(v), " characters long; at most ", limit, " are allowed"));
  }
  if (std::string bad = ForbiddenCharacter(v, /*line_breaks=*/notes); !bad.empty()) {
    return FieldError(absl::StatusCode::kInvalidArgument, name,
                      absl::StrCat("contains ", bad,
                                   notes ? ""
                                         : " (line breaks are "
                                           "allowed only in notes)"));
  }
  if (v.empty()) {
    r->SetString(m, f, v);
    return absl::OkStatus();
  }
  if (const Reference* ref = spec.FindReference(name)) {
    absl::StatusOr<int64_t> id = ResolveName(tx, ref->target, v);
    if (!id.ok()) return FieldError(id.status().code(), name, id.status().message());
    v = absl::StrCat(Spec(ref->target).collection, "/", *id);
  } else if (kind == v1::FieldRules::DATE) {
    if (absl::StatusOr<absl::CivilDay> day = ParseIsoDate(v); !day.ok()) {
      return FieldError(absl::StatusCode::kInvalidArgument, name, day.status().message());
    }
  } else if (kind == v1::FieldRules::CURRENCY) {
    v = absl::AsciiStrToUpper(v);
    if (v.size() != 3 || !absl::ascii_isalpha(v[0]) || !absl::ascii_isalpha(v[1]) ||
        !absl::ascii_isalpha(v[2])) {
      return FieldError(absl::StatusCode::kInvalidArgument, name,
                        absl::StrCat("'", v, "' is not an ISO 4217 code such as EUR"));
    }
  } else if (kind == v1::FieldRules::LANGUAGE) {
    v = AsciiLower(v);
    if (v != "de" && v != "en") {
      return FieldError(absl::StatusCode::kInvalidArgument, name,
                        absl::StrCat("'", v, "' is not a language Bestand writes in: de or en"));
    }
  } else if (kind == v1::FieldRules::EMAIL) {
    // A key compares exactly, and addresses are matched regardless of case.
    if (Rules(f).alias()) v = AsciiLower(v);
    if (!IsEmailAddress(v)) {
      return FieldError(absl::StatusCode::kInvalidArgument, name,
                        absl::StrCat("'", v, "' is not an email address"));
    }
  } else if (kind == v1::FieldRules::SERIAL_NUMBER && IsJunkSerial(v)) {
    return FieldError(absl::StatusCode::kInvalidArgument, name,
                      absl::StrCat("'", v, "' is a firmware placeholder, not a serial number"));
  }
  r->SetString(m, f, v);
  return absl::OkStatus();
}

}  // namespace

absl::Status Normalize(ReadTx& tx, const ResourceSpec& spec, Message* m) {
  const auto* r = m->GetReflection();
  for (int i = 0; i < spec.descriptor->field_count(); ++i) {
    const FieldDescriptor* f = spec.descriptor->field(i);
    const std::string& name = f->name();
    if (IsOutputOnly(spec, name)) continue;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        BESTAND_RETURN_IF_ERROR(NormalizeText(tx, spec, f, m));
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        if (f->enum_type()->FindValueByNumber(r->GetEnumValue(*m, f)) == nullptr) {
          return FieldError(absl::StatusCode::kInvalidArgument, name,
                            absl::StrCat(r->GetEnumValue(*m, f), " is not a valid value"));
        }
        break;
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t v = f->cpp_type() == FieldDescriptor::CPPTYPE_INT32 ? r->GetInt32(*m, f)
                                                                    : r->GetInt64(*m, f);
        const int64_t max = IntFieldMax(f);
        if (v < 0 || v > max) {
          return FieldError(absl::StatusCode::kInvalidArgument, name,
                            absl::StrCat(v, " is out of range 0..", max));
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:  // a Timestamp: the model allows no other message
        if (r->HasField(*m, f)) {
          const auto& ts = static_cast<const google::protobuf::Timestamp&>(r->GetMessage(*m, f));
          if (ts.seconds() < 0 || ts.seconds() > 253402300799 || ts.nanos() < 0 ||
              ts.nanos() > 999999999) {
            return FieldError(absl::StatusCode::kInvalidArgument, name,
                              "is not a time between 1970 and 9999");
          }
          // Stored in microseconds: keep no more, so the audited state equals the stored one.
          auto* mut = static_cast<google::protobuf::Timestamp*>(r->MutableMessage(m, f));
          mut->set_nanos(mut->nanos() / 1000 * 1000);
        }
        break;
      default:
        break;
    }
  }
  for (absl::string_view req : spec.required) {
    const FieldDescriptor* f = spec.descriptor->FindFieldByName(std::string(req));
    if (m->GetReflection()->GetString(*m, f).empty()) {  // required is only on text fields
      return FieldError(absl::StatusCode::kInvalidArgument, req, "is required");
    }
  }
  return absl::OkStatus();
}

bool IsJunkSerial(absl::string_view serial) {
  std::string s = AsciiLower(absl::StripAsciiWhitespace(serial));
  static const std::set<std::string, std::less<>> kJunk = {"to be filled by o.e.m.",
                                                           "to be filled by oem",
                                                           "default string",
                                                           "system serial number",
                                                           "chassis serial number",
                                                           "0123456789",
                                                           "123456789",
                                                           "1234567890",
                                                           "not specified",
                                                           "not applicable",
                                                           "none",
                                                           "n/a",
                                                           "na",
                                                           "unknown",
                                                           "serial",
                                                           "invalid",
                                                           "oem",
                                                           "o.e.m.",
                                                           "base board serial number",
                                                           "empty",
                                                           "xxxxxxxxxx",
                                                           "sn12345678"};
  if (kJunk.count(s)) return true;
  // One character repeated ("00000000", "FFFFFFFF", "........") is never a real serial.
  std::string compact;
  for (char c : s) {
    if (c != '-' && c != ' ') compact += c;
  }
  return !compact.empty() && compact.find_first_not_of(compact[0]) == std::string::npos;
}

}  // namespace bestand
