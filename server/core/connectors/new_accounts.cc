#include "server/core/connectors/new_accounts.h"

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"

namespace bestand {
namespace {

// U+00C0..U+00FF spelled in ASCII ("" for × and ÷).
constexpr const char* kLatin1[64] = {
    "a", "a", "a", "a", "ae", "a", "ae", "c", "e", "e", "e", "e", "i",  "i", "i",  "i",
    "d", "n", "o", "o", "o",  "o", "oe", "",  "o", "u", "u", "u", "ue", "y", "th", "ss",
    "a", "a", "a", "a", "ae", "a", "ae", "c", "e", "e", "e", "e", "i",  "i", "i",  "i",
    "d", "n", "o", "o", "o",  "o", "oe", "",  "o", "u", "u", "u", "ue", "y", "th", "y"};
// U+0100..U+017F (Latin Extended-A) by their base letters; '1' is "ij", '2' is "oe".
constexpr char kLatinExtendedA[] =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii11jjkkkllllllllllnnnnnnnnnoooooo22rrrrrr"
    "sssssssstttttt"
    "uuuuuuuuuuuuwwyyyzzzzzzs";
static_assert(sizeof(kLatinExtendedA) == 128 + 1);

// The placeholders of a login pattern.
constexpr absl::string_view kPlaceholders[] = {"{first}", "{last}", "{f}", "{local}"};
constexpr size_t kMaxPatternBytes = 64;

}  // namespace

SplitName SplitDisplayName(absl::string_view display_name) {
  std::vector<absl::string_view> words =
      absl::StrSplit(display_name, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (words.empty()) return {};
  if (words.size() == 1) return {std::string(words[0]), std::string(words[0])};
  std::string first;
  for (size_t i = 0; i + 1 < words.size(); ++i) absl::StrAppend(&first, i ? " " : "", words[i]);
  return {first, std::string(words.back())};
}

std::string FoldToLogin(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = text[i];
    if (c < 0x80) {
      const char lower = absl::ascii_tolower(c);
      if (absl::ascii_isalnum(lower) || lower == '.' || lower == '-' || lower == '_') out += lower;
      ++i;
      continue;
    }
    size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (length == 2 && i + 1 < text.size()) {
      const uint32_t cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F);
      if (cp >= 0xC0 && cp <= 0xFF) {
        out += kLatin1[cp - 0xC0];
      } else if (cp >= 0x100 && cp <= 0x17F) {
        const char base = kLatinExtendedA[cp - 0x100];
        out += base == '1' ? "ij" : base == '2' ? "oe" : std::string(1, base);
      }
    }
    i += length;
  }
  return out;
}

absl::Status CheckLoginPattern(absl::string_view pattern) {
  if (pattern.size() > kMaxPatternBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(pattern.size(), " bytes; at most ", kMaxPatternBytes));
  }
  for (size_t i = 0; i < pattern.size(); ++i) {
    const unsigned char c = pattern[i];
    if (c < 0x21 || c > 0x7e) {
      return absl::InvalidArgumentError(
          "may hold only printable ASCII without spaces (names are folded to ASCII)");
    }
    if (c == '}') return absl::InvalidArgumentError("has a '}' without its '{'");
    if (c != '{') continue;
    const size_t end = pattern.find('}', i);
    const absl::string_view placeholder =
        pattern.substr(i, end == absl::string_view::npos ? absl::string_view::npos : end - i + 1);
    bool known = false;
    for (absl::string_view p : kPlaceholders) known = known || placeholder == p;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat("has the unknown placeholder '", placeholder,
                                                     "'; use {first}, {last}, {f} or {local}"));
    }
    i = end;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> LoginName(absl::string_view pattern, absl::string_view display_name,
                                      absl::string_view email, size_t max_length) {
  if (pattern.empty()) pattern = "{local}";
  const SplitName name = SplitDisplayName(display_name);
  const std::string first = FoldToLogin(name.first);
  std::string login;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const absl::string_view rest = pattern.substr(i);
    if (absl::StartsWith(rest, "{first}")) {
      login += first;
      i += 6;
    } else if (absl::StartsWith(rest, "{last}")) {
      login += FoldToLogin(name.last);
      i += 5;
    } else if (absl::StartsWith(rest, "{f}")) {
      login += first.substr(0, 1);
      i += 2;
    } else if (absl::StartsWith(rest, "{local}")) {
      login += FoldToLogin(email.substr(0, email.find('@')));
      i += 6;
    } else {
      login += FoldToLogin(rest.substr(0, 1));
    }
  }
  login = login.substr(0, max_length);
  while (!login.empty() && (login.back() == '.' || login.back() == '-')) login.pop_back();
  if (login.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("the login pattern '", pattern,
                                                   "' gives no login name for '", display_name,
                                                   "' <", email, ">"));
  }
  return login;
}

absl::StatusOr<std::string> OneTimePassword() {
  constexpr absl::string_view kClasses[] = {"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz",
                                            "23456789", "#%+-.:=?@_"};
  constexpr size_t kLength = 20;
  absl::StatusOr<std::string> random = RandomBytes(2 * kLength);
  if (!random.ok()) return random.status();
  std::string password;
  for (size_t i = 0; i < kLength; ++i) {
    // One of each class first, then any; the bias of a byte modulo a class size under 26 is
    // far below what guessing 20 characters needs.
    const unsigned char a = (*random)[2 * i], b = (*random)[2 * i + 1];
    const absl::string_view chars = kClasses[i < 4 ? i : a % 4];
    password += chars[b % chars.size()];
  }
  // The class order is not at fixed places: shuffle with the remaining randomness.
  absl::StatusOr<std::string> shuffle = RandomBytes(kLength);
  if (!shuffle.ok()) return shuffle.status();
  for (size_t i = kLength - 1; i > 0; --i) {
    std::swap(password[i], password[static_cast<unsigned char>((*shuffle)[i]) % (i + 1)]);
  }
  return password;
}

}  // namespace bestand
