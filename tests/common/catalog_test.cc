#include "common/i18n/catalog.h"

#include <cstdint>
#include <limits>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace bestand {
namespace {

TEST(CatalogTest, BothLanguagesHaveEveryKey) {
  const std::vector<std::string> de = CatalogKeys(Lang::kDe);
  EXPECT_GT(de.size(), 100u);
  EXPECT_EQ(de, CatalogKeys(Lang::kEn));
  Messages m(Lang::kDe);
  for (const std::string& key : de) EXPECT_FALSE(m.Text(key).empty()) << key;
}

TEST(CatalogTest, MoneyIsExactInTheReadersLocale) {
  Messages de(Lang::kDe), en(Lang::kEn);
  EXPECT_EQ(de.Money(280800, "EUR"), "2.808,00 €");
  EXPECT_EQ(en.Money(280800, "EUR"), "€2,808.00");
  EXPECT_EQ(de.Money(-5, "EUR"), "-0,05 €");
  EXPECT_EQ(de.Money(1234, "JPY"), "1.234 ¥");           // no minor digits
  EXPECT_EQ(de.Money(1234567, "KWD"), "1.234,567 KWD");  // three
  EXPECT_EQ(en.Money(123450, "USD"), "$1,234.50");
  // The largest amounts stay exact: no binary fraction on the way.
  EXPECT_EQ(de.Money(std::numeric_limits<int64_t>::max(), "EUR"), "92.233.720.368.547.758,07 €");
  EXPECT_EQ(de.Money(std::numeric_limits<int64_t>::min(), "EUR"), "-92.233.720.368.547.758,08 €");
  // Not a currency ICU knows: the locale-neutral form rather than a guess.
  EXPECT_EQ(de.Money(100, "E1"), "1.00 E1");
}

TEST(CatalogTest, DatesNumbersAndLists) {
  Messages de(Lang::kDe), en(Lang::kEn);
  EXPECT_EQ(de.Date(absl::CivilDay(2026, 12, 31)), "31.12.2026");
  EXPECT_EQ(en.Date(absl::CivilDay(2026, 12, 31)), "12/31/2026");
  // 2026-07-01 12:05 UTC is 14:05 in Berlin (summer time).
  EXPECT_EQ(de.DateTime(absl::FromCivil(absl::CivilMinute(2026, 7, 1, 12, 5), absl::UTCTimeZone())),
            "01.07.2026, 14:05");
  EXPECT_EQ(de.Number(1234567), "1.234.567");
  EXPECT_EQ(en.Number(1234567), "1,234,567");
  EXPECT_EQ(de.List({"Teams", "Webex", "Zoom"}), "Teams, Webex und Zoom");
  EXPECT_EQ(en.List({"Teams", "Webex"}), "Teams and Webex");
}

TEST(CatalogTest, MessagesWithPluralsAndNamedArguments) {
  Messages de(Lang::kDe), en(Lang::kEn);
  EXPECT_EQ(de.Format("rec_reduce", {{"seats", int64_t{1}}}), "auf 1 Platz reduzieren");
  EXPECT_EQ(de.Format("rec_reduce", {{"seats", int64_t{6}}}), "auf 6 Plätze reduzieren");
  EXPECT_EQ(en.Format("rec_reduce", {{"seats", int64_t{1}}}), "reduce to 1 seat");
  EXPECT_EQ(de.Format("days_left", {{"days", int64_t{0}}}), "heute");
  EXPECT_EQ(de.Format("saving_cancel_by", {{"license", std::string("Zoom {Pro}")},
                                           {"date", std::string("01.01.2027")}}),
            "Zoom {Pro}: bis 01.01.2027 kündigen");  // arguments are never patterns
  EXPECT_EQ(de.Text("no-such-key"), "[no-such-key]");
}

TEST(CatalogTest, LanguageFromAcceptLanguage) {
  EXPECT_EQ(LangFromAcceptLanguage(""), Lang::kDe);
  EXPECT_EQ(LangFromAcceptLanguage("fr-FR,fr;q=0.9"), Lang::kDe);
  EXPECT_EQ(LangFromAcceptLanguage("en-US,en;q=0.9"), Lang::kEn);
  EXPECT_EQ(LangFromAcceptLanguage("fr;q=1, en;q=0.4, de;q=0.8"), Lang::kDe);
  EXPECT_EQ(LangFromAcceptLanguage("de;q=0.3, EN-gb;q=0.7"), Lang::kEn);
  EXPECT_EQ(LangFromAcceptLanguage("en;q=0, de;q=0"), Lang::kDe);
  Lang lang;
  EXPECT_TRUE(ParseLang("en_GB.UTF-8", &lang));
  EXPECT_EQ(lang, Lang::kEn);
  EXPECT_FALSE(ParseLang("C", &lang));
}

}  // namespace
}  // namespace bestand
