#include "common/proto_text.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace bestand {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

namespace {

absl::Status Bad(const FieldDescriptor* f, absl::string_view text, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat(f->name(), ": '", text, "' is not ", expected));
}

}  // namespace

absl::Status SetFieldFromText(Message* msg, const FieldDescriptor* f, absl::string_view raw) {
  const auto* r = msg->GetReflection();
  absl::string_view text =
      f->cpp_type() == FieldDescriptor::CPPTYPE_STRING ? raw : absl::StripAsciiWhitespace(raw);
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      r->SetString(msg, f, std::string(text));
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_BOOL: {
      std::string t = absl::AsciiStrToLower(text);
      if (t.empty() || t == "false" || t == "no" || t == "nein" || t == "0" || t == "n") {
        r->SetBool(msg, f, false);
      } else if (t == "true" || t == "yes" || t == "ja" || t == "1" || t == "y" || t == "x") {
        r->SetBool(msg, f, true);
      } else {
        return Bad(f, text, "a yes/no value (true, false, yes, no, ja, nein, 1, 0)");
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v = 0;
      if (!text.empty() && !absl::SimpleAtoi(text, &v)) return Bad(f, text, "a whole number");
      r->SetInt32(msg, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v = 0;
      if (!text.empty() && !absl::SimpleAtoi(text, &v)) {
        return Bad(
            f, text,
            absl::EndsWith(f->name(), "_minor") ? "a whole number of cents" : "a whole number");
      }
      r->SetInt64(msg, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* e = f->enum_type();
      if (text.empty()) {
        r->SetEnumValue(msg, f, 0);
        return absl::OkStatus();
      }
      std::vector<std::string> names;
      for (int i = 0; i < e->value_count(); ++i) {
        if (e->value(i)->number() == 0) continue;
        if (absl::EqualsIgnoreCase(e->value(i)->name(), text)) {
          r->SetEnumValue(msg, f, e->value(i)->number());
          return absl::OkStatus();
        }
        names.push_back(absl::AsciiStrToLower(e->value(i)->name()));
      }
      return Bad(f, text, absl::StrCat("one of ", absl::StrJoin(names, ", ")));
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      if (f->message_type()->full_name() != "google.protobuf.Timestamp") {
        return absl::InvalidArgumentError(absl::StrCat(f->name(), ": cannot be set from text"));
      }
      if (text.empty()) {
        r->ClearField(msg, f);
        return absl::OkStatus();
      }
      absl::Time t;
      std::string err;
      if (text.size() == 10) {
        auto day = ParseIsoDate(text);
        if (!day.ok()) return Bad(f, text, "a date (YYYY-MM-DD) or time (RFC 3339)");
        t = absl::FromCivil(*day, absl::UTCTimeZone());
      } else if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
        return Bad(f, text, "a time in RFC 3339 form, e.g. 2026-01-04T09:00:00Z");
      }
      r->MutableMessage(msg, f)->CopyFrom(FromMicros(absl::ToUnixMicros(t)));
      return absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat(f->name(), ": cannot be set from text"));
  }
}

std::string FieldToText(const Message& msg, const FieldDescriptor* f) {
  const auto* r = msg.GetReflection();
  if (f->is_repeated()) {
    // Lists of text (e.g. a report's reclaimable seats) are joined; other lists are counted.
    const int n = r->FieldSize(msg, f);
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
      return n == 0 ? "" : absl::StrCat(n, n == 1 ? " item" : " items");
    }
    std::string out;
    for (int i = 0; i < n; ++i)
      absl::StrAppend(&out, i ? ", " : "", r->GetRepeatedString(msg, f, i));
    return out;
  }
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return r->GetString(msg, f);
    case FieldDescriptor::CPPTYPE_BOOL:
      return r->GetBool(msg, f) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(r->GetInt32(msg, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(r->GetInt64(msg, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(r->GetUInt32(msg, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(r->GetUInt64(msg, f));
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* v = r->GetEnum(msg, f);
      return v->number() == 0 ? "" : absl::AsciiStrToLower(v->name());
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (f->message_type()->full_name() == "google.protobuf.Timestamp" && r->HasField(msg, f)) {
        return FormatTimestamp(
            static_cast<const google::protobuf::Timestamp&>(r->GetMessage(msg, f)));
      }
      return "";
    default:
      return "";
  }
}

std::string CompactName(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      out += absl::ascii_tolower(static_cast<unsigned char>(c));
    }
  }
  return out;
}

}  // namespace bestand
