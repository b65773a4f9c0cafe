#include "server/core/holidays.h"

#include <climits>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace bestand {
namespace {

using absl::CivilDay;

HolidayCalendar Calendar(absl::string_view region) {
  auto calendar = HolidayCalendar::ForRegion(region);
  EXPECT_TRUE(calendar.ok()) << calendar.status();
  return *calendar;
}

// Every holiday of `year` in `calendar`, day by day.
std::set<CivilDay> HolidaysOf(const HolidayCalendar& calendar, int year) {
  std::set<CivilDay> days;
  for (CivilDay d(year, 1, 1); d.year() == year; ++d) {
    if (calendar.IsHoliday(d)) days.insert(d);
  }
  return days;
}

TEST(EasterSundayTest, KnownYears) {
  EXPECT_EQ(EasterSunday(1818), CivilDay(1818, 3, 22));
  EXPECT_EQ(EasterSunday(2285), CivilDay(2285, 3, 22));  // earliest possible
  EXPECT_EQ(EasterSunday(1943), CivilDay(1943, 4, 25));
  EXPECT_EQ(EasterSunday(2038), CivilDay(2038, 4, 25));  // latest possible
  EXPECT_EQ(EasterSunday(2000), CivilDay(2000, 4, 23));
  EXPECT_EQ(EasterSunday(2008), CivilDay(2008, 3, 23));
  EXPECT_EQ(EasterSunday(2011), CivilDay(2011, 4, 24));
  EXPECT_EQ(EasterSunday(2018), CivilDay(2018, 4, 1));
  EXPECT_EQ(EasterSunday(2019), CivilDay(2019, 4, 21));
  EXPECT_EQ(EasterSunday(2024), CivilDay(2024, 3, 31));
  EXPECT_EQ(EasterSunday(2025), CivilDay(2025, 4, 20));
  EXPECT_EQ(EasterSunday(2026), CivilDay(2026, 4, 5));
  EXPECT_EQ(EasterSunday(2027), CivilDay(2027, 3, 28));
  EXPECT_EQ(EasterSunday(2028), CivilDay(2028, 4, 16));
}

TEST(EasterSundayTest, IsAlwaysASundayBetween22MarchAnd25April) {
  for (int year = 1583; year <= 9999; ++year) {
    CivilDay easter = EasterSunday(year);
    ASSERT_EQ(absl::GetWeekday(easter), absl::Weekday::sunday) << year;
    ASSERT_GE(easter, CivilDay(year, 3, 22)) << year;
    ASSERT_LE(easter, CivilDay(year, 4, 25)) << year;
  }
}

TEST(HolidayCalendarTest, Nationwide2026) {
  HolidayCalendar de = Calendar("DE");
  EXPECT_EQ(HolidaysOf(de, 2026), (std::set<CivilDay>{
                                      CivilDay(2026, 1, 1),    // Neujahr
                                      CivilDay(2026, 4, 3),    // Karfreitag
                                      CivilDay(2026, 4, 6),    // Ostermontag
                                      CivilDay(2026, 5, 1),    // Tag der Arbeit
                                      CivilDay(2026, 5, 14),   // Christi Himmelfahrt
                                      CivilDay(2026, 5, 25),   // Pfingstmontag
                                      CivilDay(2026, 10, 3),   // Tag der Deutschen Einheit
                                      CivilDay(2026, 12, 25),  // 1. Weihnachtstag
                                      CivilDay(2026, 12, 26),  // 2. Weihnachtstag
                                  }));
  EXPECT_EQ(de.HolidayName(CivilDay(2026, 1, 1)), "Neujahr");
  EXPECT_EQ(de.HolidayName(CivilDay(2026, 4, 3)), "Karfreitag");
  EXPECT_EQ(de.HolidayName(CivilDay(2026, 4, 6)), "Ostermontag");
  EXPECT_EQ(de.HolidayName(CivilDay(2026, 5, 1)), "Tag der Arbeit");
  EXPECT_EQ(de.HolidayName(CivilDay(2026, 5, 14)), "Christi Himmelfahrt");
  EXPECT_EQ(de.HolidayName(CivilDay(2026, 5, 25)), "Pfingstmontag");
  EXPECT_EQ(de.HolidayName(CivilDay(2026, 10, 3)), "Tag der Deutschen Einheit");
  EXPECT_EQ(de.HolidayName(CivilDay(2026, 12, 25)), "1. Weihnachtstag");
  EXPECT_EQ(de.HolidayName(CivilDay(2026, 12, 26)), "2. Weihnachtstag");
  EXPECT_EQ(de.HolidayName(CivilDay(2026, 12, 24)), "");
  EXPECT_EQ(de.HolidayName(CivilDay(2026, 4, 5)), "");  // Ostersonntag is not listed
}

TEST(HolidayCalendarTest, Nationwide2027) {
  EXPECT_EQ(HolidaysOf(Calendar("DE"), 2027), (std::set<CivilDay>{
                                                  CivilDay(2027, 1, 1),    // Neujahr
                                                  CivilDay(2027, 3, 26),   // Karfreitag
                                                  CivilDay(2027, 3, 29),   // Ostermontag
                                                  CivilDay(2027, 5, 1),    // Tag der Arbeit
                                                  CivilDay(2027, 5, 6),    // Himmelfahrt
                                                  CivilDay(2027, 5, 17),   // Pfingstmontag
                                                  CivilDay(2027, 10, 3),   // Deutsche Einheit
                                                  CivilDay(2027, 12, 25),  // 1. Weihnachtstag
                                                  CivilDay(2027, 12, 26),  // 2. Weihnachtstag
                                              }));
}

TEST(HolidayCalendarTest, NationwideYearDependentRules) {
  HolidayCalendar de = Calendar("");
  EXPECT_EQ(de.HolidayName(CivilDay(2017, 10, 31)), "Reformationstag");  // the one-off
  EXPECT_FALSE(de.IsHoliday(CivilDay(2016, 10, 31)));
  EXPECT_FALSE(de.IsHoliday(CivilDay(2018, 10, 31)));
  EXPECT_TRUE(de.IsHoliday(CivilDay(1990, 10, 3)));
  EXPECT_FALSE(de.IsHoliday(CivilDay(1989, 10, 3)));
  // Buß- und Bettag held everywhere until 1994.
  EXPECT_EQ(de.HolidayName(CivilDay(1994, 11, 16)), "Buß- und Bettag");
  EXPECT_FALSE(de.IsHoliday(CivilDay(1995, 11, 22)));
  // Easter Sunday 2008 was 23 March, so Christi Himmelfahrt fell on 1 May.
  EXPECT_EQ(de.HolidayName(CivilDay(2008, 5, 1)), "Tag der Arbeit / Christi Himmelfahrt");
  // No holidays are known outside 1583..9999.
  EXPECT_FALSE(de.IsHoliday(CivilDay(10000, 1, 1)));
  EXPECT_FALSE(de.IsHoliday(CivilDay(1582, 12, 25)));
}

TEST(HolidayCalendarTest, Bavaria) {
  HolidayCalendar by = Calendar("DE-BY");
  EXPECT_EQ(by.HolidayName(CivilDay(2026, 1, 6)), "Heilige Drei Könige");
  EXPECT_EQ(by.HolidayName(CivilDay(2026, 6, 4)), "Fronleichnam");
  EXPECT_EQ(by.HolidayName(CivilDay(2026, 8, 15)), "Mariä Himmelfahrt");
  EXPECT_EQ(by.HolidayName(CivilDay(2026, 11, 1)), "Allerheiligen");
  EXPECT_EQ(by.HolidayName(CivilDay(2026, 10, 3)), "Tag der Deutschen Einheit");
  EXPECT_FALSE(by.IsHoliday(CivilDay(2026, 10, 31)));
  EXPECT_FALSE(by.IsHoliday(CivilDay(2026, 11, 18)));
  EXPECT_FALSE(by.IsHoliday(CivilDay(2026, 3, 8)));
  // The nationwide calendar has none of them.
  HolidayCalendar de = Calendar("DE");
  EXPECT_FALSE(de.IsHoliday(CivilDay(2026, 1, 6)));
  EXPECT_FALSE(de.IsHoliday(CivilDay(2026, 6, 4)));
  EXPECT_FALSE(de.IsHoliday(CivilDay(2026, 8, 15)));
  EXPECT_FALSE(de.IsHoliday(CivilDay(2026, 11, 1)));
  // Bavaria's 2026: the nine nationwide ones and these four.
  EXPECT_EQ(HolidaysOf(by, 2026).size(), 13u);
}

TEST(HolidayCalendarTest, BerlinFrauentagAndTagDerBefreiung) {
  HolidayCalendar be = Calendar("DE-BE");
  EXPECT_EQ(be.HolidayName(CivilDay(2019, 3, 8)), "Internationaler Frauentag");
  EXPECT_TRUE(be.IsHoliday(CivilDay(2026, 3, 8)));
  EXPECT_FALSE(be.IsHoliday(CivilDay(2018, 3, 8)));
  EXPECT_EQ(be.HolidayName(CivilDay(2020, 5, 8)), "Tag der Befreiung");
  EXPECT_EQ(be.HolidayName(CivilDay(2025, 5, 8)), "Tag der Befreiung");
  EXPECT_FALSE(be.IsHoliday(CivilDay(2021, 5, 8)));
  EXPECT_FALSE(be.IsHoliday(CivilDay(2026, 5, 8)));
  HolidayCalendar mv = Calendar("DE-MV");
  EXPECT_FALSE(mv.IsHoliday(CivilDay(2022, 3, 8)));
  EXPECT_TRUE(mv.IsHoliday(CivilDay(2023, 3, 8)));
  EXPECT_FALSE(mv.IsHoliday(CivilDay(2025, 5, 8)));
}

TEST(HolidayCalendarTest, Reformationstag) {
  HolidayCalendar ni = Calendar("DE-NI");
  EXPECT_TRUE(ni.IsHoliday(CivilDay(2018, 10, 31)));
  EXPECT_FALSE(ni.IsHoliday(CivilDay(2016, 10, 31)));
  EXPECT_TRUE(ni.IsHoliday(CivilDay(2017, 10, 31)));  // nationwide one-off
  HolidayCalendar sn = Calendar("DE-SN");
  EXPECT_EQ(sn.HolidayName(CivilDay(2016, 10, 31)), "Reformationstag");
  EXPECT_EQ(sn.HolidayName(CivilDay(2017, 10, 31)), "Reformationstag");  // not twice
  for (absl::string_view region : {"DE-BW", "DE-BY", "DE-BE", "DE-HE", "DE-NW", "DE-RP"}) {
    EXPECT_FALSE(Calendar(region).IsHoliday(CivilDay(2026, 10, 31))) << region;
    EXPECT_TRUE(Calendar(region).IsHoliday(CivilDay(2017, 10, 31))) << region;
  }
  for (absl::string_view region :
       {"DE-BB", "DE-HB", "DE-HH", "DE-MV", "DE-NI", "DE-SN", "DE-ST", "DE-SH", "DE-TH"}) {
    EXPECT_TRUE(Calendar(region).IsHoliday(CivilDay(2026, 10, 31))) << region;
  }
}

TEST(HolidayCalendarTest, SaxonyBussUndBettag) {
  HolidayCalendar sn = Calendar("DE-SN");
  EXPECT_EQ(sn.HolidayName(CivilDay(2026, 11, 18)), "Buß- und Bettag");
  EXPECT_EQ(sn.HolidayName(CivilDay(2027, 11, 17)), "Buß- und Bettag");
  EXPECT_TRUE(sn.IsHoliday(CivilDay(2022, 11, 16)));  // 23 Nov 2022 was a Wednesday
  EXPECT_TRUE(sn.IsHoliday(CivilDay(2023, 11, 22)));  // 23 Nov 2023 was a Thursday
  EXPECT_FALSE(sn.IsHoliday(CivilDay(2022, 11, 23)));
  EXPECT_FALSE(sn.IsHoliday(CivilDay(2026, 11, 25)));
  EXPECT_EQ(HolidaysOf(sn, 2026).size(), 11u);  // nine nationwide, Reformationstag, this one
  EXPECT_FALSE(Calendar("DE-TH").IsHoliday(CivilDay(2026, 11, 18)));
}

TEST(HolidayCalendarTest, ThuringiaWeltkindertag) {
  HolidayCalendar th = Calendar("DE-TH");
  EXPECT_EQ(th.HolidayName(CivilDay(2026, 9, 20)), "Weltkindertag");
  EXPECT_TRUE(th.IsHoliday(CivilDay(2019, 9, 20)));
  EXPECT_FALSE(th.IsHoliday(CivilDay(2018, 9, 20)));
  EXPECT_FALSE(Calendar("DE-SN").IsHoliday(CivilDay(2026, 9, 20)));
}

TEST(HolidayCalendarTest, OtherStates) {
  EXPECT_TRUE(Calendar("DE-ST").IsHoliday(CivilDay(2026, 1, 6)));
  EXPECT_FALSE(Calendar("DE-ST").IsHoliday(CivilDay(2026, 6, 4)));
  EXPECT_TRUE(Calendar("DE-HE").IsHoliday(CivilDay(2026, 6, 4)));
  EXPECT_FALSE(Calendar("DE-HE").IsHoliday(CivilDay(2026, 11, 1)));
  EXPECT_TRUE(Calendar("DE-SL").IsHoliday(CivilDay(2026, 8, 15)));
  EXPECT_FALSE(Calendar("DE-NW").IsHoliday(CivilDay(2026, 8, 15)));
  EXPECT_TRUE(Calendar("DE-NW").IsHoliday(CivilDay(2026, 11, 1)));
  EXPECT_TRUE(Calendar("DE-RP").IsHoliday(CivilDay(2027, 5, 27)));  // Fronleichnam 2027
  EXPECT_FALSE(Calendar("DE-BB").IsHoliday(CivilDay(2026, 4, 5)));  // Ostersonntag: a Sunday
  EXPECT_EQ(HolidaysOf(Calendar("DE-HH"), 2026).size(), 10u);
  EXPECT_EQ(HolidaysOf(Calendar("DE-BW"), 2026).size(), 12u);
}

TEST(HolidayCalendarTest, WorkingDays) {
  HolidayCalendar de = Calendar("DE");
  EXPECT_TRUE(de.IsWorkingDay(CivilDay(2026, 12, 24)));   // Thursday
  EXPECT_FALSE(de.IsWorkingDay(CivilDay(2026, 12, 25)));  // Friday, holiday
  EXPECT_FALSE(de.IsWorkingDay(CivilDay(2026, 12, 27)));  // Sunday
  EXPECT_FALSE(de.IsWorkingDay(CivilDay(10000, 1, 1)));   // a Saturday
  EXPECT_TRUE(de.IsWorkingDay(CivilDay(10000, 1, 3)));    // a Monday
  // 25 (Fri) and 26 (Sat) December are holidays, 27 is a Sunday.
  EXPECT_EQ(de.WorkingDayBefore(CivilDay(2026, 12, 28)), CivilDay(2026, 12, 24));
  // Easter 2026: Karfreitag 3 April, Ostermontag 6 April.
  EXPECT_EQ(de.WorkingDayBefore(CivilDay(2026, 4, 7)), CivilDay(2026, 4, 2));
  EXPECT_EQ(de.WorkingDayBefore(CivilDay(2026, 4, 6)), CivilDay(2026, 4, 2));
  EXPECT_EQ(de.WorkingDayBefore(CivilDay(2026, 4, 2)), CivilDay(2026, 4, 1));
  // 1 January 2027 is a Friday and a holiday.
  EXPECT_EQ(de.WorkingDayBefore(CivilDay(2027, 1, 4)), CivilDay(2026, 12, 31));
}

TEST(HolidayCalendarTest, AddWorkingDays) {
  HolidayCalendar de = Calendar("DE");
  EXPECT_EQ(de.AddWorkingDays(CivilDay(2026, 4, 2), 0), CivilDay(2026, 4, 2));
  EXPECT_EQ(de.AddWorkingDays(CivilDay(2026, 4, 3), 0), CivilDay(2026, 4, 7));
  EXPECT_EQ(de.AddWorkingDays(CivilDay(2026, 4, 4), 0), CivilDay(2026, 4, 7));
  // Across Karfreitag, the weekend and Ostermontag.
  EXPECT_EQ(de.AddWorkingDays(CivilDay(2026, 4, 2), 1), CivilDay(2026, 4, 7));
  EXPECT_EQ(de.AddWorkingDays(CivilDay(2026, 4, 2), 3), CivilDay(2026, 4, 9));
  EXPECT_EQ(de.AddWorkingDays(CivilDay(2026, 4, 4), 1), CivilDay(2026, 4, 8));
  // Across Christmas and the weekend, and across New Year.
  EXPECT_EQ(de.AddWorkingDays(CivilDay(2026, 12, 24), 1), CivilDay(2026, 12, 28));
  EXPECT_EQ(de.AddWorkingDays(CivilDay(2026, 12, 31), 1), CivilDay(2027, 1, 4));
  // Ten working days from Monday 4 May 2026: 14 May (Himmelfahrt) is skipped.
  EXPECT_EQ(de.AddWorkingDays(CivilDay(2026, 5, 4), 10), CivilDay(2026, 5, 19));
  // A region's holiday counts: Fronleichnam, Thursday 4 June 2026.
  EXPECT_EQ(de.AddWorkingDays(CivilDay(2026, 6, 3), 1), CivilDay(2026, 6, 4));
  EXPECT_EQ(Calendar("DE-BY").AddWorkingDays(CivilDay(2026, 6, 3), 1), CivilDay(2026, 6, 5));
  // Backwards.
  EXPECT_EQ(de.AddWorkingDays(CivilDay(2026, 4, 7), -1), CivilDay(2026, 4, 2));
  EXPECT_EQ(de.AddWorkingDays(CivilDay(2026, 4, 9), -3), CivilDay(2026, 4, 2));
  EXPECT_EQ(de.AddWorkingDays(CivilDay(2026, 12, 28), -2), CivilDay(2026, 12, 23));
}

TEST(HolidayCalendarTest, AddWorkingDaysBeyondTheKnownYears) {
  HolidayCalendar de = Calendar("DE");
  // Monday 3 January 10000: only weekends from here on, five working days a week.
  EXPECT_EQ(de.AddWorkingDays(CivilDay(10000, 1, 3), 5), CivilDay(10000, 1, 10));
  EXPECT_EQ(de.AddWorkingDays(CivilDay(10000, 1, 3), 12), CivilDay(10000, 1, 19));
  EXPECT_EQ(de.AddWorkingDays(CivilDay(10000, 1, 3), 5'000'000), CivilDay(10000, 1, 3) + 7'000'000);
  EXPECT_EQ(de.AddWorkingDays(CivilDay(10000, 1, 10), -5), CivilDay(10000, 1, 3));
  // Large counts finish and give a working day.
  CivilDay far = de.AddWorkingDays(CivilDay(2026, 1, 1), INT_MAX);
  EXPECT_TRUE(de.IsWorkingDay(far));
  EXPECT_GT(far.year(), 10000);
  CivilDay past = de.AddWorkingDays(CivilDay(2026, 1, 1), INT_MIN);
  EXPECT_TRUE(de.IsWorkingDay(past));
  EXPECT_LT(past.year(), 1583);
}

TEST(HolidayCalendarTest, ForRegion) {
  auto by = HolidayCalendar::ForRegion("de-by");
  ASSERT_TRUE(by.ok()) << by.status();
  EXPECT_EQ(by->region(), "DE-BY");
  auto empty = HolidayCalendar::ForRegion("");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->region(), "DE");
  EXPECT_EQ(HolidayCalendar::ForRegion("De")->region(), "DE");
  EXPECT_EQ(HolidayCalendar::ForRegion("DE-th")->region(), "DE-TH");
  for (absl::string_view bad : {"DE-XX", "FR", "DE-", "BY", " DE"}) {
    auto c = HolidayCalendar::ForRegion(bad);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StrContains(c.status().message(), bad)) << c.status();
    EXPECT_TRUE(absl::StrContains(c.status().message(), "DE, DE-BW, DE-BY")) << c.status();
    EXPECT_TRUE(absl::StrContains(c.status().message(), "DE-TH")) << c.status();
  }
}

TEST(HolidayCalendarTest, HolidayRegions) {
  std::vector<std::string> regions = HolidayRegions();
  EXPECT_EQ(regions, (std::vector<std::string>{"DE", "DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB",
                                               "DE-HH", "DE-HE", "DE-MV", "DE-NI", "DE-NW", "DE-RP",
                                               "DE-SL", "DE-SN", "DE-ST", "DE-SH", "DE-TH"}));
  for (const std::string& region : regions) {
    auto c = HolidayCalendar::ForRegion(region);
    ASSERT_TRUE(c.ok()) << region;
    EXPECT_EQ(c->region(), region);
    // Every region has at least the nine nationwide holidays.
    EXPECT_GE(HolidaysOf(*c, 2026).size(), 9u) << region;
  }
}

}  // namespace
}  // namespace bestand
