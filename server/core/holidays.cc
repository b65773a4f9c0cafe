#include "server/core/holidays.h"

#include <cstdint>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace bestand {
namespace {

// Holidays are known for these years; outside them every Monday to Friday is a working day.
constexpr int64_t kFirstYear = 1583;
constexpr int64_t kLastYear = 9999;

// The regions in ForRegion's order; a calendar's mask is the bit of its index.
constexpr const char* kRegions[] = {
    "DE",     // nationwide only
    "DE-BW",  // Baden-Württemberg
    "DE-BY",  // Bayern
    "DE-BE",  // Berlin
    "DE-BB",  // Brandenburg
    "DE-HB",  // Bremen
    "DE-HH",  // Hamburg
    "DE-HE",  // Hessen
    "DE-MV",  // Mecklenburg-Vorpommern
    "DE-NI",  // Niedersachsen
    "DE-NW",  // Nordrhein-Westfalen
    "DE-RP",  // Rheinland-Pfalz
    "DE-SL",  // Saarland
    "DE-SN",  // Sachsen
    "DE-ST",  // Sachsen-Anhalt
    "DE-SH",  // Schleswig-Holstein
    "DE-TH",  // Thüringen
};
constexpr int kRegionCount = sizeof(kRegions) / sizeof(kRegions[0]);

constexpr unsigned kBW = 1u << 1;
constexpr unsigned kBY = 1u << 2;
constexpr unsigned kBE = 1u << 3;
constexpr unsigned kBB = 1u << 4;
constexpr unsigned kHB = 1u << 5;
constexpr unsigned kHH = 1u << 6;
constexpr unsigned kHE = 1u << 7;
constexpr unsigned kMV = 1u << 8;
constexpr unsigned kNI = 1u << 9;
constexpr unsigned kNW = 1u << 10;
constexpr unsigned kRP = 1u << 11;
constexpr unsigned kSL = 1u << 12;
constexpr unsigned kSN = 1u << 13;
constexpr unsigned kST = 1u << 14;
constexpr unsigned kSH = 1u << 15;
constexpr unsigned kTH = 1u << 16;
constexpr unsigned kAll = (1u << kRegionCount) - 1;  // nationwide: "DE" and every state

constexpr int kAlways = 0;
constexpr int kForever = 1 << 30;

// A holiday on a fixed date, in the years `from`..`to`.
struct FixedRule {
  int month;
  int day;
  const char* name;
  unsigned regions;
  int from = kAlways;
  int to = kForever;
};

// At most one rule matches a date: rules for the same date have disjoint regions or years.
constexpr FixedRule kFixedRules[] = {
    {1, 1, "Neujahr", kAll},
    {1, 6, "Heilige Drei Könige", kBW | kBY | kST},
    // Berlin since 2019, Mecklenburg-Vorpommern since 2023.
    {3, 8, "Internationaler Frauentag", kBE, 2019},
    {3, 8, "Internationaler Frauentag", kMV, 2023},
    {5, 1, "Tag der Arbeit", kAll},
    // One-offs in Berlin: the 75th and 80th anniversaries of the end of the war in Europe.
    {5, 8, "Tag der Befreiung", kBE, 2020, 2020},
    {5, 8, "Tag der Befreiung", kBE, 2025, 2025},
    // Bavaria: by law only in the communities with a mostly Catholic population, which are most
    // of them; counted here for all of DE-BY.
    {8, 15, "Mariä Himmelfahrt", kSL | kBY},
    // Thuringia since 2019.
    {9, 20, "Weltkindertag", kTH, 2019},
    // Since 3 October 1990.
    {10, 3, "Tag der Deutschen Einheit", kAll, 1990},
    // The eastern states always (since their holiday laws of 1990/91); Bremen, Hamburg,
    // Niedersachsen and Schleswig-Holstein since 2018; everywhere once, in 2017 (the 500th
    // anniversary of the Reformation).
    {10, 31, "Reformationstag", kBB | kMV | kSN | kST | kTH},
    {10, 31, "Reformationstag", kHB | kHH | kNI | kSH, 2018},
    {10, 31, "Reformationstag", kAll & ~(kBB | kMV | kSN | kST | kTH), 2017, 2017},
    {11, 1, "Allerheiligen", kBW | kBY | kNW | kRP | kSL},
    {12, 25, "1. Weihnachtstag", kAll},
    {12, 26, "2. Weihnachtstag", kAll},
};

// A holiday `offset` days after Easter Sunday. The offsets differ, so at most one matches a date.
struct EasterRule {
  int offset;
  const char* name;
  unsigned regions;
};

constexpr EasterRule kEasterRules[] = {
    {-2, "Karfreitag", kAll},
    {1, "Ostermontag", kAll},
    {39, "Christi Himmelfahrt", kAll},
    {50, "Pfingstmontag", kAll},
    {60, "Fronleichnam", kBW | kBY | kHE | kNW | kRP | kSL},
};

// Buß- und Bettag, the Wednesday before 23 November: in Saxony always; in every state until 1994
// (abolished from 1995 on everywhere but Saxony to fund the long-term care insurance).
constexpr const char* kBussUndBettag = "Buß- und Bettag";
constexpr unsigned kBussUndBettagRegions = kSN;
constexpr int kBussUndBettagEverywhereUntil = 1994;

bool IsWeekend(absl::CivilDay day) {
  absl::Weekday w = absl::GetWeekday(day);
  return w == absl::Weekday::saturday || w == absl::Weekday::sunday;
}

}  // namespace

