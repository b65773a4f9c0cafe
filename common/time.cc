#include "common/time.h"

#include "absl/strings/ascii.h"
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

}  // namespace bestand
