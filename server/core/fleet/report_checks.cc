#include "server/core/fleet/report_checks.h"

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/field_mask_util.h"
#include "server/core/fleet/package_index.h"
#include "server/core/inventory.h"

namespace bestand {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// C0 controls and DEL would reach administrators' terminals through the CLI.
bool HasControlCharacter(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

}  // namespace

// UTF-8 without C0 control characters or DEL. What agents report is taken as the machine has
// it (macOS agents send double-encoded names holding C1 controls, for one); the CLI shows such
// characters inert and CSV output cannot run them. Printable ASCII, nearly every value of a
// report, is checked eight bytes at a time; a word with any byte below 0x20 or from 0x7F up
// sends the string to the full checks.
bool IsCleanText(const std::string& s) {
  constexpr uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    uint64_t below_space = (w - kOnes * 0x20) & ~w & kHighs;
    uint64_t from_del = ((w + kOnes) | w) & kHighs;
    if (below_space | from_del) break;
  }
  for (; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7F) return IsValidUtf8(s) && !HasControlCharacter(s);
  }
  return true;
}

// Walks every string and repeated field of a report: lengths, UTF-8 and counts are bounded.
// Field paths for messages are built only on error or once per nested field, not per value:
// a report has thousands of values.
absl::Status ValidateMessage(const Message& m, const std::string& path) {
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    auto name = [&] { return path.empty() ? f->name() : absl::StrCat(path, ".", f->name()); };
    if (f->is_repeated()) {
      int n = r->FieldSize(m, f);
      int max = f->name() == "software" ? kMaxReportPackages : kMaxReportItems;
      if (n > max) {
        return absl::InvalidArgumentError(
            absl::StrCat("report.", name(), ": ", n, " entries; at most ", max, " are allowed"));
      }
      // Packages are checked by CheckNewPackages, only those not stored yet.
      if (n == 0 || f == v1::InventoryReport::descriptor()->FindFieldByName("software")) continue;
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const std::string child = name();
        for (int k = 0; k < n; ++k) {
          BESTAND_RETURN_IF_ERROR(ValidateMessage(r->GetRepeatedMessage(m, f, k), child));
        }
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        for (int k = 0; k < n; ++k) {
          const std::string& v = r->GetRepeatedString(m, f, k);
          if (v.size() > kMaxReportString || !IsCleanText(v)) {
            return absl::InvalidArgumentError(
                absl::StrCat("report.", name(), ": entry too long or holding control characters"));
          }
        }
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      const std::string& v = r->GetString(m, f);
      if (v.size() > kMaxReportString || !IsCleanText(v)) {
        return absl::InvalidArgumentError(
            absl::StrCat("report.", name(), ": longer than ", kMaxReportString,
                         " bytes, not UTF-8 or holding control characters"));
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && r->HasField(m, f)) {
      BESTAND_RETURN_IF_ERROR(ValidateMessage(r->GetMessage(m, f), name()));
    }
  }
  return absl::OkStatus();
}

// A hardware UUID that identifies a machine: well formed, not a firmware placeholder.
std::string CleanUuid(const std::string& raw) {
  std::string u = AsciiLower(absl::StripAsciiWhitespace(raw));
  if (u.size() != 36 || IsJunkSerial(u) || u == "03000200-0400-0500-0006-000700080009") return "";
  std::string hex;
  for (char c : u) {
    if (c != '-') hex += c;
  }
  if (hex.size() != 32 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) return "";
  if (hex.find_first_not_of('0') == std::string::npos ||
      hex.find_first_not_of('f') == std::string::npos) {
    return "";
  }
  return u;
}

std::string CleanMachineId(const std::string& raw) {
  std::string m = AsciiLower(absl::StripAsciiWhitespace(raw));
  if (m.size() != 32 || m.find_first_not_of("0123456789abcdef") != std::string::npos ||
      m.find_first_not_of('0') == std::string::npos) {
    return "";
  }
  return m;
}

std::string CleanSerial(const std::string& raw) {
  std::string s(absl::StripAsciiWhitespace(raw));
  return s.empty() || IsJunkSerial(s) || s.size() > 200 ? "" : s;
}

// A reported text as a device field takes it: at most kMaxTextLength characters (cut at a
// character boundary), without characters people may not enter either (replaced by U+FFFD).
std::string Clamp(const std::string& reported) {
  const std::string s = ReplaceForbiddenCharacters(reported);
  if (Utf8Length(s) <= kMaxTextLength) return s;
  size_t chars = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && chars++ == kMaxTextLength) break;
  }
  return s.substr(0, i);
}

// Hashes each package's identity: the package index finds stored packages by this hash. Adds
// the size of the packages' text to `*text_bytes`.
std::vector<uint64_t> HashPackages(const v1::InventoryReport& r, size_t* text_bytes) {
  std::vector<uint64_t> hashes(r.software_size());
  for (int i = 0; i < r.software_size(); ++i) {
    const v1::SoftwarePackage& p = r.software(i);
    hashes[i] =
        PackageIndex::Hash(p.source(), p.name(), p.architecture(), p.version(), p.publisher());
    *text_bytes += p.source().size() + p.name().size() + p.architecture().size() +
                   p.version().size() + p.publisher().size();
  }
  return hashes;
}

// Everything of a report but its software list, without copying the list first.
v1::InventoryReport FactsOf(const v1::InventoryReport& r) {
  static const google::protobuf::FieldMask* const kFacts = [] {
    auto* mask = new google::protobuf::FieldMask;
    const auto* d = v1::InventoryReport::descriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      if (d->field(i)->name() != "software") mask->add_paths(d->field(i)->name());
    }
    return mask;
  }();
  v1::InventoryReport facts;
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(
      r, *kFacts, google::protobuf::util::FieldMaskUtil::MergeOptions(), &facts);
  return facts;
}

// Checks the text (length, UTF-8, control characters) of the packages not stored yet, those
// whose id is 0. Only they can bring text into the store: a package the index knows is stored
// by its id, and its text passed these checks when it was stored first. A report repeats
// mostly known packages, so most of its text is hashed once and never scanned again.
absl::Status CheckNewPackages(const v1::InventoryReport& r, absl::Span<const int64_t> ids) {
  for (int i = 0; i < r.software_size(); ++i) {
    if (ids[i] != 0) continue;
    const v1::SoftwarePackage& p = r.software(i);
    const std::pair<const char*, const std::string*> fields[] = {
        {"name", &p.name()},
        {"version", &p.version()},
        {"architecture", &p.architecture()},
        {"source", &p.source()},
        {"publisher", &p.publisher()}};
    for (const auto& [field, value] : fields) {
      if (value->size() > kMaxReportString || !IsCleanText(*value)) {
        return absl::InvalidArgumentError(
            absl::StrCat("report.software[", i, "].", field, ": longer than ", kMaxReportString,
                         " bytes, not UTF-8 or holding control characters"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace bestand
