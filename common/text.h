// Text: UTF-8 checks and lengths, characters no text field accepts, counted nouns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace bestand {

// "1 seat", "2 seats": `n` and the noun in its form for `n` (`plural` defaults to noun + "s").
std::string Counted(int64_t n, absl::string_view noun, absl::string_view plural = "");

// ASCII lower-casing; other bytes (UTF-8) stay as they are.
std::string AsciiLower(absl::string_view s);

// The first character of valid UTF-8 `s` that no text field accepts, described for an error
// message ("U+202E, a bidirectional override"), or "" when there is none: C0 control characters
// (but line feed, carriage return and tab when `line_breaks`), DEL, the C1 controls
// U+0080..U+009F and the bidirectional embeddings, overrides and isolates (U+202A..U+202E,
// U+2066..U+2069), which make text read differently from what it is.
std::string ForbiddenCharacter(absl::string_view s, bool line_breaks = false);
// `s` with each character ForbiddenCharacter would name replaced by U+FFFD: safe for a terminal
// and for a text field, one code point for each.
std::string ReplaceForbiddenCharacters(absl::string_view s, bool line_breaks = false);

// Number of Unicode code points in valid UTF-8 `s`.
size_t Utf8Length(absl::string_view s);
// True when `s` is well-formed UTF-8.
bool IsValidUtf8(absl::string_view s);
// The longest start of UTF-8 `s` of at most `max_bytes` that ends between characters.
absl::string_view Utf8Prefix(absl::string_view s, size_t max_bytes);

// An address "local@domain.tld": one '@', a dot in the domain, no spaces, separators, angle
// brackets or control characters (so it is safe in a mail header).
bool IsEmailAddress(absl::string_view s);

}  // namespace bestand
