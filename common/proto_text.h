// Text <-> protobuf field conversions shared by CSV import (server) and the CLI's flags and
// table/CSV output (client), so both accept and print the same spellings.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace bestand {

// Sets scalar or Timestamp field `field` of `msg` from `text`:
// - strings as they are;
// - integers in decimal;
// - bools: true/false, yes/no, ja/nein, 1/0, x, empty = false (any case);
// - enums by value name, any case (e.g. "active", "ON_PREMISE"); empty = unspecified;
// - Timestamps as RFC 3339 ("2026-01-04T09:00:00Z") or a date ("2026-01-04" = midnight UTC).
// INVALID_ARGUMENT "FIELD: ..." says what was expected.
absl::Status SetFieldFromText(google::protobuf::Message* msg,
                              const google::protobuf::FieldDescriptor* field,
                              absl::string_view text);

// The field as text in the same spellings (enums as lower-case value names, "" for unspecified;
// bools "true"/"false"; Timestamps RFC 3339 UTC, "" when unset).
std::string FieldToText(const google::protobuf::Message& msg,
                        const google::protobuf::FieldDescriptor* field);

// Letters and digits only, lower-cased: "E-Mail", "email" and "EMAIL" all become "email",
// "Display Name" and "display_name" both "displayname". Used to match CSV headers to fields.
std::string CompactName(absl::string_view text);

}  // namespace bestand
