// Time, date, hashing and text helpers shared by server, client and agent.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace bestand {

// Microseconds since the Unix epoch <-> protobuf Timestamp. 0 means "unset" and maps to an
// empty Timestamp.
int64_t ToMicros(const google::protobuf::Timestamp& ts);
google::protobuf::Timestamp FromMicros(int64_t micros);
int64_t NowMicros();

// Parses an ISO 8601 calendar date "YYYY-MM-DD" and rejects impossible dates (2025-02-29).
absl::StatusOr<absl::CivilDay> ParseIsoDate(absl::string_view text);
std::string FormatIsoDate(absl::CivilDay day);
// The UTC day of `t`, YYYY-MM-DD.
std::string FormatIsoDate(absl::Time t);
// Today's date in UTC.
absl::CivilDay TodayUtc();

// RFC 3339 in UTC with second precision, e.g. "2026-11-28T03:07:30Z"; "" for an unset timestamp.
std::string FormatTimestamp(const google::protobuf::Timestamp& ts);

// The whole file; NOT_FOUND naming the path when it cannot be read.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(absl::string_view data);

// `n` bytes from the OpenSSL CSPRNG, URL-safe base64 without padding.
absl::StatusOr<std::string> RandomToken(size_t n);

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

}  // namespace bestand
