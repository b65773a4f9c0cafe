#include "agent/collect/linux/cpu.h"

#include <climits>
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/collect/linux/util.h"

namespace bestand::agent::collect {
namespace {

// Where architectures keep the CPU's name, best first: x86 and some ARM "model name", 32-bit ARM
// "Processor" (capitalised, unlike the per-CPU "processor" counter), MIPS "cpu model", POWER
// "cpu", RISC-V "uarch".
int ModelKeyRank(absl::string_view key) {
  static constexpr absl::string_view kKeys[] = {"model name", "Processor", "cpu model", "cpu",
                                                "uarch"};
  for (size_t i = 0; i < std::size(kKeys); ++i) {
    if (key == kKeys[i]) return static_cast<int>(i);
  }
  return INT_MAX;
}

// What /proc/cpuinfo has said so far: totals over the whole file, and the fields of the
// "processor" entry being read.
struct CpuInfoTally {
  int threads = 0;
  std::set<std::string> sockets;
  std::map<std::string, int> cores_per_socket;
  std::set<std::pair<std::string, std::string>> core_ids;
  std::string model, arm_implementer, arm_part;
  int model_rank = INT_MAX;

  bool in_processor = false;
  std::string physical_id, core_id;
  int cpu_cores = 0;

  // Adds the current processor entry, if any, to the totals and forgets it.
  void EndProcessor() {
    if (in_processor) {
      if (!physical_id.empty()) {
        sockets.insert(physical_id);
        if (cpu_cores > 0) cores_per_socket[physical_id] = cpu_cores;
      }
      if (!core_id.empty()) core_ids.emplace(physical_id, core_id);
    }
    in_processor = false;
    physical_id.clear();
    core_id.clear();
    cpu_cores = 0;
  }

  void Field(absl::string_view key, absl::string_view value) {
    if (key == "processor") {
      EndProcessor();
      in_processor = true;
      ++threads;
    } else if (key == "physical id") {
      physical_id = std::string(value);
    } else if (key == "core id") {
      core_id = std::string(value);
    } else if (key == "cpu cores") {
      if (!absl::SimpleAtoi(value, &cpu_cores)) cpu_cores = 0;
    } else if (key == "CPU implementer") {
      if (arm_implementer.empty()) arm_implementer = std::string(value);
    } else if (key == "CPU part") {
      if (arm_part.empty()) arm_part = std::string(value);
    } else if (int rank = ModelKeyRank(key); rank < model_rank && !value.empty()) {
      model = std::string(value);
      model_rank = rank;
    }
  }

  // The totals, after the last EndProcessor().
  v1::Cpu ToCpu() const {
    v1::Cpu cpu;
    cpu.set_model(model.empty() ? ArmCoreName(arm_implementer, arm_part) : model);
    cpu.set_threads(threads);
    // ARM and most non-x86 kernels give no topology here; one socket with a core per logical
    // processor is then the honest reading.
    cpu.set_sockets(sockets.empty() ? 1 : static_cast<int>(sockets.size()));
    if (!cores_per_socket.empty()) {
      int cores = 0;
      for (const auto& [socket, n] : cores_per_socket) cores += n;
      cpu.set_cores(cores);
    } else if (!core_ids.empty()) {
      cpu.set_cores(static_cast<int>(core_ids.size()));
    } else {
      cpu.set_cores(threads);
    }
    return cpu;
  }
};

}  // namespace

// arm64 kernels print only the core's part number; these are Arm Ltd's own designs (implementer
// 0x41), which cover most ARM machines an office runs.
std::string ArmCoreName(absl::string_view implementer, absl::string_view part) {
  if (implementer != "0x41") return "";
  static constexpr std::pair<absl::string_view, absl::string_view> kParts[] = {
      {"0xd03", "Cortex-A53"}, {"0xd04", "Cortex-A35"},  {"0xd05", "Cortex-A55"},
      {"0xd07", "Cortex-A57"}, {"0xd08", "Cortex-A72"},  {"0xd09", "Cortex-A73"},
      {"0xd0a", "Cortex-A75"}, {"0xd0b", "Cortex-A76"},  {"0xd0c", "Neoverse-N1"},
      {"0xd0d", "Cortex-A77"}, {"0xd40", "Neoverse-V1"}, {"0xd41", "Cortex-A78"},
      {"0xd44", "Cortex-X1"},  {"0xd46", "Cortex-A510"}, {"0xd47", "Cortex-A710"},
      {"0xd48", "Cortex-X2"},  {"0xd49", "Neoverse-N2"}, {"0xd4f", "Neoverse-V2"}};
  for (const auto& [number, name] : kParts) {
    if (absl::EqualsIgnoreCase(part, number)) return absl::StrCat("ARM ", name);
  }
  return "";
}

absl::StatusOr<v1::Cpu> ParseCpuInfo(absl::string_view text) {
  CpuInfoTally tally;
  ForEachLine(text, [&](absl::string_view line, int) {
    if (absl::StripAsciiWhitespace(line).empty()) {
      tally.EndProcessor();
      return;
    }
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) return;
    tally.Field(absl::StripAsciiWhitespace(line.substr(0, colon)),
                absl::StripAsciiWhitespace(line.substr(colon + 1)));
  });
  tally.EndProcessor();
  if (tally.threads == 0) return absl::InvalidArgumentError("/proc/cpuinfo lists no processor");
  return tally.ToCpu();
}

absl::Status CollectCpu(const std::string& root, v1::InventoryReport* report) {
  std::string text;
  absl::Status st = ReadFileTo(Under(root, "/proc/cpuinfo"), &text);
  if (absl::IsNotFound(st)) return absl::OkStatus();
  if (!st.ok()) return st;
  absl::StatusOr<v1::Cpu> cpu = ParseCpuInfo(text);
  if (!cpu.ok()) return cpu.status();
  *report->mutable_cpu() = *std::move(cpu);
  return absl::OkStatus();
}

}  // namespace bestand::agent::collect