absl::CivilDay EasterSunday(int year) {
  // The Gregorian computus repeats every 5,700,000 years. Reducing the year into 0..5699999
  // keeps every operand below non-negative, where C++'s / and % are the formula's floor
  // division and modulo.
  constexpr int kPeriod = 5'700'000;
  const int y = (year % kPeriod + kPeriod) % kPeriod;
  const int a = y % 19;
  const int b = y / 100;
  const int c = y % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return absl::CivilDay(year, month, day);
}

absl::StatusOr<HolidayCalendar> HolidayCalendar::ForRegion(absl::string_view region) {
  std::string canonical = region.empty() ? "DE" : absl::AsciiStrToUpper(region);
  for (int i = 0; i < kRegionCount; ++i) {
    if (canonical == kRegions[i]) return HolidayCalendar(std::move(canonical), 1u << i);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown holiday region \"", region,
                                                 "\"; valid regions are ",
                                                 absl::StrJoin(HolidayRegions(), ", ")));
}

int HolidayCalendar::Lookup(absl::CivilDay day, absl::string_view (&names)[3]) const {
  const int64_t civil_year = day.year();
  if (civil_year < kFirstYear || civil_year > kLastYear) return 0;
  const int year = static_cast<int>(civil_year);
  int count = 0;
  for (const FixedRule& rule : kFixedRules) {
    if (rule.month == day.month() && rule.day == day.day() && (rule.regions & mask_) != 0 &&
        rule.from <= year && year <= rule.to) {
      names[count++] = rule.name;
      break;
    }
  }
  // The Easter holidays fall between 20 March (Karfreitag) and 24 June (Fronleichnam).
  if (day.month() >= 3 && day.month() <= 6) {
    const int64_t after_easter = day - EasterSunday(year);
    for (const EasterRule& rule : kEasterRules) {
      if (rule.offset == after_easter && (rule.regions & mask_) != 0) {
        names[count++] = rule.name;
        break;
      }
    }
  }
  if (day.month() == 11 && day.day() >= 16 && day.day() <= 22 &&
      absl::GetWeekday(day) == absl::Weekday::wednesday &&
      ((kBussUndBettagRegions & mask_) != 0 || year <= kBussUndBettagEverywhereUntil)) {
    names[count++] = kBussUndBettag;
  }
  return count;
}

std::string HolidayCalendar::HolidayName(absl::CivilDay day) const {
  absl::string_view names[3];
  const int count = Lookup(day, names);
  return absl::StrJoin(names, names + count, " / ");
}

bool HolidayCalendar::IsHoliday(absl::CivilDay day) const {
  absl::string_view names[3];
  return Lookup(day, names) > 0;
}

bool HolidayCalendar::IsWorkingDay(absl::CivilDay day) const {
  return !IsWeekend(day) && !IsHoliday(day);
}

absl::CivilDay HolidayCalendar::WorkingDayBefore(absl::CivilDay day) const {
  do {
    --day;
  } while (!IsWorkingDay(day));
  return day;
}

absl::CivilDay HolidayCalendar::AddWorkingDays(absl::CivilDay day, int n) const {
  // Where no holidays are known, five working days are exactly one week from a working day; the
  // shortcut keeps large `n` from walking day by day through the unknown years.
  if (n >= 0) {
    while (!IsWorkingDay(day)) ++day;
    int64_t left = n;
    while (left > 0) {
      if (day.year() > kLastYear) {
        day += left / 5 * 7;
        left %= 5;
        if (left == 0) break;
      }
      do {
        ++day;
      } while (!IsWorkingDay(day));
      --left;
    }
    return day;
  }
  int64_t left = -static_cast<int64_t>(n);
  while (left > 0) {
    day = WorkingDayBefore(day);
    --left;
    if (day.year() < kFirstYear) {
      day -= left / 5 * 7;
      left %= 5;
    }
  }
  return day;
}

std::vector<std::string> HolidayRegions() { return {std::begin(kRegions), std::end(kRegions)}; }

}  // namespace bestand
