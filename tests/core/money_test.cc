// Exact money helpers; expected values worked out by hand.
#include "common/money.h"

#include <cstdint>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace bestand {
namespace {

using ::testing::ElementsAre;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(MoneyTest, CheckedArithmeticRefusesToOverflow) {
  EXPECT_EQ(*CheckedAdd(kMax - 1, 1, "x"), kMax);
  EXPECT_EQ(CheckedAdd(kMax, 1, "x").status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(CheckedAdd(kMin, -1, "x").status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(*CheckedMul(3037000499, 3037000499, "x"), 9223372030926249001);
  EXPECT_EQ(CheckedMul(3037000500, 3037000500, "x").status().code(), absl::StatusCode::kOutOfRange);

  MoneyTotals t;
  ASSERT_TRUE(t.Add("EUR", kMax - 5).ok());
  ASSERT_TRUE(t.Add("USD", 7).ok());
  const absl::Status s = t.Add("EUR", 6);
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("total in EUR"));
  EXPECT_EQ(t.Get("EUR"), kMax - 5) << "unchanged after a refused addition";
  EXPECT_EQ(t.Get("USD"), 7) << "currencies are never added";
  google::protobuf::RepeatedPtrField<v1::Money> out;
  t.ToProto(&out);
  ASSERT_EQ(out.size(), 2);
  EXPECT_EQ(out[0].currency(), "EUR");
  EXPECT_EQ(out[1].currency(), "USD");
}

TEST(MoneyTest, ApportionAddsUpByLargestRemainder) {
  // 100.00 over three equal holders: 33.33 each and one cent to the first.
  EXPECT_THAT(Apportion(10000, {1, 1, 1}), ElementsAre(3334, 3333, 3333));
  // 1000.00 over 2 : 1: 666.666.. and 333.333..: the larger remainder (.67) gets the cent.
  EXPECT_THAT(Apportion(100000, {2, 1}), ElementsAre(66667, 33333));
  // 5 cents over 1 : 1 : 1 : 1 : 1 : 1 (six): five get one cent, the last none.
  EXPECT_THAT(Apportion(5, {1, 1, 1, 1, 1, 1}), ElementsAre(1, 1, 1, 1, 1, 0));
  // Seats at their price: 3 held seats and 2 unassigned of 5 x 240.00 are exact.
  EXPECT_THAT(Apportion(120000, {3, 2}), ElementsAre(72000, 48000));
  // Zero weights get nothing; all zero: nothing to split.
  EXPECT_THAT(Apportion(7, {0, 7, 0}), ElementsAre(0, 7, 0));
  EXPECT_TRUE(Apportion(7, {0, 0}).empty());
  // Large figures do not overflow in between: 1.2 x 10^18 over weights near 10^18.
  EXPECT_THAT(Apportion(1200000000000000000, {999999999999999999, 1}),
              ElementsAre(1199999999999999999, 1));
}

TEST(MoneyTest, MonthlyRoundsHalfAwayFromZero) {
  EXPECT_EQ(MonthlyFromAnnual(3750), 313);  // 312.5
  EXPECT_EQ(MonthlyFromAnnual(3749), 312);  // 312.42
  EXPECT_EQ(MonthlyFromAnnual(-3750), -313);
  EXPECT_EQ(MonthlyFromAnnual(-3749), -312);
  EXPECT_EQ(MonthlyFromAnnual(kMax), 768614336404564651);  // 768614336404564650.58
}

TEST(MoneyTest, FormatsEveryAmountExactly) {
  EXPECT_EQ(FormatMoney(123450, "EUR"), "1234.50 EUR");
  EXPECT_EQ(FormatMoney(5, "EUR"), "0.05 EUR");
  EXPECT_EQ(FormatMoney(-6, "EUR"), "-0.06 EUR");
  EXPECT_EQ(FormatMoney(-537228672809124306, "EUR"), "-5372286728091243.06 EUR");
  EXPECT_EQ(FormatMoney(kMin, "EUR"), "-92233720368547758.08 EUR");
  EXPECT_EQ(FormatMoney(1500, "JPY"), "1500 JPY");
  EXPECT_EQ(FormatMoney(1250, "KWD"), "1.250 KWD");
  EXPECT_EQ(FormatMoney(7, "KWD"), "0.007 KWD");
  google::protobuf::RepeatedPtrField<v1::Money> totals;
  EXPECT_EQ(FormatTotals(totals), "0.00 EUR");
  v1::Money* eur = totals.Add();
  eur->set_currency("EUR");
  eur->set_minor(48600);
  v1::Money* usd = totals.Add();
  usd->set_currency("USD");
  usd->set_minor(74950);
  EXPECT_EQ(FormatTotals(totals), "486.00 EUR + 749.50 USD");
}

}  // namespace
}  // namespace bestand
