#include "agent/collect/linux/memory.h"

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent::collect {

absl::StatusOr<int64_t> ParseMemTotal(absl::string_view text) {
  absl::StatusOr<int64_t> result = absl::InvalidArgumentError("/proc/meminfo has no MemTotal");
  ForEachLine(text, [&](absl::string_view line, int) {
    if (!absl::ConsumePrefix(&line, "MemTotal:")) return;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    int64_t value = 0;
    // A value in kB must fit in int64 bytes (no machine has 8 EiB: such a value is corrupt).
    if (parts.empty() || !absl::SimpleAtoi(parts[0], &value) || value < 0 ||
        (parts.size() > 1 && (parts[1] != "kB" || value > INT64_MAX / 1024))) {
      result = absl::InvalidArgumentError(absl::StrCat("/proc/meminfo: cannot read MemTotal '",
                                                       absl::StripAsciiWhitespace(line), "'"));
      return;
    }
    result = parts.size() > 1 ? value * 1024 : value;
  });
  return result;
}

absl::Status CollectMemory(const std::string& root, v1::InventoryReport* report) {
  std::string text;
  absl::Status st = ReadFileTo(Under(root, "/proc/meminfo"), &text);
  if (absl::IsNotFound(st)) return absl::OkStatus();
  if (!st.ok()) return st;
  absl::StatusOr<int64_t> total = ParseMemTotal(text);
  if (!total.ok()) return total.status();
  report->set_memory_bytes(*total);
  return absl::OkStatus();
}

}  // namespace bestand::agent::collect
