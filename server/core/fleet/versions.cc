#include "server/core/fleet/versions.h"

#include <cctype>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace bestand {

int CompareVersions(absl::string_view a, absl::string_view b) {
  auto split = [](absl::string_view v, int64_t* epoch, absl::string_view* upstream,
                  absl::string_view* rev) {
    absl::string_view rest = v;
    *epoch = 0;
    if (size_t colon = rest.find(':'); colon != absl::string_view::npos) {
      if (!absl::SimpleAtoi(rest.substr(0, colon), epoch)) *epoch = 0;
      rest = rest.substr(colon + 1);
    }
    size_t dash = rest.rfind('-');
    *upstream = dash == absl::string_view::npos ? rest : rest.substr(0, dash);
    *rev = dash == absl::string_view::npos ? "" : rest.substr(dash + 1);
  };
  // dpkg's ordering of non-digit characters: '~' first, then the end, then letters, then others.
  auto order = [](char c) -> int {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) return 0;
    if (absl::ascii_isalpha(static_cast<unsigned char>(c))) return c;
    if (c == '~') return -1;
    if (c) return c + 256;
    return 0;
  };
  auto compare_part = [&](absl::string_view x, absl::string_view y) {
    size_t i = 0, j = 0;
    while (i < x.size() || j < y.size()) {
      int first_diff = 0;
      while ((i < x.size() && !absl::ascii_isdigit(static_cast<unsigned char>(x[i]))) ||
             (j < y.size() && !absl::ascii_isdigit(static_cast<unsigned char>(y[j])))) {
        int ac = i < x.size() ? order(x[i]) : 0;
        int bc = j < y.size() ? order(y[j]) : 0;
        if (ac != bc) return ac - bc;
        ++i;
        ++j;
      }
      while (i < x.size() && x[i] == '0') ++i;
      while (j < y.size() && y[j] == '0') ++j;
      while (i < x.size() && j < y.size() &&
             absl::ascii_isdigit(static_cast<unsigned char>(x[i])) &&
             absl::ascii_isdigit(static_cast<unsigned char>(y[j]))) {
        if (!first_diff) first_diff = x[i] - y[j];
        ++i;
        ++j;
      }
      if (i < x.size() && absl::ascii_isdigit(static_cast<unsigned char>(x[i]))) return 1;
      if (j < y.size() && absl::ascii_isdigit(static_cast<unsigned char>(y[j]))) return -1;
      if (first_diff) return first_diff;
    }
    return 0;
  };
  int64_t ea, eb;
  absl::string_view ua, ub, ra, rb;
  split(a, &ea, &ua, &ra);
  split(b, &eb, &ub, &rb);
  if (ea != eb) return ea < eb ? -1 : 1;
  if (int c = compare_part(ua, ub); c != 0) return c < 0 ? -1 : 1;
  int c = compare_part(ra, rb);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace bestand
