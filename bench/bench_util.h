// What the benchmarks share: medians, loopback peers (tests/processes.h), and resources seeded
// from protobuf text.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "common/resources.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "tests/processes.h"

namespace bestand::bench {

// A fresh directory under /tmp for a benchmark's data, removed with everything in it when this
// goes (declare it before what keeps files open there).
class BenchDir {
 public:
  BenchDir() {
    char tmpl[] = "/tmp/bestand-bench-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~BenchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;
  // "" when no directory could be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Reads "--NAME N" pairs, N a positive whole number, into `*counts`, which holds the names
// allowed with their defaults. Prints `usage` and returns false for anything else.
inline bool ParseCounts(int argc, char** argv, std::map<std::string, int>* counts,
                        const char* usage) {
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    auto it = flag.size() > 2 ? counts->find(flag.substr(2)) : counts->end();
    int v = 0;
    if (flag.rfind("--", 0) != 0 || it == counts->end() || i + 1 >= argc ||
        !absl::SimpleAtoi(argv[i + 1], &v) || v <= 0) {
      std::fprintf(stderr, "usage: %s\n", usage);
      return false;
    }
    it->second = v;
  }
  return true;
}

using bestand::testing::FreePort;
using bestand::testing::StartReady;

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Runs `fn` `rounds` times and returns the median wall time in milliseconds; a failed round is
// reported on stderr.
inline double MedianMs(int rounds, const std::function<absl::Status()>& fn) {
  std::vector<double> ms;
  for (int i = 0; i < rounds; ++i) {
    auto start = std::chrono::steady_clock::now();
    absl::Status s = fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    if (!s.ok()) std::fprintf(stderr, "round %d failed: %s\n", i, s.ToString().c_str());
  }
  return Median(ms);
}

// A resource of `kind` from protobuf text format, e.g. "display_name: 'V1'".
inline std::unique_ptr<google::protobuf::Message> ParseResource(Kind kind,
                                                                const std::string& text) {
  std::unique_ptr<google::protobuf::Message> m = NewResource(Spec(kind));
  google::protobuf::TextFormat::ParseFromString(text, m.get());
  return m;
}

}  // namespace bestand::bench
