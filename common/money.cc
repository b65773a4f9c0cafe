#include "common/money.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace bestand {

absl::StatusOr<int64_t> CheckedAdd(int64_t a, int64_t b, absl::string_view what) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    return absl::OutOfRangeError(
        absl::StrCat(what,
                     ": the sum exceeds what can be computed exactly (9.2 x 10^18 "
                     "minor units); check the seats and prices entered"));
  }
  return out;
}

absl::StatusOr<int64_t> CheckedMul(int64_t a, int64_t b, absl::string_view what) {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) {
    return absl::OutOfRangeError(
        absl::StrCat(what,
                     ": the product exceeds what can be computed exactly (9.2 x 10^18 "
                     "minor units); check the seats and prices entered"));
  }
  return out;
}

std::vector<int64_t> Apportion(int64_t total, const std::vector<int64_t>& weights) {
  const __int128 sum = std::accumulate(weights.begin(), weights.end(), __int128{0});
  if (sum <= 0) return {};
  std::vector<int64_t> shares(weights.size());
  std::vector<std::pair<__int128, size_t>> remainders;  // (remainder, index)
  remainders.reserve(weights.size());
  int64_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const __int128 exact = static_cast<__int128>(total) * weights[i];
    shares[i] = static_cast<int64_t>(exact / sum);
    given += shares[i];
    remainders.emplace_back(exact % sum, i);
  }
  // Fewer left-over units than weights: each goes to one of the largest remainders.
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (int64_t left = total - given, k = 0; left > 0; --left, ++k) ++shares[remainders[k].second];
  return shares;
}

int64_t MonthlyFromAnnual(int64_t annual_minor) {
  const int64_t q = annual_minor / 12, r = annual_minor % 12;
  if (r >= 6) return q + 1;
  if (r <= -6) return q - 1;
  return q;
}

absl::Status MoneyTotals::Add(absl::string_view currency, int64_t minor) {
  auto it = totals_.find(currency);
  if (it == totals_.end()) it = totals_.emplace(std::string(currency), 0).first;
  absl::StatusOr<int64_t> sum = CheckedAdd(it->second, minor, absl::StrCat("total in ", currency));
  if (!sum.ok()) return sum.status();
  it->second = *sum;
  return absl::OkStatus();
}

int64_t MoneyTotals::Get(absl::string_view currency) const {
  auto it = totals_.find(currency);
  return it == totals_.end() ? 0 : it->second;
}

void MoneyTotals::ToProto(google::protobuf::RepeatedPtrField<v1::Money>* out) const {
  out->Clear();
  for (const auto& [currency, minor] : totals_) {
    v1::Money* m = out->Add();
    m->set_currency(currency);
    m->set_minor(minor);
  }
}

int MinorDigits(absl::string_view currency) {
  // ISO 4217's currencies without minor units and those with three decimals.
  static constexpr absl::string_view kNone[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                                "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                                                "VND", "VUV", "XAF", "XOF", "XPF"};
  static constexpr absl::string_view kThree[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
  if (std::find(std::begin(kNone), std::end(kNone), currency) != std::end(kNone)) return 0;
  if (std::find(std::begin(kThree), std::end(kThree), currency) != std::end(kThree)) return 3;
  return 2;
}

std::string FormatMoney(int64_t minor, absl::string_view currency) {
  // Unsigned magnitude: -INT64_MIN does not fit an int64.
  const uint64_t magnitude =
      minor < 0 ? ~static_cast<uint64_t>(minor) + 1 : static_cast<uint64_t>(minor);
  const int digits = MinorDigits(currency);
  std::string out = minor < 0 ? "-" : "";
  if (digits == 0) {
    absl::StrAppend(&out, magnitude);
  } else {
    const uint64_t scale = digits == 3 ? 1000 : 100;
    std::string fraction = absl::StrCat(magnitude % scale);
    fraction.insert(0, digits - fraction.size(), '0');
    absl::StrAppend(&out, magnitude / scale, ".", fraction);
  }
  return absl::StrCat(out, " ", currency);
}

std::string FormatTotals(const google::protobuf::RepeatedPtrField<v1::Money>& money) {
  std::vector<std::string> parts;
  for (const v1::Money& m : money) parts.push_back(FormatMoney(m.minor(), m.currency()));
  return parts.empty() ? FormatMoney(0, "EUR") : absl::StrJoin(parts, " + ");
}

}  // namespace bestand
