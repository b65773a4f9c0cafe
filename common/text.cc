#include "common/text.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace bestand {

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

absl::string_view Utf8Prefix(absl::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
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

bool IsEmailAddress(absl::string_view s) {
  size_t at = s.find('@');
  if (at == absl::string_view::npos || at == 0 || at + 1 >= s.size() ||
      s.find('@', at + 1) != absl::string_view::npos ||
      s.find_first_of(" \t,;<>\"") != absl::string_view::npos ||
      s.substr(at + 1).find('.') == absl::string_view::npos) {
    return false;
  }
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace bestand
