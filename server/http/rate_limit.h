// A token bucket per peer address: a burst of requests, then a steady refill. Memory is bounded
// (beyond 100,000 addresses every bucket is forgotten, which only ever lets more through).
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace bestand {

class RateLimit {
 public:
  RateLimit(double burst, double refill_per_second)
      : burst_(burst), refill_per_second_(refill_per_second) {}

  // True, taking a token, when `address` has one left.
  bool Allow(const std::string& address);

 private:
  struct Bucket {
    double tokens;
    absl::Time last;
  };
  const double burst_, refill_per_second_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bestand
