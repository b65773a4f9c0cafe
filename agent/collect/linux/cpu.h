// The processor: /proc/cpuinfo.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bestand/v1/agent.pb.h"

namespace bestand::agent::collect {

// "ARM " and the lscpu-style name of an Arm Ltd core ("ARM Cortex-A72") for /proc/cpuinfo's
// "CPU implementer" and "CPU part" values (part compared case-insensitively), or "" for other
// implementers than 0x41 and parts not known here.
std::string ArmCoreName(absl::string_view implementer, absl::string_view part);

// The processor described by /proc/cpuinfo `text`: threads (one per "processor" entry), sockets
// (distinct "physical id"s, else 1), cores (the sum of "cpu cores" over the sockets, else the
// distinct "core id"s, else one per thread) and the model (the best of the keys architectures
// name it by, else ArmCoreName of the first implementer and part, else ""). InvalidArgument
// "/proc/cpuinfo lists no processor" when there is no "processor" entry.
absl::StatusOr<v1::Cpu> ParseCpuInfo(absl::string_view text);

// report.cpu from /proc/cpuinfo. An absent file is no error; one that cannot be read or parsed
// is, and report.cpu then stays unset.
absl::Status CollectCpu(const std::string& root, v1::InventoryReport* report);

}  // namespace bestand::agent::collect
