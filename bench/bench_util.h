// What the benchmarks share: medians, and resources seeded from protobuf text.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/resources.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace bestand::bench {

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
