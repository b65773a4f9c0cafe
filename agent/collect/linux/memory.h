// Memory: /proc/meminfo.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/agent.pb.h"

namespace bestand::agent::collect {

// Bytes of memory from the last "MemTotal:" line of /proc/meminfo `text` (a value in "kB" is
// multiplied by 1024, one without a unit taken as bytes). InvalidArgument
// "/proc/meminfo has no MemTotal" when there is none, and "/proc/meminfo: cannot read MemTotal
// '...'" when the last one is no non-negative number or names another unit.
absl::StatusOr<int64_t> ParseMemTotal(absl::string_view text);

// report.memory_bytes from /proc/meminfo. An absent file is no error; one that cannot be read
// or parsed is, and memory_bytes then stays unset.
absl::Status CollectMemory(const std::string& root, v1::InventoryReport* report);

}  // namespace bestand::agent::collect
