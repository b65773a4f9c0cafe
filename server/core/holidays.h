// German public holidays and working days. Pure computation: no I/O, no clock, no global state.
//
// Scope: the statutory holidays that hold state-wide (holidays of only some communities, such as
// the Augsburger Friedensfest or Fronleichnam in parts of Saxony and Thuringia, are left out;
// Mariä Himmelfahrt is counted for all of Bavaria although it holds only in most of its
// communities). The rules are today's law plus the year-dependent changes noted in holidays.cc;
// history before 1990 (the two German states' own holiday laws) is not modeled.
//
// Thread safety: HolidayCalendar is an immutable value; safe for concurrent use.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace bestand {

// Easter Sunday of `year` in the Gregorian calendar, by the anonymous Gregorian algorithm
// (Meeus/Jones/Butcher). Meant for years 1583..9999; other years give the formula's proleptic
// result.
absl::CivilDay EasterSunday(int year);

// The holidays of Germany as a whole or of one German state.
class HolidayCalendar {
 public:
  // `region`: "DE" (the nationwide holidays) or a German state as ISO 3166-2: "DE-BW", "DE-BY",
  // "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE", "DE-MV", "DE-NI", "DE-NW", "DE-RP", "DE-SL",
  // "DE-SN", "DE-ST", "DE-SH", "DE-TH" (case-insensitive; "" means "DE").
  // INVALID_ARGUMENT naming the valid regions otherwise.
  static absl::StatusOr<HolidayCalendar> ForRegion(absl::string_view region);

  // The canonical spelling of the region, e.g. "DE-BY".
  const std::string& region() const { return region_; }

  // The holiday's German name ("Karfreitag", "Tag der Deutschen Einheit"), or "" when `day` is
  // none. Two holidays on one day (Tag der Arbeit and Christi Himmelfahrt, as on 1 May 2008) give
  // both names joined by " / ". Days outside the years 1583..9999 are never holidays.
  std::string HolidayName(absl::CivilDay day) const;
  // True when HolidayName(day) is not "".
  bool IsHoliday(absl::CivilDay day) const;
  // Monday to Friday and not a holiday.
  bool IsWorkingDay(absl::CivilDay day) const;
  // The last working day strictly before `day`.
  absl::CivilDay WorkingDayBefore(absl::CivilDay day) const;
  // `n` >= 0 working days after `day` (n = 0: `day` itself if it is one, else the next one).
  // For n < 0, the -n-th working day strictly before `day` (n = -1 is WorkingDayBefore(day)).
  absl::CivilDay AddWorkingDays(absl::CivilDay day, int n) const;

 private:
  HolidayCalendar(std::string region, unsigned mask) : region_(std::move(region)), mask_(mask) {}

  // Stores the names of the holidays on `day` in `names` and returns how many there are.
  int Lookup(absl::CivilDay day, absl::string_view (&names)[3]) const;

  std::string region_;
  unsigned mask_;  // the region's bit, see holidays.cc
};

// Every region ForRegion accepts, canonical spelling, "DE" first.
std::vector<std::string> HolidayRegions();

}  // namespace bestand
