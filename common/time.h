// Time and dates: microseconds <-> protobuf Timestamp, ISO 8601 calendar dates, RFC 3339.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace bestand {

// Where code that must be testable across time reads the time from (absl::Now in production).
using Clock = std::function<absl::Time()>;

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

}  // namespace bestand
