#include "server/common/util.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace bestand {

int64_t ToMicros(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1000000 + ts.nanos() / 1000;
}

google::protobuf::Timestamp FromMicros(int64_t micros) {
  google::protobuf::Timestamp ts;
  if (micros == 0) return ts;
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rest * 1000));
  return ts;
}

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

absl::StatusOr<absl::CivilDay> ParseIsoDate(absl::string_view text) {
  bool shape = text.size() == 10;
  for (size_t i = 0; shape && i < text.size(); ++i) {
    shape = i == 4 || i == 7 ? text[i] == '-' : absl::ascii_isdigit(text[i]);
  }
  if (!shape) {
    return absl::InvalidArgumentError(
        absl::StrFormat("'%s' is not a date in the form YYYY-MM-DD", text));
  }
  // The round trip catches what parsing would normalise (2027-02-29 to 2027-03-01).
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day) || FormatIsoDate(day) != text) {
    return absl::InvalidArgumentError(absl::StrFormat("%s is not a calendar date", text));
  }
  return day;
}

std::string FormatIsoDate(absl::CivilDay day) { return absl::FormatCivilTime(day); }

std::string FormatIsoDate(absl::Time t) {
  return FormatIsoDate(absl::ToCivilDay(t, absl::UTCTimeZone()));
}

absl::CivilDay TodayUtc() { return absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()); }

std::string FormatTimestamp(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), len));
}

absl::StatusOr<std::string> RandomToken(size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) {
    return absl::InternalError("the random number generator failed");
  }
  return absl::WebSafeBase64Escape(bytes);
}

std::string AsciiLower(absl::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

namespace {

// The forbidden character starting at s[i] (see ForbiddenCharacter): its length in bytes (0 when
// s[i] starts none) and its code point.
std::pair<size_t, int> ForbiddenAt(absl::string_view s, size_t i, bool line_breaks) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x20) {
    if (line_breaks && (c == '\n' || c == '\r' || c == '\t')) return {0, 0};
    return {1, c};
  }
  if (c == 0x7F) return {1, c};
  const unsigned char b1 = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
  if (c == 0xC2 && b1 >= 0x80 && b1 <= 0x9F) return {2, b1};
  const unsigned char b2 = i + 2 < s.size() ? static_cast<unsigned char>(s[i + 2]) : 0;
  if (c == 0xE2 && (b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80) {
    const int cp = 0x2000 | ((b1 & 0x3F) << 6) | (b2 & 0x3F);
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) return {3, cp};
  }
  return {0, 0};
}

}  // namespace

std::string ForbiddenCharacter(absl::string_view s, bool line_breaks) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto [length, cp] = ForbiddenAt(s, i, line_breaks);
    if (length == 0) continue;
    if (cp == 0x7F) return "U+007F, the control character DEL";
    if (cp < 0x2000) return absl::StrFormat("U+%04X, a control character", cp);
    return absl::StrFormat("U+%04X, a bidirectional %s", cp,
                           cp == 0x202D || cp == 0x202E ? "override"
                           : cp >= 0x2066               ? "isolate"
                                                        : "embedding");
  }
  return "";
}

std::string ReplaceForbiddenCharacters(absl::string_view s, bool line_breaks) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t length = ForbiddenAt(s, i, line_breaks).first;
    if (length == 0) {
      out += s[i++];
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      i += length;
    }
  }
  return out;
}

size_t Utf8Length(absl::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string Counted(int64_t n, absl::string_view noun, absl::string_view plural) {
  if (n == 1) return absl::StrCat(n, " ", noun);
  return plural.empty() ? absl::StrCat(n, " ", noun, "s") : absl::StrCat(n, " ", plural);
}

}  // namespace bestand
