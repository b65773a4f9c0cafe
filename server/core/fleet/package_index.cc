#include "server/core/fleet/package_index.h"

#include <cstdint>

#include "absl/hash/hash.h"

namespace bestand {

uint64_t PackageIndex::Hash(absl::string_view source, absl::string_view name,
                            absl::string_view architecture, absl::string_view version,
                            absl::string_view publisher) {
  return absl::HashOf(source, name, architecture, version, publisher);
}

int64_t PackageIndex::FindLocked(uint64_t hash) {
  auto it = ids_.find(Probe{hash});
  return it == ids_.end() ? 0 : *it;
}

void PackageIndex::Find(absl::Span<const uint64_t> hashes, absl::Span<int64_t> ids) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (size_t i = 0; i < hashes.size(); ++i) ids[i] = FindLocked(hashes[i]);
}

int64_t PackageIndex::Find(uint64_t hash) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return FindLocked(hash);
}

absl::Status PackageIndex::Add(uint64_t hash, int64_t id) {
  if (id <= 0 || id > UINT32_MAX) {
    return absl::InternalError(absl::StrCat("package id ", id, " is out of range"));
  }
  std::lock_guard<std::shared_mutex> lock(mu_);
  if (hashes_.size() <= static_cast<size_t>(id)) hashes_.resize(id + 1);
  hashes_[id] = hash;
  ids_.insert(static_cast<uint32_t>(id));
  return absl::OkStatus();
}

}  // namespace bestand
