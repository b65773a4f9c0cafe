// The ids of stored packages by a hash of their identity, in memory.
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace bestand {

// The ids of all stored packages by a 64-bit hash of their identity (source, name,
// architecture, version, publisher): the database keeps no index on those columns, which was as
// large as the table itself. Loaded at start; a lookup allocates nothing. Two different packages
// with equal hashes would share an id: with n packages the chance that any pair does is about
// n^2 / 2^65 (one in 37 million at a million distinct packages).
class PackageIndex {
 public:
  PackageIndex() : ids_(0, ByHash{&hashes_}, SameHash{&hashes_}) {}
  PackageIndex(const PackageIndex&) = delete;
  PackageIndex& operator=(const PackageIndex&) = delete;

  static uint64_t Hash(absl::string_view source, absl::string_view name,
                       absl::string_view architecture, absl::string_view version,
                       absl::string_view publisher);
  // The id of each hash, 0 where unknown.
  void Find(absl::Span<const uint64_t> hashes, absl::Span<int64_t> ids);
  int64_t Find(uint64_t hash);
  // Only committed packages may be added (ids below 2^32).
  absl::Status Add(uint64_t hash, int64_t id);

 private:
  struct Probe {
    uint64_t hash;
  };
  struct ByHash {
    using is_transparent = void;
    const std::vector<uint64_t>* hashes;
    size_t operator()(uint32_t id) const { return (*hashes)[id]; }
    size_t operator()(Probe p) const { return p.hash; }
  };
  struct SameHash {
    using is_transparent = void;
    const std::vector<uint64_t>* hashes;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, Probe b) const { return (*hashes)[a] == b.hash; }
    bool operator()(Probe a, uint32_t b) const { return a.hash == (*hashes)[b]; }
  };
  int64_t FindLocked(uint64_t hash) ABSL_SHARED_LOCKS_REQUIRED(mu_);

  std::shared_mutex mu_;
  std::vector<uint64_t> hashes_ ABSL_GUARDED_BY(mu_);  // by package id
  absl::flat_hash_set<uint32_t, ByHash, SameHash> ids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bestand
