// Exact money: integer minor units of one currency, checked arithmetic, per-currency totals and
// largest-remainder apportioning, so that every grouping of the same costs adds up to the same
// total and two currencies are never added.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/report.pb.h"

namespace bestand {

// a + b and a * b; OUT_OF_RANGE naming `what` instead of overflowing.
absl::StatusOr<int64_t> CheckedAdd(int64_t a, int64_t b, absl::string_view what);
absl::StatusOr<int64_t> CheckedMul(int64_t a, int64_t b, absl::string_view what);

// Splits `total` >= 0 into shares proportional to `weights` (each >= 0, at least one > 0) that
// add up to `total` exactly: each share is floor(total * w / sum), and the units left over go one
// each to the largest remainders (ties: the earlier weight). Shares of equal weights differ by at
// most one unit. An empty vector when every weight is 0.
std::vector<int64_t> Apportion(int64_t total, const std::vector<int64_t>& weights);

// Annual minor units over 12, rounded half away from zero.
int64_t MonthlyFromAnnual(int64_t annual_minor);

// Amounts summed per currency with overflow checks; iterates in currency order.
class MoneyTotals {
 public:
  // OUT_OF_RANGE when the currency's total would overflow; the total is then unchanged.
  absl::Status Add(absl::string_view currency, int64_t minor);
  int64_t Get(absl::string_view currency) const;
  const std::map<std::string, int64_t, std::less<>>& by_currency() const { return totals_; }
  bool empty() const { return totals_.empty(); }
  // Replaces `out` with one Money per currency, in currency order.
  void ToProto(google::protobuf::RepeatedPtrField<v1::Money>* out) const;

 private:
  std::map<std::string, int64_t, std::less<>> totals_;
};

// Digits after the decimal point of an ISO 4217 currency: 0 for JPY, KRW, ...; 3 for BHD, KWD,
// ...; 2 otherwise.
int MinorDigits(absl::string_view currency);

// "1234.50 EUR", "-3.00 USD", "1500 JPY", "1.250 KWD": locale-neutral, exact.
std::string FormatMoney(int64_t minor, absl::string_view currency);

// Totals in several currencies, never added: "486.00 EUR + 749.50 USD"; "0.00 EUR" for none.
std::string FormatTotals(const google::protobuf::RepeatedPtrField<v1::Money>& money);

}  // namespace bestand
